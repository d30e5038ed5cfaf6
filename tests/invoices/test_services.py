"""Issuing, crediting and paying invoices through the real services, and the aging of what
is owed."""

import hashlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from approvals.services import TransitionNotAllowed, order_cancel_shipped, order_ship
from portal.catalog.models import Product
from portal.invoices import selectors
from portal.invoices.models import (
    DocumentCounter,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    Payment,
    PaymentKind,
)
from portal.invoices.services import InvoiceError, invoice_credit, payment_record
from portal.orders.models import OrderEvent, OrderStatus
from tests.invoices.conftest import SMALL, approved, ship, shipped, this_year
from tests.ordering import user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _demo(demo):
    """The demo people, companies, catalog, prices and stock, without its order history."""


def invoice_rows() -> tuple[int, int, int, int]:
    """How many documents, lines, tax rows and payments there are."""
    return (
        Invoice.objects.count(),
        InvoiceLine.objects.count(),
        InvoiceTax.objects.count(),
        Payment.objects.count(),
    )


def counter(series: str) -> int:
    """The last number given in ``series`` this year (0 when none was)."""
    row = DocumentCounter.objects.filter(series=series, year=this_year()).first()
    return row.last if row else 0


class Rollback(Exception):
    """Raised inside a transaction to undo it."""


# -- issuing --------------------------------------------------------------------------------


def test_shipping_issues_the_invoice_with_buyer_seller_lines_tax_per_rate_and_terms():
    # given NUT-M8 and GLOVE-L are sold at 7 % VAT, DRILL-18V at 19 %
    Product.objects.filter(sku__in=["NUT-M8", "GLOVE-L"]).update(tax_rate=Decimal("7.00"))
    # and acme.buyer's approved order of all three, delivered to Acme's main warehouse
    lines = (("DRILL-18V", 12), ("NUT-M8", 3), ("GLOVE-L", 36))
    order = approved("acme.buyer", lines, po="PO-INV-1")
    assert order.ship_to.label == "Main warehouse"

    # when warehouse.north ships it
    order_ship(order=order, by=user("warehouse.north"))

    # then the order is shipped with exactly one invoice, the year's first
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    invoice = Invoice.objects.get(order=order)
    today = timezone.localdate()
    assert invoice.number == f"INV-{today.year}-00001"
    assert (invoice.kind, invoice.status) == (DocumentKind.INVOICE, InvoiceStatus.OPEN)
    assert (invoice.order_number, invoice.po_number) == (order.number, "PO-INV-1")
    assert invoice.issued_by == user("warehouse.north")
    # and it is billed to Acme's legal name, billing address and VAT id, from the seller
    assert invoice.company == order.company
    assert invoice.buyer == {
        "name": "Acme Hardware GmbH",
        "vat_id": "DE123456789",
        "line1": "Industriestraße 12",
        "line2": "",
        "postal_code": "70565",
        "city": "Stuttgart",
        "country": "DE",
    }
    assert invoice.seller == settings.SELLER
    # and its lines are the order's, as they were priced
    fields = ("position", "sku", "name", "quantity", "unit_price", "tax_rate", "line_total")
    assert list(invoice.lines.values_list(*fields)) == [
        (1, "DRILL-18V", "Cordless drill 18 V", 12, Decimal("119"), 19, Decimal("1428")),
        (2, "NUT-M8", "Hex nut M8, box of 100", 3, Decimal("4.32"), 7, Decimal("12.96")),
        (3, "GLOVE-L", "Work gloves, size L, pair", 36, Decimal("2.88"), 7, Decimal("103.68")),
    ]
    # and the tax is worked out per rate on the rate's net sum: 7 % of 116.64 = 8.1648 is
    # 8.16, where the order's lines, each rounded, make 0.91 + 7.26 = 8.17
    assert [(t.rate, t.basis, t.tax) for t in invoice.taxes.all()] == [
        (Decimal("19.00"), Decimal("1428.00"), Decimal("271.32")),
        (Decimal("7.00"), Decimal("116.64"), Decimal("8.16")),
    ]
    assert order.tax_total == Decimal("279.49")
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("1544.64"),
        Decimal("279.48"),
        Decimal("1824.12"),
    )
    assert invoice.currency == "EUR"
    # and Acme, on net 30 by bank transfer, has thirty days to pay it
    assert invoice.issued_on == today
    assert invoice.due_on == today + timedelta(days=30)
    assert (invoice.payment_terms_days, invoice.payment_method) == (30, "bank_transfer")


