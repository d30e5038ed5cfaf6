"""Checkout: validation, the snapshot taken at submission, and one order per checkout."""

import re
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from portal.accounts.models import Address
from portal.catalog.models import Product
from portal.orders.models import Order, OrderEvent, OrderStatus
from pricing.models import Contract, PriceList
from pricing.services import contract_price_set, price_list_entry_set

ORDER_NUMBER = re.compile(r"ORD-\d{6}")
THREADS = 20


def user(username: str):
    return get_user_model().objects.get(username=username)


def signed_in(client, username):
    client.force_login(user(username))
    return client


def cart_of(username: str) -> Order:
    return Order.objects.get(buyer__username=username, status="draft", number__isnull=True)


def shipping_address(company_code: str, label: str = "Main warehouse") -> Address:
    return Address.objects.get(company__code=company_code, label=label)


def checkout_data(username: str, **overrides) -> dict:
    company = user(username).membership.company
    data = {
        "token": str(cart_of(username).checkout_token),
        "po_number": "PO-4711",
        "ship_to": str(company.addresses.filter(is_shipping=True).order_by("pk").first().pk),
        "requested_delivery_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "note": "Gate 3, mornings only",
    }
    data.update(overrides)
    return data


def fill_cart(client, *lines: tuple[str, int]) -> None:
    for sku, quantity in lines:
        response = client.post("/cart/add/", {"sku": sku, "quantity": str(quantity)})
        assert response.status_code == 302


def submitted(username: str):
    return Order.objects.filter(buyer__username=username).exclude(number__isnull=True)


@pytest.fixture
def buyer(client, demo):
    return signed_in(client, "acme.buyer")


# -- a good submit ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_submit_numbers_the_order_snapshots_prices_and_records_the_event(buyer):
    # given 9 x BOLT-M8-50 and 5 drills (contract tier) in Acme's buyer's cart
    fill_cart(buyer, ("BOLT-M8-50", 9), ("DRILL-18V", 5))
    data = checkout_data("acme.buyer")

    # when the buyer submits the checkout
    response = buyer.post("/cart/submit/", data)

    # then they are sent to a numbered order, approved at once (under Acme's 1,000 threshold)
    order = submitted("acme.buyer").get()
    assert ORDER_NUMBER.fullmatch(order.number)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    assert order.status == OrderStatus.APPROVED
    assert order.submitted_at is not None
    # and the checkout fields are kept, the address as text
    assert order.po_number == "PO-4711"
    assert order.note == "Gate 3, mornings only"
    assert order.requested_delivery_date == timezone.localdate() + timedelta(days=7)
    assert order.ship_to == shipping_address("acme")
    assert "Hafenweg 4" in order.ship_to_text
    assert "70327 Stuttgart" in order.ship_to_text
    # and every line carries its price snapshot
    bolt, drill = order.lines.order_by("position")
    assert (bolt.sku, bolt.unit_price, bolt.line_total, bolt.tax) == (
        "BOLT-M8-50",
        Decimal("11.25"),
        Decimal("101.25"),
        Decimal("19.24"),
    )
    assert bolt.price_source == "Wholesale EUR"
    assert "Wholesale EUR" in bolt.price_explanation
    assert bolt.price_explanation.endswith("€11.25")
    assert bolt.tax_rate == Decimal("19.00")
    assert (drill.unit_price, drill.line_total, drill.tax) == (
        Decimal("119.00"),
        Decimal("595.00"),
        Decimal("113.05"),
    )
    assert drill.price_source.startswith("Contract")
    assert "Contract" in drill.price_explanation
    assert drill.name == Product.objects.get(sku="DRILL-18V").name
    # and the totals are the sums of the lines
    assert order.subtotal == Decimal("696.25")
    assert order.tax_total == Decimal("132.29")
    assert order.total == Decimal("828.54")
    # and the timeline has the submit
    assert list(order.events.values_list("kind", "from_status", "to_status")) == [
        ("submit", "draft", "approved"),
        ("stock_reserved", "", ""),
    ]


