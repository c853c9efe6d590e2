"""Health probes, security headers, production settings and masking."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import client_for
from wenming.core.masking import mask_id_number, mask_mobile

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_without_touching_the_database():
    # No django_db mark: any query here would raise.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_readyz_fails_when_the_configured_broker_is_down():
    from wenming.celery import app

    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = Client().get("/readyz")
    finally:
        app.conf.broker_url = None
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "error"}


@pytest.mark.django_db
def test_pages_carry_csp_and_security_headers():
    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_pages_load_nothing_from_other_hosts(people):
    import re

    staff = client_for(people.city_admin)
    pages = [
        (Client(), "/"),
        (Client(), "/accounts/login/"),
        (staff, "/staff/"),
        (staff, "/staff/regions/"),
        (Client(), "/api/docs/"),
        (Client(), "/api/redoc/"),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', body)
        assert sources, url
        external = [s for s in sources if s.startswith(("http:", "https:", "//"))]
        assert external == [], url
        assert "<script>" not in body.replace(" ", ""), url


def _deploy_environment(**extra):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECRET_KEY"))
    }
    environment |= {
        "DEBUG": "false",
        "SECRET_KEY": "a-production-secret-key-" + "x" * 50,
        "ALLOWED_HOSTS": "wenming.example.cn",
        "CSRF_TRUSTED_ORIGINS": "https://wenming.example.cn",
        "WENMING_VAR_DIR": str(ROOT / "var" / "deploy-check"),
    }
    return environment | extra


def test_production_settings_pass_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_deploy_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    environment = _deploy_environment()
    del environment["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_manage_py_without_debug_says_to_set_it_for_a_local_run():
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEBUG", "SECRET_KEY"))
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "SECRET_KEY must be set when DEBUG is off",
        "For a local run on this machine set DEBUG=true, e.g. `DEBUG=true python manage.py "
        "runserver`, or use `make demo` / `make serve`. A production server sets the variables "
        "in docs/operations.md.",
    ]


def test_malformed_variables_fail_with_their_name():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=_deploy_environment(SESSION_IDLE_TIMEOUT="half an hour"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "SESSION_IDLE_TIMEOUT must be an integer, not 'half an hour'" in result.stderr


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812341234", "138****1234"),
        ("", ""),
        (None, ""),
        ("0755-8888123", "********8123"),
        ("123", "***"),
    ],
)
def test_mask_mobile(value, masked):
    assert mask_mobile(value) == masked


def test_mask_id_number():
    assert mask_id_number("11010119900101123X") == "110101********123X"


def test_unit_mobiles_are_masked_except_for_office_admins(people, city):
    masked = client_for(people.east_staff).get(f"/api/units/{city.east_unit.pk}/").json()
    assert (
        masked["contact_mobile"]
        == city.east_unit.contact_mobile[:3] + "****" + city.east_unit.contact_mobile[-4:]
    )
    whole = client_for(people.city_admin).get(f"/api/units/{city.east_unit.pk}/").json()
    assert whole["contact_mobile"] == city.east_unit.contact_mobile
    page = client_for(people.west_staff).get("/staff/units/").content.decode()
    assert "139****5678" in page
    assert "13912345678" not in page


def test_session_is_ended_after_idle_timeout(people, settings):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    client = client_for(people.east_staff)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get("/staff/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=60), tick=False):
        response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_media_files_are_not_served_directly(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence" / "secret.pdf").write_bytes(b"%PDF-1.4")
    assert Client().get("/media/evidence/secret.pdf").status_code == 404
