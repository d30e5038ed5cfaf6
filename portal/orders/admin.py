from django.contrib import admin

from portal.history_admin import HistoryAdmin, HistoryInline
from portal.orders.models import Order, OrderEvent, OrderLine


class OrderLineInline(HistoryInline):
    model = OrderLine
    fields = ("position", "sku", "name", "quantity", "unit_price", "line_total", "tax_rate", "tax")


class OrderEventInline(HistoryInline):
    model = OrderEvent
    fields = ("created_at", "actor", "kind", "from_status", "to_status", "comment")
    related = ("order", "actor")
    verbose_name = "timeline event"
    verbose_name_plural = "timeline"


@admin.register(Order)
class OrderAdmin(HistoryAdmin):
    """Orders with their lines and timeline, read-only: orders change only through the
    portal's workflow (submit, approve, ship, cancel), which checks who may do what."""

    list_display = ("__str__", "company", "buyer", "status", "submitted_at", "total", "currency")
    list_filter = ("status", "currency", "company")
    search_fields = ("number", "po_number", "company__legal_name", "buyer__username")
    date_hierarchy = "submitted_at"
    list_select_related = ("company", "buyer")
    inlines = [OrderLineInline, OrderEventInline]
    fields = (
        "number",
        "company",
        "buyer",
        "status",
        "currency",
        "po_number",
        "ship_to_text",
        "requested_delivery_date",
        "note",
        "subtotal",
        "tax_total",
        "total",
        "created_at",
        "submitted_at",
    )
