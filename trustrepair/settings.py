"""TrustRepair settings, read from the environment in one place.

Every value has a safe default for a one-machine development run; production
(``DJANGO_ENV=production``) refuses to start without the secrets it needs.
The small ``env_*`` helpers fail fast with a message naming the variable, so a
typo in a deployment is caught at start-up rather than at the first request.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def email_settings(url: str) -> dict:
    """Turn ``smtp://user:pass@host:port?tls=1`` (or ``smtps://``) into a MAILERS entry."""
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(f"EMAIL_URL must look like smtp://user:pass@host:port, got {url!r}")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        timeout = int(query.get("timeout", "10"))
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has an invalid port or timeout (both must be whole numbers).") from None
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname,
            "port": port,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": parts.scheme == "smtps",
            "use_tls": query.get("tls", "0").lower() in _TRUE,
            "timeout": timeout,
        },
    }


DJANGO_ENV = env_str("DJANGO_ENV", "development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', got {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production-0123456789abcdef"  # noqa: S105 - refused in production below
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("SECRET_KEY is required in production: at least 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production.")

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "TrustRepair"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    # allauth.mfa first: its admin registrations load before accounts/admin.py, which replaces one.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "exercises",
    "trustrepair.bench",
    "trustrepair.keyring.apps.KeyringConfig",
    "trustrepair.rowsecurity.apps.RowSecurityConfig",  # last of ours: its post-migrate grant sees every table
    "trustrepair.staff_admin.StaffAdminConfig",  # django.contrib.admin, open only after a second factor
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication: every transaction of the rest of the request acts for the person.
    "trustrepair.rowsecurity.identity.IdentityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: session timeouts per role, therapists read-only in partner areas.
    "accounts.middleware.SessionPolicyMiddleware",
    # After the session policy: every time and date shown is in the signed-in person's own zone.
    "accounts.middleware.LocalTimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "trustrepair.urls"
WSGI_APPLICATION = "trustrepair.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "trustrepair.context_processors.site",
                "exercises.daily.context_processors.notifications",
            ],
        },
    },
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database --------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
# PostgreSQL only, the same in development, tests and production. `make run` without a
# DATABASE_URL starts an embedded server (trustrepair/embedded_db.py) and passes its URL in.
_db_url = env_str("DATABASE_URL")
if not _db_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Use `make run` (it starts an embedded PostgreSQL under var/postgres/), "
        "or run a command as `.venv/bin/python -m trustrepair.embedded_db .venv/bin/python manage.py ...`, "
        "or point DATABASE_URL at a PostgreSQL server: postgres://user:password@host:5432/name."
    )
if urlsplit(_db_url).scheme not in {"postgres", "postgresql", "pgsql", "postgis"}:
    raise ImproperlyConfigured(f"DATABASE_URL must be a PostgreSQL URL (postgres://...), got scheme of {_db_url!r}")
