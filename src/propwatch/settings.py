"""Settings, all read from the environment.

Defaults give the embedded set-up (SQLite and files under `var/`); naming PostgreSQL, Redis or
e-mail in the environment scales it out without code changes. See README.md for every variable.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

SRC_DIR = Path(__file__).resolve().parent
_repo = SRC_DIR.parent.parent
REPO_DIR = _repo if (_repo / "pyproject.toml").exists() else Path.cwd()
VAR_DIR = Path(os.environ.get("PROPWATCH_VAR_DIR", REPO_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use DJANGO_SECRET_KEY, or a key generated once into var/ so sessions survive restarts."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("PROPWATCH_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("PROPWATCH_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("PROPWATCH_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks_db",
    "propwatch.web",
    "propwatch.audit",
    "propwatch.regions",
    "propwatch.accounts",
    "propwatch.registry",
    "propwatch.campaigns",
    "propwatch.ledger",
    "propwatch.notifications",
    "propwatch.complaints",
    "propwatch.portal",
    "propwatch.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "propwatch.audit.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "propwatch.urls"
WSGI_APPLICATION = "propwatch.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "propwatch.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'propwatch.sqlite3'}"),
        conn_max_age=int(os.environ.get("PROPWATCH_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker use the file at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("PROPWATCH_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

AXES_FAILURE_LIMIT = int(os.environ.get("PROPWATCH_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Count failures per client address as the audit log records it: behind a trusted reverse proxy
# (PROPWATCH_TRUST_X_FORWARDED_FOR) that is the forwarded address, not the proxy's own.
AXES_CLIENT_IP_CALLABLE = "propwatch.audit.middleware.client_ip"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if s3_bucket := os.environ.get("PROPWATCH_S3_BUCKET"):
    # Uploads (evidence) in S3-compatible object storage: MinIO, Ceph, a government cloud's OSS.
    # Private objects; the app reads them and serves them through its scope-checking views.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": s3_bucket,
            "endpoint_url": os.environ.get("PROPWATCH_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("PROPWATCH_S3_ACCESS_KEY"),
            "secret_key": os.environ.get("PROPWATCH_S3_SECRET_KEY"),
            "region_name": os.environ.get("PROPWATCH_S3_REGION") or None,
            "location": os.environ.get("PROPWATCH_S3_PREFIX", "propwatch"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": os.environ.get("PROPWATCH_S3_ADDRESSING_STYLE", "path"),
        },
    }
# Serve assets straight from the app folders (web/static/vendor holds the npm assets): no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Every script, style, font and image comes from this server; nothing may load from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
}

# E-mail is optional: without PROPWATCH_EMAIL_HOST, messages are written to the log only.
if email_host := os.environ.get("PROPWATCH_EMAIL_HOST"):
    MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": email_host, "port": int(os.environ.get("PROPWATCH_EMAIL_PORT", "25"))},
    }}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("PROPWATCH_EMAIL_FROM", "propwatch@localhost")
# Notifications are always in the app; they are also e-mailed only when a mail server is configured.
NOTIFY_BY_EMAIL = bool(os.environ.get("PROPWATCH_EMAIL_HOST"))
# The daily reminder tells assignees of problems due within this many days (and of overdue ones).
LEDGER_REMIND_DAYS_BEFORE = int(os.environ.get("PROPWATCH_REMIND_DAYS_BEFORE", "2"))
# Complaints must be answered within this many working days of receipt (12345 practice: 5);
# focus problem 1 (supply cut-offs) is urgent and counted in hours.
COMPLAINT_REPLY_WORKING_DAYS = int(os.environ.get("PROPWATCH_COMPLAINT_REPLY_DAYS", "5"))
COMPLAINT_URGENT_REPLY_HOURS = int(os.environ.get("PROPWATCH_COMPLAINT_URGENT_HOURS", "24"))
# Public form and status lookup: requests per IP (django-ratelimit syntax, e.g. "20/h"). Generous
# enough for a household or a few neighbours behind one carrier address (carrier NAT is common),
# tight enough to stop a script.
PUBLIC_COMPLAINT_RATE = os.environ.get("PROPWATCH_PUBLIC_COMPLAINT_RATE", "20/h")
PUBLIC_LOOKUP_RATE = os.environ.get("PROPWATCH_PUBLIC_LOOKUP_RATE", "60/h")
# The public site's published contacts: shown on the public home, the complaint form and the
# "too many requests" page, so a resident who cannot use the site still reaches a person.
PUBLIC_HOTLINE = os.environ.get("PROPWATCH_PUBLIC_HOTLINE", "0717-12345")
PUBLIC_MAILBOX = os.environ.get("PROPWATCH_PUBLIC_MAILBOX", "wyzz@yichang.gov.cn")
PUBLIC_MAILING_ADDRESS = os.environ.get(
    "PROPWATCH_PUBLIC_MAILING_ADDRESS", "湖北省宜昌市西陵区 宜昌市住房和城乡建设局物业专项整治工作专班（邮编 443000）")
# django-ratelimit counts requests in a cache that every web process must share (a per-process
# LocMemCache would multiply the limit by the number of workers): Redis when REDIS_URL is set,
# else files under var/, which all processes of the embedded set-up see.
if redis_url:
    CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url,
                           "KEY_PREFIX": "ratelimit"}
else:
    CACHES["ratelimit"] = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                           "LOCATION": VAR_DIR / "cache" / "ratelimit"}
RATELIMIT_USE_CACHE = "ratelimit"
# django_ratelimit is used as a library (not in INSTALLED_APPS), so its cache checks do not run and
# nothing is silenced. Were it installed, it would flag FileBasedCache (E003: increments are not
# atomic, so a few concurrent requests may slip past a limit; set REDIS_URL for exact counts) and
# any backend outside its list, Django's own RedisCache included (W001).
# Complaints within this many days on the same project are compared for likely duplicates.
COMPLAINT_DUPLICATE_WINDOW_DAYS = 30
# Complainants' name and phone are erased this many days after the complaint is finished
# (个人信息保护法 art. 19: the shortest time needed; the default covers a year's reports and appeals).
COMPLAINT_PII_RETENTION_DAYS = int(os.environ.get("PROPWATCH_COMPLAINT_PII_RETENTION_DAYS", "730"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "propwatch.web.api.OrderingFilter",  # DRF's, with the primary key as the last sort key
    ],
    "DEFAULT_PAGINATION_CLASS": "propwatch.web.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "propwatch.web.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "propwatch API",
    "DESCRIPTION": "物业管理领域侵害群众利益问题专项整治 监管平台接口",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No online validator badge: Swagger UI would otherwise send the schema URL to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set shared by several fields.
    "ENUM_NAME_OVERRIDES": {
        "ProblemStateEnum": "propwatch.ledger.choices.State",
        "ProblemLevelEnum": "propwatch.ledger.choices.Level",
        "RegionLevelEnum": "propwatch.regions.models.Level",
        "ComplaintChannelEnum": "propwatch.complaints.choices.Channel",
        "StaffChannelEnum": "propwatch.complaints.choices.STAFF_CHANNEL_CHOICES",
        "ComplaintRouteEnum": "propwatch.complaints.choices.Route",
        "ComplaintStateEnum": "propwatch.complaints.choices.State",
        "ComplaintFocusEnum": "propwatch.complaints.models.SUGGESTED_FOCUS_CHOICES",
        "ComplaintFocusFilterEnum": "propwatch.complaints.forms.FOCUS_CHOICES",
        "FocusEnum": "propwatch.campaigns.choices.Focus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PROPWATCH_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# How many rows a list page shows, and the ceiling for exports of one filtered list.
PAGE_SIZE = 25
EXPORT_MAX_ROWS = int(os.environ.get("PROPWATCH_EXPORT_MAX_ROWS", "100000"))
# A street-level problem overdue by more than this many working days is offered to the county for
# escalation (县级督办) on the ledger list.
LEDGER_ESCALATION_OFFER_WORKING_DAYS = int(os.environ.get("PROPWATCH_LEDGER_ESCALATION_DAYS", "3"))
TRUST_X_FORWARDED_FOR = _env_bool("PROPWATCH_TRUST_X_FORWARDED_FOR")
CSRF_FAILURE_VIEW = "propwatch.web.views.csrf_failure"