@pytest.mark.django_db
def test_the_order_page_shows_the_submitted_order(buyer):
    # given a submitted order
    fill_cart(buyer, ("BOLT-M8-50", 9))
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer"), follow=True)

    # then the page it lands on names it, with its status, PO and submit event
    html = response.content.decode()
    order = submitted("acme.buyer").get()
    assert response.status_code == 200
    assert f"Order {order.number} submitted and approved." in html
    assert 'data-testid="order-status">Approved<' in html
    assert 'data-testid="po-number">PO-4711<' in html
    assert re.search(r"acme\.buyer: Submitted → Approved", html)


@pytest.mark.django_db
def test_after_submit_the_buyer_has_a_new_empty_cart(buyer):
    # given a submitted cart
    fill_cart(buyer, ("NUT-M8", 3))
    old = cart_of("acme.buyer")
    buyer.post("/cart/submit/", checkout_data("acme.buyer"))

    # when the buyer opens the cart again
    html = buyer.get("/cart/").content.decode()

    # then it is empty, and the next add starts a different one
    assert 'data-testid="cart-empty"' in html
    fill_cart(buyer, ("NUT-M8", 1))
    assert cart_of("acme.buyer").pk != old.pk


@pytest.mark.django_db
def test_htmx_submit_redirects_with_a_header(buyer):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))

    # when it is submitted with HTMX
    response = buyer.post(
        "/cart/submit/", checkout_data("acme.buyer"), headers={"HX-Request": "true"}
    )

    # then HTMX is told where the order is
    order = submitted("acme.buyer").get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/orders/{order.number}/"


@pytest.mark.django_db
def test_a_replayed_submit_finds_the_same_order(buyer):
    # given a submitted cart
    fill_cart(buyer, ("NUT-M8", 3))
    data = checkout_data("acme.buyer")
    first = buyer.post("/cart/submit/", data)

    # when the same POST arrives again (back button, double click)
    second = buyer.post("/cart/submit/", data)

    # then it leads to the same order and nothing new happened
    assert second.status_code == 302
    assert second["Location"] == first["Location"]
    order = submitted("acme.buyer").get()
    assert order.events.filter(kind="submit").count() == 1


# -- checkout validation ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_delivery_date_in_the_past_is_refused_and_the_form_kept(buyer):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()

    # when the buyer asks for delivery yesterday
    response = buyer.post(
        "/cart/submit/",
        checkout_data("acme.buyer", requested_delivery_date=yesterday, po_number="PO-TYPED-77"),
    )

    # then the cart comes back with the reason and what they typed
    html = response.content.decode()
    assert response.status_code == 400
    assert "The requested delivery date cannot be in the past." in html
    assert 'value="PO-TYPED-77"' in html
    assert f'value="{yesterday}"' in html
    # and no order was made
    assert not submitted("acme.buyer").exists()
    assert cart_of("acme.buyer").lines.count() == 1


def delivery_date_field(html: str) -> str:
    """The checkout's requested delivery date field, with its errors."""
    match = re.search(
        r'<div class="field[^"]*">\s*<label for="id_requested_delivery_date".*?</div>', html, re.S
    )
    assert match, "no delivery date field"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True])
