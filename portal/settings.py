"""Settings, all taken from the environment (see README, "Configuration")."""

import os
from pathlib import Path

from django.utils.csp import CSP

from portal.database import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# A fixed key is only acceptable for local development; production refuses to start without one.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-b2b-portal-" + "x" * 32

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Above the admin, so that its "Events" buttons on tracked objects show there.
    "pghistory.admin",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tables2",
    "django_filters",
    "guardian",
    "django_tasks_db",
    "pgtrigger",
    "pghistory",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "portal.accounts",
    "portal.catalog",
    "portal.orders",
    "pricing",
    "inventory",
    "portal.invoices",
    "approvals",
    "portal.audit",
    # The project at the top of the house: the demo seed that uses every app.
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Production serves collected static files itself; DEBUG uses runserver's finders.
    *([] if DEBUG else ["whitenoise.middleware.WhiteNoiseMiddleware"]),
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A reading request reads the versions of cached data (the user's included) once.
    "portal.middleware.DataVersionsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the session's user verified once they gave a second factor; the portal's own
    # middleware then holds back every page until they have where that is asked for.
    "django_otp.middleware.OTPMiddleware",
    "portal.accounts.two_factor.TwoFactorMiddleware",
    "portal.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Who made each write and through what (portal or admin), for the audit trail.
    "portal.audit.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Inside the messages middleware: moves an HTMX answer's messages into HX-Trigger.
    "portal.middleware.HtmxMessagesMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "portal.accounts.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": database_settings(BASE_DIR)}
# Opening a PostgreSQL connection costs more than most pages: production keeps them. With
# DB_POOL_SIZE > 0 each process holds a psycopg pool of up to that many connections (a sync
# worker needs one; threaded servers one per thread); otherwise CONN_MAX_AGE seconds of
# persistent connection per thread (0: a new connection per request, development's default).
DB_POOL_SIZE = int(os.environ.get("DB_POOL_SIZE", "0" if DEBUG else "4"))
if DB_POOL_SIZE > 0:
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": DB_POOL_SIZE}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# One cache for every app server and worker when REDIS_URL names a Redis; a per-process
# memory cache otherwise. Sessions live in the database (shared by every process, kept
# across a Redis restart), read through the cache when it is a shared one.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.SharedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's password check; loads the user with their membership and groups.
    "portal.accounts.backends.PortalBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# guardian: no anonymous user row, direct-FK permission models are declared per model.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False

# Sign-in throttling (django-axes, counts in the database): this many failed sign-ins for one
# username from one client address, none more than the window apart, lock that pair for the
# window. Other addresses, and other users at the same address, are not affected.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))
# Reverse proxies in front of the portal, each appending to X-Forwarded-For; 0 ignores it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "portal.accounts.signin.failure_limit"
AXES_COOLOFF_TIME = "portal.accounts.signin.lock_duration"
AXES_CLIENT_IP_CALLABLE = "portal.accounts.signin.client_address"
AXES_LOCKOUT_CALLABLE = "portal.accounts.signin.locked_out"
# Only a successful sign-in clears the count; refused tries while locked do not extend the lock,
# so the wait shown is the real one.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Two-factor sign-in (TOTP apps, plus one-time recovery codes) is open to everyone. With this
# on, finance, warehouse staff and operators must use it: on by default in production, off
# under DEBUG so that the demo's password-only sign-ins keep working.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
# The issuer an authenticator app shows beside the account name.
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "B2B portal")
# Recovery codes handed out at once; each works one time.
TWO_FACTOR_RECOVERY_CODES = 10

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "portal.staticfiles.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Content-Security-Policy: scripts only from us or with this response's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Production hardening; DEBUG=1 keeps plain-HTTP development working.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Email: SMTP in production (a local MTA unless EMAIL_HOST says otherwise), the console in
# development without EMAIL_HOST; tests swap in locmem.
if os.environ.get("EMAIL_HOST") or not DEBUG:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": int(
                    os.environ.get("EMAIL_PORT", "587" if "EMAIL_HOST" in os.environ else "25")
                ),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", "EMAIL_HOST" in os.environ),
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# How long a new colleague's invitation link works.
INVITE_TIMEOUT_SECONDS = int(os.environ.get("INVITE_TIMEOUT_SECONDS", str(7 * 24 * 3600)))
# Where links in emails point.
PORTAL_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000")

# Stripe: without a secret key the portal hides card payment.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
# Stripe.js is loaded from Stripe, as their terms require; only the payment page allows it.
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")

# The seller on every invoice. The defaults are the demo's; production sets its own.
SELLER = {
    "name": os.environ.get("SELLER_NAME", "Portal Wholesale GmbH"),
    "line1": os.environ.get("SELLER_STREET", "Hafenstraße 12"),
    "line2": "",
    "postal_code": os.environ.get("SELLER_POSTAL_CODE", "20457"),
    "city": os.environ.get("SELLER_CITY", "Hamburg"),
    "country": os.environ.get("SELLER_COUNTRY", "DE"),
    "vat_id": os.environ.get("SELLER_VAT_ID", "DE811907980"),
    "register": os.environ.get("SELLER_REGISTER", "Amtsgericht Hamburg HRB 123456"),
    "bank": os.environ.get("SELLER_BANK", "Hamburger Sparkasse"),
    "iban": os.environ.get("SELLER_IBAN", "DE02200505501015871393"),
    "bic": os.environ.get("SELLER_BIC", "HASPDEHHXXX"),
    "email": os.environ.get("SELLER_EMAIL", "invoices@portal.example"),
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

DJANGO_TABLES2_TEMPLATE = "components/table.html"

# One console handler, on the root: Django's own (DEBUG only) is dropped so that nothing is
# printed twice, and refused requests are logged in one line (see portal/log_filters.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"brief_client_errors": {"()": "portal.log_filters.BriefClientErrors"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO"},
        "django.request": {"filters": ["brief_client_errors"]},
    },
}
