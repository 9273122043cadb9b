"""Django admin, open only to the clinic administrator role."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from orthoregen.web.accounts.roles import Role


class OrthoregenAdminSite(admin.AdminSite):
    site_header = "orthoregen administration"
    site_title = "orthoregen admin"

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and user.role == Role.ADMIN)


class OrthoregenAdminConfig(AdminConfig):
    default_site = "orthoregen.web.admin_site.OrthoregenAdminSite"
