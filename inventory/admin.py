from django.contrib import admin

from inventory.models import CompanyWarehouse, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(CompanyWarehouse)
class CompanyWarehouseAdmin(admin.ModelAdmin):
    list_display = ["company", "warehouse"]
    list_filter = ["warehouse"]
    autocomplete_fields = ["company"]
