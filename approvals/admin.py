from django.contrib import admin

from approvals.models import Approval, ApprovalPolicy, ApprovalThreshold
from portal.history_admin import HistoryAdmin


class ApprovalThresholdInline(admin.TabularInline):
    model = ApprovalThreshold
    extra = 1


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(admin.ModelAdmin):
    list_display = ["company", "updated_at"]
    search_fields = ["company__code", "company__legal_name"]
    autocomplete_fields = ["company"]
    inlines = [ApprovalThresholdInline]


@admin.register(Approval)
class ApprovalAdmin(HistoryAdmin):
    """Approvals are history: written by the workflow, read here."""

    list_display = [
        "order",
        "approver",
        "order_version",
        "completed_order",
        "created_at",
        "voided_at",
    ]
    list_filter = ["completed_order"]
    search_fields = ["order__number", "approver__username"]
    list_select_related = ["order", "approver"]
