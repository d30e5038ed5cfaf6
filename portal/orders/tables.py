from dataclasses import dataclass

import django_tables2 as tables
from django.utils import timezone

from portal.orders.models import Order
from portal.tables import RowUrl
from portal.templatetags.status import status_badge
from pricing.currencies import format_money

SUBMITTED_FORMAT = "%Y-%m-%d %H:%M"


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
