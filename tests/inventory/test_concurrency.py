"""Buyers racing for the same stock, on PostgreSQL with real threads."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from approvals.services import Checkout, OrderInvalid, order_cancel, order_submit
from inventory.models import StockLevel
from inventory.selectors import reserved_for
from portal.accounts.models import Company
from portal.accounts.services import membership_set
from portal.catalog.models import Product
from portal.orders.models import Order, OrderStatus
from portal.orders.services import cart_add_many, cart_get_or_create
from tests.approvals.test_concurrency import at_once
from tests.inventory.conftest import level, set_on_hand

pytestmark = pytest.mark.django_db(transaction=True)

BUYERS = 20
LAST_UNITS = 7
# What each of the 20 buyers wants: 33 drills in all, for the last 7.
WANTED = [1, 2, 3, 1, 2, 1, 3, 2, 1, 1, 2, 3, 1, 2, 1, 1, 3, 2, 1, 1]


@pytest.fixture(autouse=True)
def _demo(demo):
    """Transactional tests empty the database after each test: seed it again first."""


def acme_buyers(count: int) -> list:
    """``count`` buyers of Acme without a budget, so that only stock can stop them."""
    acme = Company.objects.get(code="acme")
    buyers = []
    for n in range(count):
        buyer, _ = get_user_model().objects.get_or_create(username=f"racer.{n:02d}")
        membership_set(user=buyer, company=acme, is_buyer=True)
        buyers.append(buyer)
    return buyers


def filled_cart(buyer, lines: list[tuple[str, int]]) -> Order:
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    products = {p.sku: p for p in Product.objects.filter(sku__in=[sku for sku, _ in lines])}
    cart_add_many(cart=cart, items=[(products[sku], qty) for sku, qty in lines], by=buyer)
    return cart


def submitting(buyer, cart: Order):
    address = cart.company.addresses.filter(is_shipping=True).order_by("pk").first()
    checkout = Checkout(po_number="", ship_to=address, requested_delivery_date=None, note="")
    return lambda: order_submit(token=cart.checkout_token, by=buyer, checkout=checkout)


class LevelWatcher(threading.Thread):
    """Reads one stock level over and over from its own connection while a race runs."""

    def __init__(self, stock_id: int):
        super().__init__()
        self.stock_id, self.seen, self.done = stock_id, [], threading.Event()

    def run(self):
        try:
            while not self.done.is_set():
                self.seen.append(
                    StockLevel.objects.values_list("on_hand", "reserved").get(pk=self.stock_id)
                )
        finally:
            connection.close()


def test_twenty_buyers_racing_for_the_last_7_units_never_oversell():
    # given NORTH holds the last 7 drills, and 20 buyers each have some in their cart
    drills = set_on_hand("NORTH", "DRILL-18V", LAST_UNITS)
    assert drills.available == LAST_UNITS
    buyers = acme_buyers(BUYERS)
    carts = [filled_cart(b, [("DRILL-18V", q)]) for b, q in zip(buyers, WANTED, strict=True)]
    watcher = LevelWatcher(drills.pk)
    watcher.start()

    # when all of them submit at the same instant
    try:
        results = at_once(*(submitting(b, c) for b, c in zip(buyers, carts, strict=True)))
    finally:
        watcher.done.set()
        watcher.join(timeout=30)

    # then the orders that fit went through and hold their drills, and nothing more
    placed = [(q, r) for q, r in zip(WANTED, results, strict=True) if isinstance(r, Order)]
    refused = [(q, r) for q, r in zip(WANTED, results, strict=True) if not isinstance(r, Order)]
    assert placed and refused
    assert sum(q for q, _ in placed) <= LAST_UNITS
    for quantity, order in placed:
        assert order.status == OrderStatus.APPROVED
        assert sum(reserved_for(order).values()) == quantity
    after = level("NORTH", "DRILL-18V")
    assert after.on_hand == LAST_UNITS
    assert after.reserved == sum(q for q, _ in placed)
    # and every refusal was the shortage message for an order that no longer fitted,
    # its cart left a draft holding nothing
    for quantity, error in refused:
        assert isinstance(error, OrderInvalid), error
        assert "Not enough stock for DRILL-18V" in str(error)
        assert quantity > after.available
    assert Order.objects.filter(buyer__in=buyers, status=OrderStatus.DRAFT).count() == len(refused)
    # and at no moment did a reader see more reserved than on hand
    assert watcher.seen
    assert all(0 <= reserved <= on_hand for on_hand, reserved in watcher.seen)


def test_orders_locking_shared_products_in_opposite_line_order_never_deadlock():
    # given two buyers whose carts hold the same two products, in opposite line order
    one, two = acme_buyers(2)
    forward = [("BOLT-M8-50", 2), ("NUT-M8", 2), ("GLOVE-L", 12)]
    backward = list(reversed(forward))

    for _ in range(20):
        # when both submit at the same instant
        first, second = filled_cart(one, forward), filled_cart(two, backward)
        placed = at_once(submitting(one, first), submitting(two, second))

        # then both go through (no deadlock, no error), and both are cancelled at once
        assert all(isinstance(order, Order) for order in placed), placed
        cancelled = at_once(
            *(lambda o=order: order_cancel(order=o, by=o.buyer) for order in placed)
        )
        assert all(isinstance(order, Order) for order in cancelled), cancelled

    # and after 20 rounds nothing is held any more
    for sku in ("BOLT-M8-50", "NUT-M8", "GLOVE-L"):
        assert level("NORTH", sku).reserved == 0
