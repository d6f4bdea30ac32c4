"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

One browser for the whole session, a fresh context (cookies, storage) per test. Every test leaves
a screenshot of its page, passed or failed, in ``$RECAUDO_TEST_ARTIFACTS/screenshots/<test>.png``
(default ``var/test-artifacts``). Without Chromium (``/usr/bin/chromium``, or the path in
``RECAUDO_CHROMIUM``) or the ``playwright`` package, every test here is skipped with the reason.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.support import PASSWORD, log_in
from tests.factories import make_user

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = os.environ.get("RECAUDO_CHROMIUM", "/usr/bin/chromium")


def _why_no_browser() -> str | None:
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return (
            f"browser tests need Chromium at {CHROMIUM} (apt install chromium, "
            "or set RECAUDO_CHROMIUM to its path)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[dev]')"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _why_no_browser()
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so the page fixture knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def artifacts_dir() -> Path:
    return Path(os.environ.get("RECAUDO_TEST_ARTIFACTS") or ROOT / "var" / "test-artifacts")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
    # thread with a loop unless told it is safe (it is: the loop is Playwright's, not ours).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page in a Spanish-speaking browser, screenshotted when the test ends."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="es-CO",
        timezone_id="America/Bogota",
        viewport={"width": 1280, "height": 900},
    )
    # Generous: a loaded CI machine (or the first page of the session) can be slow.
    context.set_default_timeout(20_000)
    context.set_default_navigation_timeout(30_000)
    page = context.new_page()
    yield page
    name = re.sub(r"[^\w.-]+", "-", request.node.name).strip("-")
    folder = artifacts_dir() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}-failed.png").unlink(missing_ok=True)  # from an earlier run
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        name += "-failed"
    try:
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def page_as(page: Any) -> Callable[..., Any]:
    """``page_as("agent")``: a new user with these roles, logged in through the login form.

    The user is on the page as ``page.user``.
    """

    def login_as(*roles: str, username: str | None = None) -> Any:
        user = make_user(*roles, username=username, password=PASSWORD)
        log_in(page, user.get_username())
        page.user = user
        return page

    return login_as
