"""The platform's own error pages, and the demo served without DEBUG so no debug page shows."""

import re
import socket
import subprocess
import urllib.error
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.core.processes import REPOSITORY, Background, clean_environment, wait_for
from wenming import urls as platform_urls


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken_view), *platform_urls.urlpatterns]
handler500 = platform_urls.handler500


@override_settings(ROOT_URLCONF=__name__)
def test_an_unexpected_error_shows_the_platforms_500_page(db):
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert '<p class="empty-title">出错了</p>' in body
    assert "平台未能完成这次请求，错误已记录，请稍后再试。" in body
    assert "RuntimeError" not in body
    assert 'href="/static/wenming/app.css"' in body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(opener, url):
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace"), error.headers


@pytest.mark.slow
def test_make_serve_runs_without_debug_and_shows_only_the_platforms_pages(tmp_path):
    environment = clean_environment() | {"WENMING_VAR_DIR": str(tmp_path)}
    subprocess.run(  # noqa: S603 (the test's own fixed command)
        [str(REPOSITORY / ".venv" / "bin" / "python"), "manage.py", "migrate", "--noinput"],
        cwd=REPOSITORY,
        env=environment | {"DEBUG": "true"},
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    server = Background(
        # -o: serve this checkout's venv as it is; the test never reinstalls packages.
        ["make", "--no-print-directory", "-o", ".venv/.installed-stamp", "serve", f"PORT={port}"],
        log_path=tmp_path / "serve.log",
        env=environment,
        cwd=REPOSITORY,
    )
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:

        def answers():
            try:
                return fetch(opener, f"{base}/healthz")[0] == 200
            except OSError:
                return False

        wait_for(answers, 60, "make serve to answer", server.log)
        status, body, _headers = fetch(opener, f"{base}/no-such-page/")
        assert status == 404
        assert '<p class="empty-title">未找到</p>' in body
        assert "URLconf" not in body and "DEBUG = True" not in body
        status, body, headers = fetch(opener, f"{base}/static/wenming/app.css")
        assert (status, headers["Content-Type"].split(";")[0]) == (200, "text/css")
        status, body, _headers = fetch(opener, f"{base}/accounts/login/")
        assert status == 200
        assert re.search(r'name="csrfmiddlewaretoken" value="\w+"', body)
        # localhost is allowed too, without any configuration.
        by_name = urllib.request.Request(  # noqa: S310 (http to the server just started)
            f"{base}/", headers={"Host": f"localhost:{port}"}
        )
        assert fetch(opener, by_name)[0] == 200
    finally:
        server.stop()


def test_the_readme_says_what_make_and_manage_py_take():
    readme = (REPOSITORY / "README.md").read_text()
    for words in ("`HOST`、`PORT`", "`HOST` and `PORT`", "make demo PORT=8080", "ALLOWED_HOSTS"):
        assert words in readme
    assert "DEBUG=true .venv/bin/python manage.py runserver" in readme
