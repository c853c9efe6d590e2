"""The documented production install, run for real.

A fresh virtual environment gets `pip install -c requirements.lock .` (no dev extras, not
editable), then, with DEBUG off, PostgreSQL and Redis, the installed package migrates and
runs a Celery worker, one beat and gunicorn, as docs/operations.md's systemd units do.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
import redis

from tests.conftest import require_service
from tests.core.processes import (
    REPOSITORY,
    Background,
    clean_environment,
    exclusive_redis_database,
    wait_for,
)

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/14"
POSTGRES_SERVER = "postgres://postgres@127.0.0.1:5432"
# Its own database per test run, since several runs may share the machine.
DATABASE_NAME = f"wenming_production_install_{os.getpid()}"
HOST = "wenming.test"
# What an sdist of the project holds: everything `pip install .` reads.
SOURCES = ("pyproject.toml", "README.md", "requirements.lock")
DEV_TOOLS = {"pytest", "pytest-django", "ruff", "playwright", "factory-boy", "time-machine"}


def _run(
    command: list[str], *, env: dict[str, str], cwd: Path, timeout: float, explain=None
) -> str:
    completed = subprocess.run(  # noqa: S603 (the test's own fixed commands)
        command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if completed.returncode != 0:
        details = f"\n{explain()}" if explain else ""
        pytest.fail(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}{details}")
    return completed.stdout


def _redis_is_up() -> bool:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


def _server_connection():
    return psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=2, autocommit=True)


def _postgres_is_up() -> bool:
    try:
        _server_connection().close()
    except psycopg.OperationalError:
        return False
    return True


def _drop_database() -> None:
    with _server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE_NAME}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Installation:
    """The virtual environment, its production environment variables, and its processes."""

    def __init__(self, root: Path):
        self.root = root
        self.venv = root / "venv"
        self.run_dir = root / "run"  # holds no wenming/, so imports come from the venv
        self.var_dir = root / "var"
        self.port = _free_port()
        self.processes: dict[str, Background] = {}
        self.env = {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "WENMING_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": f"{POSTGRES_SERVER}/{DATABASE_NAME}",
            "CELERY_BROKER_URL": REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "wenming.settings",
            # Beat sends the audit-chain check every 2 s instead of daily.
            "AUDIT_VERIFY_INTERVAL_SECONDS": "2",
        }

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def install(self) -> None:
        source = self.root / "source"
        source.mkdir()
        for name in SOURCES:
            shutil.copy2(REPOSITORY / name, source / name)
        shutil.copytree(
            REPOSITORY / "wenming",
            source / "wenming",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        self.run_dir.mkdir()
        self.var_dir.mkdir()
        # pip keeps the machine's own configuration (index, mirrors), as `make install` does.
        pip_env = clean_environment()
        _run([sys.executable, "-m", "venv", str(self.venv)], env=pip_env, cwd=source, timeout=120)
        _run(
            # --no-compile only saves time: Python compiles the bytecode on first import.
            [
                self.bin("python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "-c",
                "requirements.lock",
                ".",
            ],
            env=pip_env,
            cwd=source,
            timeout=600,
        )

    def python(self, code: str, timeout: float = 120) -> str:
        return _run(
            [self.bin("python"), "-c", code],
            env=self.env,
            cwd=self.run_dir,
            timeout=timeout,
            explain=self.logs,
        )

    def logs(self) -> str:
        """Every process's log, for a failure message."""
        return "\n".join(
            f"--- {name} ---\n{process.log()}" for name, process in self.processes.items()
        )

    def start(self, name: str, command: list[str]) -> Background:
        process = Background(
            command, log_path=self.root / f"{name}.log", env=self.env, cwd=self.run_dir
        )
        self.processes[name] = process
        return process

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    require_service("Redis", _redis_is_up(), "start it with redis-server --port 6379")
    require_service("PostgreSQL", _postgres_is_up(), "start it, e.g. pg_ctlcluster 15 main start")
    with exclusive_redis_database(REDIS_URL, hold_for=900):
        yield from _install_and_start(tmp_path_factory.mktemp("production"))


