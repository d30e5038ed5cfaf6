import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer_client(client, demo):
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    return client


def skus(response):
    return [row.record.sku for row in response.context["table"].paginated_rows]


def test_search_matches_sku_or_name(buyer_client):
    assert "BOLT-M8-50" in skus(buyer_client.get("/catalog/?q=bolt-m8"))
    by_name = skus(buyer_client.get("/catalog/?q=hex nut"))
    assert by_name == ["NUT-M8"]


def test_category_filter_and_sort(buyer_client):
    response = buyer_client.get("/catalog/?category=power-tools&sort=-sku&per_page=100")

    found = skus(response)
    assert "DRILL-18V" in found
    assert found == sorted(found, reverse=True)
    assert all(row.record.category.slug == "power-tools" for row in response.context["table"].rows)


def test_an_unknown_category_is_a_400_with_a_message(buyer_client):
    response = buyer_client.get("/catalog/?category=does-not-exist")

    assert response.status_code == 400
    assert b"Select a valid choice" in response.content


def test_htmx_request_gets_only_the_results_partial(buyer_client):
    response = buyer_client.get(
        "/catalog/?q=bolt", headers={"HX-Request": "true", "HX-Target": "catalog-results"}
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="catalog-results"')
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_the_same_url_without_htmx_is_the_whole_page(buyer_client):
    body = buyer_client.get("/catalog/?q=bolt").content.decode()

    assert "<html" in body
    assert 'id="catalog-results"' in body


def test_catalog_query_count_does_not_grow_with_page_size(buyer_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buyer_client.get("/catalog/")  # warm the session and content-type caches
    counts = {}
    for per_page in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = buyer_client.get(f"/catalog/?per_page={per_page}")
        assert len(skus(response)) == per_page
        counts[per_page] = len(queries)

    # 16 with the navigation's cart count and when prices next change by the clock
    assert counts[10] == counts[100] <= 16, counts


def test_product_page_shows_quantity_rules(buyer_client):
    body = buyer_client.get("/catalog/GLOVE-L/").content.decode()

    assert "Work gloves, size L, pair" in body
    assert "Order in multiples of" in body


def test_unknown_product_is_404(buyer_client):
    assert buyer_client.get("/catalog/NOPE-1/").status_code == 404
