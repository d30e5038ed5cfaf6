"""Each order's number of lines (``OrderLineCount``), which the navigation's cart count reads:
kept by triggers, so every way of adding or removing lines counts, two carts at once too."""

import pytest
from django.db import connection

from portal.catalog.models import Product
from portal.orders.models import Order, OrderLine, OrderLineCount
from portal.orders.selectors import cart_line_count
from portal.orders.services import (
    cart_add_many,
    cart_get_or_create,
    cart_remove_line,
)
from tests.approvals.test_concurrency import at_once
from tests.ordering import place, user

SKUS = ("BOLT-M8-50", "GLOVE-L", "NUT-M8")


def counted(order: Order) -> int | None:
    """The kept count of ``order`` (None: no row), checked against its lines."""
    kept = OrderLineCount.objects.filter(order=order).values_list("lines", flat=True).first()
    assert (kept or 0) == OrderLine.objects.filter(order=order).count()
    return kept


def cart_of(username: str, skus=SKUS) -> Order:
    buyer = user(username)
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    products = Product.objects.filter(sku__in=skus)
    return cart_add_many(cart=cart, items=[(p, p.min_qty) for p in products], by=buyer).cart


@pytest.mark.django_db
def test_a_cart_counts_the_lines_added_at_once_and_one_by_one(demo):
    buyer = user("acme.buyer")
    assert cart_line_count(buyer) == 0  # no cart yet

    cart = cart_of("acme.buyer", SKUS[:2])
    assert counted(cart) == 2
    cart_of("acme.buyer", SKUS)  # one more product, two lines grow
    assert counted(cart) == 3
    assert cart_line_count(buyer) == 3


@pytest.mark.django_db
def test_removing_lines_by_the_service_or_in_bulk_counts_down(demo):
    cart = cart_of("acme.buyer")
    first, *_ = cart.lines.order_by("pk")

    cart_remove_line(cart=cart, line_id=first.pk, by=cart.buyer)
    assert counted(cart) == 2
    OrderLine.objects.filter(order=cart).delete()
    assert counted(cart) == 0
    assert cart_line_count(cart.buyer) == 0


@pytest.mark.django_db
def test_a_line_moved_to_another_order_is_counted_out_of_one_and_into_the_other(demo):
    order = place("acme.buyer", [("NUT-M8", 100)])
    cart = cart_of("acme.buyer")
    line = cart.lines.get(product__sku="BOLT-M8-50")

    OrderLine.objects.filter(pk=line.pk).update(order=order)

    assert (counted(cart), counted(order)) == (2, 2)


@pytest.mark.django_db
def test_one_carts_lines_leave_another_carts_count_alone(demo):
    acme = cart_of("acme.buyer")
    other = cart_of("acme.admin", SKUS[:1])

    OrderLine.objects.filter(order=acme).delete()

    assert (counted(acme), counted(other)) == (0, 1)


@pytest.mark.django_db
def test_an_order_deleted_takes_its_count_with_it(demo):
    cart = cart_of("acme.buyer")

    cart.delete()

    assert not OrderLineCount.objects.filter(order_id=cart.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_two_writers_adding_to_one_cart_at_once_both_count(transactional_db, demo):
    # given acme.buyer's cart with one line
    cart = cart_of("acme.buyer", SKUS[:1])
    products = Product.objects.filter(sku__in=SKUS[1:])

    # when two connections each add a line at the same instant (not through the service,
    # which locks the cart: the count must hold without that lock)
    def add(product):
        OrderLine.objects.create(order=cart, product=product, quantity=product.min_qty)
        return connection.connection.info.backend_pid

    pids = at_once(*(lambda p=p: add(p) for p in products))

    # then both lines are counted
    assert len(set(pids)) == 2
    assert counted(cart) == 3
