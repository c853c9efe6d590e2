"""Settings for the test suite: the real settings, DEBUG on, a fast password hasher."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-that-is-long-enough-for-django-checks")

from wenming.settings import *  # noqa: F403

# Argon2 is what production uses (tested on its own); tests hash hundreds of passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
# Each test that anchors the audit chain names its own file; a shared one would leak.
AUDIT_ANCHOR_PATH = ""
