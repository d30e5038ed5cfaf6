from django.contrib import admin

from inventory.models import CompanyWarehouse, StockLevel, StockMovement, Warehouse
from portal.history_admin import HistoryAdmin


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(CompanyWarehouse)
class CompanyWarehouseAdmin(admin.ModelAdmin):
    list_display = ["company", "warehouse"]
    list_filter = ["warehouse"]
    autocomplete_fields = ["company"]


@admin.register(StockLevel)
class StockLevelAdmin(HistoryAdmin):
    """Stock moves through inventory.services only (receipts, adjustments, orders)."""

    list_display = ["product", "warehouse", "on_hand", "reserved", "available", "reorder_point"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse"]
    show_full_result_count = False


@admin.register(StockMovement)
class StockMovementAdmin(HistoryAdmin):
    list_display = [
        "created_at",
        "kind",
        "stock",
        "on_hand_change",
        "reserved_change",
        "order",
        "user",
        "reason",
    ]
    list_filter = ["kind", "stock__warehouse"]
    search_fields = ["stock__product__sku", "order__number", "reason"]
    list_select_related = ["stock__product", "stock__warehouse", "order", "user"]
    show_full_result_count = False
