import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from portal.invoices.models import Invoice
from portal.invoices.selectors import open_amount
from portal.templatetags.status import status_badge
from pricing.currencies import format_money

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}


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

    def render_number(self, record):
        return format_html(
            '<a href="{}">{}</a>', reverse("invoice", args=[record.number]), record.number
        )

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
