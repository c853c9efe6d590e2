"""文明城市大脑: the civilized-city campaign platform."""

from wenming.celery import app as celery_app

__all__ = ["celery_app"]
