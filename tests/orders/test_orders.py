"""Orders after submission: who sees which, filters, detail, reorder, cancel, query counts."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from approvals.services import order_cancel
from inventory.models import Warehouse
from inventory.services import stock_receive
from portal.catalog.models import Product
from portal.orders.models import Order, OrderStatus
from portal.orders.services import cart_add_many, cart_get_or_create
from pricing.models import PriceList
from pricing.services import price_list_entry_set
from tests.ordering import place as place_order

pytestmark = pytest.mark.django_db

ORDER_NUMBER = re.compile(r"ORD-\d{6}")


def user(username: str):
    return get_user_model().objects.get(username=username)


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def place(username: str, *lines: tuple[str, int], po: str = "") -> Order:
    return place_order(username, lines, po=po)


def listed(response) -> list[str]:
    """Order numbers in the orders table, in the order shown."""
    table = re.search(r'<table[^>]*id="orders-table".*?</table>', response.content.decode(), re.S)
    assert table, "no orders table"
    return list(dict.fromkeys(ORDER_NUMBER.findall(table.group(0))))


def submitted_on(order: Order, day: str) -> Order:
    # Setup only: move the submission to a known day.
    moment = timezone.make_aware(datetime.fromisoformat(f"{day} 10:00"))
    Order.objects.filter(pk=order.pk).update(submitted_at=moment)
    order.refresh_from_db()
    return order


@pytest.fixture
def orders(demo):
    """Two orders of Acme's buyer, one of Acme's manager, one of Borealis' buyer."""
    return {
        "buyer_1": place("acme.buyer", ("BOLT-M8-50", 9), po="PO-B1"),
        "buyer_2": place("acme.buyer", ("NUT-M8", 3), po="PO-B2"),
        "manager": place("acme.manager", ("NUT-M8", 5), po="PO-M1"),
        "borealis": place("borealis.buyer", ("NUT-M8", 3), po="PO-X1"),
    }


# -- who sees which --------------------------------------------------------------------------


def test_a_buyer_sees_only_their_own_orders(orders):
    # when Acme's buyer opens the orders list
    response = signed_in("acme.buyer").get("/orders/")

    # then they see their two orders, newest first, and not their manager's or Borealis'
    assert response.status_code == 200
    assert listed(response) == [orders["buyer_2"].number, orders["buyer_1"].number]


def test_a_manager_sees_the_whole_companys_orders(orders):
    # when Acme's manager opens the orders list
    response = signed_in("acme.manager").get("/orders/")

    # then every Acme order is there and no Borealis one
    assert set(listed(response)) == {
        orders["buyer_1"].number,
        orders["buyer_2"].number,
        orders["manager"].number,
    }


def test_borealis_never_sees_acmes_orders(orders):
    # given Borealis' buyer
    borealis = signed_in("borealis.buyer")

    # when they list orders and open Acme's by number
    listing = borealis.get("/orders/")
    detail = borealis.get(f"/orders/{orders['buyer_1'].number}/")

    # then Acme's orders are neither listed nor found
    assert listed(listing) == [orders["borealis"].number]
    assert detail.status_code == 404


def test_a_buyer_cannot_open_a_colleagues_order(orders):
    # when Acme's buyer opens the manager's order
    response = signed_in("acme.buyer").get(f"/orders/{orders['manager'].number}/")

    # then it is not found
    assert response.status_code == 404


def test_carts_are_never_listed(orders):
    # given the buyer has items in a new cart
    buyer = signed_in("acme.buyer")
    buyer.post("/cart/add/", {"sku": "NUT-M8", "quantity": "2"})

    # when the manager lists orders
    numbers = listed(signed_in("acme.manager").get("/orders/"))

    # then only submitted orders are there
    assert len(numbers) == 3


# -- filters ---------------------------------------------------------------------------------


def test_filter_by_status(orders):
    # given one of the buyer's orders is cancelled
    order_cancel(order=orders["buyer_1"], by=user("acme.buyer"))

    # when the manager filters by status
    manager = signed_in("acme.manager")
    cancelled = manager.get("/orders/", {"status": "cancelled"})
    approved = manager.get("/orders/", {"status": "approved"})

    # then each list holds only orders in that status
    assert listed(cancelled) == [orders["buyer_1"].number]
    assert set(listed(approved)) == {orders["buyer_2"].number, orders["manager"].number}


