import django_filters
from django import forms
from django.db.models import Q

from inventory.selectors import in_stock_only
from portal.accounts.permissions import membership_of
from portal.catalog.models import Category, Product


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search SKU or name")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", empty_label="All categories"
    )
    in_stock = django_filters.BooleanFilter(
        method="available_now", label="In stock only", widget=forms.CheckboxInput
    )

    class Meta:
        model = Product
        fields = ["q", "category", "in_stock"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))

    def available_now(self, queryset, name, value):
        """Products the customer's warehouse has available; operators have no warehouse."""
        membership = membership_of(self.request.user) if self.request else None
        if not value or membership is None:
            return queryset
        return in_stock_only(queryset, membership.company)
