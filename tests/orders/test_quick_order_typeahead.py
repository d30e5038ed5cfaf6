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
def quick_order(client, demo) -> str:
    client.force_login(get_user_model().objects.get(username="acme.buyer"))
    response = client.get("/cart/quick-order/")
    assert response.status_code == 200
    return response.content.decode()


def finder_of(quick_order: str) -> str:
    return re.search(r'<form [^>]*id="finder".*?</form>', quick_order, re.S).group(0)


def test_the_finder_suggests_skus_from_the_catalog_as_they_are_typed(quick_order):
    finder = finder_of(quick_order)

    search = re.search(r'<input type="search" id="finder-q"[^>]*>', finder).group(0)
    assert 'list="finder-suggestions"' in search
    assert 'hx-get="/catalog/search/suggestions/"' in search
    assert 'hx-target="#finder-suggestions"' in search
    assert '<datalist id="finder-suggestions"></datalist>' in finder
    assert '<label for="finder-q">SKU or name</label>' in finder
    assert '<label for="finder-qty">Quantity</label>' in finder
    assert re.search(r'<button type="submit">Add line</button>', finder)


def test_the_finder_adds_to_the_box_of_the_quick_order_form(quick_order):
    finder = finder_of(quick_order)

    assert 'data-lines="id_lines"' in finder
    assert '<textarea name="lines"' in quick_order and 'id="id_lines"' in quick_order


def test_without_javascript_the_finder_is_not_shown_and_searches_the_catalog(quick_order):
    finder = finder_of(quick_order)

    # hidden until its script shows it; were it sent, it would be a catalog search
    assert re.match(r'<form method="get" action="/catalog/"[^>]*\bhidden\b', finder)


def test_the_finder_is_no_part_of_the_quick_order_form(quick_order):
    # what the quick order posts is unchanged: the lines, a file and the token
    post_form = re.search(
        r'<form method="post" enctype="multipart/form-data".*?</form>', quick_order, re.S
    )
    names = re.findall(r'name="([^"]+)"', post_form.group(0))
    assert sorted(set(names)) == ["csrfmiddlewaretoken", "file", "lines"]
    # and the finder's quantity is never sent anywhere
    assert re.search(r'<input id="finder-qty"(?![^>]*\bname=)[^>]*>', finder_of(quick_order))


def test_the_script_is_a_static_file_with_the_pages_nonce(quick_order):
    script = re.search(r'<script src="([^"]*quick_order[^"]*)" nonce="([^"]+)" defer>', quick_order)
    assert script is not None
    assert SCRIPT.exists()
    # no inline script or handler attribute anywhere on the page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", quick_order)
    assert not re.search(r"\son[a-z]+=", quick_order)


def test_a_pasted_line_as_the_finder_writes_it_is_ordered(client, quick_order):
    # the finder writes "SKU, quantity" lines: the quick order takes them as they are
    response = client.post("/cart/quick-order/", {"lines": "BOLT-M8-50, 10\nGLOVE-L, 24"})

    assert response.status_code == 302
    assert sorted(
        OrderLine.objects.filter(order__buyer__username="acme.buyer").values_list(
            "product__sku", "quantity"
        )
    ) == [("BOLT-M8-50", 10), ("GLOVE-L", 24)]
