"""Every list pages by the view's page size: the URL cannot ask for another, or break it."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from approvals.selectors import QUEUE_PAGE_SIZE
from inventory.views import PICK_LISTS_PER_PAGE, STOCK_PER_PAGE
from portal.catalog.views import PAGE_SIZES
from portal.invoices.views import INVOICES_PER_PAGE
from portal.orders.views import ORDERS_PER_PAGE

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# (who, list, the name of its table or page in the context, its page size)
LISTS = [
    ("acme.buyer", "/orders/", "table", ORDERS_PER_PAGE),
    ("acme.buyer", "/catalog/", "table", PAGE_SIZES[0]),
    ("admin", "/catalog/", "table", PAGE_SIZES[0]),
    ("acme.manager", "/approvals/", "page", QUEUE_PAGE_SIZE),
    ("warehouse.north", "/inventory/", "table", STOCK_PER_PAGE),
    ("warehouse.north", "/inventory/picking/", "page", PICK_LISTS_PER_PAGE),
    ("finance", "/invoices/", "table", INVOICES_PER_PAGE),
]
ASKED = ["-1", "0", "5000", "99999999999999999999", "x", "25\x00"]


def page_size(response, name: str) -> int:
    shown = response.context[name]
    return shown.paginator.per_page


def rows_shown(response, name: str) -> int:
    shown = response.context[name]
    page = shown.page if name == "table" else shown
    return len(page.object_list)


@pytest.fixture
def as_user(demo):
    def sign_in(username: str) -> Client:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return sign_in


@pytest.mark.parametrize(("username", "path", "name", "size"), LISTS)
@pytest.mark.parametrize("per_page", ASKED)
def test_a_page_size_in_the_url_is_ignored(as_user, username, path, name, size, per_page):
    # when the URL asks for another page size
    response = as_user(username).get(path, {"per_page": per_page})

    # then the list answers with its own
    assert response.status_code == 200
    assert page_size(response, name) == size
    assert rows_shown(response, name) <= size


@pytest.mark.parametrize("per_page", PAGE_SIZES)
def test_the_catalog_offers_its_own_page_sizes(as_user, per_page):
    response = as_user("acme.buyer").get("/catalog/", {"per_page": per_page})

    assert page_size(response, "table") == per_page
    assert rows_shown(response, "table") == per_page


def test_the_whole_catalog_is_never_one_page(as_user):
    response = as_user("acme.buyer").get("/catalog/", {"per_page": 5000})

    assert response.context["table"].paginator.count > max(PAGE_SIZES)
    assert rows_shown(response, "table") == PAGE_SIZES[0]


def test_tables_are_configured_from_the_url_only_through_paging():
    # django-tables2's RequestConfig takes ?per_page= from the URL unless told not to;
    # portal.paging.paginate() is the one place that calls it, with paging off.
    sources = [
        path
        for package in ("portal", "approvals", "inventory", "pricing")
        for path in (ROOT / package).rglob("*.py")
        if "RequestConfig(" in path.read_text()
    ]

    assert sources == [ROOT / "portal" / "paging.py"]
