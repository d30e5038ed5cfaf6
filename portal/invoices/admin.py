from django.contrib import admin

from portal.history_admin import HistoryAdmin, HistoryInline
from portal.invoices.models import (
    CardAttempt,
    Invoice,
    InvoiceLine,
    InvoiceTax,
    Payment,
    PaymentIssue,
    Refund,
    StripeEvent,
)


class LineInline(HistoryInline):
    model = InvoiceLine
    fields = ("position", "sku", "name", "quantity", "unit_price", "tax_rate", "line_total")


class TaxInline(LineInline):
    model = InvoiceTax
    fields = ("rate", "basis", "tax")


class PaymentInline(LineInline):
    model = Payment
    fields = ("received_on", "kind", "amount", "reference", "recorded_by", "recorded_at")


class RefundInline(LineInline):
    model = Refund
    fields = ("refunded_on", "amount", "reference", "stripe_payment_intent", "recorded_at")


class CardAttemptInline(LineInline):
    model = CardAttempt
    fields = ("attempt", "payment_intent", "amount", "currency", "status", "error", "created_at")


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
    inlines = [LineInline, TaxInline, PaymentInline, RefundInline, CardAttemptInline]


@admin.register(StripeEvent)
class StripeEventAdmin(HistoryAdmin):
    """Every Stripe event taken in, and what the portal did with it."""

    list_display = ("event_id", "type", "outcome", "received_at")
    list_filter = ("type",)
    search_fields = ("event_id", "outcome")


@admin.register(PaymentIssue)
class PaymentIssueAdmin(HistoryAdmin):
    list_display = ("created_at", "invoice", "payment_intent", "problem")
    search_fields = ("payment_intent", "problem", "invoice__number")
