from django.urls import path

from orthoregen.web.cellbank.views import donors, investigations, lookback, units

app_name = "cellbank"
urlpatterns = [
    path("", units.units, name="units"),
    path("units/receive/", units.unit_receive, name="unit-receive"),
    path("units/<int:unit_id>/", units.unit_detail, name="unit-detail"),
    path("units/<int:unit_id>/qc/", units.unit_qc, name="unit-qc"),
    path("units/<int:unit_id>/qc-panel/", units.unit_qc_panel, name="unit-qc-panel"),
    path("units/<int:unit_id>/release/", units.unit_release, name="unit-release"),
    path("units/<int:unit_id>/release/second-signature/", units.unit_release_countersign,
         name="unit-release-countersign"),
    path("units/<int:unit_id>/qc/verify/", units.unit_qc_verify, name="unit-qc-verify"),
    path("units/<int:unit_id>/issue/", units.unit_issue, name="unit-issue"),
    path("units/<int:unit_id>/discard/", units.unit_discard, name="unit-discard"),
    path("units/<int:unit_id>/recall/", units.unit_recall, name="unit-recall"),
    path("units/<int:unit_id>/expire/", units.unit_expire, name="unit-expire"),
    path("units/<int:unit_id>/split/", units.unit_split, name="unit-split"),
    path("units/<int:unit_id>/label/", units.unit_label_page, name="unit-label-page"),
    path("units/<int:unit_id>/label.svg", units.unit_label, name="unit-label"),
    path("units/<int:unit_id>/label.pdf", units.unit_label_pdf, name="unit-label-pdf"),
    path("donors/", donors.donors, name="donors"),
    path("donors/new/", donors.donor_create, name="donor-create"),
    path("donors/<int:donor_id>/", donors.donor_detail, name="donor-detail"),
    path("donors/<int:donor_id>/tests/", donors.donor_test_add, name="donor-test-add"),
    path("donors/<int:donor_id>/determination/", donors.donor_determine, name="donor-determine"),
    path("lookback/", lookback.lookback_page, name="lookback"),
    path("investigations/<int:investigation_id>/", investigations.investigation_detail,
         name="investigation-detail"),
    path("investigations/<int:investigation_id>/close/", investigations.investigation_close,
         name="investigation-close"),
    path("patients/<int:patient_id>/products/", lookback.patient_products, name="patient-products"),
    path("patients/<int:patient_id>/harvests/new/", lookback.harvest_create, name="harvest-create"),
]
