"""Settings for phongtrao, read from environment variables with safe defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
# The default key is for a developer's machine only; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-development-key-change-me")
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "phongtrao.audit",
    "phongtrao.orgs",
    "phongtrao.catalog",
    "phongtrao.data",
    "phongtrao.analytics",
    "phongtrao.members",
    "phongtrao.demo",
    "phongtrao.reports",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "phongtrao.accounts",
    "phongtrao.notifications",
    "phongtrao.entry",
    "phongtrao.exchange",
    "phongtrao.emulation",
    "phongtrao.portal",
    "phongtrao.portal.traffic",
    "phongtrao.jobs",
    # The task queue: Django's Tasks API (backport) with its database backend.
    "django_tasks",
    "django_tasks_db",
    # Wagtail, for the portal.
    "wagtail.contrib.forms",
    "wagtail.contrib.settings",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: a guest's GET of a page the guests' cache holds is answered at once, as the rest
    # of the chain answered it last time (phongtrao/portal/fastpath.py); nothing else.
    "phongtrao.portal.fastpath.GuestHitsMiddleware",
    # Then: a body larger than its endpoint allows is refused before anything reads it.
    "config.limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (config/csp.py: the admin sites' exception).
    "config.csp.ProjectCSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Two-factor sign-in (TOTP): who still owes a code after the password is sent to give it.
    "django_otp.middleware.OTPMiddleware",
    "phongtrao.accounts.two_factor.TwoFactorMiddleware",
    # Portal visits ("Thống kê truy cập"): after authentication, to tell members apart.
    "phongtrao.portal.traffic.middleware.VisitCountingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that every other process_view has run: tolerant reads on the PG replica.
    "config.replica.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "phongtrao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phongtrao.entry.shell.shell",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def database_config() -> dict[str, Any]:
    """SQLite by default (embedded); PostgreSQL when DATABASE_URL says so."""
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Writers queue instead of failing with "database is locked".
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Connections are kept (CONN_MAX_AGE from above) as on PostgreSQL: opening one costs
        # its PRAGMAs, and closing the last one checkpoints the WAL, about a millisecond per
        # request otherwise (docs/benchmarks.md, the portal).
    return config


def progress_database_config(default: dict[str, Any]) -> dict[str, Any]:
    """The connection live task progress is written through (`phongtrao.jobs.progress`):
    the same PostgreSQL database, or on SQLite a file of its own beside the main one."""
    if default["ENGINE"] != "django.db.backends.sqlite3":
        return {**default, "TEST": {"MIRROR": "default"}}
    name = Path(str(default["NAME"]))
    return {**default, "NAME": str(name.with_name(f"{name.stem}.progress.sqlite3"))}


DATABASES = {"default": database_config()}
DATABASES["progress"] = progress_database_config(DATABASES["default"])
DATABASE_ROUTERS = ["phongtrao.jobs.routers.ProgressRouter"]
# A PostgreSQL streaming replica (config/replica.py): tolerant reads go there, the rest and
# every write to the primary. In tests it mirrors the primary, except where a test points it
# at the real replica (phongtrao/tests/test_replica.py, under with_postgres.py --replica).
if os.environ.get("DATABASE_REPLICA_URL"):
    replica = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"], conn_max_age=60)
    replica["OPTIONS"] = {**replica.get("OPTIONS", {}), "connect_timeout": 2}
    DATABASES["replica"] = {**replica, "TEST": {"MIRROR": "default"}}
    DATABASE_ROUTERS.append("config.replica.ReplicaRouter")
# Views (dotted-name prefixes) whose reads may lag: the portal's pages and the analytics API.
REPLICA_READ_VIEWS = [
    "phongtrao.portal.views.",
    "wagtail.views.serve",
    "phongtrao.exchange.views.analytics",
]
# Views (exact dotted names) whose reads may lag when their `period` has ended: a report of a
# closed period (its page and its documents) changes rarely, and its writer reads the primary.
REPLICA_CLOSED_PERIOD_VIEWS = [
    "phongtrao.reports.views.report_page",
    "phongtrao.reports.views.report_download",
]
# Off in tests (conftest.py): a test's writes stay in its transaction, which no replica sees.
REPLICA_READS = env_bool("REPLICA_READS", True)
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "1"))
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "2"))
REPLICA_READ_YOUR_WRITES_SECONDS = int(os.environ.get("REPLICA_READ_YOUR_WRITES_SECONDS", "10"))

# Background work (imports, rendering for publication, notifications, roll-up rebuilds) is
# queued in the database and run by `manage.py db_worker` processes, on any machine.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running task silent for this long (seconds) has died: its job is shown failed, retryable.
JOBS_STALE_AFTER = int(os.environ.get("JOBS_STALE_AFTER", "600"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt")]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# The project's Vietnamese for Wagtail's admin (phongtrao/portal/cms_catalogue.py) wins over
# the apps' own catalogues.
LOCALE_PATHS = [BASE_DIR / "phongtrao" / "locale"]
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = BASE_DIR / "media"
# Private files (emulation evidence) live apart from MEDIA_ROOT, which a web server may
# publish: they are served only by views that check access (FileResponse, streamed).
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
}


def s3_storages(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Files on an S3-compatible server (django-storages) when PHONGTRAO_S3_BUCKET is set, so
    that every app server and worker sees the same files: public media (portal images and
    documents) in that bucket, private files (evidence...) in PHONGTRAO_S3_PRIVATE_BUCKET,
    never public (private ACL; read only through Django's views, which check access).
    Credentials come from the environment as boto3 reads them (AWS_ACCESS_KEY_ID...)."""
    bucket = environ.get("PHONGTRAO_S3_BUCKET", "")
    if not bucket:
        return {}
    common = {
        "endpoint_url": environ.get("PHONGTRAO_S3_ENDPOINT_URL") or None,
        "region_name": environ.get("PHONGTRAO_S3_REGION", "us-east-1"),
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": bucket,
                # Portal images and documents: anyone may read them, by a plain, lasting URL.
                "default_acl": environ.get("PHONGTRAO_S3_PUBLIC_ACL", "public-read") or None,
                "querystring_auth": False,
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": environ.get("PHONGTRAO_S3_PRIVATE_BUCKET", f"{bucket}-private"),
                "default_acl": "private",
                # Should a URL ever be made, it is signed and short-lived.
                "querystring_auth": True,
                "querystring_expire": 300,
            },
        },
    }


