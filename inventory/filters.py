import django_filters
from django import forms
from django.db.models import Q

from inventory.models import LOW_STOCK, StockLevel, Warehouse
from inventory.permissions import warehouses_visible_to
from portal.catalog.models import Category


def _warehouses(request):
    return warehouses_visible_to(request.user) if request else Warehouse.objects.none()


class StockFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search SKU or name")
    warehouse = django_filters.ModelChoiceFilter(
        queryset=_warehouses, to_field_name="code", empty_label="All your warehouses"
    )
    category = django_filters.ModelChoiceFilter(
        field_name="product__category",
        queryset=Category.objects.all(),
        to_field_name="slug",
        empty_label="All categories",
    )
    low = django_filters.BooleanFilter(
        method="at_or_below_reorder_point",
        label="At or below reorder point",
        widget=forms.CheckboxInput,
    )

    class Meta:
        model = StockLevel
        fields = ["q", "warehouse", "category", "low"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(product__sku__icontains=value) | Q(product__name__icontains=value))

    def at_or_below_reorder_point(self, queryset, name, value):
        return queryset.filter(LOW_STOCK) if value else queryset
