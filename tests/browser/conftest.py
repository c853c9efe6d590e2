"""Browser fixtures: Debian's chromium driven by Playwright, offline, errors recorded."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_service

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


# axe-core comes from npm through the test set-up (tests/browser/package.json, `npm ci`);
# it is injected into pages under test only and never served to users.
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser():
    """One chromium for the whole run; each test opens its own context (cookies, storage)."""
    require_service(
        "Debian's chromium", shutil.which("chromium") is not None, "apt-get install chromium"
    )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def open_page(browser):
    """Open a page in a fresh context (a separate browser profile); console errors recorded.

    `bypass_csp=True` is for tests that inject axe-core: the platform's CSP rightly refuses
    a script it did not serve.
    """
    contexts = []

    def open_page(viewport=None, bypass_csp=False):
        context = browser.new_context(
            locale="zh-CN",
            viewport=viewport or {"width": 1280, "height": 800},
            bypass_csp=bypass_csp,
        )
        contexts.append(context)
        page = context.new_page()
        console_errors = []
        page.on(
            "console",
            lambda message: message.type == "error" and console_errors.append(message.text),
        )
        page.console_errors = console_errors
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(open_page):
    return open_page()


def sign_in(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(".card button[type=submit]")
    page.wait_for_load_state()


AXE_RUN = r"""() => {
  window.wenmingAxe = axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    resultTypes: ["violations"],
  }).then(result => result.violations.map(violation => ({
    id: violation.id,
    nodes: violation.nodes.slice(0, 3).map(node =>
      node.target.join(" ") + " " + (node.failureSummary || "").split("\n").slice(1, 2).join("")
    ),
  })));
}"""


def install_axe() -> Path:
    """axe-core from the locked npm project beside this file (`npm ci` once, if missing)."""
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        require_service("npm", npm is not None, "apt-get install npm")
        subprocess.run(  # noqa: S603 (a fixed command: the locked test tools)
            [npm, "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=AXE_SCRIPT.parents[2],
            check=True,
            timeout=300,
        )
    return AXE_SCRIPT


def start_axe(page) -> None:
    """Start axe-core on the page without waiting, so several pages can be checked at once."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        install_axe()
        page.add_script_tag(path=str(AXE_SCRIPT))
    page.evaluate(AXE_RUN)


def axe_results(page) -> list[str]:
    """What the run `start_axe` began found: one line per violating element."""
    results = page.evaluate("() => window.wenmingAxe")
    return [f"{v['id']}: {node}" for v in results for node in v["nodes"]]


def axe_violations(page) -> list[str]:
    """Every WCAG 2.0/2.1 A and AA violation axe-core finds on the page, one line each."""
    start_axe(page)
    return axe_results(page)


# A table cell narrower than three characters whose text wraps: a name squeezed into a
# column too narrow to read (the audit log's 操作 at 1366 px, names on a phone).
SQUEEZED_CELLS = r"""() => {
  const found = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    if (!cell.offsetParent) continue;
    const style = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner >= 3 * parseFloat(style.fontSize)) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.replace(/\s+/g, "");
      if (text.length < 2) continue;
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      const tops = new Set();
      for (const rect of range.getClientRects()) {
        if (rect.width > 0) tops.add(Math.round(rect.top));
      }
      if (tops.size > 1) found.push(text.slice(0, 20) + " (" + tops.size + " lines)");
    }
  }
  return found;
}"""


def squeezed_cells(page) -> list[str]:
    """Table cells on the page that wrap to one or two characters per line."""
    return page.evaluate(SQUEEZED_CELLS)


def scrolls_sideways(page) -> bool:
    """Whether the page itself (not a table wrapper) is wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
