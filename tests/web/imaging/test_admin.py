"""The imaging admin pages show a site's own studies and reads only, and delete nothing."""

import pytest
from django.urls import reverse
from tests.web.imaging.conftest import mr_images

from orthoregen.web.imaging import services
from orthoregen.web.imaging.models import SiteImagingSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def superadmin_a(admin_a):
    admin_a.is_superuser = True
    admin_a.save()
    return admin_a


@pytest.fixture
def study(tmp_path, site_a, mri_visit_a):
    instances, via = services.read_path(mr_images(tmp_path / "study"))
    [outcome] = services.ingest(instances, site=site_a, received_via=via)
    return outcome.study


def test_the_studies_of_the_admins_site_only_and_never_deleted(as_user, superadmin_a,
                                                               clinician_b, study):
    client = as_user(superadmin_a)
    listed = client.get(reverse("admin:imaging_mristudy_changelist"))
    assert listed.status_code == 200 and str(study.patient) in listed.content.decode()
    assert client.get(reverse("admin:imaging_mristudy_change", args=[study.pk])).status_code \
        == 200
    delete = client.post(reverse("admin:imaging_mristudy_delete", args=[study.pk]),
                         {"post": "yes"})
    assert delete.status_code == 403
    study.refresh_from_db()
    other = as_user(clinician_b)
    assert other.get(reverse("admin:imaging_mristudy_changelist")).status_code in (302, 403)


def test_another_sites_settings_are_not_found(as_user, superadmin_a, site_b):
    theirs = SiteImagingSettings.objects.create(site=site_b)
    client = as_user(superadmin_a)
    page = client.get(reverse("admin:imaging_siteimagingsettings_change", args=[theirs.pk]))
    assert page.status_code in (302, 404)