def test_filter_by_submission_date(orders):
    # given orders submitted on three different days
    submitted_on(orders["buyer_1"], "2026-03-01")
    submitted_on(orders["buyer_2"], "2026-03-15")
    submitted_on(orders["manager"], "2026-04-01")

    # when the manager asks for the first half of March, inclusive
    response = signed_in("acme.manager").get(
        "/orders/", {"submitted_from": "2026-03-01", "submitted_to": "2026-03-15"}
    )

    # then the two March orders are listed
    assert response.status_code == 200
    assert listed(response) == [orders["buyer_2"].number, orders["buyer_1"].number]

    # and an open-ended range works too
    later = signed_in("acme.manager").get("/orders/", {"submitted_from": "2026-03-02"})
    assert listed(later) == [orders["manager"].number, orders["buyer_2"].number]


def test_filter_by_buyer(orders):
    # when the manager filters by their buyer's username
    response = signed_in("acme.manager").get("/orders/", {"buyer": "acme.buyer"})

    # then only that buyer's orders are listed
    assert set(listed(response)) == {orders["buyer_1"].number, orders["buyer_2"].number}


def test_htmx_filter_returns_only_the_results(orders):
    # when the filter form changes with HTMX
    response = signed_in("acme.manager").get(
        "/orders/",
        {"buyer": "acme.manager"},
        headers={"HX-Request": "true", "HX-Target": "order-results"},
    )

    # then only the results fragment comes back, filtered
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="order-results"')
    assert listed(response) == [orders["manager"].number]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"status": "bogus"}, "Select a valid choice"),
        ({"status": "draft"}, "Select a valid choice"),
        ({"submitted_from": "2026-13-45"}, "Enter a valid date."),
        ({"submitted_to": "yesterday"}, "Enter a valid date."),
        ({"buyer": "nobody"}, "Select a valid choice"),
        ({"buyer": "borealis.buyer"}, "Select a valid choice"),
    ],
)
def test_an_invalid_filter_is_a_400_with_a_message(orders, params, message):
    # when the manager sends a filter value that cannot be right
    response = signed_in("acme.manager").get("/orders/", params)

    # then the page says which, with 400 rather than a server error
    assert response.status_code == 400
    assert message in response.content.decode()
    assert orders["borealis"].number not in response.content.decode()
    # and the field keeps what was typed, marked as refused
    ((name, typed),) = params.items()
    field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', response.content.decode())
    assert 'aria-invalid="true"' in field.group(0)
    if name.startswith("submitted"):
        assert f'value="{typed}"' in field.group(0)


# -- detail ----------------------------------------------------------------------------------


def test_the_detail_shows_lines_totals_and_timeline(orders):
    # given an order of 9 bolts
    order = orders["buyer_1"]

    # when its buyer opens it
    response = signed_in("acme.buyer").get(f"/orders/{order.number}/")

    # then the lines, the totals and the timeline are there
    html = response.content.decode()
    assert response.status_code == 200
    lines = re.search(r'<table class="table" id="order-lines">.*?</table>', html, re.S).group(0)
    assert "BOLT-M8-50" in lines
    assert "€11.25" in lines
    assert "€101.25" in lines
    assert "€19.24" in lines
    assert '<td class="num" data-testid="order-total"><strong>€120.49</strong>' in html
    assert "Wholesale EUR" in lines
    timeline = re.search(r'data-testid="timeline">(.*?)</ol>', html, re.S).group(1)
    assert "acme.buyer: Submitted → Approved" in timeline
    assert "acme.buyer: Reserved stock · " in timeline
    assert "1 line, 9 units in NORTH" in timeline
    assert 'data-testid="po-number">PO-B1<' in html
    assert "Cancel order" in html
    assert "Reorder" in html


