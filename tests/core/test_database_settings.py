"""Database connections: persistent and health-checked in production, configurable."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRINT_DATABASE = (
    "import json, wenming.settings as s; d = s.DATABASES['default']; "
    "print(json.dumps([d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS']]))"
)


def database_settings(**environment):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DEBUG", "DJANGO_SETTINGS"))
    }
    env.update(SECRET_KEY="x" * 50, **environment)
    output = subprocess.run(  # noqa: S603 (our own interpreter running a fixed snippet)
        [sys.executable, "-c", PRINT_DATABASE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def test_production_keeps_connections_for_60_seconds_and_checks_them():
    assert database_settings(DATABASE_URL="postgres://wenming@db.internal:5432/wenming") == [
        60,
        True,
    ]


def test_the_embedded_default_opens_a_connection_per_request():
    assert database_settings(DEBUG="true") == [0, True]


def test_both_are_configurable():
    assert database_settings(
        DATABASE_URL="postgres://wenming@db.internal:5432/wenming",
        DATABASE_CONN_MAX_AGE="300",
        DATABASE_CONN_HEALTH_CHECKS="false",
    ) == [300, False]
