from decimal import Decimal

from django import forms
from django.utils import timezone


class PaymentForm(forms.Form):
    """A bank transfer finance found on the statement."""

    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={"min_value": "Enter an amount above zero."},
    )
    reference = forms.CharField(
        max_length=100, help_text="As the bank statement shows it, e.g. the transfer's purpose."
    )
    received_on = forms.DateField(
        label="Received on",
        # A date input takes only ISO dates: today in the locale's format ("22/11/2026")
        # would show as an empty field, to be picked again.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError("The payment date cannot be in the future.")
        return received_on


class CreditForm(forms.Form):
    """Void an invoice with a credit note; for a shipped order, optionally cancel it too."""

    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Printed on the credit note.",
    )
    cancel_order = forms.BooleanField(
        required=False,
        label="The order is cancelled",
        help_text="Also cancel the order (returned goods are received into stock as usual).",
    )
