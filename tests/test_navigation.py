"""The navigation: each persona's sections, the one they are in, and the counts beside
them (cart lines, approvals waiting, picks waiting), also refreshed after an HTMX change,
which carries its messages in HX-Trigger."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix

from approvals.services import order_ship
from portal import versions
from portal.catalog.models import Product
from portal.orders.services import cart_add_many, cart_get_or_create
from tests.ordering import place

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "add-NUT-M8"}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def nav(html: str) -> list[str]:
    """The main navigation's links as 'Label' or 'Label [count]', the current one starred."""
    block = re.search(r'<nav aria-label="Main"[^>]*>(.*?)</nav>', html, re.S).group(1)
    found = []
    for attrs, inner in re.findall(r"<a ([^>]*)>(.*?)</a>", block, re.S):
        label = re.sub(r"<span[^>]*>.*?</span>", "", inner).strip()
        count = re.search(r'data-count="\w+"[^>]*?(hidden)?>(\d*)<', inner)
        if count and not count.group(1):
            label += f" [{count.group(2)}]"
        found.append(("*" if 'aria-current="page"' in attrs else "") + label)
    return found


@pytest.mark.parametrize(
    ("username", "sections"),
    [
        (
            "acme.buyer",
            ["*Dashboard", "Catalog", "Quick order", "Cart", "Orders", "Invoices"],
        ),
        (
            "acme.admin",
            [
                "*Dashboard",
                "Catalog",
                "Quick order",
                "Cart",
                "Orders",
                "Approvals",
                "Invoices",
                "Company users",
                "Audit trail",
            ],
        ),
        ("warehouse.north", ["*Dashboard", "Stock", "Pick lists"]),
        ("finance", ["*Dashboard", "Invoices", "Aging"]),
        ("admin", ["*Dashboard", "Catalog", "Audit trail", "Admin"]),
    ],
)
def test_each_persona_sees_its_sections(demo, username, sections):
    assert nav(signed_in(username).get("/").content.decode()) == sections


def test_the_current_section_is_marked_with_the_longest_matching_path(demo):
    client = signed_in("acme.buyer")
    assert "*Quick order" in nav(client.get("/cart/quick-order/").content.decode())
    assert "*Catalog" in nav(client.get("/catalog/NUT-M8/").content.decode())
    picks = nav(signed_in("warehouse.north").get("/inventory/picking/").content.decode())
    assert picks[-1].startswith("*Pick lists") and picks[1] == "Stock"


def test_counts_show_cart_lines_approvals_and_picks_waiting(demo):
    # given an order waiting for Acme's manager, one approved for the north warehouse, and a
    # cart with two lines
    place("acme.buyer", [("DRILL-18V", 20), ("BOLT-M8-50", 60)])  # 2,984.80: approval
    place("acme.buyer", [("NUT-M8", 3)])
    buyer = signed_in("acme.buyer")
    for sku in ("NUT-M8", "BOLT-M8-50"):
        product = Product.objects.get(sku=sku)
        buyer.post("/cart/add/", {"sku": product.sku, "quantity": product.min_qty})

    assert "Cart [2]" in nav(buyer.get("/").content.decode())
    assert "Approvals [1]" in nav(signed_in("acme.manager").get("/").content.decode())
    assert "Pick lists [1]" in nav(signed_in("warehouse.north").get("/").content.decode())


def test_the_picks_count_is_kept_while_carts_fill_and_follows_each_order_at_once(demo):
    # given warehouse.north has its picks waiting counted (and cached) on the stock page
    north = signed_in("warehouse.north")
    assert "Pick lists" in nav(north.get("/inventory/").content.decode())
    buyer = get_user_model().objects.get(username="acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    (kept,) = versions.current(versions.PICKS)

    # when acme.buyer fills a cart, then the picks waiting are not counted again
    cart_add_many(cart=cart, items=[(Product.objects.get(sku="NUT-M8"), 3)], by=buyer)
    assert versions.current(versions.PICKS) == (kept,)

    # when an order is placed (approved at once) and then shipped, then each shows at once
    order = place("acme.buyer", [("BOLT-M8-50", 5)])
    assert "Pick lists [1]" in nav(north.get("/inventory/").content.decode())
    order_ship(order=order, by=get_user_model().objects.get(username="warehouse.north"))
    assert "Pick lists" in nav(north.get("/inventory/").content.decode())


def test_a_count_of_nothing_is_hidden(demo):
    html = signed_in("acme.buyer").get("/").content.decode()
    assert "Cart" in nav(html)
    assert re.search(r'data-count="cart"[^>]*hidden', html)


def test_an_htmx_change_refreshes_the_counts_and_brings_its_message(demo):
    product = Product.objects.get(sku="NUT-M8")
    response = signed_in("acme.buyer").post(
        "/cart/add/", {"sku": product.sku, "quantity": product.min_qty}, **HTMX
    )

    assert response.status_code == 200
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["portal:counts"] == {"cart": 1}
    assert trigger["portal:messages"] == {
        "items": [{"level": "success", "text": f"Added {product.min_qty} × NUT-M8 to your cart."}]
    }


def test_a_refused_htmx_change_sends_no_counts(demo):
    product = Product.objects.get(sku="NUT-M8")
    response = signed_in("acme.buyer").post(
        "/cart/add/", {"sku": product.sku, "quantity": "abc"}, **HTMX
    )
    assert response.status_code == 400
    assert "portal:counts" not in response.get("HX-Trigger", "")


def test_the_navigation_costs_one_query_per_count(demo):
    client = signed_in("acme.admin")
    client.get("/")  # warm the session
    with CaptureQueriesContext(connection) as with_nav:
        client.get("/orders/")
    with CaptureQueriesContext(connection) as partial:
        client.get("/orders/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-results")
    # the full page adds the cart and approvals counts, and nothing more
    assert len(with_nav) - len(partial) <= 3


def test_served_under_a_script_prefix_the_header_links_carry_it(demo):
    # given the portal answering both at the root and under /portal (the same process;
    # the test client leaves setting the prefix to the WSGI handler, as here)
    client = signed_in("acme.buyer")

    plain = client.get("/").content.decode()
    set_script_prefix("/portal/")
    try:
        prefixed = client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    again = client.get("/").content.decode()

    # then each page's navigation and header links are those of where it was asked
    header = re.compile(r'<header class="topbar">.*?</header>', re.S)
    links = re.compile(r'(?:href|action)="(/[^"]*)"')
    for html, start in ((plain, "/"), (prefixed, "/portal/"), (again, "/")):
        found = links.findall(header.search(html).group(0))
        assert len(found) >= 8
        assert all(link.startswith(start) for link in found), found
        assert ("/portal/" in " ".join(found)) == (start == "/portal/")
