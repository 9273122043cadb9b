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

    def get_app_list(self, request, app_label=None):
        """List the apps only for someone admitted: never on the login page itself.

        Django builds the list for every admin page, the login page included, by asking each
        model admin; ours ask the user's role (``user.may``), which an anonymous visitor does
        not have, so listing for them ended in a 500.
        """
        if not self.has_permission(request):
            return []
        return super().get_app_list(request, app_label)


class OrthoregenAdminConfig(AdminConfig):
    default_site = "orthoregen.web.admin_site.OrthoregenAdminSite"
