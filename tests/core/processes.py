"""Helpers for tests that run the platform's own processes (Celery, gunicorn) for real."""

import os
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import redis

REPOSITORY = Path(__file__).resolve().parents[2]
PLATFORM_VARIABLES = ("CELERY_", "DATABASE_", "CACHE_URL", "DJANGO_", "AUDIT_", "DEBUG")


def clean_environment() -> dict[str, str]:
    """The caller's environment without any variable the platform itself reads."""
    return {
        name: value for name, value in os.environ.items() if not name.startswith(PLATFORM_VARIABLES)
    }


def wait_for(condition, timeout: float, what: str, explain=None):
    """Poll `condition` until it returns something true, and return that.

    On a time-out the error names `what` and adds `explain()`, e.g. a process's log.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    details = f"\n{explain()}" if explain else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{details}")


def is_gone(pid: int) -> bool:
    """The process has ended (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


class Background:
    """A command running in a process group of its own, its output in a log file."""

    def __init__(self, command: list[str], *, log_path: Path, env: dict[str, str], cwd: Path):
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (the tests' own fixed commands)
                command,
                cwd=cwd,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def is_running(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group (main process and its children) at once, as a crash."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Ask the group to shut down, and kill it if it has not within 15 s."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def exclusive_redis_database(url: str, hold_for: int):
    """Hold a lock on a Redis database for the test, then empty it before and after.

    Several test runs may share one machine; the lock makes a second run wait instead of
    emptying the database under the first one's worker.
    """
    client = redis.Redis.from_url(url, decode_responses=True)
    lock = client.lock("tests:exclusive", timeout=hold_for, blocking_timeout=hold_for)
    if not lock.acquire():
        raise AssertionError(f"another test run held {url} for more than {hold_for} s")
    try:
        for key in client.scan_iter():
            if key != "tests:exclusive":
                client.delete(key)
        yield client
    finally:
        for key in client.scan_iter():
            if key != "tests:exclusive":
                client.delete(key)
        lock.release()
        client.close()