def test_a_colleague_sees_the_order_without_a_cancel_button(orders):
    # when the manager opens the buyer's order
    html = signed_in("acme.manager").get(f"/orders/{orders['buyer_1'].number}/")
    html = html.content.decode()

    # then they can see it but not cancel it
    assert orders["buyer_1"].number in html
    assert "Cancel order" not in html


# -- reorder ---------------------------------------------------------------------------------


def test_reorder_copies_lines_at_todays_prices_and_skips_products_no_longer_sold(orders):
    # given an order of bolts and nuts
    order = place("acme.buyer", ("BOLT-M8-50", 9), ("NUT-M8", 3))
    # and since then the bolts' list price rose and the nuts are no longer sold
    price_list_entry_set(
        price_list=PriceList.objects.get(name="List EUR"),
        product=Product.objects.get(sku="BOLT-M8-50"),
        min_qty=1,
        unit_price=Decimal("20.00"),
        by=user("admin"),
    )
    Product.objects.filter(sku="NUT-M8").update(is_active=False)

    # when the buyer reorders
    buyer = signed_in("acme.buyer")
    response = buyer.post(f"/orders/{order.number}/reorder/")

    # then they land on the cart with the bolts at today's price and a word about the nuts
    assert response.status_code == 302
    assert response["Location"] == "/cart/"
    html = buyer.get("/cart/").content.decode()
    assert f"Copied 1 line from {order.number} to your cart at today&#x27;s prices." in html
    assert "NUT-M8 is no longer sold and was not copied." in html
    assert re.findall(r'data-testid="line-unit-price">([^<]*)<', html) == ["€18.00"]
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    assert list(cart.lines.values_list("product__sku", "quantity")) == [("BOLT-M8-50", 9)]
    # and the old order is untouched
    order.refresh_from_db()
    assert order.lines.count() == 2
    assert order.lines.get(sku="BOLT-M8-50").unit_price == Decimal("11.25")


def test_reorder_adds_to_what_is_already_in_the_cart(orders):
    # given the buyer already has 1 bolt box in the cart
    buyer = signed_in("acme.buyer")
    buyer.post("/cart/add/", {"sku": "BOLT-M8-50", "quantity": "1"})

    # when they reorder an order of 9
    buyer.post(f"/orders/{orders['buyer_1'].number}/reorder/")

    # then the line grows to 10, at the ≥ 10 tier
    html = buyer.get("/cart/").content.decode()
    assert re.findall(r'data-testid="line-unit-price">([^<]*)<', html) == ["€10.71"]


def test_a_manager_can_reorder_a_colleagues_order_into_their_own_cart(orders):
    # when the manager reorders the buyer's order
    manager = signed_in("acme.manager")
    response = manager.post(f"/orders/{orders['buyer_1'].number}/reorder/")

    # then the lines go to the manager's cart, not the buyer's
    assert response.status_code == 302
    cart = Order.objects.get(buyer__username="acme.manager", number__isnull=True)
    assert list(cart.lines.values_list("product__sku", flat=True)) == ["BOLT-M8-50"]
    assert not Order.objects.filter(buyer__username="acme.buyer", number__isnull=True).exists()


def cart_lines(username: str) -> list[tuple[str, int]]:
    cart = Order.objects.filter(buyer__username=username, number__isnull=True).first()
    return sorted(cart.lines.values_list("product__sku", "quantity")) if cart else []


@pytest.fixture
def millions_of_nuts(orders):
    """Stock enough for orders of hundreds of thousands of nuts, so only the cap refuses."""
    nut = Product.objects.get(sku="NUT-M8")
    for warehouse in Warehouse.objects.all():
        for _ in range(4):
            stock_receive(
                product=nut,
                warehouse=warehouse,
                quantity=1_000_000,
                reason="Test",
                by=user("admin"),
            )
    return orders


