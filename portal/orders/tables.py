import django_tables2 as tables

from portal.orders.models import Order
from portal.templatetags.status import status_badge
from pricing.currencies import format_money


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

    def render_status(self, record):
        return status_badge(record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_total(self, record):
        return format_money(record.total, record.currency)
