"""Error answers to HTMX requests behave the same in development as in production."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def page(settings, debug: bool) -> str:
    settings.DEBUG = debug
    client = Client()
    client.force_login(get_user_model().objects.get(username="warehouse.north"))
    return client.get("/inventory/").content.decode()


def test_in_debug_only_a_server_error_takes_over_the_page(settings):
    html = page(settings, debug=True)

    # django-htmx's debug helper would swap any 400 over the whole document
    assert "django-htmx.js" not in html
    assert "js/server-errors.js" in html
    assert "django_htmx/htmx-2.min.js" in html


def test_production_pages_load_htmx_and_the_portal_script_only(settings):
    html = page(settings, debug=False)

    assert "django_htmx/htmx-2.min.js" in html
    assert "js/portal.js" in html
    assert "server-errors.js" not in html
