from dataclasses import dataclass

import django_tables2 as tables

from portal.invoices.models import Invoice
from portal.invoices.selectors import open_amount
from portal.tables import RowUrl
from portal.templatetags.status import status_badge
from pricing.currencies import format_money

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}
DATE_FORMAT = "%Y-%m-%d"


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """One invoice or credit note as the invoice list prints it."""

    number: str
    url: str
    kind: str
    company: str
    order_number: str
    po_number: str
    issued_on: str
    due_on: str
    total: str
    open: str
    status: str


class MoneyColumn(tables.Column):
    """An amount shown in its row's currency, exported as a plain number."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", NUMBER)
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return format_money(value, record.currency)

    def value(self, value, record):
        return f"{value:.2f}"


class OpenColumn(MoneyColumn):
    def render(self, record):
        return format_money(open_amount(record), record.currency)

    def value(self, record):
        return f"{open_amount(record):.2f}"


class InvoiceTable(tables.Table):
    number = tables.Column(verbose_name="Number", order_by=("number",))
    kind = tables.Column(verbose_name="Document", order_by=("kind", "number"))
    company = tables.Column(
        verbose_name="Company", accessor="company__legal_name", order_by=("company__legal_name",)
    )
    order_number = tables.Column(verbose_name="Order", order_by=("order_number",))
    po_number = tables.Column(verbose_name="PO", order_by=("po_number", "number"))
    issued_on = tables.DateColumn(verbose_name="Issued", format="Y-m-d")
    due_on = tables.DateColumn(verbose_name="Due", format="Y-m-d")
    total = MoneyColumn(verbose_name="Total")
    open = OpenColumn(verbose_name="Open", empty_values=(), orderable=False)
    currency = tables.Column(verbose_name="Currency", visible=False)
    # Export only: what came in and went back, one entry per payment or refund.
    paid = MoneyColumn(verbose_name="Paid (net)", visible=False, orderable=False)
    history = tables.Column(
        verbose_name="Payments and refunds", empty_values=(), visible=False, orderable=False
    )
    status = tables.Column(verbose_name="Status")

    class Meta:
        model = Invoice
        fields = ()
        sequence = (
            "number",
            "kind",
            "company",
            "order_number",
            "po_number",
            "issued_on",
            "due_on",
            "total",
            "open",
            "currency",
            "status",
            "paid",
            "history",
        )
        order_by = ("-issued_on", "-number")
        attrs = {"class": "table", "id": "invoice-table", "tbody": {"hx-boost": "false"}}
        row_attrs = {"data-number": lambda record: record.number}
        empty_text = "No invoices match."

    # The columns prepared_rows reads: the rest of an invoice (the seller's and buyer's
    # details, kept as JSON) is not loaded for the list.
    LISTED = (
        "number",
        "kind",
        "company__legal_name",
        "order_number",
        "po_number",
        "issued_on",
        "due_on",
        "total",
        "currency",
        "status",
    )

    def prepared_rows(self) -> list[InvoiceRow]:
        url = RowUrl("invoice", "INV-2000-00000")
        return [
            InvoiceRow(
                number=invoice.number,
                url=url.of(invoice.number),
                kind=invoice.get_kind_display(),
                company=invoice.company.legal_name,
                order_number=invoice.order_number or "—",
                po_number=invoice.po_number or "—",
                issued_on=invoice.issued_on.strftime(DATE_FORMAT),
                due_on=invoice.due_on.strftime(DATE_FORMAT) if invoice.due_on else "—",
                total=format_money(invoice.total, invoice.currency),
                open=format_money(open_amount(invoice), invoice.currency),
                status=self.render_status(invoice),
            )
            for invoice in (row.record for row in self.page.object_list)
        ]

    def render_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return status_badge(record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def value_number(self, record):
        return record.number

    def value_history(self, record):
        entries = [
            f"{p.received_on:%Y-%m-%d} {p.get_kind_display().lower()} {p.amount:.2f} {p.reference}"
            for p in record.payments.all()
        ] + [
            f"{r.refunded_on:%Y-%m-%d} refund -{r.amount:.2f} {r.reference}"
            for r in record.refunds.all()
        ]
        return "; ".join(entries)
