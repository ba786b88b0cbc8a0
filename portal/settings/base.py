"""Settings shared by every environment.

Everything that differs between a laptop and production comes from environment
variables, read here once.  The embedded default needs no server: SQLite for data,
a filesystem broker for Celery, local files for media.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def media_origins() -> list[str]:
    """Origins media may come from besides the site's own: PORTAL_CSP_MEDIA_ORIGINS, an
    absolute MEDIA_URL, and the S3 endpoint (path- and host-style) or custom domain."""
    from urllib.parse import urlsplit

    origins = env_list("PORTAL_CSP_MEDIA_ORIGINS")
    media = urlsplit(os.environ.get("MEDIA_URL", ""))
    if media.scheme and media.netloc:
        origins.append(f"{media.scheme}://{media.netloc}")
    bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME")
    if bucket:
        endpoint = urlsplit(os.environ.get("AWS_S3_ENDPOINT_URL") or "https://s3.amazonaws.com")
        origins += [
            f"{endpoint.scheme}://{endpoint.netloc}",
            f"{endpoint.scheme}://{bucket}.{endpoint.netloc}",
        ]
        if os.environ.get("AWS_S3_CUSTOM_DOMAIN"):
            origins.append(f"https://{os.environ['AWS_S3_CUSTOM_DOMAIN']}")
    return list(dict.fromkeys(origins))


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    # Our apps first so their templates override Wagtail's and allauth's.
    "portal",
    "cms",
    "deliberation",
    "credits",
    "triage",
    "api",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.settings",
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
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # No django.contrib.admin: every staff surface is the Wagtail admin (MFA, scoped views).
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI as static files (no CDN under our CSP)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outside the page cache, so a cached page still gets its headers on every response.
    "portal.security_headers.SecurityHeadersMiddleware",
    "portal.security_headers.PortalCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.HostileInputMiddleware",
    "portal.pagecache.AnonymousPageCacheMiddleware",
    "cms.sites.SiteCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # django.contrib.auth's, with the user row kept in the cache (dropped on save).
    "portal.middleware.CachedAuthenticationMiddleware",
    "portal.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.StaffMFAMiddleware",
    "portal.middleware.ProtectedDeleteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.portal",
            ],
        },
    },
]

# Every form draws its fields with portal/templates/portal/forms/field.html (one template:
# label, help text and errors linked by aria-describedby, required marker, typed value).
FORM_RENDERER = "portal.forms.PortalFormRenderer"

# --- Database -------------------------------------------------------------------
# SQLite unless DATABASE_URL is set (postgres://user@host:5432/name in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Server-side prepared statements, for the few statements that ask for them through a
    # server-binding cursor (the ledger's payment path: credits/ledger.py).  Django's
    # own cursors bind on the client and never prepare.  Behind PgBouncer in transaction
    # mode this needs PgBouncer >= 1.21 with max_prepared_statements; set
    # DATABASE_PREPARE_THRESHOLD="" to switch preparation off.
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        int(_prepare) if _prepare else None
    )
    # Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator()) may
    # land on another server connection than the transaction that opened it: off there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_BEHIND_PGBOUNCER", False
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read from the cache and written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts -------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:dashboard"
# A mainland mobile number (verified by a texted code, portal.adapters), an email address
# or a username signs in.  Sign-up asks for a mobile number OR an email address: allauth
# lists "email*" (its mandatory email verification requires it), portal.signup makes it
# optional when a number is given, and portal.adapters.EmailVerificationStage waives
# email verification for an account whose number is verified.
ACCOUNT_LOGIN_METHODS = {"phone", "email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["phone", "email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# 6-digit texted codes, valid 10 minutes (sign-up and sign-in alike: the text says so),
# 3 tries, then a new one.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 10 * 60
ACCOUNT_PHONE_VERIFICATION_MAX_ATTEMPTS = 3
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = ACCOUNT_PHONE_VERIFICATION_TIMEOUT
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "portal.validators.username_validators"
ACCOUNT_SIGNUP_FORM_CLASS = None
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
# Sign-up answers a used username as it answers a new one (portal.signup).
ACCOUNT_FORMS = {
    "signup": "portal.signup.SignupForm",
    "request_login_code": "portal.signup.RequestLoginCodeForm",  # the number first
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[社区议事厅] "
ACCOUNT_PREVENT_ENUMERATION = True
# Sign-ups and password resets are throttled per IP and per account; failed logins per IP
# and per (account, IP): `key` is both (portal.adapters), so nobody locks out an owner.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    # Texted codes cost money and can be used to pester a number: per number (`key`) and
    # per client address, for sign-in codes, sign-up / added-number codes and changes.
    "request_login_code": "10/m/ip,3/10m/key",
    "verify_phone": "10/m/ip,3/10m/key",
    "change_phone": "3/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "portal.adapters.MFAAdapter"  # a wrong code says what to do
MFA_TOTP_ISSUER = "社区议事厅"
# Staff reaching the Wagtail admin must have TOTP enabled (portal.middleware.StaffMFAMiddleware).
PORTAL_REQUIRE_STAFF_MFA = env_bool("PORTAL_REQUIRE_STAFF_MFA", True)
# `load_demo` creates accounts with published passwords: only dev and test switch it on.
PORTAL_ALLOW_DEMO_CONTENT = False
# `manage.py load_demo`, after people and places: pages, then each domain app (the moral
# bank's earning rules before the sessions whose attendance they pay).
PORTAL_DEMO_LOADERS = [
    "cms.demo.load",
    "credits.demo.load",
    "deliberation.demo.load",
    "triage.demo.load",
    "cms.search_documents.load_demo",  # last: indexes what the others wrote
]

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
# portal/locale/upstream: our 简体中文 for Wagtail and allauth messages their catalogues
# leave out or fill with English ("Hello!", "Email"); after ours, before theirs.
LOCALE_PATHS = [BASE_DIR / "portal" / "locale", BASE_DIR / "portal" / "locale" / "upstream"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]

# --- Static and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "static_collected"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads: size limit enforced by portal.validators.validate_image_upload as well.
PORTAL_MAX_IMAGE_BYTES = int(os.environ.get("PORTAL_MAX_IMAGE_BYTES", str(5 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Declared pixels above this are refused before decoding (portal.uploads.clean_image).
PORTAL_MAX_IMAGE_PIXELS = int(os.environ.get("PORTAL_MAX_IMAGE_PIXELS", "40000000"))
WAGTAILIMAGES_MAX_UPLOAD_SIZE = PORTAL_MAX_IMAGE_BYTES
WAGTAILIMAGES_MAX_IMAGE_PIXELS = PORTAL_MAX_IMAGE_PIXELS
# What portal.uploads.clean_image decodes (no SVG); every upload is re-encoded by it.
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.images.ImageForm"

# --- Email ------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "社区议事厅 <noreply@example.cn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text messages (portal.sms): one file per message in var/sms/ unless a provider's
# backend is named here.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "portal.sms.FileBackend")
SMS_FILE_PATH = Path(os.environ.get("SMS_FILE_PATH", VAR_DIR / "sms"))
# The provider adapters (portal.sms.AliyunBackend, portal.sms.TencentBackend).  A provider
# sends approved templates only: "code" (one parameter, the 6-digit code) and "notice"
# (one parameter, the text).  SMS_ENDPOINT overrides the provider's address (tests).
SMS_PROVIDER = {
    "sign_name": os.environ.get("SMS_SIGN_NAME", ""),
    "templates": {
        "code": os.environ.get("SMS_TEMPLATE_CODE", ""),
        "notice": os.environ.get("SMS_TEMPLATE_NOTICE", ""),
    },
    "endpoint": os.environ.get("SMS_ENDPOINT", ""),
    "timeout": float(os.environ.get("SMS_TIMEOUT", "5")),
    "aliyun_access_key_id": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "aliyun_access_key_secret": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "aliyun_region": os.environ.get("ALIYUN_SMS_REGION", "cn-hangzhou"),
    "tencent_secret_id": os.environ.get("TENCENT_SMS_SECRET_ID", ""),
    "tencent_secret_key": os.environ.get("TENCENT_SMS_SECRET_KEY", ""),
    "tencent_sdk_app_id": os.environ.get("TENCENT_SMS_SDK_APP_ID", ""),
    "tencent_region": os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
}
ADMINS = [("Site admin", a) for a in env_list("DJANGO_ADMINS")]

# --- Celery -----------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, a real broker that needs no server.
_broker_dir = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    REDIS_URL or f"file://{_broker_dir / 'results'}"
)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Redis hands a task that was delivered but never acknowledged (its worker was killed)
    # to another worker after this many seconds; kombu's default is an hour.  Longer than
    # any task runs and than a retry's backoff (portal.celery.PortalTask), or a task
    # still running or waiting to retry would be delivered twice.
    else {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With late acknowledgement, a task running when the broker connection drops is
# redelivered; cancel it here rather than let it run on twice.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each workload has its own queue, so a burst of one (a storm of notices, a night's
# retraining) never holds up another, and a host can serve some queues only
# (`celery -A portal worker -Q ledger`).  `make run`'s one worker serves them all.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "portal.send_*": {"queue": "notifications"},
    "deliberation.send_session_reminders": {"queue": "notifications"},
    "triage.classify": {"queue": "classification"},
    "triage.retrain": {"queue": "classification"},
    "credits.*": {"queue": "ledger"},
}
PORTAL_QUEUES = ["celery", "notifications", "classification", "ledger"]

# Each app lists its periodic tasks in <app>/beat.py; they are merged here.
CELERY_BEAT_SCHEDULE: dict = {}
for _app in ("portal", "credits", "deliberation", "triage"):
    CELERY_BEAT_SCHEDULE.update(__import__(f"{_app}.beat", fromlist=["SCHEDULE"]).SCHEDULE)

# --- Wagtail ----------------------------------------------------------------------
WAGTAIL_SITE_NAME = "社区议事厅"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_FRONTEND_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
# Peer review (cms/review.py): an approval counts for the revision it saw, and the
# workflow, not the approver's page rights, publishes what was approved.
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True
WAGTAIL_FINISH_WORKFLOW_ACTION = "cms.workflow_finish.publish_approved_workflow"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "cms.search_backend"}}
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "odt", "txt"]
TAGGIT_CASE_INSENSITIVE = True

# --- Security ---------------------------------------------------------------------
# One switch for the Secure flag of every cookie (production turns it on; see also
# portal.security_headers.SecurityHeadersMiddleware, which applies it to any cookie set).
PORTAL_COOKIE_SECURE = env_bool("PORTAL_COOKIE_SECURE", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = PORTAL_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # Wagtail's admin scripts read the token
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview view opts into SAMEORIGIN itself
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's admin would load avatars from gravatar.com: a third-party origin the CSP refuses.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# ... and its dashboard would fetch releases.wagtail.org (connect-src refuses it too).
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Content-Security-Policy (django-csp).  No inline script or style anywhere on the public
# site: behaviour lives in each app's static/*.js, looks in portal/static/portal/tokens.css
# and components.css.
# A template that truly needs an inline script gives it nonce="{{ request.csp_nonce }}";
# portal.pagecache never stores such a page.  The Wagtail admin gets a wider policy for
# its own inline scripts and styles (PORTAL_CSP_ADMIN, portal/security_headers.py).
PORTAL_CSP_MEDIA_ORIGINS = media_origins()
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *PORTAL_CSP_MEDIA_ORIGINS],
        "media-src": [SELF, *PORTAL_CSP_MEDIA_ORIGINS],
        "font-src": [SELF],
        "connect-src": [SELF],
        # Rich-text video embeds: list their players (e.g. https://player.bilibili.com).
        "frame-src": [SELF, *env_list("PORTAL_CSP_FRAME_ORIGINS")],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Maps (portal/maps.py): the tile source of every map.  None draws the areas' outlines on
# a plain background.  MAP_TILES_URL (+ MAP_TILES_ATTRIBUTION, MAP_TILES_SUBDOMAINS,
# MAP_TILES_OVERLAY_URL) for any XYZ source, or TIANDITU_KEY for 天地图; MAP_TILES_CRS is
# "gcj02" for AMap/Tencent tiles.  Their hosts join img-src at request time.
if os.environ.get("MAP_TILES_URL"):
    MAP_TILES = {
        "url": os.environ["MAP_TILES_URL"],
        "overlay_url": os.environ.get("MAP_TILES_OVERLAY_URL", ""),
        "subdomains": os.environ.get("MAP_TILES_SUBDOMAINS", ""),
        "attribution": os.environ.get("MAP_TILES_ATTRIBUTION", ""),
        "key": os.environ.get("MAP_TILES_KEY", ""),
    }
elif os.environ.get("TIANDITU_KEY"):
    from portal.maps import tianditu

    MAP_TILES = tianditu(os.environ["TIANDITU_KEY"])
else:
    MAP_TILES = None
MAP_TILES_CRS = os.environ.get("MAP_TILES_CRS", "wgs84")
# Replaces these directives under PORTAL_CSP_ADMIN_PREFIXES (see security_headers.py).
PORTAL_CSP_ADMIN_PREFIXES = ("/admin/",)
PORTAL_CSP_ADMIN = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:", "blob:", *PORTAL_CSP_MEDIA_ORIGINS],
    "frame-ancestors": [SELF],  # the page editor frames its own preview
    "frame-src": [SELF, *env_list("PORTAL_CSP_FRAME_ORIGINS")],
}
# Permissions-Policy: every powerful feature off, except the few the portal uses.  A view
# widens it for its own response with portal.security_headers.permissions_policy().
PERMISSIONS_POLICY = {
    "geolocation": ["self"],  # the report form's "use my location"
    "microphone": ["self"],  # speech input
    "camera": [],  # only the check-in desk (QR scanning) turns it on
    "fullscreen": ["self"],
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "display-capture": [],
    "encrypted-media": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-get": [],  # (self) if allauth's WebAuthn is ever turned on
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Wagtail's immediate task backend logs every search-index update at INFO.
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}

# Behind N trusted reverse proxies, a client's address is the Nth hop from the right of
# X-Forwarded-For; with none (0) it is REMOTE_ADDR.  Every rate limit reads it this way:
# sign-in (allauth), Open311 and the public API (portal.inputs.client_address).
PORTAL_TRUSTED_PROXIES = int(
    os.environ.get("PORTAL_TRUSTED_PROXIES") or os.environ.get("PUBLIC_API_NUM_PROXIES") or 0
)
ALLAUTH_TRUSTED_PROXY_COUNT = PORTAL_TRUSTED_PROXIES

# --- Public open-data API (api/, /api/v1/) -------------------------------------------
# Requests per client address (DRF rate syntax), kept in the default cache; 429 beyond.
PUBLIC_API_RATE = os.environ.get("PUBLIC_API_RATE", "120/min")
PUBLIC_API_MAX_AGE = int(os.environ.get("PUBLIC_API_MAX_AGE", "60"))  # Cache-Control
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The same reading of the client address as every other limit (PORTAL_TRUSTED_PROXIES).
    "NUM_PROXIES": PORTAL_TRUSTED_PROXIES or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community Hall open data API",
    "DESCRIPTION": "Public, read-only open data: areas and communities; topics, sessions "
    "and decided outcomes with their follow-ups; monthly request statistics per area; "
    "moral-bank totals per community. No personal data. Paginated, cacheable (ETag), "
    "rate-limited per client address.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["api.schema.only_public_api"],
}

PORTAL_SITE_NAME = _("Community Hall")
# Anonymous full-page cache (portal/pagecache.py); 0 switches it off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "30"))

# --- Open311 GeoReport v2 (triage/open311/) ------------------------------------------
# The deployment's own jurisdiction_id: optional on every call (there is only one), and
# any other value is refused.
OPEN311_JURISDICTION_ID = os.environ.get("OPEN311_JURISDICTION_ID", "qingdao")
# Grid code whose committee places requests posted with an address only (no lat/long,
# no address_id); empty: the first grid of the city.
OPEN311_PLACEMENT_GRID = os.environ.get("OPEN311_PLACEMENT_GRID", "")
OPEN311_CONTACT = os.environ.get("OPEN311_CONTACT", "")
OPEN311_KEY_SERVICE = os.environ.get("OPEN311_KEY_SERVICE", "")
# Bumped when the service list or definitions change in a way clients must refetch.
OPEN311_CHANGESET = os.environ.get("OPEN311_CHANGESET", "2026-12-05T00:00:00+08:00")
# Rate limits: (requests, seconds) per client address (every call) and per api_key
# (every POST).  Counted in the default cache (LocMem or Redis).
OPEN311_RATE_LIMIT_ADDRESS = (int(os.environ.get("OPEN311_RATE_ADDRESS", "120")), 60)
OPEN311_RATE_LIMIT_KEY = (int(os.environ.get("OPEN311_RATE_KEY", "30")), 60)
OPEN311_MEDIA_URL_MAX = 1000
