"""What customers are told about stock: catalog rows, the product page, cart lines, and
the shortage a refused submit names, with and without HTMX."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from inventory.models import StockLevel
from portal.orders.models import Order, OrderStatus
from tests.inventory.conftest import level, set_on_hand

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def badge(html: str, sku: str) -> str:
    """The availability badge on the catalog row of ``sku``."""
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*?>{re.escape(sku)}</a>.*?</tr>", html, re.S)
    assert row, f"{sku} not listed"
    found = re.search(r'data-testid="availability">([^<]+)<', row.group(0))
    return found.group(1) if found else ""


def test_catalog_rows_say_in_stock_low_or_out_from_the_companys_warehouse():
    # given NORTH (Acme's warehouse) with plenty of bolts, 30 nuts (reorder point 400) and
    # no drills, while SOUTH (Borealis') has drills
    set_on_hand("NORTH", "NUT-M8", 30)
    set_on_hand("NORTH", "DRILL-18V", 0)

    acme = signed_in("acme.buyer").get("/catalog/?q=m8").content.decode()
    drills_at_acme = signed_in("acme.buyer").get("/catalog/?q=drill-18").content.decode()
    drills_at_borealis = signed_in("borealis.buyer").get("/catalog/?q=drill-18").content.decode()

    assert badge(acme, "BOLT-M8-50") == "In stock"
    assert badge(acme, "NUT-M8") == "Low stock: 30 left"
    assert badge(drills_at_acme, "DRILL-18V") == "Out of stock"
    assert badge(drills_at_borealis, "DRILL-18V") == "In stock"


def test_in_stock_only_leaves_out_what_the_warehouse_cannot_supply():
    # given NORTH has no drills and SOUTH has
    set_on_hand("NORTH", "DRILL-18V", 0)
    power_tools = "/catalog/?category=power-tools&per_page=100"

    everything = signed_in("acme.buyer").get(power_tools)
    in_stock = signed_in("acme.buyer").get(power_tools + "&in_stock=on")

    listed = [row.record.sku for row in everything.context["table"].paginated_rows]
    available = [row.record.sku for row in in_stock.context["table"].paginated_rows]
    assert "DRILL-18V" in listed and "DRILL-18V" not in available
    north = StockLevel.objects.filter(warehouse__code="NORTH", product__sku__in=available)
    assert all(stock.available > 0 for stock in north)
    assert len(available) == north.count()
    # and Borealis, supplied from SOUTH, still finds its drills
    south = signed_in("borealis.buyer").get(power_tools + "&in_stock=on")
    assert "DRILL-18V" in [row.record.sku for row in south.context["table"].paginated_rows]


def test_availability_costs_the_catalog_one_query_whatever_the_page_size():
    client = signed_in("acme.buyer")
    client.get("/catalog/")  # warm the session
    counts = {}
    for per_page in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/catalog/?per_page={per_page}&in_stock=on")
        assert response.content.decode().count('data-testid="availability"') == per_page
        counts[per_page] = len(queries)
        stock_queries = [q for q in queries if "inventory_stocklevel" in q["sql"]]
        # the in-stock filter rides on the product queries; the badges take one more
        assert len([q for q in stock_queries if 'product_id" IN' in q["sql"]]) == 1

    assert counts[10] == counts[100], counts


def test_the_product_page_says_how_many_can_be_ordered_now():
    set_on_hand("NORTH", "DRILL-18V", 250)

    html = signed_in("acme.buyer").get("/catalog/DRILL-18V/").content.decode()

    assert 'data-testid="availability">In stock<' in html
    assert "250 available to order now" in html


def test_operators_browse_without_availability():
    html = signed_in("admin").get("/catalog/?q=drill").content.decode()

    assert 'data-testid="availability"' not in html
    assert "In stock only" not in html


def test_a_cart_line_over_what_is_available_is_flagged_before_submitting():
    # given 4 drills in NORTH and 6 in acme.buyer's cart
    set_on_hand("NORTH", "DRILL-18V", 4)
    client = signed_in("acme.buyer")
    client.post("/cart/add/", {"sku": "DRILL-18V", "quantity": "6"})
    client.post("/cart/add/", {"sku": "NUT-M8", "quantity": "2"})

    html = client.get("/cart/").content.decode()

    assert html.count('data-testid="line-short"') == 1
    assert "Only 4 available now" in html


def submit(client: Client, *, htmx: bool):
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    address = cart.company.addresses.filter(is_shipping=True).order_by("pk").first()
    data = {"token": str(cart.checkout_token), "po_number": "PO-SHORT", "ship_to": address.pk}
    headers = {"HX-Request": "true", "HX-Target": "cart"} if htmx else {}
    return cart, client.post("/cart/submit/", data, headers=headers)


@pytest.mark.parametrize("htmx", [False, True], ids=["plain POST", "HTMX"])
def test_a_short_submit_names_the_line_and_what_is_available_and_reserves_nothing(htmx):
    # given 4 drills in NORTH, and acme.buyer's cart of 6 drills and 20 bolts
    set_on_hand("NORTH", "DRILL-18V", 4)
    bolts_reserved = level("NORTH", "BOLT-M8-50").reserved
    client = signed_in("acme.buyer")
    client.post("/cart/add/", {"sku": "DRILL-18V", "quantity": "6"})
    client.post("/cart/add/", {"sku": "BOLT-M8-50", "quantity": "20"})

    # when they submit
    cart, response = submit(client, htmx=htmx)

    # then they get the cart back (400) with the drill line marked and the number available
    assert response.status_code == 400
    html = response.content.decode()
    drill_row = re.search(r'<tr id="line-\d+" data-sku="DRILL-18V">.*?</tr>', html, re.S)
    assert "Only 4 available in NORTH; you asked for 6." in drill_row.group(0)
    bolt_row = re.search(r'<tr id="line-\d+" data-sku="BOLT-M8-50">.*?</tr>', html, re.S)
    assert 'data-testid="line-error"' not in bolt_row.group(0)
    assert "Not enough stock for DRILL-18V" in html
    if htmx:
        assert html.lstrip().startswith('<div id="cart">')
    # and nothing was reserved, the cart is still a draft with both lines and the PO typed
    cart.refresh_from_db()
    assert (cart.status, cart.number) == (OrderStatus.DRAFT, None)
    assert cart.lines.count() == 2
    assert 'value="PO-SHORT"' in html
    assert level("NORTH", "DRILL-18V").reserved == 0
    assert level("NORTH", "BOLT-M8-50").reserved == bolts_reserved

    # when they lower the drills to 4 and submit again, then the order goes through
    drill_line = cart.lines.get(product__sku="DRILL-18V")
    client.post(f"/cart/lines/{drill_line.pk}/", {"quantity": "4"})
    _, response = submit(client, htmx=False)
    assert response.status_code == 302
    assert level("NORTH", "DRILL-18V").available == 0
