"""Production settings: `check --deploy` is clean, unsafe defaults refuse to start, and the
responses carry the security headers."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from conftest import load_demo
from tests.production_headers import SIGNED_IN_PAGES

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-secret-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "portal.example.com",
}


def manage(*args, **env):
    return python("manage.py", *args, **env)


def python(*args, **env):
    # The browser tests allow async-unsafe ORM calls in this process; production never does.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_silent_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr
    assert "identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def database_url(db: dict) -> str:
    """A DATABASE_URL for ``db`` (a socket directory as host included)."""
    user = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        user += ":" + quote(db["PASSWORD"], safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    host = quote(db["HOST"] or "", safe="")
    return f"postgres://{user}@{host}{port}/{quote(db['NAME'], safe='')}"


@pytest.fixture(scope="module")
def production(django_db_setup, django_db_blocker):
    """What the portal answers, in production settings, to a visitor who signs in as
    acme.buyer and opens a few pages (see tests/production_headers.py)."""
    with django_db_blocker.unblock():
        load_demo()  # committed: the other process reads it
    result = python(
        "-m",
        "tests.production_headers",
        DATABASE_URL=database_url(connection.settings_dict),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# The mark makes pytest-django create the test database that the other process reads.
@pytest.mark.django_db
def test_plain_http_is_sent_to_https(production):
    answer = production["plain http"]

    assert answer["status"] == 301
    assert answer["headers"]["Location"] == "https://portal.example.com/accounts/login/"


@pytest.mark.django_db
def test_every_answer_carries_the_security_headers(production):
    for name in ("sign-in page", "sign-in", *SIGNED_IN_PAGES):
        headers = production[name]["headers"]

        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp, name
        assert "script-src 'self'" in csp, name
        assert "unsafe" not in csp, name
        assert "frame-ancestors 'none'" in csp, name
        assert "object-src 'none'" in csp, name
        assert headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        ), name
        assert headers["Referrer-Policy"] == "same-origin", name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["X-Frame-Options"] == "DENY", name


@pytest.mark.django_db
def test_cookies_are_secure_and_the_session_cookie_is_http_only(production):
    csrf = production["sign-in page"]["cookies"]["csrftoken"]
    signed_in = production["sign-in"]
    session = signed_in["cookies"]["sessionid"]

    assert signed_in["status"] == 302
    assert csrf["secure"]
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


@pytest.mark.django_db
def test_signed_in_pages_are_private_and_not_stored(production):
    for name in SIGNED_IN_PAGES:
        answer = production[name]
        cache_control = {part.strip() for part in answer["headers"]["Cache-Control"].split(",")}

        assert answer["status"] == 200, name
        assert {"private", "no-store"} <= cache_control, name
        assert "Cookie" in answer["headers"]["Vary"], name
