"""The product page shows the signed-in customer's price, tiers, explanation and hint."""

import re

import pytest
from django.contrib.auth import get_user_model

from pricing.models import PriceList
from tests.pricing.conftest import add_prices

pytestmark = pytest.mark.django_db


def by_testid(html: str, name: str) -> str:
    """The text inside the element carrying data-testid=name, tags stripped."""
    match = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no {name} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def page(client, username: str, sku: str):
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(f"/catalog/{sku}/")
    assert response.status_code == 200
    return response.content.decode()


def test_acme_buyer_sees_wholesale_price_tiers_and_hint(client, demo):
    html = page(client, "acme.buyer", "BOLT-M8-50")
    assert by_testid(html, "unit-price") == "€11.25"
    assert by_testid(html, "price-explanation") == (
        "Wholesale EUR (−10 % of List EUR: €12.50) → €11.25"
    )
    assert by_testid(html, "next-tier-hint") == "From 10: €10.71 each, €0.54 less per unit"
    assert by_testid(html, "tier-table").endswith("From Unit price 1 €11.25 10 €10.71 50 €10.08")


def test_acme_buyer_sees_the_contract_price(client, demo):
    html = page(client, "acme.manager", "DRILL-18V")
    assert by_testid(html, "unit-price") == "€129.00"
    assert by_testid(html, "price-explanation") == "Contract ACME-2026 → €129.00"
    assert by_testid(html, "next-tier-hint") == "From 5: €119.00 each, €10.00 less per unit"


def test_borealis_sees_dollars(client, demo):
    html = page(client, "borealis.buyer", "DRILL-18V")
    assert by_testid(html, "unit-price") == "$165.00"
    assert 'data-testid="next-tier-hint"' not in html


def test_an_operator_without_a_company_sees_no_customer_price(client, demo):
    html = page(client, "admin", "BOLT-M8-50")
    assert 'data-testid="unit-price"' not in html


def test_page_queries_do_not_grow_with_tiers(client, demo):
    # given BOLT-M8-50 with three tiers, then with ten
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    # Warm the session with another product: this one's price would come from the cache.
    client.get("/catalog/DRILL-18V/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        client.get("/catalog/BOLT-M8-50/")
    bolt = demo_product("BOLT-M8-50")
    list_eur = PriceList.objects.get(name="List EUR")
    add_prices(list_eur, bolt, *[(100 * n, f"{11 - n * 0.1:.2f}") for n in range(1, 8)])
    with CaptureQueriesContext(connection) as ten:
        html = client.get("/catalog/BOLT-M8-50/").content.decode()
    assert by_testid(html, "tier-table").count("€") == 10
    assert len(ten) == len(three)


def demo_product(sku):
    from portal.catalog.models import Product

    return Product.objects.get(sku=sku)
