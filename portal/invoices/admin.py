from django.contrib import admin

from portal.history_admin import HistoryAdmin
from portal.invoices.models import Invoice, InvoiceLine, InvoiceTax, Payment


class LineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ("position", "sku", "name", "quantity", "unit_price", "tax_rate", "line_total")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TaxInline(LineInline):
    model = InvoiceTax
    fields = ("rate", "basis", "tax")
    readonly_fields = fields


class PaymentInline(LineInline):
    model = Payment
    fields = ("received_on", "kind", "amount", "reference", "recorded_by", "recorded_at")
    readonly_fields = fields


@admin.register(Invoice)
class InvoiceAdmin(HistoryAdmin):
    """Issued invoices and credit notes, read-only: corrections are credit notes, issued
    by finance in the portal."""

    list_display = (
        "number",
        "kind",
        "company",
        "issued_on",
        "due_on",
        "total",
        "currency",
        "status",
    )
    list_filter = ("kind", "status", "currency")
    search_fields = ("number", "order_number", "po_number", "company__legal_name")
    date_hierarchy = "issued_on"
    list_select_related = ("company",)
    inlines = [LineInline, TaxInline, PaymentInline]
