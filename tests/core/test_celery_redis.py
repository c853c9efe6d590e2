"""Celery on the real Redis: the audit-chain check, and tasks that survive a crash."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.exceptions import TimeLimitExceeded

from tests.conftest import require_service
from tests.core.processes import (
    REPOSITORY,
    Background,
    clean_environment,
    exclusive_redis_database,
    is_gone,
    wait_for,
)
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
    with exclusive_redis_database(REDIS_URL, hold_for=120):
        app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
        _forget_result_backend()
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


def test_tasks_are_acknowledged_late_and_requeued_when_their_process_dies(settings):
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_TASK_TIME_LIMIT == 15 * 60
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS == {
        "visibility_timeout": 20 * 60,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] == 20 * 60


def _import_settings(**variables) -> subprocess.CompletedProcess:
    env = {**clean_environment(), "DEBUG": "true", "SECRET_KEY": "k" * 50, **variables}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import wenming.settings as s; print(s.CELERY_BROKER_TRANSPORT_OPTIONS)",
        ],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_short_visibility_timeout_sweeps_for_lost_messages_as_often():
    completed = _import_settings(CELERY_VISIBILITY_TIMEOUT="5", CELERY_TASK_TIME_LIMIT="4")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == (
        "{'visibility_timeout': 5, 'unacked_restore_interval': 5, 'unacked_restore_throttle': 1}"
    )


@pytest.mark.parametrize(
    ("time_limit", "visibility_timeout"), [("1200", "1200"), ("1500", "1200"), ("0", "1200")]
)
def test_a_time_limit_not_below_the_visibility_timeout_stops_start_up(
    time_limit, visibility_timeout
):
    completed = _import_settings(
        CELERY_TASK_TIME_LIMIT=time_limit, CELERY_VISIBILITY_TIMEOUT=visibility_timeout
    )
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: CELERY_TASK_TIME_LIMIT must be positive "
        f"and below CELERY_VISIBILITY_TIMEOUT, not {time_limit} and {visibility_timeout}"
    )


# A real worker in its own process, killed mid-task ------------------------------------------

CRASH_REDIS_URL = "redis://127.0.0.1:6379/13"
CRASH_VISIBILITY_TIMEOUT = 5


def _start_worker(tmp_path: Path, name: str, visibility_timeout: int) -> Background:
    """`celery -A wenming worker` with the prefork pool and the crash tests' task."""
    env = {
        **clean_environment(),
        "DEBUG": "true",
        "WENMING_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "wenming.settings",
        "CELERY_BROKER_URL": CRASH_REDIS_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "CELERY_TASK_TIME_LIMIT": str(visibility_timeout - 1),
        "PYTHONPATH": str(REPOSITORY),
    }
    command = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "wenming",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--include=tests.core.celery_jobs",
        "--loglevel=INFO",
        f"--hostname={name}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return Background(command, log_path=tmp_path / f"{name}.log", env=env, cwd=REPOSITORY)


@pytest.fixture
def crash_lab(tmp_path):
    """Redis database 13 to ourselves, a sender app on it, and the workers a test starts."""
    try:
        redis.Redis.from_url(CRASH_REDIS_URL, socket_connect_timeout=1).ping()
        reachable = True
    except redis.RedisError:
        reachable = False
    require_service("Redis", reachable, "start it with redis-server --port 6379")
    with exclusive_redis_database(CRASH_REDIS_URL, hold_for=300) as client:
        sender = Celery("crash-test", broker=CRASH_REDIS_URL, backend=CRASH_REDIS_URL)
        workers: list[Background] = []

        def start(name: str, visibility_timeout: int = CRASH_VISIBILITY_TIMEOUT) -> Background:
            worker = _start_worker(tmp_path, name, visibility_timeout)
            workers.append(worker)
            return worker

        try:
            yield client, sender, start
        finally:
            for worker in workers:
                worker.stop()
            sender.close()


