"""ITP Tracker settings: one module, driven by environment variables.

Out of the box (no variables set) this is a development set-up: DEBUG on, a SQLite file in
db/, the database cache, e-mail printed to the console. Production sets DEBUG=false and the
variables listed in README.md. A bad value stops start-up with a message naming the variable.
"""

import os
import zoneinfo
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value == "":
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def envint(name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """The whole number in variable `name` (`default` when unset), within minimum..maximum.

    Raises ImproperlyConfigured naming the variable for anything else: a negative session
    age or port would otherwise start a site that fails in confusing ways later.
    """
    value = os.environ.get(name, "").strip()
    if value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


def database_from_url(url: str, conn_max_age: int) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we can use: {exc}"
        ) from None
    engine = config.get("ENGINE", "")
    if engine == "django.db.backends.sqlite3":
        # Several gunicorn workers share one SQLite file: WAL lets readers run beside the
        # writer, IMMEDIATE takes the write lock at BEGIN (so a transaction never fails
        # half-way on upgrade), and the timeout makes a busy writer wait instead of failing.
        # Tests use a file too (an in-memory database cannot show how workers contend), one
        # per test run so that two runs on one machine never share it.
        database = Path(config["NAME"])
        config["TEST"] = {"NAME": str(database.with_name(f"test_{os.getpid()}_{database.name}"))}
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a sqlite:// or postgres:// URL, not {engine or url!r}."
        )
    return config


DEBUG = envbool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not DEBUG and not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Django's deploy check (security.W009) only warns about a weak key; a site holding health
# data must not start with one.
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be 50 or more random characters when DEBUG is off, for example from "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
SECRET_KEY = SECRET_KEY or "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the site's host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "itptracker.csrf.csrf_failure"

INSTALLED_APPS = [
    "accounts",
    "readings",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
]

# Background work runs in a worker process, `manage.py worker` (readings/tasks.py): `make run`
# starts one beside the web server; in production it is one more process to run.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# The name authenticator apps show for our codes.
OTP_TOTP_ISSUER = "ITP Tracker"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below whitenoise, so static files keep their long cache headers.
    "itptracker.middleware.security_headers",
    "itptracker.middleware.method_not_allowed_page",
    # Before anything that reads the session or the user, so that it alone touches the database.
    "itptracker.health.healthz",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.user_time_zone",
    "accounts.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.sessions.session_timeouts",
    # Last, so that it sees the final outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "itptracker.urls"
WSGI_APPLICATION = "itptracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.patients",
                "readings.context_processors.flash",
            ],
        },
    },
]

# Form fields render through the templates above, so templates/django/forms/ overrides.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'itptracker.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache shared by every worker: login throttling must count attempts across all of them.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"CACHE_URL/REDIS_URL must be a redis:// URL, not {CACHE_URL!r}.")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cache",
            # Pending imports and login counters live here: never cull them at Django's
            # default of 300 entries.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    ),
    # The HTML of blank quick-add fields (templates/readings/quick_add.html): the same for
    # everyone, kept per process.
    "forms": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "forms"},
    # Rendered dashboard and history pieces (readings.page_cache): a cache of their own, so
    # that culling them when it is full never drops a login counter or a pending import.
    "pages": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "pages",
        }
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "page_cache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    ),
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3

# Login throttling (django-axes): counted in the shared cache, per account and per address.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_VERBOSE = False
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The login form's e-mail field is named `username` (Django's AuthenticationForm); left to
# itself axes would look for the user model's USERNAME_FIELD, `email`, find nothing, and count
# every failure against one empty name.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttle.login_name"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# A success never clears the counts: it would let one address reset its count across
# accounts by logging into its own between guesses; they lapse after the cool-off.
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_ip"
# E-mails a person can make us send (accounts/email_limits.py): counted in the shared cache,
# per account or per client address as the login throttle finds it.
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "accounts.throttle.client_ip"
# How many reverse proxies in front of us append to X-Forwarded-For. 0 (the default) means
# the header is ignored, because anyone can send it.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0, minimum=0)

