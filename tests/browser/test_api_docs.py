"""The API documentation renders with every request to another host refused."""

import pytest

from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("path", "title_selector"),
    [
        ("/api/docs/", ".swagger-ui .info .title"),
        ("/api/redoc/", "h1"),
    ],
)
def test_api_docs_render_offline(browser_page, live_server, path, title_selector):
    page = browser_page
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{live_server.url}{path}")
    title = page.locator(title_selector).first
    title.wait_for(timeout=15000)
    assert title.inner_text().startswith("文明城市大脑 API")
    assert outside == []
    # ReDoc's credit badge points at its vendor's CDN; the CSP blocks it, nothing else fails.
    errors = [e for e in page.console_errors if "cdn.redoc.ly/redoc/logo-mini.svg" not in e]
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"api-{path.strip('/').replace('/', '-')}.png"))