try:
    DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=env_int("CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Client-side cursors only, as Django advises behind a transaction-mode pooler: every statement
# then goes through the execute wrapper that sets the identity (trustrepair/rowsecurity/identity.py).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# Row security (docs/privacy.md, "The second wall"): DATABASE_URL logs in as the application
# role in production; every transaction switches to DATABASE_APP_ROLE and names the person.
# Migrations and demo seeding log in as DATABASE_OWNER_URL (unset: the same login, as in tests).
DATABASE_OWNER_URL = env_str("DATABASE_OWNER_URL")
DATABASE_APP_ROLE = env_str("DATABASE_APP_ROLE") or "trustrepair_app"
DATABASE_JOBS_ROLE = env_str("DATABASE_JOBS_ROLE") or "trustrepair_jobs"


def _sibling(url: str, suffix: str) -> str:
    """The same server and login, the database named with ``suffix``."""
    parts = urlsplit(url)
    return parts._replace(path=parts.path.rstrip("/") + suffix).geturl()


# Encryption at rest (docs/privacy.md): data keys live in their own database, so a backup of
# the app's database holds no key that opens it. Unset: a sibling database on the same server.
KEYRING_DATABASE_URL = env_str("KEYRING_DATABASE_URL") or _sibling(_db_url, "_keyring")
KEYRING_OWNER_URL = env_str("KEYRING_OWNER_URL") or (
    _sibling(DATABASE_OWNER_URL, "_keyring") if DATABASE_OWNER_URL else ""
)
DATABASES["keyring"] = dj_database_url.parse(KEYRING_DATABASE_URL, conn_max_age=env_int("CONN_MAX_AGE", 60))
DATABASES["keyring"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["trustrepair.keyring.router.KeyringRouter"]

# Key-encryption keys, base64, the first current (trustrepair/keyring/kek.py). Development makes
# one under var/ once; production refuses to start without its own.
DATA_KEYS = env_list("DATA_KEYS", [])
if not DATA_KEYS and PRODUCTION:
    raise ImproperlyConfigured("DATA_KEYS is required in production: `openssl rand -base64 32`.")
if not DATA_KEYS:
    _dev_keys = VAR_DIR / "data-keys"
    if not _dev_keys.exists():  # written aside, then linked: parallel first runs agree on one key
        import base64
        import secrets

        _fresh = VAR_DIR / f"data-keys.{os.getpid()}"
        _fresh.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        _fresh.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(_fresh, _dev_keys)
        _fresh.unlink()
    DATA_KEYS = _dev_keys.read_text().split()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache -------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
    raise ImproperlyConfigured(f"REDIS_URL must look like redis://host:6379/0, got {REDIS_URL!r}")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    # Embedded defaults: a file cache and a filesystem broker work across the
    # web, worker and beat processes of `make run` with no server installed.
    _broker_dir = VAR_DIR / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "polling_interval": 0.1,
        # The exchange tables; by default kombu writes them to a control/ folder in the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"
    (VAR_DIR / "results").mkdir(parents=True, exist_ok=True)

CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {
    # Keeps the beat process honest: it proves the schedule reaches a worker.
    "heartbeat": {"task": "trustrepair.tasks.heartbeat", "schedule": 60.0},
    # Daily prompts (exercises/daily/delivery/). A tick or reconcile older than
    # a minute is useless (the next one is already coming), so they expire.
    "daily-prompts-tick": {"task": "exercises.tasks.tick", "schedule": 60.0, "options": {"expires": 55}},
    "daily-prompts-reconcile": {"task": "exercises.tasks.reconcile", "schedule": 60.0, "options": {"expires": 55}},
    # Gathers each person's un-emailed waiting notices into one email (exercises/daily/digest.py).
    "waiting-digest": {
        "task": "exercises.tasks.send_digests",
        "schedule": float(env_int("WAITING_DIGEST_EVERY_SECONDS", 300)),
        "options": {"expires": 240},
    },
    # Deletes expired data-export files and fails exports stuck for a day.
    "data-export-expiry": {"task": "accounts.tasks.export_expire_sweep", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Workers consume all three queues (none is named with -Q). Prompt batches have
# their own queue, so the reconciler can tell a backlog from lost messages, and
# the every-minute tick and reconcile never wait behind a backlog of batches.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "daily_send": {}, "daily_control": {}}
CELERY_TASK_ROUTES = {
    "exercises.tasks.send_batch": {"queue": "daily_send"},
    "exercises.tasks.tick": {"queue": "daily_control"},
    "exercises.tasks.reconcile": {"queue": "daily_control"},
}
# Delivery pipeline knobs: deliveries per task (one SMTP connection each); rows
# marked sent every N messages (a worker killed mid-batch repeats at most N);
# how late a prompt may still go out; when a queued/sending row counts as stuck;
# retries of temporary SMTP failures (exponential from BASE, capped at CAP).
DAILY_PROMPT_BATCH_SIZE = env_int("DAILY_PROMPT_BATCH_SIZE", 250)
DAILY_PROMPT_MARK_EVERY = env_int("DAILY_PROMPT_MARK_EVERY", 10)
DAILY_PROMPT_CATCH_UP_HOURS = env_int("DAILY_PROMPT_CATCH_UP_HOURS", 3)
DAILY_PROMPT_STALE_SECONDS = env_int("DAILY_PROMPT_STALE_SECONDS", 300)
DAILY_PROMPT_RETRY_BASE_SECONDS = env_int("DAILY_PROMPT_RETRY_BASE_SECONDS", 30)
DAILY_PROMPT_RETRY_CAP_SECONDS = env_int("DAILY_PROMPT_RETRY_CAP_SECONDS", 600)
DAILY_PROMPT_MAX_RETRIES = env_int("DAILY_PROMPT_MAX_RETRIES", 6)
DAILY_PROMPT_MAX_ATTEMPTS = env_int("DAILY_PROMPT_MAX_ATTEMPTS", 8)
# The waiting digest: a notice waits this long first (things dealt with at once are never emailed, and what
# comes together goes together); one digest per person at most every GAP; notices older than MAX_AGE are
# never emailed (turning email back on does not bring a stale pile); people per run.
WAITING_DIGEST_SETTLE_MINUTES = env_int("WAITING_DIGEST_SETTLE_MINUTES", 10)
WAITING_DIGEST_GAP_MINUTES = env_int("WAITING_DIGEST_GAP_MINUTES", 180)
WAITING_DIGEST_MAX_AGE_HOURS = env_int("WAITING_DIGEST_MAX_AGE_HOURS", 72)
WAITING_DIGEST_BATCH = env_int("WAITING_DIGEST_BATCH", 500)

# --- Email -----------------------------------------------------------------
# Production without EMAIL_URL sends through the machine's own mail server; a
# development run writes each message to a file a person can open.
_email_url = env_str("EMAIL_URL", "smtp://localhost:25" if PRODUCTION else "")
if _email_url:
    MAILERS = {"default": email_settings(_email_url)}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TrustRepair <hello@trustrepair.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupProfileForm"
# allauth's forms with our labels (templates/account/ has its pages in our words).
ACCOUNT_FORMS = {
    name: f"accounts.allauth_forms.{form}"
    for name, form in {
        "login": "LoginForm",
        "signup": "SignupForm",
        "reset_password": "ResetPasswordForm",
        "reset_password_from_key": "ResetPasswordKeyForm",
        "change_password": "ChangePasswordForm",
        "add_email": "AddEmailForm",
        "reauthenticate": "ReauthenticateForm",
    }.items()
}
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "TrustRepair: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# allauth's defaults throttle login failures, sign-ups, resets and more; they
# live in the cache configured above (a dummy cache would silently disable them).
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    # Our own. Guessing invitation codes, links or practice codes: per account, per
    # code or link tried (the key), and per IP only generously, since many honest
    # people can share one address.
    "couple_join": "10/5m/user,10/h/key,200/h/ip",
    # Invitation emails: per sender, and per address invited (the key).
    "couple_invite": "10/h/user,5/d/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
# Sensitive account changes (email addresses here; two-factor changes, data export
# and account deletion by their own decorators) ask for the password, or a
# two-factor code, again when the last sign-in is more than five minutes old.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
MFA_REAUTHENTICATION_REQUIRED = True

# --- Security ----------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # allauth shows the TOTP QR code as an SVG data: URI.
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database and are read through the cache (Redis in production): a signed-in
# request reads its session without a query. Writes and deletions go to both.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Session lifetimes in seconds (accounts/middleware.py enforces them on every request).
# Therapists see other people's data: 15 minutes idle, 12 hours at most. Partners: 14 days idle, 30 days at most.
SESSION_TIMEOUTS = {
    "therapist": {
        "idle": env_int("SESSION_THERAPIST_IDLE_SECONDS", 15 * 60),
        "absolute": env_int("SESSION_THERAPIST_ABSOLUTE_SECONDS", 12 * 3600),
    },
    "partner": {
        "idle": env_int("SESSION_PARTNER_IDLE_SECONDS", 14 * 86400),
        "absolute": env_int("SESSION_PARTNER_ABSOLUTE_SECONDS", 30 * 86400),
    },
}
for _role, _limits in SESSION_TIMEOUTS.items():
    if not 0 < _limits["idle"] <= _limits["absolute"]:
        raise ImproperlyConfigured(f"Session timeouts for {_role}s: need 0 < idle <= absolute, got {_limits}.")
SESSION_COOKIE_AGE = max(limits["absolute"] for limits in SESSION_TIMEOUTS.values())  # the longest any session lives
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# Only a proxy we run may say a request came over HTTPS: without one, anyone could send the header.
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Static files --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up when it is missing
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Benchmark-only endpoints (trustrepair/bench/views.py), turned on by `make bench` for its own server only.
BENCH_ENDPOINTS = env_bool("BENCH_ENDPOINTS", False)
