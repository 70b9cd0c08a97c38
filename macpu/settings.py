"""One settings module, driven by the environment.

MACPU_DATABASE_URL   sqlite:///path/to/file.sqlite3 (default: var/macpu.sqlite3) or
                     postgres://user@host:port/name
MACPU_SECRET_KEY     required unless MACPU_DEBUG=1 (development and tests get a throwaway key)
MACPU_DEBUG          1 for development
MACPU_ALLOWED_HOSTS  comma separated (default: 127.0.0.1,localhost)
MACPU_BEHIND_PROXY   1 when HTTPS ends at a proxy that sets X-Forwarded-Proto (production only)
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("MACPU_DEBUG", "") == "1"
SECRET_KEY = os.environ.get("MACPU_SECRET_KEY") or ("dev-only-insecure-key" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("Set MACPU_SECRET_KEY (or MACPU_DEBUG=1 for development).")
ALLOWED_HOSTS = os.environ.get("MACPU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")


def _database(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": parsed.path or BASE_DIR / "var" / "macpu.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE"},
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parsed.path.lstrip("/") or "macpu",
            "USER": parsed.username or "postgres",
            "PASSWORD": parsed.password or "",
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
        }
    raise RuntimeError(f"MACPU_DATABASE_URL: unsupported scheme {parsed.scheme!r}")


DATABASES = {
    "default": _database(os.environ.get("MACPU_DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'macpu.sqlite3'}"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rest_framework",
    "drf_spectacular",
    "govuk_frontend_django",
    "macpu.core",
    "macpu.agencies",
    "macpu.people",
    "macpu.chronology",
    "macpu.intake",
    "macpu.mash",
    "macpu.casework",
    "macpu.protection",
    "macpu.demo",
    "macpu.returns",
    "macpu.access",
    "macpu.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "macpu.agencies.middleware.SessionSecurityMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "macpu.access.middleware.AuditMiddleware",
]

ROOT_URLCONF = "macpu.urls"
WSGI_APPLICATION = "macpu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "macpu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "macpu.core.context_processors.navigation",
            ],
        },
    }
]
FORM_RENDERER = "macpu.core.forms.GovukFormRenderer"

AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Signing in (docs/adr/0005-sign-in-second-factor.md): password then an authenticator app code, lockout by
# username, sessions that end when idle, when old, and everywhere at once on signing out.
MACPU_SIGN_IN_ATTEMPTS = 5  # failures (password or code) within the window that lock a username
MACPU_SIGN_IN_WINDOW_MINUTES = 15
MACPU_SIGN_IN_LOCK_MINUTES = 15
# Administrators must sign in with a security key (docs/adr/0007-security-keys.md); only a DEBUG demo may turn it off.
MACPU_ADMIN_REQUIRES_SECURITY_KEY = not (DEBUG and os.environ.get("MACPU_ADMIN_REQUIRES_SECURITY_KEY") == "0")
MACPU_WEBAUTHN_RP_ID = os.environ.get("MACPU_WEBAUTHN_RP_ID", "")  # empty: the request's host, without its port
SESSION_IDLE_MINUTES = 30
SESSION_COOKIE_AGE = 8 * 60 * 60  # the absolute lifetime: macpu.agencies.middleware never extends it
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Every response: scripts only from macpu itself or with the request's nonce (base.html's two inline scripts).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Served over HTTPS everywhere but the local http demo (MACPU_DEBUG=1).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
if not DEBUG:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_NAME = "__Host-sessionid"  # the __Host- prefix: Secure, whole site, this host only
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if os.environ.get("MACPU_BEHIND_PROXY", "") == "1":  # TLS ends at a proxy that sets X-Forwarded-Proto
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    ("govuk-frontend", BASE_DIR / "node_modules" / "govuk-frontend"),
    ("moj-frontend", BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend"),
    BASE_DIR / "macpu" / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "macpu.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "macpu API",
    "DESCRIPTION": "Contacts, referrals and children's cases with their statutory clocks.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# The CIN census header's Source/SoftwareCode and Source/Release (the LA's code comes from LocalAuthority.code).
CIN_CENSUS_SOFTWARE_CODE = "macpu"
CIN_CENSUS_RELEASE = "0.1.0"
# The DfE census validator (csc-validator-be-cin behind the team's `validate` wrapper), run by the pre-submission
# check. Unset: the copy beside the repository (../shared/tools/cin-validate/validate) or the team machines' one.
CIN_VALIDATE = os.environ.get("MACPU_CIN_VALIDATE", "")
# The Department for Education's published children in need statistics (docs/adr/0013), read by
# `macpu import-published-stats`. Unset: ../shared/data/dfe-cin beside the repository, else the team machines' copy.
PUBLISHED_STATS_DIR = os.environ.get("MACPU_PUBLISHED_STATS_DIR", "")

# Access: how long an invitation to a meeting about a child lasts at most, and a break-glass use.
ACCESS_INVITATION_MAX_DAYS = 90
BREAK_GLASS_MINUTES = 60
RESTRICTION_REVIEW_MAX_DAYS = 90
# The longest an API key for a partner system may last (macpu api-key issue --days).
API_KEY_MAX_DAYS = 365
