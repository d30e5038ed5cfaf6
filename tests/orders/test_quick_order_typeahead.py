"""Quick order's "Find a product": a SKU search with suggestions that adds lines to the box.

The adding itself happens in the browser (static/js/quick_order.js); here: what the page
gives it, and that the quick order form is not changed by it.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from portal.orders.models import OrderLine

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).parents[2] / "static/js/quick_order.js"


@pytest.fixture
def page(client, demo) -> str:
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    response = client.get("/cart/quick-order/")
    assert response.status_code == 200
    return response.content.decode()


def finder_of(page: str) -> str:
    return re.search(r'<form [^>]*id="finder".*?</form>', page, re.S).group(0)


def test_the_finder_suggests_skus_from_the_catalog_as_they_are_typed(page):
    finder = finder_of(page)

    search = re.search(r'<input type="search" id="finder-q"[^>]*>', finder).group(0)
    assert 'list="finder-suggestions"' in search
    assert 'hx-get="/catalog/search/suggestions/"' in search
    assert 'hx-target="#finder-suggestions"' in search
    assert '<datalist id="finder-suggestions"></datalist>' in finder
    assert '<label for="finder-q">SKU or name</label>' in finder
    assert '<label for="finder-qty">Quantity</label>' in finder
    assert re.search(r'<button type="submit">Add line</button>', finder)


def test_the_finder_adds_to_the_box_of_the_quick_order_form(page):
    finder = finder_of(page)

    assert 'data-lines="id_lines"' in finder
    assert '<textarea name="lines"' in page and 'id="id_lines"' in page


def test_without_javascript_the_finder_is_not_shown_and_searches_the_catalog(page):
    finder = finder_of(page)

    # hidden until its script shows it; were it sent, it would be a catalog search
    assert re.match(r'<form method="get" action="/catalog/"[^>]*\bhidden\b', finder)


def test_the_finder_is_no_part_of_the_quick_order_form(page):
    # what the quick order posts is unchanged: the lines, a file and the token
    post_form = re.search(
        r'<form method="post" enctype="multipart/form-data".*?</form>', page, re.S
    )
    names = re.findall(r'name="([^"]+)"', post_form.group(0))
    assert sorted(set(names)) == ["csrfmiddlewaretoken", "file", "lines"]
    # and the finder's quantity is never sent anywhere
    assert re.search(r'<input id="finder-qty"(?![^>]*\bname=)[^>]*>', finder_of(page))


def test_the_script_is_a_static_file_with_the_pages_nonce(page):
    script = re.search(r'<script src="([^"]*quick_order[^"]*)" nonce="([^"]+)" defer>', page)
    assert script is not None
    assert SCRIPT.exists()
    # no inline script or handler attribute anywhere on the page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    assert not re.search(r"\son[a-z]+=", page)


def test_a_pasted_line_as_the_finder_writes_it_is_ordered(client, page):
    # the finder writes "SKU, quantity" lines: the quick order takes them as they are
    response = client.post("/cart/quick-order/", {"lines": "BOLT-M8-50, 10\nGLOVE-L, 24"})

    assert response.status_code == 302
    assert sorted(
        OrderLine.objects.filter(order__buyer__username="acme.buyer").values_list(
            "product__sku", "quantity"
        )
    ) == [("BOLT-M8-50", 10), ("GLOVE-L", 24)]
