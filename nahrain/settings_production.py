"""Production settings: the environment's, plus what a server on the Internet must enforce.

Use with ``DJANGO_SETTINGS_MODULE=nahrain.settings_production``; it requires ``SECRET_KEY`` and
``ALLOWED_HOSTS`` from the environment and assumes TLS in front (a proxy setting
``X-Forwarded-Proto``).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from nahrain.settings import *  # noqa: F403
from nahrain.settings import STORAGES, _env_bool

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment in production.")
if not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the environment in production.")

DEBUG = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Mail (password reset links) goes out through SMTP once EMAIL_HOST is set; without it, it is
# printed on the console like in the demo, and whoever reads the server's log can use the links.
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    # STARTTLS on the submission port by default; EMAIL_USE_SSL=1 for implicit TLS (port 465).
    EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL")
    EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
    EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