# A login ends after SESSION_IDLE_TIMEOUT seconds without use, and after SESSION_COOKIE_AGE
# seconds in any case (accounts/sessions.py).
# Browsers keep a cookie for 400 days at the most; longer would only fail at log-in.
MAX_COOKIE_AGE = 60 * 60 * 24 * 400
SESSION_IDLE_TIMEOUT = envint(
    "SESSION_IDLE_TIMEOUT", 60 * 60 * 8, minimum=1, maximum=MAX_COOKIE_AGE
)
SESSION_COOKIE_AGE = envint(
    "SESSION_COOKIE_AGE", 60 * 60 * 24 * 7, minimum=1, maximum=MAX_COOKIE_AGE
)
# ... unless "Stay signed in on this device" was ticked: then it lasts this long, used or not.
SESSION_REMEMBER_AGE = envint(
    "SESSION_REMEMBER_AGE", 60 * 60 * 24 * 30, minimum=60 * 60, maximum=MAX_COOKIE_AGE
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-gb"
# The languages the whole app is written in: English, and Spanish from locale/es/ (compiled by
# `make run` and `make test`: scripts/compile_messages.py). Names in their own language, as
# the switch on every page shows them.
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers as each language writes them ("29 Nov 2026" / "29 nov 2026", "45.5" /
# "45,5"): itptracker/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["itptracker.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"TIME_ZONE must be an IANA time zone like Europe/London, not {TIME_ZONE!r}."
    )
USE_I18N = True
USE_TZ = True

# The largest file any page takes (the import's, readings/imports.py): the first handler stops
# reading a request there, before the rest of a larger file reaches memory or disk.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "itptracker.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# build/vendor holds what `make` installs from npm (Plotly.js and its CSS).
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "build" / "vendor")]
# In development whitenoise serves straight from the app and project static folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ITP Tracker <noreply@localhost>")


# Web Push for reminders (readings/reminder_sending.py): the VAPID key pair that signs what we
# send to browsers' push services. `python manage.py vapid_keys` prints a pair. The public key
# is the base64url P-256 point (65 bytes) that browsers take as `applicationServerKey`; the
# private key the base64url raw 32-byte secret (what vapid_keys prints), its base64url DER,
# or a PEM block. Without them, reminders go by e-mail only and no page offers push.
def vapid_keys(public: str, private: str) -> tuple[str, str]:
    """The two keys, checked to be a pair; ("", "") when both are unset."""
    public, private = public.strip(), private.strip()
    if not public and not private:
        return "", ""
    if not public or not private:
        raise ImproperlyConfigured("Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither.")
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid
    from py_vapid.utils import b64urlencode

    try:
        if "-----BEGIN" in private:
            key = Vapid.from_pem(private.encode())
        else:
            key = Vapid.from_string(private)
    except Exception:  # noqa: BLE001 - any failure to read it means the same to the person
        raise ImproperlyConfigured(
            "VAPID_PRIVATE_KEY is not a P-256 private key (base64url raw or DER, or PEM): "
            "make a pair with python manage.py vapid_keys."
        ) from None
    point = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    if b64urlencode(point) != public.rstrip("="):
        raise ImproperlyConfigured(
            "VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY: set the two printed "
            "together by python manage.py vapid_keys."
        )
    return public.rstrip("="), private


VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY = vapid_keys(
    os.environ.get("VAPID_PUBLIC_KEY", ""), os.environ.get("VAPID_PRIVATE_KEY", "")
)
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "").strip() or (
    "mailto:" + (parseaddr(DEFAULT_FROM_EMAIL)[1] or "noreply@localhost")
)
if not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        f"VAPID_SUBJECT must be a mailto: or https:// address, not {VAPID_SUBJECT!r}."
    )

# Security headers. A strict policy from the first page: every script and style is a file
# we serve; no inline code, no eval, nothing from another origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "worker-src": [SELF],
        "form-action": [SELF],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe gunicorn directly, over plain HTTP: a redirect would read as a failure.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    if envbool("BEHIND_TLS_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix pins the cookies to this exact host, over HTTPS, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, "
        f"not {os.environ['LOG_LEVEL']!r}."
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_faults": {"()": "itptracker.logs.WithoutClientTracebacks"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_faults"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default set-up gives "django" a console handler of its own and lets its
        # records reach root's too, which printed every line twice: root's handler is enough.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Axes logs every login at INFO; failures and lockouts are warnings.
        "axes": {"level": "WARNING"},
    },
}
