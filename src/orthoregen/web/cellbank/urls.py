from django.urls import path

from orthoregen.web.cellbank import views_investigation as inv
from orthoregen.web.cellbank import views_lab as lab
from orthoregen.web.cellbank import views_lookback as lb

app_name = "cellbank"
urlpatterns = [
    path("", lab.units, name="units"),
    path("units/receive/", lab.unit_receive, name="unit-receive"),
    path("units/<int:unit_id>/", lab.unit_detail, name="unit-detail"),
    path("units/<int:unit_id>/qc/", lab.unit_qc, name="unit-qc"),
    path("units/<int:unit_id>/release/", lab.unit_release, name="unit-release"),
    path("units/<int:unit_id>/issue/", lab.unit_issue, name="unit-issue"),
    path("units/<int:unit_id>/discard/", lab.unit_discard, name="unit-discard"),
    path("units/<int:unit_id>/recall/", lab.unit_recall, name="unit-recall"),
    path("units/<int:unit_id>/expire/", lab.unit_expire, name="unit-expire"),
    path("units/<int:unit_id>/split/", lab.unit_split, name="unit-split"),
    path("units/<int:unit_id>/label.svg", lab.unit_label, name="unit-label"),
    path("donors/", lb.donors, name="donors"),
    path("donors/new/", lb.donor_create, name="donor-create"),
    path("donors/<int:donor_id>/", lb.donor_detail, name="donor-detail"),
    path("donors/<int:donor_id>/tests/", lb.donor_test_add, name="donor-test-add"),
    path("donors/<int:donor_id>/determination/", lb.donor_determine, name="donor-determine"),
    path("lookback/", lb.lookback_page, name="lookback"),
    path("investigations/<int:investigation_id>/", inv.investigation_detail,
         name="investigation-detail"),
    path("investigations/<int:investigation_id>/close/", inv.investigation_close,
         name="investigation-close"),
    path("patients/<int:patient_id>/products/", lb.patient_products, name="patient-products"),
    path("patients/<int:patient_id>/harvests/new/", lb.harvest_create, name="harvest-create"),
]
