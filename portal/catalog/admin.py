from django.contrib import admin

from portal.catalog.models import Category, Product


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "name",
        "category",
        "unit",
        "min_qty",
        "increment",
        "max_qty",
        "tax_rate",
        "is_active",
    ]
    list_filter = ["is_active", "category", "tax_rate"]
    search_fields = ["sku", "name"]
    list_select_related = ["category"]
    list_per_page = 50
    autocomplete_fields = ["category"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["sku", "name", "category", "description", "is_active"]}),
        (
            "Units and quantity rules",
            {"fields": ["unit", "pack_size", "min_qty", "increment", "max_qty"]},
        ),
        ("Tax", {"fields": ["tax_rate"]}),
        ("History", {"fields": ["created_at"]}),
    ]
