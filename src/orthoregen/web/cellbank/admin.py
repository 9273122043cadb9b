"""Admin pages for the cell lab's records, confined to the administrator's own sites.

The cell lab's records are written by its services, which keep the chain of custody: every
status change goes through the status machine and leaves a custody event, an administration
follows only a passed bedside check, a donor's eligibility changes only by a determination
step. So the admin shows every record, scoped to the administrator's sites and with its
history, and lets a user with Django's change permission correct only descriptive fields
that no rule reads. Nothing is added or deleted here (1271.290: every unit stays traceable),
and the records the audit trail rests on (custody events, bedside check attempts, QC results,
administrations; append-only electronic records, 21 CFR Part 11,
docs/cell-products.md#chain-of-custody) are read-only altogether, as are product
investigations, which are closed on their own page with a required conclusion.
"""

from django.contrib import admin

from orthoregen.web.accounts.roles import Action
from orthoregen.web.cellbank.models import (
    Administration,
    BedsideCheckAttempt,
    CustodyEvent,
    Donor,
    DonorTest,
    Harvest,
    InvestigationFinding,
    InvestigationRecipient,
    Procedure,
    ProcedureJoint,
    ProductInvestigation,
    ProductUnit,
    QcResult,
    ReleaseSpecVersion,
    SiteCellLabSettings,
)
from orthoregen.web.clinic.admin import SiteScopedAdmin


class CellbankAdmin(SiteScopedAdmin):
    """Scoped, viewable by the administrator role, editable only in `editable_fields`; history
    is shown for own rows and never restored (SiteScopedAdmin)."""

    editable_fields: tuple[str, ...] = ()

    def has_module_permission(self, request):
        return request.user.may(Action.VIEW_PATIENT)

    def has_view_permission(self, request, obj=None):
        # The role table, not Django's per-model permissions, says who reads patient data.
        return request.user.may(Action.VIEW_PATIENT)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return bool(self.editable_fields) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        # SiteScopedAdmin's own list makes every field of an old version read-only.
        readonly = super().get_readonly_fields(request, obj)
        return [name for name in self.get_fields(request, obj)
                if name not in self.editable_fields or name in readonly]


@admin.register(Donor)
class DonorAdmin(CellbankAdmin):
    list_display = ["code", "donor_type", "eligibility", "determined_at", "site"]
    list_filter = ["donor_type", "eligibility"]
    list_select_related = ["site"]
    search_fields = ["code"]
    editable_fields = ("tested_person", "consent_version", "screening_questionnaire_version")


@admin.register(DonorTest)
class DonorTestAdmin(CellbankAdmin):
    list_display = ["donor", "analyte", "result", "specimen_date", "recorded_by"]
    list_filter = ["analyte", "result"]
    list_select_related = ["donor", "recorded_by"]
    search_fields = ["donor__code"]


@admin.register(Harvest)
class HarvestAdmin(CellbankAdmin):
    list_display = ["patient", "source", "body_site", "harvested_at", "operator"]
    list_filter = ["source"]
    list_select_related = ["patient", "operator"]
    search_fields = ["patient__mrn"]
    editable_fields = ("body_site", "volume_ml")


@admin.register(ProductUnit)
class ProductUnitAdmin(CellbankAdmin):
    list_display = ["identifier", "product_class", "status", "sterility", "expires_at", "site"]
    list_filter = ["status", "sterility", "product_class"]
    list_select_related = ["site"]
    search_fields = ["identifier"]
    # Counts, viability and volume feed the dose and the endotoxin limit: read-only.
    editable_fields = ("storage", "processing_site", "processing_operator", "sop_version",
                       "passage")


@admin.register(ReleaseSpecVersion)
class ReleaseSpecVersionAdmin(CellbankAdmin):
    """Read-only, drafts included: a specification changes only through its lifecycle pages
    (copy, edit, the system's checks, a second person's signed approval, signed publication;
    cellbank.services.specifications), and units were released against each published
    version as it stands. Nothing is added, changed or deleted here."""

    list_display = ["spec_id", "version", "status", "effective_from", "published_at", "site"]
    list_filter = ["status"]
    list_select_related = ["site"]


@admin.register(QcResult)
class QcResultAdmin(CellbankAdmin):
    list_display = ["unit", "test", "shown", "at", "by"]
    list_filter = ["test", "outcome"]
    list_select_related = ["unit", "by"]
    search_fields = ["unit__identifier"]


@admin.register(CustodyEvent)
class CustodyEventAdmin(CellbankAdmin):
    list_display = ["unit", "from_status", "to_status", "at", "by", "location"]
    list_filter = ["to_status"]
    list_select_related = ["unit", "by"]
    search_fields = ["unit__identifier"]


@admin.register(Procedure)
class ProcedureAdmin(CellbankAdmin):
    list_display = ["patient", "performed_on", "operator", "time_out_completed"]
    list_select_related = ["patient", "operator"]
    search_fields = ["patient__mrn"]
    editable_fields = ("notes",)


@admin.register(ProcedureJoint)
class ProcedureJointAdmin(CellbankAdmin):
    list_display = ["procedure", "episode", "guidance", "injectate_volume_ml", "cell_dose"]
    list_select_related = ["procedure", "episode"]
    editable_fields = ("indication", "adjuncts", "complications")


@admin.register(BedsideCheckAttempt)
class BedsideCheckAttemptAdmin(CellbankAdmin):
    list_display = ["procedure_joint", "scanned_identifier", "passed", "at", "by"]
    list_filter = ["passed"]
    list_select_related = ["procedure_joint__episode", "by"]


@admin.register(Administration)
class AdministrationAdmin(CellbankAdmin):
    list_display = ["procedure_joint", "unit", "administered_at", "by"]
    list_select_related = ["procedure_joint__episode", "unit", "by"]
    search_fields = ["unit__identifier"]


@admin.register(ProductInvestigation)
class ProductInvestigationAdmin(CellbankAdmin):
    list_display = ["pk", "lot", "status", "opened_at", "closed_at", "site"]
    list_filter = ["status"]
    list_select_related = ["lot", "site"]
    search_fields = ["lot__identifier"]


@admin.register(InvestigationFinding)
class InvestigationFindingAdmin(CellbankAdmin):
    list_display = ["investigation", "reason", "notified_at"]
    list_select_related = ["investigation__lot"]


@admin.register(InvestigationRecipient)
class InvestigationRecipientAdmin(CellbankAdmin):
    list_display = ["investigation", "administration", "detail"]
    list_select_related = ["investigation__lot", "administration__procedure_joint__episode"]


@admin.register(SiteCellLabSettings)
class SiteCellLabSettingsAdmin(SiteScopedAdmin):
    """The site's administrator decides who signs a release (two people or one)."""

    list_display = ["site", "two_person_release_allogeneic", "two_person_release_autologous"]
    list_select_related = ["site"]

    def has_delete_permission(self, request, obj=None):
        return False
