"""MRI studies received for a follow-up MRI visit, the site's imaging settings, and reads.

A study is stored once per Study Instance UID; its metadata are read from the DICOM files
as received, and the files themselves are kept only de-identified (imaging.deidentify),
and only where the site chooses. Measures are corrected with a reason, never deleted;
django-simple-history keeps every earlier value.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from orthoregen.web.imaging.grading import Measure, Region, measure_problems


def _new_secret() -> str:
    return secrets.token_hex(32)


class SiteImagingSettings(models.Model):
    """How a site keeps the MRI studies it receives. A site without a row keeps no files."""

    SITE_PATH = "site"

    site = models.OneToOneField("accounts.Site", on_delete=models.CASCADE,
                                related_name="imaging_settings")
    keep_files = models.BooleanField(
        default=False, help_text=_("keep the de-identified DICOM files (never the originals)"))
    retain_full_dates = models.BooleanField(
        "retain longitudinal temporal information (full dates)", default=False,
        help_text=_("DICOM PS3.15 E.3.6 option: keep study, series, acquisition and content "
                  "dates and times in the de-identified files"))
    # The key of the replacement UIDs and pseudonyms: the same original UID gives the same
    # new UID at this site, and no one without the key can go back.
    uid_secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    history = HistoricalRecords(excluded_fields=["uid_secret"])

    class Meta:
        verbose_name_plural = _("site imaging settings")

    def __str__(self) -> str:
        return str(_("Imaging settings of %(site)s") % {"site": self.site})


class ReceivedVia(models.TextChoices):
    UPLOAD = "upload", _("Upload page")
    FOLDER = "folder", _("Folder (command line)")
    ZIP = "zip", _("Zip file")
    NETWORK = "network", _("DICOM network (C-STORE)")


class MriStudy(models.Model):
    """One DICOM MR study of a treated joint, linked to the follow-up MRI visit it fulfils."""

    SITE_PATH = "patient__site"

    patient = models.ForeignKey("clinic.Patient", on_delete=models.PROTECT,
                                related_name="mri_studies")
    episode = models.ForeignKey("clinic.JointEpisode", on_delete=models.PROTECT,
                                related_name="mri_studies")
    visit = models.ForeignKey("followup.ScheduledVisit", on_delete=models.PROTECT,
                              related_name="mri_studies")
    study_instance_uid = models.CharField(max_length=64, unique=True)
    deidentified_study_uid = models.CharField(max_length=64, blank=True)
    modality = models.CharField(max_length=16)
    # [{"uid", "number", "description", "instances"}], in series number order.
    series = models.JSONField(default=list)
    body_part = models.CharField("body part examined", max_length=16, blank=True)
    laterality = models.CharField(max_length=1, blank=True)
    study_date = models.DateField()
    study_description = models.CharField(max_length=64, blank=True)
    instances = models.PositiveIntegerField(default=0)
    received_via = models.CharField(max_length=10, choices=ReceivedVia.choices)
    received_from = models.CharField(max_length=200, blank=True,
                                     help_text=_("calling AE title, or the file's name"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(auto_now_add=True)
    files_stored = models.BooleanField(default=False)
    deidentified = models.BooleanField(
        default=False, help_text=_("the stored files were de-identified (PS3.15 Annex E)"))
    retained_full_dates = models.BooleanField(default=False)
    storage_path = models.CharField(max_length=300, blank=True,
                                    help_text=_("under the data directory's dicom folder"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["-study_date", "-id"]
        verbose_name_plural = _("MRI studies")
        constraints = [
            # Never an identifiable file: files are kept only de-identified.
            models.CheckConstraint(condition=Q(files_stored=False) | Q(deidentified=True),
                                   name="mri_files_only_deidentified"),
        ]

    def __str__(self) -> str:
        return f"MRI {self.study_date:%d %b %Y} ({self.episode})"

    @property
    def sequences(self) -> list[str]:
        return [s.get("description") or f"series {s.get('number') or '?'}" for s in self.series]


class StructuralMeasure(models.Model):
    """One value a reader read on a study: a compartment's cartilage or a region's grade."""

    SITE_PATH = "study__patient__site"

    study = models.ForeignKey(MriStudy, on_delete=models.PROTECT, related_name="measures")
    region = models.CharField(max_length=20, choices=Region.choices)
    measure = models.CharField(max_length=30, choices=Measure.choices)
    value = models.DecimalField(max_digits=8, decimal_places=2)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                related_name="+")
    read_at = models.DateTimeField()
    correction_reason = models.CharField(max_length=300, blank=True,
                                         help_text=_("why the last value was changed"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["study", "region", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["study", "region", "measure"],
                                    name="one_measure_per_study_region"),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.value:g} ({self.get_region_display()})"

    def clean(self) -> None:
        if self.value is None or not self.measure or not self.region or not self.study_id:
            return
        problems = measure_problems(self.measure, self.region, self.value,
                                    joint=self.study.episode.joint)
        if problems:
            raise ValidationError(problems)
