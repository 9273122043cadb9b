"""Django settings for orthoregen, read from the environment.

ORTHOREGEN_ENV selects the mode: `production` (the default: safe settings, SECRET_KEY and
ALLOWED_HOSTS required), `demo` (local synthetic clinic on 127.0.0.1) or `test`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from orthoregen.web.environment import env_bool, env_choice, env_int, env_list, env_str

MODE = env_choice("ORTHOREGEN_ENV", ("production", "demo", "test"), default="production")
IS_PRODUCTION = MODE == "production"
PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("ORTHOREGEN_DATA_DIR", "var")).resolve()


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production needs a long random SECRET_KEY in the environment."
        )
    if MODE == "test":
        return "test-only-insecure-key"
    # The demo keeps one generated key in its data directory so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: name the host names this server answers.")

_database_url = env_str("DATABASE_URL")
# dj-database-url's typed result for a URL; a plain dict with a Path name for SQLite.
DATABASES: dict[str, Any]
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles each large query before running it: 70-100 ms per
        # dashboard query measured at 100k patients, more than it ever saved (bench/README).
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "orthoregen.sqlite3",
            # A busy timeout keeps gunicorn's workers from failing on a concurrent write.
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "orthoregen.web.admin_site.OrthoregenAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # the API docs page from its own static files, never a CDN (docs/api.md)
    "simple_history",
    # Staff sign-in: second factor and lockout. Before accounts, whose admin replaces
    # django-otp's device pages.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "orthoregen.web.accounts",
    "orthoregen.web.audit",
    "orthoregen.web.clinic",
    # Pathway stages, in the order of web/stages.py.
    "orthoregen.web.consultation",
    "orthoregen.web.cellbank",
    "orthoregen.web.procedures",
    "orthoregen.web.followup",
    "orthoregen.web.safety",
    "orthoregen.web.portal",
    "orthoregen.web.evidence",
    "orthoregen.web.registry",
    "orthoregen.web.imaging",
    "orthoregen.web.imports",
    "orthoregen.web.api",
    "orthoregen.web.fhir",
]
if MODE in ("demo", "test"):
    INSTALLED_APPS.append("orthoregen.web.synthetic")  # fake patients: never in production

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "orthoregen.web.security.ContentSecurityPolicyMiddleware",
    "orthoregen.web.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "orthoregen.web.accounts.access.RequestCache",  # the user's site ids, once per request
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "orthoregen.web.accounts.middleware.SessionTimeoutMiddleware",
    "orthoregen.web.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "orthoregen.web.audit.middleware.AccessTrailMiddleware",  # every patient page, refusal
    # Last, as django-axes requires: it turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "orthoregen.web.urls"
WSGI_APPLICATION = "orthoregen.web.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in
    "django.contrib.auth.backends.ModelBackend",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orthoregen.web.context.orthoregen",
            ],
        },
    }
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "orthoregen.web.accounts.validators.RepetitiveOrSequentialValidator"},
]

# Staff sign-in (OWASP ASVS 4.0.3 V2, V3; HIPAA 45 CFR 164.312(a)(2)(iii) and (d)).
# A second factor (authenticator app, or a recovery code) for every staff member and the
# admin; off by default only in the demo and tests, so the demo works with its password.
ORTHOREGEN_REQUIRE_MFA = env_bool("ORTHOREGEN_REQUIRE_MFA", default=IS_PRODUCTION)
# FHIR $export jobs: run by `orthoregen fhir work` (cron or systemd, durable: a queued job
# waits in the database) or, when true, also in a thread of the web process at kick-off (lost
# if the process is recycled mid-job). On only in the demo, which has no cron (docs/fhir.md).
FHIR_EXPORT_THREAD = env_bool("ORTHOREGEN_FHIR_EXPORT_THREAD", default=MODE == "demo")
OTP_TOTP_ISSUER = "orthoregen"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# django-axes counts wrong passwords by user name and by address; either reaching the limit
# locks sign-in until an administrator unlocks it or the lockout time passes. A sign-in that
# succeeds clears the count, so the limit is on wrong passwords in a row.
AXES_FAILURE_LIMIT = env_int("ORTHOREGEN_LOGIN_FAILURE_LIMIT", default=10, minimum=1)
_lockout_minutes = env_int("ORTHOREGEN_LOCKOUT_MINUTES", default=30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_lockout_minutes) if _lockout_minutes else None
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "orthoregen.web.accounts.views.sign_in_locked"
# The address as the audit trail records it (REMOTE_ADDR, set by the proxy; see audit).
AXES_CLIENT_IP_CALLABLE = "orthoregen.web.audit.services.client_address"
AXES_ENABLE_ADMIN = False  # accounts/admin.py shows lockouts to the platform operator only

LANGUAGE_CODE = "en-gb"
# Staff pages use LANGUAGE_CODE; the portal and patient messages switch to the patient's own
# language (clinic.languages) for that one request or message, never from a browser cookie.
LANGUAGES = [("en-gb", "English"), ("es", "Spanish")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# One date format per locale in forms and pages, "06 Dec 2026" for English (clinic/dates.py).
FORMAT_MODULE_PATH = ["orthoregen.web.clinic.formats"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers and cookies: on by default, relaxed only for the local demo and tests,
# which serve plain HTTP on 127.0.0.1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one clinic day, from sign-in (accounts.middleware)
ORTHOREGEN_SESSION_IDLE_MINUTES = env_int("ORTHOREGEN_SESSION_IDLE_MINUTES", default=15,
                                          minimum=1)
ORTHOREGEN_ENFORCE_SESSION_LIMITS = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=IS_PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_HSTS_SECONDS = 31_536_000 if IS_PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)

# Messages to patients and staff. The demo prints email to the console; production sends
# through SMTP (EMAIL_HOST etc.), and text messages through ORTHOREGEN_SMS_BACKEND.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
                        if MODE == "demo" else "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=IS_PRODUCTION)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "orthoregen@localhost")
ORTHOREGEN_SMS_BACKEND = env_str("ORTHOREGEN_SMS_BACKEND")
# Minutes a baseline invitation waits after the patient's latest candidacy decision, so a
# patient decided on for several joints gets one message naming them all (docs/follow-up.md).
ORTHOREGEN_BASELINE_SETTLE_MINUTES = env_int("ORTHOREGEN_BASELINE_SETTLE_MINUTES", default=30)
# The public address of the patient portal, used in invitation links sent by `remind`.
ORTHOREGEN_PORTAL_URL = env_str("ORTHOREGEN_PORTAL_URL")
# Requests per ten minutes to the patient portal, per address and per private link
# (portal/limits.py); 0 turns a limit off.
ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS = env_int("ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS",
                                              default=300)
ORTHOREGEN_PORTAL_LIMIT_PER_LINK = env_int("ORTHOREGEN_PORTAL_LIMIT_PER_LINK", default=100)
# API calls a minute per token (api/limits.py); 0 turns the limit off.
ORTHOREGEN_API_LIMIT_PER_TOKEN = env_int("ORTHOREGEN_API_LIMIT_PER_TOKEN", default=120)

# The dashboard caches computed summaries; a file cache in the data directory is shared by
# every gunicorn worker on the machine (the per-process default is not).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache",
    }
}

if MODE == "test":
    # Live-server threads must not keep connections open past a request, or PostgreSQL
    # refuses to drop the test database at the end of the run.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    # Tests log in once and then move the clock by hours, and share one cache for the whole
    # run; the tests of session limits and of the portal's rate limit switch them on.
    ORTHOREGEN_ENFORCE_SESSION_LIMITS = False
    ORTHOREGEN_PORTAL_LIMIT_PER_ADDRESS = ORTHOREGEN_PORTAL_LIMIT_PER_LINK = 0
    ORTHOREGEN_API_LIMIT_PER_TOKEN = 0
    STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    # Tests serve static files straight from the package, with no collectstatic step.
    STATIC_ROOT = None
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
