"""Browser journeys: Playwright driving Debian's headless Chromium against a live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed; .ci/run installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the tests are synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def scripts_and_styles_served(settings):
    """The live server serves static files through the finders, which know no hashed (manifest) names: plain
    names in browser tests, so that pages run with their styles and scripts (Bootstrap, htmx), as users see them."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page_factory(browser, live_server, request):
    """``page_factory(viewport=...)`` → a fresh browser context and page at the live server."""
    contexts = []

    def make(*, width: int = 1366, height: int = 900, mobile: bool = False):
        context = browser.new_context(
            viewport={"width": width, "height": height},
            is_mobile=mobile,
            has_touch=mobile,
            base_url=live_server.url,
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        return context.new_page()

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for number, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}-{number}.png"), full_page=True)
        context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def login(page, username: str, password: str) -> None:
    """Sign in through the real pages, giving the second factor when the role asks for it.

    Without an authenticator yet, the person enrols (the code comes from the secret the page shows);
    otherwise the code is computed like the person's app would.
    """
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/account/mfa/setup/" in page.url:
        page.fill("input[name=code]", _code_from_secret(page.text_content("[data-totp-secret]").strip()))
        page.click("form:not([action]) button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-recovery-code]").count() == 10
        page.click("a.btn-primary")
        page.wait_for_load_state("networkidle")
    elif "/account/mfa/" in page.url:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.conftest import totp_code

        page.fill("input[name=code]", totp_code(TOTPDevice.objects.get(user__username=username, confirmed=True)))
        page.click("form[data-mfa-verify] button[type=submit]")
        page.wait_for_load_state("networkidle")
    assert "/account/mfa/" not in page.url and "/accounts/login/" not in page.url, page.url


def _code_from_secret(secret: str) -> str:
    import base64

    from django_otp.oath import totp

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def sign(page, username: str, password: str) -> None:
    """Give the e-signature on the page's signing form: the user ID when the page asks for it, then the password."""
    if page.locator("main form input[name=username]").count():
        page.fill("main form input[name=username]", username)
    page.fill("main form input[name=password]", password)
    page.click("main form button[type=submit]:has-text('sign')")
    page.wait_for_load_state("networkidle")


def assert_no_sideways_scroll(page) -> None:
    """The page fits the viewport's width (nothing scrolls sideways, e.g. on a phone)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px at {page.url}"
