"""Type-ahead: SKU and name suggestions as a catalog search or quick order's finder is typed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.catalog.models import Category, Product

pytestmark = pytest.mark.django_db

URL = "/catalog/search/suggestions/"
HTMX = {"HX-Request": "true", "HX-Target": "catalog-suggestions"}


def suggested(response) -> list[str]:
    """The SKUs offered, in order (the ``value`` of each ``<option>``)."""
    return re.findall(r'<option value="([^"]*)"', response.content.decode())


def make_product(sku: str, name: str, **fields) -> Product:
    category = Category.objects.order_by("pk").first()
    return Product.objects.create(sku=sku, name=name, category=category, **fields)


def test_skus_starting_with_the_text_come_first_then_names_holding_it(buyer):
    # given DRILL-18V, and generated screwdrivers whose SKUs hold no "dri"
    # when "dri" is typed
    response = buyer.get(URL, {"q": "dri"}, headers=HTMX)

    # then the drill comes first, and products whose name holds "dri" follow, by SKU
    skus = suggested(response)
    assert response.status_code == 200
    assert skus[0] == "DRILL-18V"
    names = dict(Product.objects.filter(sku__in=skus[1:]).values_list("sku", "name"))
    assert all("dri" in names[sku].lower() for sku in skus[1:])
    assert skus[1:] == sorted(skus[1:])


def test_an_option_says_the_name_and_the_quantity_rules(buyer):
    response = buyer.get(URL, {"q": "glove-l"}, headers=HTMX)

    body = response.content.decode()
    assert '<option value="GLOVE-L" data-min-qty="12">' in body
    assert "Work gloves, size L, pair · packs of 12, min 12" in body


def test_at_most_eight_are_offered(buyer):
    # "e" is in nearly every name
    assert len(suggested(buyer.get(URL, {"q": "e"}, headers=HTMX))) == 8


def test_case_and_surrounding_blanks_do_not_matter(buyer):
    assert suggested(buyer.get(URL, {"q": "  bolt-m8 "}))[0] == "BOLT-M8-50"


@pytest.mark.parametrize("text", ["", "   "])
def test_nothing_typed_offers_nothing_and_asks_nothing(buyer, text, django_assert_max_num_queries):
    buyer.get(URL)  # warm the session
    with django_assert_max_num_queries(4):  # session, user, membership, groups: no product
        response = buyer.get(URL, {"q": text}, headers=HTMX)

    assert response.status_code == 200
    assert suggested(response) == []


def test_wildcards_are_taken_literally(buyer):
    # "%" and "_" mean any text to LIKE: typed, they are just characters no SKU holds
    assert suggested(buyer.get(URL, {"q": "%"})) == []
    assert suggested(buyer.get(URL, {"q": "_"})) == []


def test_a_customer_is_not_offered_what_is_no_longer_sold(buyer, sign_in):
    # given a product taken out of the range
    make_product("ZZRETIRED-1", "Retired widget", is_active=False)

    # then its customers are not offered it, while an operator still finds it
    assert suggested(buyer.get(URL, {"q": "zzretired"})) == []
    operator = sign_in("admin")
    assert suggested(operator.get(URL, {"q": "zzretired"})) == ["ZZRETIRED-1"]


def test_one_query_for_the_products_however_many_match(buyer):
    buyer.get(URL, {"q": "x"})  # warm the session and caches
    counts = {}
    for text in ("DRILL-18V", "e"):
        with CaptureQueriesContext(connection) as queries:
            buyer.get(URL, {"q": text}, headers=HTMX)
        counts[text] = len(queries)
        products = [q["sql"] for q in queries if '"catalog_product"' in q["sql"]]
        assert len(products) == 1, products

    assert len(suggested(buyer.get(URL, {"q": "e"}))) == 8
    # session, user, membership, groups and the products: the same for one match or many
    assert counts["DRILL-18V"] == counts["e"] <= 5, counts


def test_the_search_uses_the_trigram_indexes():
    # given the planner told to read the table, or walk the SKU index, only as a last resort
    # (on the small test catalog, reading all of it is cheaper than any index)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    # when products are looked up by part of their SKU or name, as suggestions are
    plan = (
        Product.objects.filter(sku__icontains="drill")
        | Product.objects.filter(name__icontains="drill")
    ).explain()

    # then both trigram indexes answer it
    assert "product_sku_trgm" in plan
    assert "product_name_trgm" in plan


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\x00b", "Null characters are not allowed."),
        ("x" * 201, "Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_malformed_text_is_a_400_that_says_why(buyer, text, message):
    response = buyer.get(URL, {"q": text}, headers=HTMX)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert suggested(response) == []


def test_warehouse_staff_get_no_suggestions(sign_in, demo):
    assert sign_in("warehouse.north").get(URL, {"q": "bolt"}).status_code == 403


def test_the_catalog_search_asks_for_suggestions_as_it_is_typed(buyer):
    body = buyer.get("/catalog/").content.decode()

    search = re.search(r'<input type="search" id="id_q"[^>]*>', body).group(0)
    assert 'list="catalog-suggestions"' in search
    assert f'hx-get="{URL}"' in search
    assert 'hx-trigger="input changed delay:200ms"' in search
    assert 'hx-target="#catalog-suggestions"' in search
    # the suggestions are not a page of their own: the address bar keeps the search
    assert 'hx-push-url="false"' in search
    assert '<datalist id="catalog-suggestions"></datalist>' in body
