"""Django settings for Nahrain.

Everything a deployment changes comes from the environment. With nothing set, Nahrain runs as the
embedded default: SQLite in WAL mode under a local data folder, a secret key generated once and
kept there, background jobs on the database task backend, one process.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _default_data_dir() -> Path:
    # A checkout keeps its data beside the code (var/, ignored by git); an installed package
    # keeps it in the user's data folder.
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").exists():
        return checkout / "var"
    return Path.home() / ".local" / "share" / "nahrain"


DATA_DIR = Path(os.environ.get("NAHRAIN_DATA_DIR") or _default_data_dir())


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    # The embedded default generates its key once and keeps it, so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    "django_tasks",
    "nahrain.core",
    "nahrain.geo",
    "nahrain.intake",
    "nahrain.displacement",
    "nahrain.collect",
    "nahrain.sites",
    "nahrain.registry",
    "nahrain.referrals",
    "nahrain.health",
    "nahrain.assistance",
    "nahrain.feedback",
    "nahrain.coordination",
    # After intake, whose db_worker command (the same, failing the jobs of dead workers) wins.
    "django_tasks_db",
    # Last: it loads every other app's slice of the generated Iraq response.
    "nahrain.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "nahrain.core.middleware.RequestIdMiddleware",
    "nahrain.core.middleware.UnstorableTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "nahrain.core.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "nahrain.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "nahrain.urls"
# A refused form (no or a stale security token) answers in Nahrain's look and the reader's
# language.
CSRF_FAILURE_VIEW = "nahrain.core.views.csrf_failure"
WSGI_APPLICATION = "nahrain.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nahrain.collect.context_processors.navigation",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        max_age = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=max_age))
    else:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "nahrain.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets pages read while an import writes; IMMEDIATE takes the write lock at the start
        # of a transaction instead of failing half-way with "database is locked".
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        config["TEST"] = {"NAME": None}
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

# Sign-in throttling. Failed attempts are counted per account and per client address (web
# sign-in and collectors' OpenRosa credentials apart), and per known device (a signed cookie
# given after a full sign-in). The first NAHRAIN_LOGIN_FREE_FAILURES failures of an account or a
# device (ten times as many of an address) cost nothing; after n failures the next attempt waits
# 2^(n - free) seconds after the last one, at most NAHRAIN_LOGIN_MAX_DELAY_SECONDS. Nothing is
# locked: the right password is accepted once the wait is over, and at once from a known device.
NAHRAIN_LOGIN_FREE_FAILURES = int(os.environ.get("NAHRAIN_LOGIN_FREE_FAILURES", "5"))
NAHRAIN_LOGIN_ADDRESS_FREE_FAILURES = int(
    os.environ.get("NAHRAIN_LOGIN_ADDRESS_FREE_FAILURES", "50")
)
NAHRAIN_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("NAHRAIN_LOGIN_MAX_DELAY_SECONDS", "900"))
# Failures older than this (since the last attempt of that key) are forgotten.
NAHRAIN_LOGIN_MEMORY_SECONDS = int(os.environ.get("NAHRAIN_LOGIN_MEMORY_SECONDS", "86400"))
# The client's address: REMOTE_ADDR, unless the server sits behind proxies that set this header
# (e.g. X-Forwarded-For); then the address is the NAHRAIN_TRUSTED_PROXY_COUNT-th entry from the
# right, the one the outermost trusted proxy saw. Without the setting the header is ignored, so a
# client cannot choose the address it is counted under.
NAHRAIN_TRUSTED_PROXY_HEADER = os.environ.get("NAHRAIN_TRUSTED_PROXY_HEADER", "")
NAHRAIN_TRUSTED_PROXY_COUNT = int(os.environ.get("NAHRAIN_TRUSTED_PROXY_COUNT", "1"))
# A one-time link to set up an authenticator app is valid this long.
NAHRAIN_ENROLMENT_LINK_SECONDS = int(os.environ.get("NAHRAIN_ENROLMENT_LINK_SECONDS", "259200"))
# A one-time sign-in link of an invited user is valid this long.
NAHRAIN_INVITATION_SECONDS = int(os.environ.get("NAHRAIN_INVITATION_SECONDS", "259200"))
# The licence exports of figures state (e.g. "CC BY-IGO 3.0"); unset, they say it is not
# stated and whom to ask, rather than guess one for an organisation's data.
NAHRAIN_EXPORT_LICENCE = os.environ.get("NAHRAIN_EXPORT_LICENCE", "")
# A password reset link sent by e-mail is valid this long (and spent once used).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("NAHRAIN_PASSWORD_RESET_SECONDS", "7200"))
# Mail (password reset links) is printed on the console unless settings_production's SMTP
# settings are given.
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nahrain <nahrain@localhost>")
# Where the server is reached, for links printed by the command line.
NAHRAIN_BASE_URL = os.environ.get("NAHRAIN_BASE_URL", "http://127.0.0.1:8000")
# The channels a referral's notices go out through (docs/REFERRALS.md, "Notifications"): dotted
# paths of callables taking a ``nahrain.referrals.notify.Notice``, comma-separated; e-mail alone
# unless set (an SMS gateway's function besides it, say).
NAHRAIN_REFERRAL_NOTIFIERS = [
    name.strip()
    for name in os.environ.get(
        "NAHRAIN_REFERRAL_NOTIFIERS", "nahrain.referrals.notify.email"
    ).split(",")
    if name.strip()
]
# The channels the health app's notices (alerts raised and moved, weekly reports chased) go out
# through: dotted paths of callables taking a ``nahrain.health.notify.Notice``, comma-separated;
# e-mail alone unless set (an SMS gateway's function besides it, say).
NAHRAIN_HEALTH_NOTIFIERS = [
    name.strip()
    for name in os.environ.get("NAHRAIN_HEALTH_NOTIFIERS", "nahrain.health.notify.email").split(",")
    if name.strip()
]
# Authenticator apps show this name beside the account.
OTP_TOTP_ISSUER = "Nahrain"
# django-otp's admin pages must not show anyone's authenticator secret or recovery codes, not
# even to a platform admin (who could then give another admin's second factor).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Field data collection (OpenRosa). The realm is part of every collector's Digest HA1: changing
# it invalidates every collector password.
NAHRAIN_COLLECT_REALM = os.environ.get("NAHRAIN_COLLECT_REALM", "Nahrain")
# Largest submission body accepted (bytes); announced as X-OpenRosa-Accept-Content-Length.
NAHRAIN_COLLECT_MAX_BODY = int(os.environ.get("NAHRAIN_COLLECT_MAX_BODY", str(10 * 1024 * 1024)))
# Basic authentication sends the password in clear: accepted over HTTPS only, unless this is
# set (tests, a development server on a trusted machine).
NAHRAIN_COLLECT_BASIC_OVER_HTTP = os.environ.get("NAHRAIN_COLLECT_BASIC_OVER_HTTP") == "1"
# How long a Digest nonce stays valid (seconds); an older one gets a fresh challenge (stale).
NAHRAIN_COLLECT_NONCE_SECONDS = int(os.environ.get("NAHRAIN_COLLECT_NONCE_SECONDS", "3600"))

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("ckb", _("Central Kurdish")),
]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# One date and number convention per language (Western digits and separators, day month year).
FORMAT_MODULE_PATH = ["nahrain.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Baghdad"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
# Tests and the embedded server run without collectstatic: WhiteNoise then serves from the
# finders, which is what a single-process embedded install wants.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
