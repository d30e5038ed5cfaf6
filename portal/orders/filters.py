import django_filters
from django import forms
from django.contrib.auth import get_user_model

from portal.orders.models import Order, OrderStatus


def _buyers(request):
    if request is None:
        return get_user_model().objects.none()
    from portal.orders.permissions import orders_visible_to

    ids = orders_visible_to(request.user).values("buyer_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[c for c in OrderStatus.choices if c[0] != OrderStatus.DRAFT],
        empty_label="Any status",
    )
    submitted_from = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    submitted_to = django_filters.DateFilter(
        field_name="submitted_at",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    buyer = django_filters.ModelChoiceFilter(
        queryset=_buyers, to_field_name="username", empty_label="Any buyer"
    )
    q = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label="Number")

    class Meta:
        model = Order
        fields = ["status", "submitted_from", "submitted_to", "buyer", "q"]