def test_a_borealis_invoice_is_in_dollars_without_tax_and_due_on_receipt():
    # given Borealis pays by card on receipt, is tax-exempt and has no VAT id
    # when borealis.buyer's order of 10 boxes of bolts is shipped from SOUTH
    invoice = shipped("borealis.buyer", (("BOLT-M8-50", 10),), po="BF-1")

    # then its invoice is in dollars, at 0 %, due the day it is issued
    assert invoice.currency == "USD"
    assert invoice.buyer["name"] == "Borealis Foods Inc."
    assert invoice.buyer["vat_id"] == ""
    assert (invoice.buyer["line1"], invoice.buyer["country"]) == ("400 Harbor Blvd", "US")
    assert [(t.rate, t.basis, t.tax) for t in invoice.taxes.all()] == [
        (Decimal("0.00"), Decimal("139.00"), Decimal("0.00"))
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (
        Decimal("139.00"),
        Decimal("0.00"),
        Decimal("139.00"),
    )
    assert invoice.due_on == invoice.issued_on == timezone.localdate()
    assert (invoice.payment_terms_days, invoice.payment_method) == (0, "card")


def test_the_pdf_is_rendered_by_a_task_queued_when_the_shipment_commits(committed, run_worker):
    # given acme.buyer's approved order
    order = approved("acme.buyer", SMALL)
    rendering = DBTaskResult.objects.filter(task_path__endswith=".invoice_pdf_render")

    # when it is shipped and the transaction commits
    with committed():
        invoice = ship(order)
        # then nothing is rendered inside the shipment's transaction
        assert not rendering.exists()
    # and a rendering task waits in the queue, the PDF not yet stored
    task = rendering.get()
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [invoice.pk]
    assert Invoice.objects.get(pk=invoice.pk).pdf_sha256 == ""

    # when the worker runs
    run_worker()

    # then the PDF is stored, with the SHA-256 of its bytes
    invoice.refresh_from_db()
    assert rendering.get().status == "SUCCESSFUL"
    with default_storage.open(invoice.pdf.name, "rb") as stored:
        data = stored.read()
    assert data.startswith(b"%PDF-")
    assert invoice.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert invoice.pdf_rendered_at is not None


def test_a_shipment_that_rolls_back_leaves_no_invoice_and_no_gap_in_the_numbers():
    # given acme.buyer's first order shipped (INV-…-00001) and two more approved
    first = shipped("acme.buyer")
    second, third = approved("acme.buyer", SMALL), approved("acme.buyer", SMALL)
    assert first.number == f"INV-{this_year()}-00001"

    # when the second is shipped, given INV-…-00002, and its transaction rolls back
    with pytest.raises(Rollback), transaction.atomic():
        ship(second)
        assert Invoice.objects.get(order=second).number == f"INV-{this_year()}-00002"
        raise Rollback

    # then it is neither shipped nor invoiced
    second.refresh_from_db()
    assert second.status == OrderStatus.APPROVED
    assert not Invoice.objects.filter(order=second).exists()
    assert counter("INV") == 1
    # and the next invoice takes the number the rolled-back one had
    assert ship(third).number == f"INV-{this_year()}-00002"
    # and the second, shipped after all, the one after it
    assert ship(second).number == f"INV-{this_year()}-00003"


def test_a_shipped_order_cannot_be_shipped_and_invoiced_again():
    # given acme.buyer's shipped order
    invoice = shipped("acme.buyer")
    before = invoice_rows()

    # when warehouse.north ships it again
    with pytest.raises(TransitionNotAllowed):
        order_ship(order=invoice.order, by=user("warehouse.north"))

    # then it still has the one invoice, and no number was used
    assert invoice_rows() == before
    assert counter("INV") == 1


def test_a_new_year_starts_its_series_at_one():
    # given an invoice issued on the last day of last year
    year = this_year()
    old = shipped("acme.buyer", issued_on=date(year - 1, 12, 31))
    assert old.number == f"INV-{year - 1}-00001"

    # when the next is issued this year
    new = shipped("acme.buyer")

    # then it is the first of this year's series
    assert new.number == f"INV-{year}-00001"


# -- credit notes ---------------------------------------------------------------------------


def test_finance_credits_an_invoice_with_a_credit_note_of_the_same_lines_and_totals(
    committed,
):
    # given Acme's open two-line invoice
    invoice = shipped("acme.buyer", (("DRILL-18V", 2), ("BOLT-M8-50", 10)), po="PO-CN")

    # when finance credits it
    with committed():
        note = invoice_credit(invoice=invoice, by=user("finance"), reason=" Wrong branch. ")

    # then the credit note is the year's first, correcting the invoice, giving the reason
    assert note.number == f"CN-{this_year()}-00001"
    assert (note.kind, note.status) == (DocumentKind.CREDIT_NOTE, InvoiceStatus.ISSUED)
    assert note.corrects == invoice
    assert note.reason == "Wrong branch."
    assert (note.order, note.company, note.order_number, note.po_number) == (
        invoice.order,
        invoice.company,
        invoice.order_number,
        "PO-CN",
    )
    assert note.buyer == invoice.buyer
    assert note.issued_on == note.due_on == timezone.localdate()
    # with the invoice's lines, taxes and totals
    fields = ("position", "sku", "name", "quantity", "unit_price", "tax_rate", "line_total")
    assert list(note.lines.values_list(*fields)) == list(invoice.lines.values_list(*fields))
    assert list(note.taxes.values_list("rate", "basis", "tax")) == list(
        invoice.taxes.values_list("rate", "basis", "tax")
    )
    assert (note.subtotal, note.tax_total, note.total) == (
        invoice.subtotal,
        invoice.tax_total,
        invoice.total,
    )
    # and the invoice is void, nothing open on it
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert selectors.open_amount(invoice) == 0
    # and the credit note's PDF is queued too
    rendering = DBTaskResult.objects.filter(task_path__endswith=".invoice_pdf_render")
    assert [t.args_kwargs["args"] for t in rendering] == [[note.pk]]


def credit_a_credit_note(invoice):
    note = invoice_credit(invoice=invoice, by=user("finance"), reason="First.")
    return note, "is a credit note"


def credit_twice(invoice):
    invoice_credit(invoice=invoice, by=user("finance"), reason="First.")
    return invoice, "is void already"


def credit_without_reason(invoice):
    return invoice, "Say why"


def credit_an_invoice_with_a_payment(invoice):
    payment_record(
        invoice=invoice,
        by=user("finance"),
        amount=Decimal("50.00"),
        reference="BANK-1",
        received_on=timezone.localdate(),
    )
    return invoice, "has payments recorded"


@pytest.mark.parametrize(
    "given",
    [credit_twice, credit_a_credit_note, credit_without_reason, credit_an_invoice_with_a_payment],
    ids=["twice", "a credit note", "without a reason", "with a payment"],
)
def test_a_credit_that_is_not_possible_is_refused_and_writes_nothing(given):
    # given an invoice in the case's state
    invoice = shipped("acme.buyer")
    document, message = given(invoice)
    document.refresh_from_db()
    before, credit_notes, status = invoice_rows(), counter("CN"), document.status
    reason = "   " if given is credit_without_reason else "Again."

    # when finance credits it
    with pytest.raises(InvoiceError, match=message):
        invoice_credit(invoice=document, by=user("finance"), reason=reason)

    # then nothing is written: no document, no number, no change of status
    assert invoice_rows() == before
    assert counter("CN") == credit_notes
    document.refresh_from_db()
    assert document.status == status


def test_finance_cancels_a_shipped_order_and_its_invoice_is_credited():
    # given Acme's shipped order and its open invoice
    invoice = shipped("acme.buyer")
    order = invoice.order

    # when finance cancels the order, saying why
    cancelled = order_cancel_shipped(order=order, by=user("finance"), reason="Returned unused.")

    # then the order is cancelled and its invoice voided by a credit note with that reason
    assert cancelled.status == OrderStatus.CANCELLED
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    note = Invoice.objects.get(corrects=invoice)
    assert (note.number, note.reason, note.total) == (
        f"CN-{this_year()}-00001",
        "Returned unused.",
        invoice.total,
    )
    # and the timeline says who cancelled it after shipping, and why
    event = OrderEvent.objects.filter(order=order).latest("pk")
    assert (event.from_status, event.to_status, event.actor, event.comment) == (
        OrderStatus.SHIPPED,
        OrderStatus.CANCELLED,
        user("finance"),
        "Returned unused.",
    )


@pytest.mark.parametrize(
    "username", ["acme.buyer", "acme.admin", "warehouse.north", "borealis.manager", "admin"]
)
def test_only_finance_may_cancel_a_shipped_order(username):
    # given Acme's shipped order
    invoice = shipped("acme.buyer")
    order = invoice.order
    before, events = invoice_rows(), OrderEvent.objects.filter(order=order).count()

    # when someone else cancels it
    with pytest.raises(TransitionNotAllowed, match="Only finance"):
        order_cancel_shipped(order=order, by=user(username), reason="Returned unused.")

    # then nothing is written: the order stays shipped, its invoice open and uncredited
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert invoice_rows() == before
    assert counter("CN") == 0
    assert OrderEvent.objects.filter(order=order).count() == events
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_cancelling_a_shipped_order_needs_a_reason():
    invoice = shipped("acme.buyer")
    before = invoice_rows()

    with pytest.raises(TransitionNotAllowed, match="needs a reason"):
        order_cancel_shipped(order=invoice.order, by=user("finance"), reason=" ")

    assert invoice_rows() == before
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.OPEN


# -- payments -------------------------------------------------------------------------------


def pay(invoice, amount: str, *, reference: str = "BANK-4711", received_on=None) -> Payment:
    return payment_record(
        invoice=invoice,
        by=user("finance"),
        amount=Decimal(amount),
        reference=reference,
        received_on=received_on or timezone.localdate(),
    )


def test_a_partial_payment_keeps_the_invoice_open_and_the_rest_pays_it():
    # given Acme's invoice of 127.45
    invoice = shipped("acme.buyer")
    assert invoice.total == Decimal("127.45")

    # when 100.00 comes in by bank transfer
    payment = pay(invoice, "100.00", reference=" SEPA 0815 ")

    # then it is recorded, and the invoice stays open with 27.45 still to pay
    assert (payment.amount, payment.reference, payment.kind) == (
        Decimal("100.00"),
        "SEPA 0815",
        PaymentKind.BANK_TRANSFER,
    )
    assert payment.recorded_by == user("finance")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert selectors.open_amount(invoice) == Decimal("27.45")
    listed = selectors.with_amounts(Invoice.objects.filter(pk=invoice.pk)).get()
    assert (listed.paid, selectors.open_amount(listed)) == (Decimal("100.00"), Decimal("27.45"))

    # when the remaining 27.45 comes in
    pay(invoice, "27.45", reference="SEPA 0816")

    # then the invoice is paid, nothing open
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert selectors.open_amount(invoice) == 0


def test_an_overpayment_is_recorded_and_shown_as_a_negative_open_amount():
    # given Acme's invoice of 127.45
    invoice = shipped("acme.buyer")

    # when 130.00 comes in
    pay(invoice, "130.00")

    # then the invoice is paid, and 2.55 is owed back to Acme
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert selectors.open_amount(invoice) == Decimal("-2.55")
    listed = selectors.with_amounts(Invoice.objects.filter(pk=invoice.pk)).get()
    assert (listed.paid, selectors.open_amount(listed)) == (Decimal("130.00"), Decimal("-2.55"))


TOMORROW = object()


@pytest.mark.parametrize(
    ("amount", "reference", "received_on", "message"),
    [
        ("50.00", "BANK-1", TOMORROW, "cannot be in the future"),
        ("0.00", "BANK-1", None, "above zero"),
        ("-50.00", "BANK-1", None, "above zero"),
        ("50.005", "BANK-1", None, "whole cents"),
        ("50.00", "  ", None, "reference"),
    ],
    ids=["future date", "zero", "negative", "sub-cent", "blank reference"],
)
def test_a_payment_that_cannot_be_is_refused_and_no_row_written(
    amount, reference, received_on, message
):
    # given Acme's open invoice
    invoice = shipped("acme.buyer")
    if received_on is TOMORROW:
        received_on = timezone.localdate() + timedelta(days=1)

    # when finance records the payment
    with pytest.raises(InvoiceError, match=message):
        pay(invoice, amount, reference=reference, received_on=received_on)

    # then nothing is recorded and the invoice stays open
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN


def test_a_void_invoice_cannot_be_paid():
    # given Acme's invoice, credited
    invoice = shipped("acme.buyer")
    note = invoice_credit(invoice=invoice, by=user("finance"), reason="Wrong branch.")

    # when a payment is recorded against it, or against the credit note
    for document in (invoice, note):
        with pytest.raises(InvoiceError, match=r"is (void|a credit note: nothing is paid)"):
            pay(document, "10.00")

    # then none is recorded
    assert not Payment.objects.exists()


def test_a_paid_invoice_takes_no_further_payment():
    invoice = shipped("acme.buyer")
    pay(invoice, str(invoice.total))

    with pytest.raises(InvoiceError, match="is paid"):
        pay(invoice, "10.00")

    assert Payment.objects.count() == 1


# -- aging ----------------------------------------------------------------------------------

# The day the aging is worked out for; invoices are dated back from it.
TODAY = date(2026, 3, 31)


def past_due(days: int, username: str = "acme.buyer", lines=SMALL) -> Invoice:
    """An invoice of ``username``'s that is ``days`` past its due date on ``TODAY``."""
    terms = {"acme.buyer": 30, "borealis.buyer": 0}[username]
    return shipped(username, lines, issued_on=TODAY - timedelta(days=terms + days))


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-30, "Current"),
        (0, "Current"),
        (1, "1–30"),
        (30, "1–30"),
        (31, "31–60"),
        (60, "31–60"),
        (61, "61–90"),
        (90, "61–90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_days_past_due_fall_into_their_bucket(days, label):
    # given an open invoice that many days past due today
    invoice = past_due(days)

    # when the aging is worked out for today
    [row] = selectors.aging(Invoice.objects.all(), TODAY).rows

    # then what it owes is in that bucket, and in no other
    bucket = selectors.BUCKETS.index(next(b for b in selectors.BUCKETS if b[0] == label))
    assert row.amounts == [invoice.total if i == bucket else 0 for i in range(len(row.amounts))]


def test_aging_puts_what_is_owed_in_buckets_by_company_with_totals_per_currency():
    # given Acme's open invoices, one in each bucket of days past due
    current = past_due(-10)
    one_to_30 = past_due(12)
    thirty_one_to_60 = past_due(45, lines=(("DRILL-18V", 1),))
    sixty_one_to_90 = past_due(75)
    over_90 = past_due(120)
    # and 100.00 paid on the one 45 days past due
    pay(thirty_one_to_60, "100.00", received_on=thirty_one_to_60.due_on)
    # and two that are no longer owed: one paid, one credited
    pay(past_due(50), "127.45")
    invoice_credit(invoice=past_due(80), by=user("finance"), reason="Returned.")
    # and Borealis' dollar invoices, due on receipt: one 40 days and one 3 days old
    borealis_old = past_due(40, "borealis.buyer")
    borealis_new = past_due(3, "borealis.buyer", lines=(("DRILL-18V", 1),))

    # when the aging is worked out for TODAY
    report = selectors.aging(Invoice.objects.all(), TODAY)

    # then each company has one row, in its currency, holding what is still owed
    assert report.labels == ("Current", "1–30", "31–60", "61–90", "90+")
    assert [(row.company.code, row.currency) for row in report.rows] == [
        ("acme", "EUR"),
        ("borealis", "USD"),
    ]
    acme, borealis = report.rows
    assert acme.amounts == [
        current.total,
        one_to_30.total,
        thirty_one_to_60.total - Decimal("100.00"),
        sixty_one_to_90.total,
        over_90.total,
    ]
    assert thirty_one_to_60.total - Decimal("100.00") == Decimal("53.51")
    assert borealis.amounts == [0, borealis_new.total, borealis_old.total, 0, 0]
    assert (borealis_new.total, borealis_old.total) == (Decimal("165.00"), Decimal("139.00"))
    # and the totals are per currency, never adding euros to dollars
    assert report.totals == {"EUR": acme.amounts, "USD": borealis.amounts}
    assert acme.total == sum(acme.amounts)