def test_repeated_reorders_cannot_grow_a_line_past_the_cap(millions_of_nuts):
    # given an order of 600,000 boxes of nuts
    order = place("acme.buyer", ("NUT-M8", 600_000), ("BOLT-M8-50", 9))
    buyer = signed_in("acme.buyer")

    # when the buyer reorders it once, then again
    first = buyer.post(f"/orders/{order.number}/reorder/")
    second = buyer.post(f"/orders/{order.number}/reorder/", follow=True)

    # then the first copy is whole; the second copies the bolts and says why not the nuts
    assert first.status_code == 302
    html = second.content.decode()
    assert (
        "Not copied: NUT-M8: at most 1,000,000 on one line. "
        "With the 600,000 already there, the line would hold 1,200,000."
    ) in html
    assert cart_lines("acme.buyer") == [("BOLT-M8-50", 18), ("NUT-M8", 600_000)]


def test_a_reorder_of_which_nothing_fits_is_refused_and_changes_nothing(millions_of_nuts):
    # given an order of 600,000 nuts, already copied to the cart once
    order = place("acme.buyer", ("NUT-M8", 600_000))
    buyer = signed_in("acme.buyer")
    buyer.post(f"/orders/{order.number}/reorder/")
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    version = cart.version

    # when it is reordered again, again and again
    responses = [buyer.post(f"/orders/{order.number}/reorder/") for _ in range(3)]

    # then each is refused on the order page with the reason, and the cart is as it was
    for response in responses:
        assert response.status_code == 400
        assert "Not copied: NUT-M8: at most 1,000,000 on one line." in response.content.decode()
    assert cart_lines("acme.buyer") == [("NUT-M8", 600_000)]
    cart.refresh_from_db()
    assert cart.version == version


def test_a_reorder_of_an_order_beyond_the_cap_makes_no_cart(orders):
    # given an order placed before the cap, of 2,048,028,672 nuts (as the probe left one)
    order = place("acme.buyer", ("NUT-M8", 3))
    order.lines.update(quantity=2_048_028_672)
    assert not Order.objects.filter(buyer__username="acme.buyer", number__isnull=True).exists()

    # when the buyer, who has no cart, reorders it
    response = signed_in("acme.buyer").post(f"/orders/{order.number}/reorder/")

    # then it is refused with the reason and no cart was made for it
    assert response.status_code == 400
    assert "Not copied: NUT-M8: at most 1,000,000 on one line." in response.content.decode()
    assert not Order.objects.filter(buyer__username="acme.buyer", number__isnull=True).exists()


def test_reorder_submit_reorder_never_passes_the_cap(millions_of_nuts):
    # given an order of 400,000 nuts
    order = place("acme.buyer", ("NUT-M8", 400_000))
    buyer = signed_in("acme.buyer")

    # when the buyer keeps reordering it and submitting the cart (the way 2 billion came about)
    for round_ in range(3):
        buyer.post(f"/orders/{order.number}/reorder/")
        buyer.post(f"/orders/{order.number}/reorder/")
        cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
        address = cart.company.addresses.filter(is_shipping=True).order_by("pk").first()
        response = buyer.post(
            "/cart/submit/",
            {"token": str(cart.checkout_token), "ship_to": str(address.pk), "po_number": ""},
        )
        assert response.status_code == 302, round_
        order = Order.objects.exclude(number__isnull=True).filter(buyer=cart.buyer).first()

    # then no order line ever held more than the cap
    quantities = Order.objects.filter(buyer__username="acme.buyer").values_list(
        "lines__quantity", flat=True
    )
    assert max(quantities) == 800_000


# -- cancel ----------------------------------------------------------------------------------


def test_the_buyer_cancels_an_approved_order_once(orders):
    # given the buyer's order, approved on submission and not shipped
    order = orders["buyer_1"]
    buyer = signed_in("acme.buyer")

    # when they cancel it
    response = buyer.post(f"/orders/{order.number}/cancel/", {"comment": "Ordered twice"})

    # then it is cancelled and the timeline says who did it and why
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert list(order.events.values_list("kind", "from_status", "to_status", "comment")) == [
        ("submit", "draft", "approved", ""),
        ("stock_reserved", "", "", "1 line, 9 units in NORTH"),
        ("cancel", "approved", "cancelled", "Ordered twice"),
        ("stock_released", "", "", "1 line, 9 units back to NORTH"),
    ]
    html = buyer.get(f"/orders/{order.number}/").content.decode()
    assert f"Order {order.number} cancelled." in html
    assert "Cancel order" not in html

    # when they try again
    again = buyer.post(f"/orders/{order.number}/cancel/")

    # then it is a conflict with a reason, and nothing more is recorded
    assert again.status_code == 409
    assert f"Order {order.number} is cancelled" in again.content.decode()
    assert order.events.filter(kind="cancel").count() == 1


