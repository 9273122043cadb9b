"""Clinics (sites), the staff who work at them, and who each site alerts about safety.

Electronic signatures are models of this app kept in signatures.py, imported here.
"""

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.web.accounts.roles import Role, role_may
from orthoregen.web.accounts.signatures import Signature, SigningRefusal


class Site(models.Model):
    """A clinic. In a multi-clinic registry every patient belongs to exactly one site."""

    code = models.SlugField(max_length=20, unique=True, help_text=_("Short code, e.g. LON1."))
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    # Printed on every product label as the releasing establishment (21 CFR 1271.370(c)(1)).
    address = models.TextField(blank=True, help_text=_("Postal address printed on product labels."))
    # ICCBBA ST-001 v6.2.2 DS001: the five-character Facility Identification Number that opens
    # the DINs this site assigns; blank when the site has none (its labels show the DIN's FIN).
    facility_identification_number = models.CharField(
        "facility identification number (FIN)", max_length=5, blank=True,
        validators=[RegexValidator(r"^[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}$",
                                   "A FIN is five characters, e.g. G1234 (ISBT 128 DS001).")],
        help_text=_("ISBT 128 Facility Identification Number assigned by ICCBBA, e.g. G1234."))
    # Set only by the synthetic-data loader, never by a form: `orthoregen synth` refuses to
    # write into a database holding patients of a site without it.
    is_synthetic = models.BooleanField(default=False, editable=False)

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


class InstrumentLicence(models.Model):
    """A licence a site holds to put a proprietary instrument's wording before patients.

    Scoring never depends on it (scores are facts); sending a questionnaire does, for every
    instrument whose wording the open-source code may not ship
    (docs/instruments.md#licences-and-item-wording).
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="instrument_licences")
    instrument_id = models.CharField(max_length=40)
    licence_reference = models.CharField(
        max_length=200, help_text=_("Licence or agreement number, e.g. from Mapi Research Trust."))
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["site", "instrument_id"]
        constraints = [models.UniqueConstraint(fields=["site", "instrument_id"],
                                               name="licence_unique_per_site_instrument")]

    def __str__(self) -> str:
        return f"{self.instrument_id} at {self.site.code} ({self.licence_reference})"

    def clean(self) -> None:
        from orthoregen.instruments import instrument_ids

        if self.instrument_id not in instrument_ids():
            raise ValidationError({"instrument_id": gettext(
                "Unknown instrument %(instrument)r; known: %(known)s.") % {
                    "instrument": self.instrument_id,
                    "known": ", ".join(sorted(instrument_ids()))}})
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": gettext(
                "The licence cannot end before it starts.")})

    def is_current(self, day: date) -> bool:
        """Say whether the licence covers a day."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class SiteSafetyLead(models.Model):
    """A member of staff alerted at once about every serious adverse event of a site."""

    SITE_PATH = "site"

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE,
                             related_name="safety_leads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="safety_lead_of")
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "user"],
                                               name="one_safety_lead_row_per_user")]

    def __str__(self) -> str:
        return f"{self.user} (safety lead, {self.site.code})"


__all__ = ["InstrumentLicence", "Signature", "SigningRefusal", "Site", "SiteSafetyLead", "User"]
