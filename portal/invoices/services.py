"""Every write of invoicing: issue an invoice, credit it, record a payment, ask for a ZIP.

Issued documents are snapshots and never change (see ``models``); a correction is a credit
note. Numbers come from a counter row per series and year, locked until the transaction
ends, so a rolled-back issue gives its number back and no number is skipped or repeated.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from portal.accounts.models import Company
from portal.invoices.models import (
    SERIES,
    DocumentCounter,
    DocumentKind,
    Invoice,
    InvoiceArchive,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTax,
    Payment,
    PaymentKind,
)
from portal.invoices.selectors import paid_amount
from portal.invoices.tasks import invoice_archive_build, invoice_pdf_render
from portal.orders.models import Order, OrderStatus
from pricing.currencies import quantize

HUNDRED = Decimal(100)
# One ZIP holds at most this many PDFs (about 100 MB of invoices).
MAX_ARCHIVE = 2000


class InvoiceError(Exception):
    """The invoicing action is not possible as asked; the message says why."""


def document_number_next(*, kind: str, year: int) -> str:
    """The next number of ``kind``'s series in ``year``: ``INV-2026-00001``.

    The upsert locks the counter row until the caller's transaction ends: concurrent issues
    queue on it, and a rollback gives the number back.
    """
    series = SERIES[kind]
    table = DocumentCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (series, year, last) VALUES (%s, %s, 1) "  # noqa: S608  # nosec B608
            f"ON CONFLICT (series, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [series, year],
        )
        (last,) = cursor.fetchone()
    return f"{series}-{year}-{last:05d}"


def _buyer(company: Company) -> dict:
    address = company.addresses.filter(is_billing=True).first() or company.addresses.first()
    snapshot = {"name": company.legal_name, "vat_id": company.vat_id}
    for part in ("line1", "line2", "postal_code", "city", "country"):
        snapshot[part] = getattr(address, part, "") if address else ""
    return snapshot


def _taxes(lines, currency: str) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """rate -> (net basis, tax): tax is worked out per rate on the net sum (EN 16931)."""
    bases: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        bases[line.tax_rate] += line.line_total
    return {
        rate: (basis, quantize(basis * rate / HUNDRED, currency))
        for rate, basis in sorted(bases.items(), reverse=True)
    }


@transaction.atomic
def invoice_issue(*, order: Order, by, issued_on: date | None = None) -> Invoice:
    """Issue the invoice of a shipped (or shipping) order, and render its PDF after commit.

    Called by the ship transition, under its lock on the order. ``issued_on`` is today
    unless given (the demo dates its history back).
    """
    if order.invoices.filter(kind=DocumentKind.INVOICE).exists():
        raise InvoiceError(f"{order.number} is invoiced already.")
    if order.status not in (OrderStatus.APPROVED, OrderStatus.SHIPPED):
        raise InvoiceError(f"{order.number} is {order.get_status_display().lower()}.")
    company = order.company
    issued_on = issued_on or timezone.localdate()
    lines = list(order.lines.order_by("position", "pk"))
    taxes = _taxes(lines, order.currency)
    subtotal = sum((basis for basis, _ in taxes.values()), Decimal(0))
    tax_total = sum((tax for _, tax in taxes.values()), Decimal(0))
    invoice = Invoice.objects.create(
        number=document_number_next(kind=DocumentKind.INVOICE, year=issued_on.year),
        order=order,
        company=company,
        currency=order.currency,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=company.payment_terms_days),
        order_number=order.number,
        po_number=order.po_number,
        seller=dict(settings.SELLER),
        buyer=_buyer(company),
        payment_method=company.payment_method,
        payment_terms_days=company.payment_terms_days,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        issued_by=by,
    )
    _rows_write(document=invoice, lines=enumerate(lines, start=1), taxes=taxes)
    _render_after_commit(invoice)
    return invoice


def _rows_write(*, document: Invoice, lines, taxes: dict[Decimal, tuple[Decimal, Decimal]]):
    """The document's lines ((position, line) pairs of anything with an order line's price
    fields) and its VAT per rate (rate -> (basis, tax)), each in one statement."""
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=document,
            position=position,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            line_total=line.line_total,
        )
        for position, line in lines
    )
    InvoiceTax.objects.bulk_create(
        InvoiceTax(invoice=document, rate=rate, basis=basis, tax=tax)
        for rate, (basis, tax) in taxes.items()
    )


def _render_after_commit(invoice: Invoice) -> None:
    transaction.on_commit(lambda: invoice_pdf_render.enqueue(invoice.pk))


@transaction.atomic
def invoice_credit(*, invoice: Invoice, by, reason: str, issued_on: date | None = None) -> Invoice:
    """Void ``invoice`` by issuing a credit note for all of it; returns the credit note."""
    reason = reason.strip()
    if not reason:
        raise InvoiceError("Say why the invoice is credited: the credit note carries it.")
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.is_credit_note:
        raise InvoiceError(f"{locked.number} is a credit note; it cannot be credited.")
    if locked.status == InvoiceStatus.VOID:
        raise InvoiceError(f"{locked.number} is void already.")
    if paid_amount(locked):
        raise InvoiceError(
            f"{locked.number} has payments recorded: refund them before crediting it."
        )
    issued_on = issued_on or timezone.localdate()
    note = Invoice.objects.create(
        number=document_number_next(kind=DocumentKind.CREDIT_NOTE, year=issued_on.year),
        kind=DocumentKind.CREDIT_NOTE,
        status=InvoiceStatus.ISSUED,
        order=locked.order,
        company=locked.company,
        corrects=locked,
        reason=reason,
        currency=locked.currency,
        issued_on=issued_on,
        due_on=issued_on,
        order_number=locked.order_number,
        po_number=locked.po_number,
        seller=dict(settings.SELLER),
        buyer=locked.buyer,
        payment_method=locked.payment_method,
        payment_terms_days=0,
        subtotal=locked.subtotal,
        tax_total=locked.tax_total,
        total=locked.total,
        issued_by=by,
    )
    _rows_write(
        document=note,
        lines=((line.position, line) for line in locked.lines.all()),
        taxes={t.rate: (t.basis, t.tax) for t in locked.taxes.all()},
    )
    locked.status = InvoiceStatus.VOID
    locked.save(update_fields=["status"])
    _render_after_commit(note)
    return note


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    by,
    amount: Decimal,
    reference: str,
    received_on: date,
    kind: str = PaymentKind.BANK_TRANSFER,
) -> Payment:
    """Record money received against an open invoice; it is paid once nothing is open.

    More than the open amount is accepted and shown as an overpayment: the money came in.
    """
    reference = reference.strip()
    if not reference:
        raise InvoiceError("Enter the payment's reference, as the bank statement shows it.")
    if amount <= 0 or amount != quantize(amount, invoice.currency):
        raise InvoiceError("Enter an amount above zero, in whole cents.")
    if received_on > timezone.localdate():
        raise InvoiceError("The payment date cannot be in the future.")
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.is_credit_note:
        raise InvoiceError(f"{locked.number} is a credit note: nothing is paid on it.")
    if locked.status != InvoiceStatus.OPEN:
        raise InvoiceError(f"{locked.number} is {locked.get_status_display().lower()}.")
    if received_on < locked.issued_on - timedelta(days=365):
        raise InvoiceError("That date is more than a year before the invoice was issued.")
    payment = Payment.objects.create(
        invoice=locked,
        kind=kind,
        amount=amount,
        reference=reference,
        received_on=received_on,
        recorded_by=by,
    )
    invoice_settle(invoice=locked)
    return payment


def invoice_settle(*, invoice: Invoice) -> Invoice:
    """Set the status from the money: paid when nothing is open (total - payments +
    refunds), open again when a refund reopens it. Void stays void. Caller holds the lock."""
    if invoice.is_credit_note or invoice.status == InvoiceStatus.VOID:
        return invoice
    status = InvoiceStatus.PAID if paid_amount(invoice) >= invoice.total else InvoiceStatus.OPEN
    if status != invoice.status:
        invoice.status = status
        invoice.save(update_fields=["status"])
    return invoice


@transaction.atomic
def invoice_archive_request(*, invoices: QuerySet[Invoice], by) -> InvoiceArchive:
    """Queue a ZIP of these invoices' PDFs for ``by``; the worker builds it."""
    ids = list(invoices.values_list("pk", flat=True)[: MAX_ARCHIVE + 1])
    if not ids:
        raise InvoiceError("No invoices match: there is nothing to put in a ZIP.")
    if len(ids) > MAX_ARCHIVE:
        raise InvoiceError(
            f"More than {MAX_ARCHIVE:,} invoices match: narrow the filter (dates, company)."
        )
    archive = InvoiceArchive.objects.create(requested_by=by, total=len(ids))
    archive.invoices.add(*ids)
    transaction.on_commit(lambda: invoice_archive_build.enqueue(archive.pk))
    return archive