def test_the_services_delivery_date_rule_shows_on_its_field(buyer, htmx):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    headers = {"HX-Request": "true", "HX-Target": "cart"} if htmx else {}

    # when the buyer asks for delivery yesterday, with or without HTMX
    response = buyer.post(
        "/cart/submit/",
        checkout_data("acme.buyer", requested_delivery_date=yesterday, note="Gate 7 please"),
        headers=headers,
    )

    # then a 400 with the service's message on the date field, and the rest as typed
    html = response.content.decode()
    assert response.status_code == 400
    field = delivery_date_field(html)
    assert "has-error" in field
    assert "The requested delivery date cannot be in the past." in field
    assert f'value="{yesterday}"' in field
    assert "Gate 7 please</textarea>" in html
    assert 'value="PO-4711"' in html
    if htmx:
        assert "<html" not in html  # the cart fragment only
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_the_checkout_form_leaves_the_delivery_date_rule_to_the_service(buyer):
    # the rule is order_submit's alone: the form takes any real date
    from approvals.services import Checkout, OrderInvalid, order_submit
    from portal.orders.forms import CheckoutForm

    fill_cart(buyer, ("NUT-M8", 3))
    yesterday = timezone.localdate() - timedelta(days=1)
    company = user("acme.buyer").membership.company
    data = checkout_data("acme.buyer", requested_delivery_date=yesterday.isoformat())
    form = CheckoutForm(data, company=company)
    assert form.is_valid()

    with pytest.raises(OrderInvalid, match="cannot be in the past") as refused:
        order_submit(
            token=cart_of("acme.buyer").checkout_token,
            by=user("acme.buyer"),
            checkout=Checkout(
                po_number="",
                ship_to=form.cleaned_data["ship_to"],
                requested_delivery_date=yesterday,
                note="",
            ),
        )
    assert refused.value.field == "requested_delivery_date"
    # and today is not in the past
    order = order_submit(
        token=cart_of("acme.buyer").checkout_token,
        by=user("acme.buyer"),
        checkout=Checkout(
            po_number="",
            ship_to=form.cleaned_data["ship_to"],
            requested_delivery_date=timezone.localdate(),
            note="",
        ),
    )
    assert order.requested_delivery_date == timezone.localdate()


@pytest.mark.django_db
def test_another_companys_address_is_refused(buyer):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))
    borealis_hq = shipping_address("borealis", "Headquarters")

    # when the checkout names Borealis' address
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer", ship_to=borealis_hq.pk))

    # then it is refused and no order is made
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_an_address_that_is_not_for_deliveries_is_refused(buyer):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))

    # when the checkout names Acme's head office, a billing-only address
    head_office = shipping_address("acme", "Head office")
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer", ship_to=head_office.pk))

    # then it is refused
    assert response.status_code == 400
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_an_empty_cart_cannot_be_submitted(buyer):
    # given a cart whose only line was removed
    fill_cart(buyer, ("NUT-M8", 3))
    line = cart_of("acme.buyer").lines.get()
    buyer.post(f"/cart/lines/{line.pk}/", {"action": "remove"})

    # when it is submitted anyway
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer"))

    # then the buyer is told
    assert response.status_code == 400
    assert "Your cart is empty." in response.content.decode()
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_an_unknown_checkout_token_is_refused(buyer):
    # given a cart
    fill_cart(buyer, ("NUT-M8", 3))

    # when the POST carries a token of no cart, or none at all
    unknown = buyer.post("/cart/submit/", checkout_data("acme.buyer", token=str(uuid.uuid4())))
    missing = buyer.post("/cart/submit/", checkout_data("acme.buyer", token=""))

    # then both are refused and nothing is ordered
    assert unknown.status_code == 400
    assert "This checkout is no longer valid." in unknown.content.decode()
    assert missing.status_code == 400
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_another_buyers_token_does_not_submit_their_cart(buyer, demo):
    # given the manager has a cart of their own
    manager = signed_in(Client(), "acme.manager")
    fill_cart(manager, ("NUT-M8", 3))
    fill_cart(buyer, ("NUT-M8", 3))

    # when the buyer posts the manager's token
    token = str(cart_of("acme.manager").checkout_token)
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer", token=token))

    # then it is refused and the manager's cart stays a cart
    assert response.status_code == 400
    assert not submitted("acme.manager").exists()
    assert not submitted("acme.buyer").exists()


@pytest.mark.django_db
def test_a_line_breaking_a_quantity_rule_blocks_submit(buyer):
    # given 13 pairs of gloves, sold in twelves, typed on the cart line
    fill_cart(buyer, ("GLOVE-L", 12))
    line = cart_of("acme.buyer").lines.get()
    buyer.post(f"/cart/lines/{line.pk}/", {"quantity": "13"})

    # when the checkout is posted anyway
    response = buyer.post("/cart/submit/", checkout_data("acme.buyer"))

    # then the line is marked and nothing is ordered
    html = response.content.decode()
    assert response.status_code == 400
    assert "Some lines need your attention before you submit." in html
    assert "GLOVE-L is sold in multiples of 12." in html
    assert not submitted("acme.buyer").exists()


