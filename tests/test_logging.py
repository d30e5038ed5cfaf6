"""The server log: one line per refused request, no traceback, nothing printed twice."""

import logging
import sys

import pytest
from django.contrib.auth import get_user_model
from django.test import Client


def handlers_reached(name: str) -> list[logging.Handler]:
    """The portal's handlers a record logged to ``name`` goes through (pytest's own capture
    handlers left out)."""
    found = []
    logger = logging.getLogger(name)
    while logger:
        found += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        logger = logger.parent if logger.propagate else None
    return found


@pytest.mark.parametrize("name", ["django.request", "django.security.csrf", "portal"])
def test_a_record_is_printed_once(name):
    assert len(handlers_reached(name)) == 1


@pytest.mark.django_db
def test_a_403_is_logged_in_one_line_without_traceback(demo, caplog):
    client = Client()
    client.force_login(get_user_model().objects.get(username="acme.buyer"))

    with caplog.at_level(logging.WARNING):
        response = client.get("/inventory/")

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["Forbidden (Permission denied): /inventory/"]
    assert records[0].exc_info is None and records[0].exc_text is None


def test_a_500_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), exc_info)
    record.status_code = 500

    assert logging.getLogger("django.request").filter(record)
    assert record.exc_info is exc_info
