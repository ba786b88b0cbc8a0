"""Test settings: same stack as dev, with fast hashing and an in-memory mail outbox.

The database comes from DATABASE_URL (SQLite by default; CI runs again on PostgreSQL).
"""

import os

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
ALLOWED_HOSTS = ["*"]
SECRET_KEY = "test-secret-key-not-for-production-use-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "portal.sms.LocmemBackend"
# Tasks run inline unless a test starts a real worker (tests/portal/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
PORTAL_ALLOW_DEMO_CONTENT = True
PORTAL_REQUIRE_STAFF_MFA = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/key",
    "signup": "20/m/ip",
    # As in base: texted codes per number and per address (tests/portal/test_phone_signin.py).
    "request_login_code": "10/m/ip,3/10m/key",
    "verify_phone": "10/m/ip,3/10m/key",
    "change_phone": "3/m/user",
}
if not os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
PAGE_CACHE_SECONDS = 0  # tests that need it switch it on