@pytest.mark.slow
def test_task_of_a_killed_worker_completes_after_restart_within_the_visibility_timeout(
    crash_lab,
):
    client, sender, start = crash_lab
    first = start("crash-first")
    result = sender.send_task("tests.core.celery_jobs.held_job", args=["report", CRASH_REDIS_URL])
    pool_pid = int(wait_for(lambda: client.lrange("report:runs", 0, -1), 60, "the first run")[0])

    first.kill()
    killed_at = time.monotonic()
    wait_for(lambda: is_gone(pool_pid), 10, "the pool process to end")
    # Unacknowledged, the message waits in Redis for the visibility timeout to pass.
    assert client.hlen("unacked") == 1
    client.set("report:release", 1)
    second = start("crash-second")
    wait_for(lambda: " ready." in second.log(), 60, "the new worker to start")
    ready_at = time.monotonic()

    assert result.get(timeout=CRASH_VISIBILITY_TIMEOUT + 30) == "report done"
    done_at = time.monotonic()
    # Not before the timeout (the message was not lost, only held), and soon after it: the
    # new worker sweeps for abandoned messages at start and every restore interval.
    assert done_at - killed_at > CRASH_VISIBILITY_TIMEOUT - 2
    assert done_at - max(ready_at, killed_at + CRASH_VISIBILITY_TIMEOUT) < (
        CRASH_VISIBILITY_TIMEOUT + 5
    ), second.log()
    assert client.llen("report:runs") == 2
    assert client.get("report:completions") == "1"
    assert client.get("report:effect") == result.id
    # The message is acknowledged just after the result is stored.
    wait_for(lambda: client.hlen("unacked") == 0, 10, "the acknowledgement")
    assert result.state == "SUCCESS"


@pytest.mark.slow
def test_task_whose_pool_process_is_killed_runs_again_at_once(crash_lab):
    client, sender, start = crash_lab
    # A long visibility timeout: the task must come back by being requeued, not by timing out.
    worker = start("crash-pool", visibility_timeout=300)
    result = sender.send_task("tests.core.celery_jobs.held_job", args=["export", CRASH_REDIS_URL])
    first_pid = int(wait_for(lambda: client.lrange("export:runs", 0, -1), 60, "the first run")[0])
    assert first_pid != worker.pid

    os.kill(first_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    runs = wait_for(
        lambda: client.lrange("export:runs", 0, -1)[1:], 30, "the run after the pool process died"
    )
    client.set("export:release", 1)

    assert result.get(timeout=30) == "export done"
    assert time.monotonic() - killed_at < 30
    assert int(runs[0]) != first_pid
    assert client.llen("export:runs") == 2
    assert client.get("export:completions") == "1"
    assert client.get("export:effect") == result.id
    assert result.state == "SUCCESS"
    assert worker.is_running()
    assert "WorkerLostError" in worker.log()


@pytest.mark.slow
def test_task_over_the_time_limit_fails_once_and_is_not_run_again(crash_lab):
    client, sender, start = crash_lab
    worker = start("crash-limit")  # time limit: CRASH_VISIBILITY_TIMEOUT - 1 = 4 s
    result = sender.send_task("tests.core.celery_jobs.held_job", args=["stuck", CRASH_REDIS_URL])
    wait_for(lambda: client.llen("stuck:runs"), 60, "the run", explain=worker.log)

    with pytest.raises(TimeLimitExceeded):
        result.get(timeout=30)
    wait_for(lambda: client.hlen("unacked") == 0, 10, "the acknowledgement", explain=worker.log)
    # Past the visibility timeout and a restore sweep: nothing brought the message back.
    time.sleep(CRASH_VISIBILITY_TIMEOUT + 2)
    assert client.llen("stuck:runs") == 1
    assert client.get("stuck:completions") is None
    assert result.state == "FAILURE"
    assert worker.is_running()
