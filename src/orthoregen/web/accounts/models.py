"""Clinics (sites) and the staff who work at them."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from orthoregen.web.accounts.roles import Role, role_may


class Site(models.Model):
    """A clinic. In a multi-clinic registry every patient belongs to exactly one site."""

    code = models.SlugField(max_length=20, unique=True, help_text="Short code, e.g. LON1.")
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="Europe/London")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class User(AbstractUser):
    """A member of staff with one role and membership of one or more sites."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COORDINATOR)
    sites = models.ManyToManyField(Site, related_name="staff", blank=True)

    def may(self, action: str) -> bool:
        """Say whether this user's role permits an action (see roles.PERMITTED)."""
        return self.is_active and role_may(self.role, action)
