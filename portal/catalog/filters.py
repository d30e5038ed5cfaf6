import django_filters
from django.db.models import Q

from portal.catalog.models import Category, Product


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search SKU or name")
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", empty_label="All categories"
    )

    class Meta:
        model = Product
        fields = ["q", "category"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value))
