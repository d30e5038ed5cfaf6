"""Sorting the catalog by the price the signed-in customer pays."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.accounts.models import Company
from portal.catalog.models import Category, Product
from pricing.engine import quote
from pricing.models import Contract, ContractPrice

pytestmark = pytest.mark.django_db

RESULTS = {"HX-Request": "true", "HX-Target": "catalog-results"}


def rows(response) -> list[tuple[str, str]]:
    """(SKU, price as shown) of each row of the page."""
    table = response.context["table"]
    return [(row.record.sku, row.get_cell("price")) for row in table.paginated_rows]


def unit_prices(company_code: str, skus=None) -> dict[str, Decimal | None]:
    """What the engine says the company pays, at each product's smallest orderable quantity."""
    products = Product.objects.filter(is_active=True)
    if skus is not None:
        products = products.filter(sku__in=skus)
    company = Company.objects.get(code=company_code)
    priced = quote(company=company, lines=[(p, p.min_qty) for p in products])
    return {line.product.sku: line.unit_price for line in priced.lines}


def test_the_cheapest_for_this_customer_comes_first(buyer):
    # given the product Acme pays most for, which Acme's contract now sells at €0.50
    prices = unit_prices("acme")
    priciest = max((p for p in prices.items() if p[1] is not None), key=lambda p: p[1])[0]
    ContractPrice.objects.create(
        contract=Contract.objects.get(code="ACME-2026"),
        product=Product.objects.get(sku=priciest),
        unit_price=Decimal("0.50"),
    )

    # when Acme's buyer sorts the catalog by price, lowest first
    response = buyer.get("/catalog/?sort=price")

    # then that product leads the first page, at its contract price
    assert response.status_code == 200
    assert rows(response)[0] == (priciest, "€0.50")


@pytest.mark.parametrize(("sort", "descending"), [("price", False), ("-price", True)])
def test_every_page_follows_the_customers_prices(buyer, sort, descending):
    # given the power tools at Acme's prices
    skus = Product.objects.filter(category__slug="power-tools").values_list("sku", flat=True)
    prices = unit_prices("acme", skus)

    # when they are sorted by price and read page by page
    shown = []
    for page in (1, 2):
        response = buyer.get(f"/catalog/?category=power-tools&sort={sort}&per_page=10&page={page}")
        shown += [sku for sku, _ in rows(response)]

    # then the pages follow the engine's prices, equal prices by SKU
    expected = sorted(sorted(skus), key=lambda sku: prices[sku], reverse=descending)
    assert shown == expected


@pytest.mark.parametrize("sort", ["price", "-price"])
def test_a_product_without_a_price_comes_last_either_way(buyer, sort):
    # given a product no price list of Acme's prices
    Product.objects.create(
        sku="AAA-ON-REQUEST",
        name="Made to order",
        category=Category.objects.get(slug="power-tools"),
    )

    # when the power tools are sorted by price
    response = buyer.get(f"/catalog/?category=power-tools&sort={sort}&per_page=100")

    # then it is at the end, "on request"
    assert rows(response)[-1] == ("AAA-ON-REQUEST", "on request")


def test_the_price_header_sorts_and_says_so(buyer):
    # when the catalog is sorted by price, highest first, from its header
    body = buyer.get("/catalog/?q=bolt&sort=-price").content.decode()

    # then the header says so to screen readers, is right-aligned over its numbers, and its
    # link turns the order around, keeping the search
    header = re.search(r'<th class="desc num orderable" aria-sort="descending">\s*<a [^>]*>', body)
    assert header is not None, re.findall(r"<th[^>]*>", body)
    link = re.search(r'href="\?([^"]*)"', header.group(0)).group(1)
    assert sorted(link.split("&amp;")) == ["q=bolt", "sort=price"]
    # and the "Sort by" select shows the same
    assert '<option value="-price" selected>Price, highest first</option>' in body


def test_a_header_sorting_in_place_updates_the_sort_select_too(buyer):
    # when a header link sorts the results in place (a boosted link, into #catalog-results)
    response = buyer.get("/catalog/?sort=price", headers={**RESULTS, "HX-Boosted": "true"})

    # then only the results come back, with the "Sort by" select out of band
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="catalog-results"')
    oob = re.search(
        r'<select id="id_sort" name="sort"[^>]*hx-swap-oob="true">(.*?)</select>', body, re.S
    )
    assert '<option value="price" selected>' in oob.group(1)


def test_the_select_itself_sorting_gets_the_results_alone(buyer):
    body = buyer.get("/catalog/?sort=price", headers=RESULTS).content.decode()

    assert body.lstrip().startswith('<div id="catalog-results"')
    assert 'id="id_sort"' not in body


def test_the_sort_select_is_part_of_the_shareable_search(buyer):
    body = buyer.get("/catalog/").content.decode()

    form = re.search(r'<form method="get" action="/catalog/".*?</form>', body, re.S).group(0)
    select = re.search(r'<select id="id_sort" name="sort"[^>]*>', form).group(0)
    # it asks for the results with every field of the search, and the address follows
    for attribute in (
        'hx-get="/catalog/"',
        'hx-include="closest form"',
        'hx-trigger="change"',
        'hx-target="#catalog-results"',
        'hx-push-url="true"',
    ):
        assert attribute in select
    assert '<label for="id_sort">Sort by</label>' in form


def test_sorting_by_price_costs_one_query_more_whatever_the_page_size(buyer):
    buyer.get("/catalog/")  # warm the session and caches
    counts = {}
    for sort in ("sku", "price"):
        for per_page in (10, 100):
            with CaptureQueriesContext(connection) as queries:
                buyer.get(f"/catalog/?sort={sort}&per_page={per_page}")
            counts[sort, per_page] = len(queries)

    # the products of every page are read once, to price them: nothing per row
    assert counts["price", 10] == counts["price", 100] == counts["sku", 10] + 1, counts


def test_an_operator_has_no_price_to_sort_by(sign_in, demo):
    operator = sign_in("admin")

    response = operator.get("/catalog/?sort=price")

    # the sort is ignored, by SKU as always, and not offered
    skus = [row.record.sku for row in response.context["table"].paginated_rows]
    assert response.status_code == 200
    assert skus == sorted(skus)
    assert 'value="price"' not in response.content.decode()


def test_borealis_sorts_by_its_own_dollar_prices(sign_in, demo):
    borealis = sign_in("borealis.buyer")
    skus = Product.objects.filter(category__slug="power-tools").values_list("sku", flat=True)
    prices = unit_prices("borealis", skus)

    response = borealis.get("/catalog/?category=power-tools&sort=price&per_page=100")

    shown = rows(response)
    assert [sku for sku, _ in shown] == sorted(sorted(skus), key=lambda sku: prices[sku])
    assert shown[0][1].startswith("$")
