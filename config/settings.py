"""Duebell settings: every value comes from the environment, read here and nowhere else.

Defaults run locally with no configuration (SQLite, the ORM queue broker, the local 1MSG sandbox,
file e-mail) once ``DEBUG`` is on, as ``make run``, the tests and the benchmarks set it. ``DEBUG``
is off unless set: then insecure defaults and per-checkout secrets are refused.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()


def _secret(variable: str, local_file: str) -> str:
    """A secret from the environment; only with ``DEBUG`` on may it come from a per-checkout file.

    Production hosts hold no local state: a file generated on one host would differ on the next.
    """
    value = env.str(variable, default="")
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{variable} must be set when DEBUG is off.")
    return _local_secret(local_file)


def _local_secret(name: str) -> str:
    """A random value generated once per checkout and kept in var/ (never committed)."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


# --- Core -------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = _secret("SECRET_KEY", "secret_key")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SECURE_SITE = SITE_URL.startswith("https://")

INSTALLED_APPS = [
    "config.apps.WorkspaceAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "django_q",
    "axes",
    "notifications",
    "billing",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer probes that come by IP, over HTTP, without a session.
    "config.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "billing.api.middleware.ApiEnvelopeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.DatabaseBusyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite: WAL + synchronous=NORMAL for write throughput, IMMEDIATE transactions so writers queue
# instead of failing on lock upgrades (config/sqlite polls for the write lock). Both databases keep
# health-checked connections open across requests and tasks: a PostgreSQL connection per request
# costs most of the throughput, and reopening the SQLite file (WAL pragmas, Django's functions)
# cost ~0.9 ms of every request and queue task.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'duebell.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "config.sqlite"  # the same, with a prompter writer queue
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so concurrency tests see real locking; one per process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and queue --------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
elif REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "duebell_cache",
            # Rate-limit windows live here: culling at Django's default 300 would reset them.
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

Q_CLUSTER = {
    "name": "duebell",
    "workers": 2,
    "timeout": 60,
    "retry": 90,
    "max_attempts": 1,
    "catch_up": False,
    "ack_failures": True,
    # Successful results are not stored: rows like Message are the truth and the queue is only a
    # wake-up; storing (and counting) every success halved send throughput. Failures are kept.
    "save_limit": -1,
    # The ORM broker's pusher takes up to 4 due tasks per poll instead of 1: one query fewer
    # per task, measured +6 points of ideal send throughput with 8 workers on SQLite.
    "bulk": 4,
    "poll": 0.2,
    "label": "Queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_USE_TLS… from one URL.
    globals().update(environ.Env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="billing@localhost")
# Seconds an SMTP conversation may stall before the message is marked "unknown".
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- 1MSG (WhatsApp) defaults for organizations without their own channel ---------------------
ONEMSG_BASE_URL = env.str("ONEMSG_BASE_URL", default="http://127.0.0.1:8765").rstrip("/")
ONEMSG_CHANNEL_ID = env.str("ONEMSG_CHANNEL_ID", default="sandbox")
ONEMSG_TOKEN = env.str("ONEMSG_TOKEN", default="sandbox-token")
ONEMSG_WEBHOOK_TOKEN = _secret("ONEMSG_WEBHOOK_TOKEN", "onemsg_webhook_token")
ONEMSG_TEMPLATE_NAME = env.str("ONEMSG_TEMPLATE_NAME", default="invoice_issued")
ONEMSG_TEMPLATE_NAMESPACE = env.str("ONEMSG_TEMPLATE_NAMESPACE", default="sandbox_namespace")
ONEMSG_TEMPLATE_LANGUAGE = env.str("ONEMSG_TEMPLATE_LANGUAGE", default="en")
# The webhook token being rotated out: accepted as well until 1MSG is re-pointed.
ONEMSG_PREVIOUS_WEBHOOK_TOKEN = env.str("ONEMSG_PREVIOUS_WEBHOOK_TOKEN", default="")

# --- Notifications: channel backends (name → import string) and the consent policy ----------
NOTIFICATIONS_CHANNELS = {
    "whatsapp": "notifications.channels.whatsapp.WhatsAppBackend",
    "email": "notifications.channels.email.EmailBackend",
}
# E-mail attachments are produced at send time by the app that owns them (kind → import string).
NOTIFICATIONS_EMAIL_ATTACHMENTS = {
    "invoice_pdf": "billing.pdf.invoice_attachment",
    "credit_note_pdf": "billing.credit_note_pdf.credit_note_attachment",
}
# Asked before a message is created and again right before the provider call: "" or a refusal.
NOTIFICATIONS_RECIPIENT_POLICY = "billing.services.whatsapp.recipient_refusal"
# Names a message's subject and recipient for the delivery log (an invoice's number, customer).
NOTIFICATIONS_SUBJECT_LABELS = "billing.services.messages.message_labels"

# --- Integrator webhooks ---------------------------------------------------------------------
# Lets endpoints use http:// and loopback/private addresses (local receivers only); when off,
# the SSRF rules apply at registration and at every attempt. Warned about with DEBUG off.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)

# --- API --------------------------------------------------------------------------------------
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="100/min")
# Failed API authentications per client address and per key before 429 (the admin login has
# its own lockout, below).
AUTH_FAILURE_LIMIT = env.str("AUTH_FAILURE_LIMIT", default="20/min")
# Reverse proxies in front of the web processes whose X-Forwarded-For entries are believed: the
# client address of the API's failure throttle and of the admin's lockout (config/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["billing.api.formats.ApiJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["billing.api.formats.ExactJSONParser"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "billing.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Duebell API",
    "DESCRIPTION": "REST API v0: invoices, customers, products, taxes, wallets and delivery logs.",
    "VERSION": "0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components: what a client must send (non-blank strings,
    # no read-only fields) differs from what the server answers.
    "COMPONENT_SPLIT_REQUEST": True,
    # One component name per choice set the API shares between fields.
    "ENUM_NAME_OVERRIDES": {
        "PaymentMethodEnum": "billing.api.serializers.invoices.PAYMENT_METHODS",
        "InvoiceStatusEnum": "billing.api.serializers.invoices.LIST_STATUSES",
        "InvoiceCreateStatusEnum": "billing.api.serializers.invoices.CREATE_STATUSES",
        "CustomerStatusEnum": "billing.models.customers.Customer.Status",
        "ChannelEnum": "billing.models.choices.Channel.values",
        "ProductStatusEnum": "billing.api.serializers.catalog.PRODUCT_STATUSES",
    },
}

# --- Localisation, static files ---------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = None

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The admin login's lockout (django-axes): after AXES_FAILURE_LIMIT failures in a row from one
# address, or for one username, logins from there or for it are refused until the cool-off ends.
# Attempts live in the database (both engines), so every process sees them; a success resets the
# count; `manage.py axes_reset` lifts every lockout (make run does, so a local run never starts
# locked out; each test starts with an empty table).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_address"
AXES_VERBOSE = False  # no version banner at the start of every command and process

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security ---------------------------------------------------------------------------------
# An https SITE_URL means a real deployment behind TLS: cookies, HSTS and redirects follow it.
CSRF_TRUSTED_ORIGINS = [SITE_URL]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_SITE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Webhook URLs carry a secret path token: redact it wherever Django logs a request path.
    "filters": {"redact_tokens": {"()": "notifications.logs.RedactWebhookTokens"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_tokens"]},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
