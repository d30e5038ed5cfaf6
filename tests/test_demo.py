"""The demo seed: every product stocked in both warehouses, the history holding its stock,
the shipped orders invoiced with what finance needs to see."""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.utils import timezone

from approvals.demo import DEMO_ORDERS
from approvals.policy import month_spend
from inventory.models import StockLevel, StockMovement
from inventory.selectors import StockStatus, availability_of, reserved_for
from portal.catalog.models import Product
from portal.demo import seed_demo
from portal.invoices import selectors
from portal.invoices.models import Invoice, Payment
from portal.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """The demo's invoice PDFs are stored in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def test_every_product_has_stock_in_north_and_south_some_low_some_out():
    for code in ("NORTH", "SOUTH"):
        levels = StockLevel.objects.filter(warehouse__code=code)
        assert levels.count() == Product.objects.count()
        statuses = {availability_of(level).status for level in levels}
        assert statuses == {StockStatus.IN_STOCK, StockStatus.LOW, StockStatus.OUT}, code


def test_the_order_history_holds_and_consumes_stock_as_its_states_say():
    # when the demo's order history is placed (the tests' own demo leaves it out)
    made = seed_demo(products_per_category=15, orders=True)
    assert made == len(DEMO_ORDERS)

    # then waiting and approved orders hold exactly their lines, the rest hold nothing
    for order in Order.objects.filter(number__isnull=False).prefetch_related("lines"):
        held = sum(reserved_for(order).values())
        if order.status in (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED):
            assert held == sum(line.quantity for line in order.lines.all()), order.number
        else:
            assert held == 0, order.number
    # and the shipped ones took their lines out of their company's warehouse
    shipped = Order.objects.get(po_number="PO-2026-0101")
    assert shipped.status == OrderStatus.SHIPPED
    assert list(
        StockMovement.objects.filter(order=shipped, kind="shipment").values_list(
            "stock__warehouse__code", "stock__product__sku", "on_hand_change"
        )
    ) == [("NORTH", "DRILL-18V", -12)]
    borealis = Order.objects.get(po_number="BF-7785")
    assert list(
        StockMovement.objects.filter(order=borealis, kind="shipment").values_list(
            "stock__warehouse__code", "stock__product__sku", "on_hand_change"
        )
    ) == [("SOUTH", "DRILL-18V", -6)]


def test_the_shipped_orders_are_invoiced_with_something_owed_in_every_aging_bucket():
    # when the demo's order history is placed
    seed_demo(products_per_category=15, orders=True)

    # then every shipped order has its invoice, numbered in the order of their dates
    shipped = Order.objects.filter(status=OrderStatus.SHIPPED)
    invoices = list(Invoice.objects.order_by("number"))
    assert sorted(i.order_id for i in invoices) == sorted(shipped.values_list("pk", flat=True))
    assert [i.issued_on for i in invoices] == sorted(i.issued_on for i in invoices)
    year = invoices[0].issued_on.year
    assert invoices[0].number == f"INV-{year}-00001"
    # and Acme owes something in every bucket of the aging, Borealis in dollars
    report = selectors.aging(Invoice.objects.all(), timezone.localdate())
    acme, borealis = report.rows
    assert (acme.company.code, acme.currency) == ("acme", "EUR")
    assert all(amount > 0 for amount in acme.amounts), acme.amounts
    assert (borealis.company.code, borealis.currency) == ("borealis", "USD")
    assert borealis.total > 0
    # and one Acme invoice is part paid by bank transfer, the rest still open
    [payment] = Payment.objects.select_related("invoice")
    assert payment.kind == "bank_transfer"
    assert 0 < selectors.open_amount(payment.invoice) < payment.invoice.total
    # and acme.buyer's month, their shipped order included, stays within their budget
    buyer = get_user_model().objects.get(username="acme.buyer")
    assert month_spend(buyer=buyer) < buyer.membership.monthly_budget


def test_every_demo_invoice_has_its_pdf_stored_without_the_worker():
    # when the demo is seeded, and seeded again
    seed_demo(products_per_category=15, orders=True)
    stored = dict(Invoice.objects.values_list("number", "pdf_sha256"))
    seed_demo(products_per_category=15, orders=True)

    # then every invoice's PDF is in storage with the checksum on record, rendered once
    invoices = Invoice.objects.all()
    assert invoices
    for invoice in invoices:
        with default_storage.open(invoice.pdf.name, "rb") as pdf:
            assert hashlib.sha256(pdf.read()).hexdigest() == invoice.pdf_sha256, invoice.number
    assert dict(invoices.values_list("number", "pdf_sha256")) == stored


def test_seeding_again_changes_no_stock():
    seed_demo(products_per_category=15, orders=True)
    movements = StockMovement.objects.count()

    seed_demo(products_per_category=15, orders=True)

    assert StockMovement.objects.count() == movements
