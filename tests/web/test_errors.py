"""A failure shows a calm page with a reference that is in the log; a database outage a 503."""

import logging
import re

import pytest
from django.test import override_settings


@pytest.fixture
def failing_client(client):
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF="tests.web.failing_urls", DEBUG=False):
        yield client


def test_a_server_error_shows_a_reference_that_the_log_carries(failing_client, caplog, db):
    with caplog.at_level(logging.ERROR, logger="orthoregen.errors"):
        response = failing_client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page and "Traceback" not in page
    reference = re.search(r"Reference ([0-9a-f]{12})", page).group(1)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])
    assert response["Cache-Control"] == "no-store"


def test_an_unreachable_database_shows_the_maintenance_page(failing_client, caplog, db):
    with caplog.at_level(logging.ERROR, logger="orthoregen.errors"):
        response = failing_client.get("/database-down/")
    assert response.status_code == 503 and response["Retry-After"] == "60"
    page = response.content.decode()
    assert "briefly unavailable" in page and "Connection refused" not in page
    assert any("database unavailable" in r.getMessage() for r in caplog.records)


def test_a_refused_page_says_so_in_words_not_a_bare_forbidden(as_user, lab_a):
    """A lab technologist registering a patient gets the calm 403 page, not Django's."""
    response = as_user(lab_a).get("/patients/new/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "This page is not open to your role" in page and "403 Forbidden" not in page
    assert "ask your clinic's administrator" in page


def test_a_missing_page_says_nothing_about_whether_a_record_exists(as_user, clinician_a):
    response = as_user(clinician_a).get("/patients/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "There is no such page or record here" in page and "Not Found" not in page
