import re

from django import forms

from inventory.services import MAX_MOVE, REASON_MAX_LENGTH
from portal.orders.forms import QuantityField

_SIGNED = re.compile(r"[+-]?[0-9]+")


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", REASON_MAX_LENGTH)
        kwargs.setdefault("error_messages", {"required": "Say why: a reason is required."})
        super().__init__(**kwargs)


class ReceiptForm(forms.Form):
    quantity = QuantityField(label="Units received")
    reason = ReasonField(
        label="Reason",
        help_text="e.g. the supplier's delivery note or purchase order",
    )


class AdjustmentForm(forms.Form):
    change = forms.CharField(
        label="Change on hand by",
        max_length=12,
        help_text="+ for found units, − for missing or broken ones",
    )
    reason = ReasonField(label="Reason", help_text="e.g. stock count, breakage")

    def clean_change(self):
        value = self.cleaned_data["change"].strip().replace("−", "-")
        # int() would also take "٣" or "1_000": a count is plain digits with a sign.
        if not _SIGNED.fullmatch(value):
            raise forms.ValidationError("Type a whole number, e.g. -3 or +12.")
        change = int(value)
        if change == 0:
            raise forms.ValidationError("A change of 0 changes nothing.")
        if abs(change) > MAX_MOVE:
            raise forms.ValidationError(f"An adjustment is at most {MAX_MOVE:,} units, + or −.")
        return change


class ReorderPointForm(forms.Form):
    reorder_point = forms.IntegerField(
        label="Reorder point",
        min_value=0,
        max_value=MAX_MOVE,
        help_text="At or below this many available, the product shows as low on stock.",
    )
