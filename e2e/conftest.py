"""Browser journeys: Playwright in Debian's headless Chromium against a live server."""

import os
import re
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to
# run there unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

from portal.demo import DEMO_PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        pytest.exit("Chromium is missing: run 'apt-get install -y chromium' and retry.", 1)
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


@pytest.fixture
def portal(live_server, transactional_db, demo_with_orders, page):
    """The live portal with the demo data; returns its base URL.

    Fails the journey on any browser console error: a blocked script or style (CSP), a
    404 for an asset or a JavaScript exception is a bug a person would hit.
    """
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(10_000)
    yield live_server.url
    unexpected = [e for e in errors if not re.search(r"status of 4\d\d", e)]
    assert unexpected == [], f"browser console errors: {unexpected}"


def sign_in(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def nav_link(page, label: str):
    """A section's link in the main navigation, whatever count it shows ("Cart 2")."""
    name = re.compile(rf"^{re.escape(label)}( \d+)?$")
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name)