def _install_and_start(root: Path):
    _drop_database()
    with _server_connection() as connection:
        connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    installed = Installation(root)
    try:
        installed.install()
        _run(
            [installed.bin("django-admin"), "migrate", "--noinput"],
            env=installed.env,
            cwd=installed.run_dir,
            timeout=300,
        )
        installed.start(
            "worker",
            [installed.bin("celery"), "-A", "wenming", "worker", "--loglevel=INFO",
             "--concurrency=1", "--hostname=production@%h"],
        )  # fmt: skip
        installed.start(
            "beat",
            [installed.bin("celery"), "-A", "wenming", "beat", "--loglevel=INFO",
             "--schedule", str(installed.var_dir / "celerybeat-schedule")],
        )  # fmt: skip
        installed.start(
            "web",
            [installed.bin("gunicorn"), "wenming.wsgi:application",
             "--bind", f"127.0.0.1:{installed.port}", "--workers", "1"],
        )  # fmt: skip
        yield installed
    finally:
        installed.stop()
        _drop_database()


def test_install_is_the_locked_set_without_dev_tools(installation):
    # `pip freeze` as `make lock` reads it: what the install brought, not pip itself.
    frozen = _run(
        [installation.bin("python"), "-m", "pip", "freeze"],
        env=installation.env,
        cwd=installation.run_dir,
        timeout=60,
    ).splitlines()
    locked = set((REPOSITORY / "requirements.lock").read_text().split())
    installed = {line for line in frozen if not line.startswith("wenming")}
    assert sorted(installed - locked) == []
    names = {line.split("==")[0].lower().replace("_", "-") for line in installed}
    assert names & DEV_TOOLS == set()
    assert {"packaging", "redis", "kombu", "celery"} <= names
    location = installation.python("import wenming; print(wenming.__file__)").strip()
    assert location == str(
        installation.venv / "lib" / "python3.11" / "site-packages" / "wenming" / "__init__.py"
    )


def test_worker_runs_a_task_sent_by_the_installed_platform(installation):
    imports = installation.var_dir / "media" / "imports"
    imports.mkdir(parents=True)
    abandoned = imports / "abandoned.xlsx"
    abandoned.write_bytes(b"workbook")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(abandoned, (two_days_ago, two_days_ago))
    fresh = imports / "awaiting-confirmation.xlsx"
    fresh.write_bytes(b"workbook")

    sent = json.loads(
        installation.python(
            "import json, django; django.setup(); "
            "from wenming.core.tasks import housekeeping; "
            "result = housekeeping.delay(); "
            "print(json.dumps({'id': result.id, 'value': result.get(timeout=60)}))"
        )
    )

    assert sent["value"] == {"login_failures": 0, "sessions": 0, "import_uploads": 1}
    assert not abandoned.exists()
    assert fresh.exists()
    worker = installation.processes["worker"]
    wait_for(
        lambda: f"Task wenming.core.tasks.housekeeping[{sent['id']}] succeeded" in worker.log(),
        30,
        "the worker's log of the task",
        explain=installation.logs,
    )


def test_beat_schedules_the_audit_check_and_the_worker_runs_it(installation):
    beat = installation.processes["beat"]
    worker = installation.processes["worker"]
    wait_for(
        lambda: (
            "Sending due task verify-audit-chain (wenming.core.tasks.verify_audit_chain)"
            in beat.log()
        ),
        60,
        "beat to send the audit-chain check",
        explain=installation.logs,
    )
    wait_for(
        lambda: re.search(
            r"Task wenming\.core\.tasks\.verify_audit_chain\[[0-9a-f-]+\] succeeded", worker.log()
        ),
        60,
        "the worker to run the audit-chain check",
        explain=installation.logs,
    )
    assert beat.is_running()
    assert worker.is_running()


def test_readyz_reports_database_and_broker_up(installation):
    url = f"http://127.0.0.1:{installation.port}/readyz"
    request = urllib.request.Request(url, headers={"Host": HOST})

    def answer():
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:  # 503: answered, but not ready
            return error.code, json.loads(error.read())
        except OSError:  # gunicorn is still starting
            return None

    status, body = wait_for(answer, 60, "gunicorn to answer /readyz", explain=installation.logs)
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
