"""Patient data is never cached; production mail, links and sign-in default to the safe side."""

import argparse
import os
import subprocess
import sys

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse

from orthoregen.web.accounts.deploy_checks import portal_url_check, second_factor_check


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_patient_page_is_not_stored(as_user, clinician_a, patient_a):
    response = as_user(clinician_a).get(f"/patients/{patient_a.pk}/")
    assert response.status_code == 200 and no_store(response)


def test_the_pdf_report_is_not_stored(as_user, coordinator_a, patient_a):
    response = as_user(coordinator_a).get(reverse("registry:patient-report-pdf",
                                                  args=[patient_a.pk]))
    assert response["Content-Type"] == "application/pdf" and no_store(response)


@pytest.mark.parametrize("path", ["/login/", "/portal/results/", "/portal/q/not-a-link/",
                                  "/admin/login/", "/no-such-page/"])
def test_every_other_answer_is_not_stored_either(client, db, path):
    assert no_store(client.get(path))


def test_static_files_stay_cacheable(client):
    response = client.get("/static/orthoregen/app.css")
    assert response.status_code == 200 and not no_store(response)


def load_settings(*names: str, **env) -> list[str]:
    """Print settings from a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("ORTHOREGEN_", "EMAIL_", "DJANGO_"))
             and k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL"}}
    code = ("from orthoregen.web import settings as s; print(*(getattr(s, n) for n in "
            f"{list(names)!r}))")
    result = subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


PRODUCTION = {"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "clinic.example.org"}
SETTINGS = ("EMAIL_USE_TLS", "ORTHOREGEN_REQUIRE_MFA", "ORTHOREGEN_SESSION_IDLE_MINUTES",
            "AXES_FAILURE_LIMIT")


def test_production_defaults(tmp_path):
    assert load_settings(*SETTINGS, ORTHOREGEN_DATA_DIR=str(tmp_path), **PRODUCTION) == \
        ["True", "True", "15", "10"]


@pytest.mark.parametrize("mode", ["demo", "test"])
def test_the_demo_and_tests_sign_in_with_a_password_and_send_plain_mail(tmp_path, mode):
    assert load_settings(*SETTINGS, ORTHOREGEN_ENV=mode, ORTHOREGEN_DATA_DIR=str(tmp_path)) \
        == ["False", "False", "15", "10"]


def test_each_default_can_be_changed(tmp_path):
    assert load_settings(*SETTINGS, ORTHOREGEN_DATA_DIR=str(tmp_path), EMAIL_USE_TLS="false",
                         ORTHOREGEN_REQUIRE_MFA="false", ORTHOREGEN_SESSION_IDLE_MINUTES="5",
                         ORTHOREGEN_LOGIN_FAILURE_LIMIT="5", **PRODUCTION) == \
        ["False", "False", "5", "5"]


def remind(*argv):
    from orthoregen.web.followup import commands

    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers())
    args = parser.parse_args(["remind", *argv])
    return args.handler(args)


def test_production_remind_refuses_without_the_portal_url(settings, capsys, db):
    settings.MODE = "production"
    settings.ORTHOREGEN_PORTAL_URL = None
    assert remind("--now", "2026-04-01T10:00:00+01:00") == 2
    err = capsys.readouterr().err
    assert "ORTHOREGEN_PORTAL_URL is not set" in err and "nothing was sent" in err
    assert mail.outbox == []


def test_production_remind_runs_with_the_portal_url(settings, capsys, db):
    settings.MODE = "production"
    settings.ORTHOREGEN_PORTAL_URL = "https://clinic.example.org"
    assert remind("--now", "2026-04-01T10:00:00+01:00") == 0


@pytest.mark.parametrize("url, warned", [(None, True), ("http://clinic.example.org", True),
                                         ("https://clinic.example.org", False)])
def test_the_deploy_check_warns_without_an_https_portal_url(settings, url, warned):
    settings.ORTHOREGEN_PORTAL_URL = url
    assert [w.id for w in portal_url_check()] == (["orthoregen.W010"] if warned else [])


def test_the_deploy_check_warns_when_the_second_factor_is_off(settings):
    settings.ORTHOREGEN_REQUIRE_MFA = False
    assert [w.id for w in second_factor_check()] == ["orthoregen.W011"]
    settings.ORTHOREGEN_REQUIRE_MFA = True
    assert second_factor_check() == []


def test_the_deploy_checks_run_only_with_deploy(settings):
    settings.ORTHOREGEN_PORTAL_URL = None
    deploy = {m.id for m in run_checks(include_deployment_checks=True)}
    assert {"orthoregen.W010", "orthoregen.W011"} <= deploy
    assert "orthoregen.W010" not in {m.id for m in run_checks()}
