"""A malformed key in a URL is a 404, whatever it is: never a 500 from the database.

The path converters match only keys the portal makes, so a key it never makes does not
reach a view at all, and every key it does make does.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from inventory.models import Warehouse
from portal.catalog.models import Product
from portal.invoices.models import SERIES, DocumentCounter, DocumentKind
from portal.invoices.services import document_number_next
from portal.orders.services import order_number_next

pytestmark = pytest.mark.django_db

MALFORMED = [
    ("acme.buyer", "get", "/catalog/NUT-M8%00/"),
    ("acme.buyer", "get", "/catalog/" + "X" * 41 + "/"),
    ("acme.buyer", "get", "/orders/ORD-000001%00/"),
    ("acme.buyer", "get", "/orders/ORD-1/"),
    ("acme.buyer", "post", "/orders/ORD-000001%00/cancel/"),
    ("acme.buyer", "post", "/orders/ORD-000001%00/reorder/"),
    ("acme.buyer", "get", "/orders/ORD-000001%00/edit/"),
    ("acme.manager", "post", "/orders/ORD-000001%00/decide/"),
    ("warehouse.north", "get", "/inventory/NORTH/BOLT-M8-50%00/"),
    ("warehouse.north", "get", "/inventory/NO%00RTH/BOLT-M8-50/"),
    ("warehouse.north", "post", "/inventory/picking/ORD-000001%00/ship/"),
    ("finance", "get", "/invoices/INV-2026-00001%00/"),
    ("acme.buyer", "get", "/catalog/NUT%20M8/"),
]


@pytest.mark.parametrize(("username", "method", "path"), MALFORMED)
def test_a_malformed_key_is_not_found(username, method, path):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))

    assert getattr(client, method)(path).status_code == 404


NEVER_MADE = [
    # SKUs hold ASCII letters, digits and - . _ and start with a letter or a digit.
    "/catalog/NUT M8/",
    "/catalog/NUT<M8>/",
    "/catalog/NUT;M8/",
    "/catalog/ÉCROU-M8/",
    "/catalog/NUT\u200bM8/",
    "/catalog/NUT\tM8/",
    "/catalog/../",
    "/catalog/.NUT-M8/",
    "/inventory/NORTH/NUT M8/",
    "/inventory/NORTH/NUT-M8\x00/",
    "/inventory/NÖRTH/NUT-M8/",
    # Order numbers have six digits, more only past ORD-999999 and never with a leading zero.
    "/orders/ORD-0000001/",
    "/orders/ord-000001/",
    "/orders/ORD-٠٠٠٠٠١/",
    "/orders/ORD-12345678901234567/",
    "/inventory/picking/ORD-0000001/ship/",
    # Invoice numbers: series, year, five digits, more only past 99999.
    "/invoices/INV-2026-000001/",
    "/invoices/INV-0026-00001/",
    "/invoices/CN-2026-12345678901/",
    "/invoices/XX-2026-00001/",
]


@pytest.mark.parametrize("path", NEVER_MADE)
def test_a_key_the_portal_never_makes_reaches_no_view(path):
    with pytest.raises(Resolver404):
        resolve(path)


def round_trip(name: str, **kwargs) -> dict:
    return resolve(reverse(name, kwargs=kwargs)).kwargs


def test_every_sku_and_warehouse_code_of_the_demo_fits_its_url(demo):
    products = list(Product.objects.values_list("sku", flat=True))
    warehouses = list(Warehouse.objects.values_list("code", flat=True))
    assert len(products) > 100
    assert warehouses

    for sku in products:
        assert round_trip("product-detail", sku=sku) == {"sku": sku}
    for code in warehouses:
        assert round_trip("stock-detail", code=code, sku=products[0]) == {
            "code": code,
            "sku": products[0],
        }


def test_order_numbers_fit_their_url_now_and_past_a_million():
    # order_number_next() formats the sequence as ORD- and at least six digits
    for number in (order_number_next(), "ORD-999999", f"ORD-{1_000_000:06d}"):
        assert round_trip("order-detail", number=number) == {"number": number}
        assert round_trip("order-ship", number=number) == {"number": number}


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_invoice_numbers_fit_their_url_now_and_past_99999(kind):
    first = document_number_next(kind=kind, year=2026)
    DocumentCounter.objects.create(series=SERIES[kind], year=2099, last=99_999)
    past = document_number_next(kind=kind, year=2099)

    assert past.endswith("-100000")
    for number in (first, past):
        assert round_trip("invoice", number=number) == {"number": number}
