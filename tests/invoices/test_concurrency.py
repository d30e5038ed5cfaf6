"""Invoice numbers under concurrent shipments, on PostgreSQL with real threads: gapless,
never repeated, and a rolled-back shipment gives its number back."""

import threading

import pytest
from django.db import transaction

from portal.invoices.models import DocumentCounter, DocumentKind, Invoice
from portal.orders.models import Order, OrderStatus
from tests.approvals.test_concurrency import at_once
from tests.invoices.conftest import ship, this_year
from tests.ordering import place

pytestmark = pytest.mark.django_db(transaction=True)

SHIPMENTS = 20


@pytest.fixture(autouse=True)
def _demo(demo):
    """Transactional tests empty the database after each test: seed it again first."""


def approved_orders(count: int) -> list[Order]:
    """``count`` of acme.buyer's orders of one box of bolts, approved on submission."""
    orders = [place("acme.buyer", (("BOLT-M8-50", 1),)) for _ in range(count)]
    assert {o.status for o in orders} == {OrderStatus.APPROVED}
    return orders


def numbers(count: int, start: int = 1) -> list[str]:
    return [f"INV-{this_year()}-{n:05d}" for n in range(start, start + count)]


def test_twenty_shipments_at_the_same_instant_get_twenty_consecutive_numbers():
    # given twenty approved orders of acme.buyer
    orders = approved_orders(SHIPMENTS)

    # when warehouse.north ships all of them at the same instant, each in its own connection
    results = at_once(*(lambda order=order: ship(order) for order in orders))

    # then every shipment issued its invoice
    assert all(isinstance(r, Invoice) for r in results), results
    assert Order.objects.filter(pk__in=[o.pk for o in orders], status="shipped").count() == 20
    # and the twenty invoices are numbered 1 to 20, without a gap or a number twice
    issued = Invoice.objects.filter(kind=DocumentKind.INVOICE)
    assert sorted(issued.values_list("number", flat=True)) == numbers(SHIPMENTS)
    # and each order has exactly one of them
    assert sorted(issued.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert DocumentCounter.objects.get(series="INV", year=this_year()).last == SHIPMENTS


class Rollback(Exception):
    """Raised inside a transaction to undo it."""


def test_a_rolled_back_shipment_gives_its_number_to_the_shipment_waiting_for_it():
    # given two approved orders of acme.buyer
    first, second = approved_orders(2)
    shipping: list = []

    # when the first is shipped and given INV-…-00001, and while its transaction is open
    # the second is shipped from another connection
    with pytest.raises(Rollback), transaction.atomic():
        taken = ship(first).number
        assert taken == numbers(1)[0]
        thread = threading.Thread(target=lambda: shipping.extend(at_once(lambda: ship(second))))
        thread.start()
        # then the second waits for the first's number to be kept or given back
        thread.join(timeout=1.0)
        assert thread.is_alive() and shipping == []
        # when the first shipment rolls back
        raise Rollback
    thread.join(timeout=30)

    # then the second shipment took the number the first gave back
    [invoice] = shipping
    assert isinstance(invoice, Invoice), invoice
    assert invoice.number == taken
    # and the first order is neither shipped nor invoiced
    first.refresh_from_db()
    assert first.status == OrderStatus.APPROVED
    assert not Invoice.objects.filter(order=first).exists()
    # and shipped again, it is given the next number: none is skipped
    assert ship(first).number == numbers(1, start=2)[0]