STORAGES.update(s3_storages(os.environ))


def shared_cache(url: str) -> dict[str, dict[str, Any]]:
    """Django's cache: Redis or Valkey named by PHONGTRAO_CACHE_URL (redis://host:6379/0), shared
    by every app server and worker (portal caches and their invalidation on publish, sessions'
    cache); without it each process keeps its own in memory, which is right on one machine."""
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "phongtrao",
        }
    }


CACHES = shared_cache(os.environ.get("PHONGTRAO_CACHE_URL", ""))
if os.environ.get("PHONGTRAO_CACHE_URL"):
    # Sessions stay in the database (any server reads them), read through the shared cache.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Wagtail (the portal).
WAGTAIL_SITE_NAME = os.environ.get("PORTAL_NAME", "Hội Liên hiệp Phụ nữ")
WAGTAILADMIN_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("vi", "Tiếng Việt")]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# ASCII page addresses ("hoat-dong-hoi-co-so"), as Vietnamese portals use.
WAGTAIL_ALLOW_UNICODE_SLUGS = False
# Portal comments: members' shown at once (guests' always wait for an editor); rate limit.
PORTAL_MEMBER_COMMENTS_APPROVED = env_bool("PORTAL_MEMBER_COMMENTS_APPROVED", True)
PORTAL_COMMENT_RATE_COUNT = int(os.environ.get("PORTAL_COMMENT_RATE_COUNT", "3"))
PORTAL_COMMENT_RATE_MINUTES = float(os.environ.get("PORTAL_COMMENT_RATE_MINUTES", "10"))
# How long a process trusts what it last read of the portal's page tree (0: every request).
PORTAL_STATE_SECONDS = float(os.environ.get("PORTAL_STATE_SECONDS", "1"))
# The guests' page cache (phongtrao/portal/pagecache.py): the cache it lives in (shared by
# the app servers when PHONGTRAO_CACHE_URL is set) and how long a page is kept at most
# (0: no page cache); a publication, an edited image or tag invalidates it at once whatever
# this is, so this bounds only how often each process renders each page anew (each such
# render held a worker 13-65 ms).
PORTAL_CACHE = os.environ.get("PORTAL_CACHE", "default")
PORTAL_PAGE_CACHE_SECONDS = int(os.environ.get("PORTAL_PAGE_CACHE_SECONDS", "300"))
# Without a shared cache, how long each process trusts the pages' generation it read from the
# database: a publication reaches the other processes' cached pages within this time.
PORTAL_GENERATION_SECONDS = float(os.environ.get("PORTAL_GENERATION_SECONDS", "1"))
# Guests' counts (article views, visits) wait in each process at most this many seconds while
# requests come; the request that finds them due writes them in one transaction after its
# response (phongtrao/batched.py); 0 writes each in its request. Small batches: the request
# that writes one holds its worker (and the connections queued on it) for its whole batch;
# at 0.25 s a batch held a worker 10-40 ms and set the p99 (docs/benchmarks/portal.md).
COUNTS_FLUSH_SECONDS = float(os.environ.get("COUNTS_FLUSH_SECONDS", "0.05"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Accounts: Django's password hashing, login rate limiting (django-axes), expiring sessions.
AUTHENTICATION_BACKENDS = [
    "phongtrao.accounts.backends.LoginRateLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "tasks"
LOGOUT_REDIRECT_URL = "accounts:login"
# A session ends after SESSION_MINUTES without a request (sliding), and with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_MINUTES", "120")) * 60
# The session notice bar shows this many seconds before a signed-in session ends.
SESSION_WARNING_SECONDS = int(os.environ.get("SESSION_WARNING_SECONDS", "60"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Production behind HTTPS sets SECURE_COOKIES=1; the demo runs on plain http://127.0.0.1.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if SESSION_COOKIE_SECURE:
    # Served over HTTPS behind a proxy that ends TLS and sets X-Forwarded-Proto (and strips
    # it from clients): docs/security.md. HSTS for a year, subdomains too.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Content-Security-Policy (django-csp): the project's scripts are static files, or inline with
# the request's nonce; no 'unsafe-inline' for scripts (docs/security.md has the exceptions).
# Styles keep 'unsafe-inline' (style attributes in templates and rich text); images may come
# from other https sites (articles imported from NukeViet), videos from the embed providers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": [
            "'self'",
            "https://www.youtube.com",
            "https://www.youtube-nocookie.com",
            "https://player.vimeo.com",
        ],
        "frame-ancestors": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
# Request bodies in bytes by path prefix (the longest wins, "" is every other path), answered
# 413 above it; files larger than the synchronous API takes go through /api/nhap-tep/.
MB = 1024 * 1024
REQUEST_BODY_LIMITS = {
    "": int(os.environ.get("REQUEST_BODY_MB", "10")) * MB,
    "/api/dataValueSets": int(os.environ.get("API_IMPORT_BODY_MB", "10")) * MB,
    "/api/nhap-tep/": int(os.environ.get("IMPORT_UPLOAD_MB", "2048")) * MB,
    "/thi-dua/": 100 * MB,  # evidence files, 20 MB each
    "/cms/": 100 * MB,  # portal images and documents
}
# Reader bounds (phongtrao.exchange.readers.Limits): depth, keys, text, lines, values.
EXCHANGE_READER_LIMITS = {"max_values": int(os.environ.get("IMPORT_MAX_VALUES", "5000000"))}

# `/api/analytics`: the most cells (data × periods × units) one request may read; larger
# ones get DHIS2's 409 E7128. Every commune of the country × 73 indicators × 5 years ≈ 1.2M.
ANALYTICS_MAX_CELLS = int(os.environ.get("ANALYTICS_MAX_CELLS", "2000000"))
# Two-factor sign-in: who has set up an authenticator app always gives its code; with
# TWO_FACTOR_REQUIRED, superusers, administrators and editors must set one up.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Báo cáo phong trào")
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_COOLOFF_HOURS", "0.25"))  # hours
# Per user name and IP, and per user name across IPs (behind a shared proxy every user has
# the proxy's address; an attacker rotating addresses still meets the user name's limit).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Mail (notifications, password reset): SMTP from the environment; without EMAIL_HOST the
# mails are written to the console (the demo). SITE_URL makes the links in mails absolute.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "phongtrao <khong-tra-loi@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
