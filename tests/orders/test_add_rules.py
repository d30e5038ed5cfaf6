"""Adding from the catalog or the product page: a quantity that breaks the product's rules
is refused where it was typed, and nothing is added."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.utils.html import escape

from portal.catalog.models import Category, Product
from portal.orders.models import Order, OrderLine

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def buyer(client, demo):
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    return client


@pytest.fixture
def in_tens_from_20(demo) -> Product:
    """A product sold from 20 units, in multiples of 10."""
    return Product.objects.create(
        sku="TEST-TENS",
        name="Spacer, bag of 10",
        category=Category.objects.order_by("pk").first(),
        min_qty=20,
        increment=10,
    )


def lines_of(username: str) -> list[tuple[str, int]]:
    return sorted(
        OrderLine.objects.filter(
            order__buyer__username=username, order__status="draft", order__number=None
        ).values_list("product__sku", "quantity")
    )


def add(client, sku: str, quantity: str, *, where: str, **kwargs):
    return client.post("/cart/add/", {"sku": sku, "quantity": quantity, "next": where}, **kwargs)


BREACHES = [
    # (SKU, typed, what the buyer is told)
    ("DRILL-18V", "25", "DRILL-18V: at most 20 per order."),
    ("GLOVE-L", "18", "GLOVE-L is sold in multiples of 12."),
    ("TEST-TENS", "10", "TEST-TENS: the minimum order quantity is 20."),
    ("TEST-TENS", "25", "TEST-TENS is sold in multiples of 10."),
]
PAGES = ["/catalog/DRILL-18V/", "/catalog/?q=drill"]


@pytest.mark.usefixtures("in_tens_from_20")
@pytest.mark.parametrize("where", PAGES, ids=["product-page", "catalog"])
@pytest.mark.parametrize(("sku", "typed", "message"), BREACHES)
def test_a_quantity_breaking_a_rule_is_refused_beside_the_field_with_htmx(
    buyer, sku, typed, message, where
):
    # given an empty cart
    # when a quantity that breaks one of the product's rules is added in place
    response = add(buyer, sku, typed, where=where, headers=HTMX)

    # then the answer is a 400 that says why, into the form's result beside the field
    # (the field itself is not swapped, so it keeps what was typed), and nothing is added
    body = response.content.decode()
    assert response.status_code == 400
    assert f"Not added: {escape(message)}" in body
    assert "Added" not in body
    assert 'role="alert"' in body
    assert lines_of("acme.buyer") == []
    assert not Order.objects.filter(buyer__username="acme.buyer").exists()


@pytest.mark.usefixtures("in_tens_from_20")
@pytest.mark.parametrize("where", PAGES, ids=["product-page", "catalog"])
@pytest.mark.parametrize(("sku", "typed", "message"), BREACHES)
def test_a_quantity_breaking_a_rule_is_refused_beside_the_field_without_javascript(
    buyer, sku, typed, message, where
):
    # when the same is posted without JavaScript
    response = add(buyer, sku, typed, where=where)

    # then a 400 page shows the form again: the quantity as typed, marked invalid and
    # described by the reason, which stands right beside it; back leads where they were
    body = response.content.decode()
    assert response.status_code == 400
    field = re.search(r'<input id="qty-[^"]+" name="quantity"[^>]*>', body).group(0)
    assert f'value="{typed}"' in field
    assert 'aria-invalid="true"' in field
    assert f'aria-describedby="add-result-{sku}"' in field
    result = re.search(
        rf'<span class="add-result" id="add-result-{sku}"[^>]*>(.*?)</span>\s*</span>', body, re.S
    )
    assert f"Not added: {escape(message)}" in result.group(1)
    assert f'<a href="{escape(where)}">Back</a>' in body
    assert lines_of("acme.buyer") == []


def test_the_rule_counts_what_the_cart_holds_already(buyer):
    # given 15 drills in the cart
    assert add(buyer, "DRILL-18V", "15", where="/catalog/DRILL-18V/").status_code == 302

    # when 6 more are added from the product page
    response = add(buyer, "DRILL-18V", "6", where="/catalog/DRILL-18V/", headers=HTMX)

    # then they are refused, and the line keeps its 15
    body = response.content.decode()
    assert response.status_code == 400
    assert "DRILL-18V: at most 20 per order." in body
    assert "With the 15 already there, the line would hold 21." in body
    assert lines_of("acme.buyer") == [("DRILL-18V", 15)]


@pytest.mark.usefixtures("in_tens_from_20")
@pytest.mark.parametrize(
    ("sku", "typed"), [("DRILL-18V", "20"), ("GLOVE-L", "24"), ("TEST-TENS", "30")]
)
def test_a_quantity_within_the_rules_is_added(buyer, sku, typed):
    response = add(buyer, sku, typed, where="/catalog/", headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert f"Added {typed} × {sku}" in body
    assert lines_of("acme.buyer") == [(sku, int(typed))]


def test_the_quantity_field_is_described_by_the_result_of_adding(buyer):
    body = buyer.get("/catalog/DRILL-18V/").content.decode()

    field = re.search(r'<input id="qty-DRILL-18V"[^>]*>', body).group(0)
    assert 'aria-describedby="add-result-DRILL-18V"' in field
    assert "aria-invalid" not in field
    assert '<span class="add-result" id="add-result-DRILL-18V" aria-live="polite"></span>' in body
