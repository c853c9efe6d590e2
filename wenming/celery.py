"""The Celery application: eager in the embedded default, Redis when a broker is set."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")

app = Celery("wenming")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
