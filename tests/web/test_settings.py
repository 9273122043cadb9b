"""Settings read from the environment: safe in production, strict about typos."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from orthoregen.web.environment import env_bool, env_int, env_list


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items()
             if k not in {"ORTHOREGEN_ENV", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                          "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    code = ("from orthoregen.web import settings as s; "
            "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
            "s.DATABASES['default']['ENGINE'])")
    return subprocess.run([sys.executable, "-c", code], env={**clean, **env},
                          capture_output=True, text=True)


def test_production_refuses_to_start_without_secret_key(tmp_path):
    result = load_settings(ALLOWED_HOSTS="clinic.example.org", ORTHOREGEN_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_defaults_are_secure(tmp_path):
    result = load_settings(SECRET_KEY="x" * 50, ALLOWED_HOSTS="clinic.example.org",
                           ORTHOREGEN_DATA_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "31536000",
                                     "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql(tmp_path):
    result = load_settings(ORTHOREGEN_ENV="test", ORTHOREGEN_DATA_DIR=str(tmp_path),
                           DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert result.stdout.split()[-1] == "django.db.backends.postgresql"


def test_a_mistyped_boolean_stops_start_up(tmp_path):
    result = load_settings(ORTHOREGEN_ENV="test", DEBUG="ture", ORTHOREGEN_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'ture'" in result.stderr


def test_an_unknown_mode_stops_start_up(tmp_path):
    result = load_settings(ORTHOREGEN_ENV="staging", ORTHOREGEN_DATA_DIR=str(tmp_path))
    assert "ORTHOREGEN_ENV must be one of production, demo, test" in result.stderr


def test_debug_yes_stops_start_up(tmp_path):
    # The README promises true/false only; "yes" must not quietly turn DEBUG on.
    result = load_settings(ORTHOREGEN_ENV="test", DEBUG="yes", ORTHOREGEN_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'yes'" in result.stderr


@pytest.mark.parametrize("raw, expected", [("true", True), ("FALSE", False), ("True", True),
                                           (" false ", False)])
def test_env_bool_accepts_true_or_false(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=not expected) is expected


@pytest.mark.parametrize("raw", ["maybe", "yes", "no", "1", "0", "on", "off", "t"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG", default=False)


@pytest.mark.parametrize("raw, expected", [(None, 15), ("0", 0), ("30", 30)])
def test_env_int_reads_whole_numbers(monkeypatch, raw, expected):
    if raw is not None:
        monkeypatch.setenv("MINUTES", raw)
    assert env_int("MINUTES", default=15) == expected


@pytest.mark.parametrize("raw", ["-1", "1.5", "ten", "5"])
def test_env_int_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv("MINUTES", raw)
    with pytest.raises(ImproperlyConfigured, match="MINUTES must be a whole number of at least 6"):
        env_int("MINUTES", default=15, minimum=6)


def test_env_list_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " a.example, ,b.example ")
    assert env_list("HOSTS", default=[]) == ["a.example", "b.example"]


def test_responses_carry_security_headers(client):
    response = client.get("/login/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