def test_a_manager_cannot_cancel_the_buyers_order(orders):
    # given the buyer's approved order
    order = orders["buyer_1"]

    # when the manager tries to cancel it
    response = signed_in("acme.manager").post(f"/orders/{order.number}/cancel/")

    # then it is forbidden, with a reason, and stays approved: whether an order could be
    # cancelled now does not matter to someone who may never cancel it
    assert response.status_code == 403
    assert "Only acme.buyer, who placed the order, can do that." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    assert not order.events.filter(kind="cancel").exists()


def test_borealis_cannot_cancel_acmes_order(orders):
    # when Borealis' buyer posts a cancel for Acme's order
    response = signed_in("borealis.buyer").post(f"/orders/{orders['buyer_1'].number}/cancel/")

    # then the order does not exist for them
    assert response.status_code == 404
    orders["buyer_1"].refresh_from_db()
    assert orders["buyer_1"].status == OrderStatus.APPROVED


# -- query counts ----------------------------------------------------------------------------


def queries_for(client: Client, path: str) -> int:
    client.get(path)  # warm up: session, cart creation
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_cart_page_costs_the_same_queries_for_5_or_50_lines(demo):
    # given a cart of 5 lines
    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    products = list(Product.objects.filter(is_active=True).order_by("sku")[:50])
    assert len(products) == 50
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[:5]], by=buyer)
    client = signed_in("acme.buyer")
    with_5 = queries_for(client, "/cart/")

    # when it grows to 50 lines
    cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products[5:]], by=buyer)
    with_50 = queries_for(client, "/cart/")

    # then the page makes the same number of queries
    assert cart.lines.count() == 50
    assert with_50 == with_5


def test_the_orders_list_costs_the_same_queries_for_3_or_30_orders(demo):
    # given 3 orders of the buyer
    for _ in range(3):
        place("acme.buyer", ("NUT-M8", 2))
    manager = signed_in("acme.manager")
    buyer = signed_in("acme.buyer")
    manager_3, buyer_3 = queries_for(manager, "/orders/"), queries_for(buyer, "/orders/")

    # when there are 30
    for _ in range(27):
        place("acme.buyer", ("NUT-M8", 2))
    manager_30, buyer_30 = queries_for(manager, "/orders/"), queries_for(buyer, "/orders/")

    # then the list makes the same number of queries for the buyer and for the manager
    assert len(listed(buyer.get("/orders/"))) == 25  # one page
    assert (manager_30, buyer_30) == (manager_3, buyer_3)


def _breaks(product: Product) -> bool:
    return product.max_qty is not None and product.min_qty > product.max_qty


def test_the_order_page_costs_the_same_queries_for_1_or_20_lines(demo):
    # given an order of 1 line and one of 20
    in_north = Product.objects.filter(
        is_active=True, stock__warehouse__code="NORTH", stock__available__gte=F("min_qty")
    )
    products = list(in_north.order_by("sku")[:20])
    small = place("acme.buyer", (products[0].sku, products[0].min_qty))
    big = place("acme.buyer", *[(p.sku, p.min_qty) for p in products if not _breaks(p)])
    client = signed_in("acme.buyer")

    # when each is opened
    one = queries_for(client, f"/orders/{small.number}/")
    many = queries_for(client, f"/orders/{big.number}/")

    # then the page makes the same number of queries
    assert big.lines.count() > 10
    assert many == one


def test_an_order_number_looks_like_ord_and_six_digits(orders):
    assert all(ORDER_NUMBER.fullmatch(order.number) for order in orders.values())
    assert len({order.number for order in orders.values()}) == 4
    assert timezone.now() - orders["buyer_1"].submitted_at < timedelta(minutes=5)
