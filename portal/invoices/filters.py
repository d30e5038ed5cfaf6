import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import Company
from portal.invoices.models import DocumentKind, Invoice, InvoiceStatus
from portal.invoices.selectors import overdue

# Date inputs take only ISO dates, whatever the locale's format.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class InvoiceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Number, order or PO")
    status = django_filters.ChoiceFilter(choices=InvoiceStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=DocumentKind.choices, empty_label="All documents")
    company = django_filters.ModelChoiceFilter(
        queryset=Company.objects.all(), to_field_name="code", empty_label="All companies"
    )
    issued_after = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", label="Issued from", widget=DATE
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", label="Issued until", widget=DATE
    )
    overdue = django_filters.BooleanFilter(
        method="only_overdue", label="Overdue", widget=forms.CheckboxInput
    )

    class Meta:
        model = Invoice
        fields = ["q", "status", "kind", "company", "issued_after", "issued_before", "overdue"]

    def __init__(self, *args, companies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if companies is None:
            del self.filters["company"]
        else:
            self.filters["company"].queryset = companies

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__icontains=value)
            | Q(order_number__icontains=value)
            | Q(po_number__icontains=value)
        )

    def only_overdue(self, queryset, name, value):
        return overdue(queryset, timezone.localdate()) if value else queryset

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        after, before = data.get("issued_after"), data.get("issued_before")
        if after and before and after > before:
            self.form.add_error("issued_before", "Must be on or after the 'issued from' date.")
            return False
        return valid
