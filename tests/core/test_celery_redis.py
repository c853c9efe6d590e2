"""The periodic audit-chain check, run by a real Celery worker through the real Redis."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from tests.conftest import require_service
from wenming.celery import app
from wenming.core import audit
from wenming.core.context import acting_as
from wenming.core.tasks import verify_audit_chain

REDIS_URL = "redis://127.0.0.1:6379/15"


def _forget_result_backend():
    """Celery caches the backend and connection pools it built from the old settings."""
    app._backend_cache = None
    vars(app._local).pop("backend", None)
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def _close_worker_connections():
    """The worker thread's database connection outlives it; end it so teardown can drop."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture
def redis_worker():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        reachable = True
    except redis.RedisError:
        reachable = False
    require_service("Redis", reachable, "start it with redis-server --port 6379")
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    _forget_result_backend()
    redis.Redis.from_url(REDIS_URL).flushdb()
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
        ):
            yield
    finally:
        app.conf.update(saved)
        _forget_result_backend()
        _close_worker_connections()


@pytest.mark.django_db(transaction=True)
def test_beat_schedule_names_the_daily_check(settings):
    assert settings.CELERY_BEAT_SCHEDULE["verify-audit-chain"] == {
        "task": "wenming.core.tasks.verify_audit_chain",
        "schedule": 24 * 3600,
    }


@pytest.mark.django_db(transaction=True)
def test_worker_verifies_the_chain_through_redis(redis_worker):
    with acting_as(None, origin="test"):
        for number in range(3):
            audit.record("import", object_type="test.thing", object_repr=f"第{number}批")
    result = verify_audit_chain.apply_async()
    assert result.get(timeout=30) == {"checked": 3, "broken_entry_id": None, "reason": ""}
    # The result travelled through Redis, not an in-process shortcut.
    assert result.backend.__class__.__name__ == "RedisBackend"