# -- the snapshot ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_submitted_order_keeps_its_prices_when_prices_change(buyer):
    # given an order of 9 bolts (Wholesale, -10 % of List EUR) and 5 drills (contract)
    fill_cart(buyer, ("BOLT-M8-50", 9), ("DRILL-18V", 5))
    buyer.post("/cart/submit/", checkout_data("acme.buyer"))
    order = submitted("acme.buyer").get()
    lines_before = list(
        order.lines.order_by("position").values_list(
            "unit_price", "line_total", "tax", "price_source", "price_explanation"
        )
    )
    totals_before = (order.subtotal, order.tax_total, order.total)

    # when the list price of the bolts and the contract price of the drills go up
    admin = user("admin")
    price_list_entry_set(
        price_list=PriceList.objects.get(name="List EUR"),
        product=Product.objects.get(sku="BOLT-M8-50"),
        min_qty=1,
        unit_price=Decimal("20.00"),
        by=admin,
    )
    contract_price_set(
        contract=Contract.objects.get(company__code="acme"),
        product=Product.objects.get(sku="DRILL-18V"),
        min_qty=5,
        unit_price=Decimal("125.00"),
        by=admin,
    )

    # then the order's lines and totals are what they were
    order.refresh_from_db()
    assert (order.subtotal, order.tax_total, order.total) == totals_before
    assert (
        list(
            order.lines.order_by("position").values_list(
                "unit_price", "line_total", "tax", "price_source", "price_explanation"
            )
        )
        == lines_before
    )
    # and its page still shows the old prices and explanations
    html = buyer.get(f"/orders/{order.number}/").content.decode()
    assert "€11.25" in html
    assert "€101.25" in html
    assert "€119.00" in html
    assert lines_before[0][4] in html
    assert lines_before[1][4] in html
    assert "€18.00" not in html
    assert "€125.00" not in html
    assert "<strong>€828.54</strong>" in html

    # and a new cart is priced at today's prices
    fill_cart(buyer, ("BOLT-M8-50", 9), ("DRILL-18V", 5))
    cart = buyer.get("/cart/").content.decode()
    assert re.findall(r'data-testid="line-unit-price">([^<]*)<', cart) == ["€18.00", "€125.00"]


# -- one order under concurrent submits ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_twenty_identical_submits_at_once_make_one_order(transactional_db, demo):
    # given Acme's buyer with a cart and its checkout form
    setup = signed_in(Client(), "acme.buyer")
    fill_cart(setup, ("BOLT-M8-50", 9), ("NUT-M8", 3))
    data = checkout_data("acme.buyer")
    buyer = user("acme.buyer")

    # when twenty requests post that same form at the same moment
    barrier = threading.Barrier(THREADS)
    responses: list = [None] * THREADS
    errors: list = []

    def post(i: int) -> None:
        from django.db import connection

        try:
            client = Client()
            client.force_login(buyer)
            barrier.wait(timeout=30)
            responses[i] = client.post("/cart/submit/", data)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then there is exactly one order, every answer leads to it, and it was submitted once
    assert errors == []
    orders = list(submitted("acme.buyer"))
    assert len(orders) == 1
    order = orders[0]
    assert order.status == OrderStatus.APPROVED
    statuses = sorted(r.status_code for r in responses)
    assert all(s == 302 or 400 <= s < 500 for s in statuses), statuses
    redirects = [r for r in responses if r.status_code == 302]
    assert redirects, statuses
    assert {r["Location"] for r in redirects} == {f"/orders/{order.number}/"}
    assert OrderEvent.objects.filter(order=order, kind="submit").count() == 1
    assert order.lines.count() == 2
    assert order.total == Decimal("135.91")  # 101.25 + 19.24 + 12.96 + 2.46
