from dataclasses import dataclass

import django_tables2 as tables
from django.utils import timezone
from django.utils.text import capfirst

from inventory.templatetags.stock import stock_badge
from portal.orders.models import Order
from portal.tables import RowUrl
from portal.templatetags.status import status_badge
from pricing.currencies import format_money

SUBMITTED_FORMAT = "%Y-%m-%d %H:%M"


@dataclass(frozen=True, slots=True)
class CartRow:
    """One line of a cart (or of an order being edited) as the cart page prints it.

    Worked out in Python: a cart of a few hundred lines rendered through forms and template
    tags a line cost most of the page's time.
    """

    pk: int
    sku: str
    product_url: str
    name: str
    explanation: str  # how the unit price came about; "" when the product has none
    next_tier: str
    availability: str  # the stock badge
    short: str  # why the stock does not cover the quantity; "" when it does
    errors: list[str]
    action: str  # where its quantity and remove forms post
    quantity: str  # as the buyer typed it, after a refused change
    quantity_errors: list[str]
    unit_price: str
    line_total: str
    tax: str


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order as the order list prints it."""

    number: str
    url: str
    submitted: str
    buyer: str
    po_number: str
    status: str
    total: str


class OrderTable(tables.Table):
    number = tables.Column(linkify=("order-detail", {"number": tables.A("number")}))
    submitted_at = tables.DateTimeColumn(verbose_name="Submitted", format="Y-m-d H:i")
    buyer = tables.Column(accessor="buyer__username", verbose_name="Buyer")
    po_number = tables.Column(verbose_name="PO")
    status = tables.Column()
    total = tables.Column(attrs={"td": {"class": "num"}, "th": {"class": "num"}})

    class Meta:
        model = Order
        fields = ("number", "submitted_at", "buyer", "po_number", "status", "total")
        attrs = {"class": "table", "id": "orders-table", "tbody": {"hx-boost": "false"}}
        empty_text = "No orders match."
        order_by = ("-submitted_at",)

    # The columns prepared_rows reads: the rest of an order (addresses, notes) is not loaded.
    LISTED = (
        "number",
        "submitted_at",
        "buyer__username",
        "po_number",
        "status",
        "total",
        "currency",
    )

    def prepared_rows(self) -> list[OrderRow]:
        url = RowUrl("order-detail", "ORD-000000")
        return [
            OrderRow(
                number=order.number,
                url=url.of(order.number),
                submitted=timezone.localtime(order.submitted_at).strftime(SUBMITTED_FORMAT)
                if order.submitted_at
                else "—",
                buyer=order.buyer.username,
                po_number=order.po_number or "—",
                status=self.render_status(order),
                total=self.render_total(order),
            )
            for order in (row.record for row in self.page.object_list)
        ]

    def render_status(self, record):
        return status_badge(record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_total(self, record):
        return format_money(record.total, record.currency)


def cart_rows(draft, lines, priced, *, forms, errors, only=None) -> list[CartRow]:
    """The lines of ``draft`` (a cart, or an order being edited) ready to print.

    ``priced`` is their quote; ``forms`` holds the quantity a buyer typed and had refused,
    ``errors`` what a refused submit said, both by line id. With ``only``, just the line
    of that id.
    """
    currency = priced.currency
    product_url = RowUrl("product-detail", "SKU0")
    if draft.number:
        action = RowUrl("order-line", "ORD-000000", 999_999_999)
        line_url = lambda line_id: action.of(draft.number, line_id)  # noqa: E731
    else:
        action = RowUrl("cart-line", 999_999_999)
        line_url = action.of
    rows = []
    for line, quote in zip(lines, priced.lines, strict=True):
        if only is not None and line.pk != only:
            continue
        available = line.product.availability
        form = forms.get(line.pk)
        short = ""
        # Said before submitting; once a submit was refused, its own message says it.
        if not available.covers(line.quantity) and line.pk not in errors:
            short = (
                f"Only {available.available} available now"
                if available.available
                else "None available now"
            )
        rows.append(
            CartRow(
                pk=line.pk,
                sku=line.product.sku,
                product_url=product_url.of(line.product.sku),
                name=line.product.name,
                explanation=quote.explanation if quote.unit_price is not None else "",
                next_tier=capfirst(quote.next_tier.hint) if quote.next_tier else "",
                availability=stock_badge(available),
                short=short,
                errors=[*quote.errors, *errors.get(line.pk, [])],
                action=line_url(line.pk),
                quantity=str(form["quantity"].value() or "") if form else str(line.quantity),
                quantity_errors=list(form.errors.get("quantity", [])) if form else [],
                unit_price=format_money(quote.unit_price, currency),
                line_total=format_money(quote.line_total, currency),
                tax=format_money(quote.tax, currency),
            )
        )
    return rows
