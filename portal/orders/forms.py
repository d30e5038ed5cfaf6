import re

from django import forms

from portal.accounts.models import Address
from portal.orders.services import LINE_QUANTITY_MAX

_DIGITS = re.compile(r"[0-9]+")


class QuantityField(forms.CharField):
    """A whole number of units typed by a person: ASCII digits only, 1 to the line cap."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        # int() would also take "٣" or "1_000"; a quantity on a purchase order is plain digits.
        if not _DIGITS.fullmatch(value) or int(value) < 1:
            raise forms.ValidationError("Quantity must be a whole number of at least 1.")
        if int(value) > LINE_QUANTITY_MAX:
            raise forms.ValidationError(f"Quantity must be at most {LINE_QUANTITY_MAX:,}.")
        return int(value)


class AddToCartForm(forms.Form):
    """A SKU and a quantity; ``cleaned_data["product"]`` is the product, found in ``products``."""

    sku = forms.CharField(max_length=40)
    quantity = QuantityField()

    def __init__(self, *args, products, **kwargs):
        super().__init__(*args, **kwargs)
        self.products = products

    def clean(self):
        cleaned = super().clean()
        # Only a SKU its field accepted (no NUL, not too long) is looked up.
        sku = cleaned.get("sku")
        if sku is not None:
            product = self.products.filter(sku=sku).first()
            if product is None:
                self.add_error("sku", f"Unknown SKU '{sku}'.")
            elif not product.is_active:
                self.add_error("sku", f"{product.sku} is no longer sold.")
            else:
                cleaned["product"] = product
        return cleaned


class LineQuantityForm(forms.Form):
    quantity = QuantityField()


class QuickOrderForm(forms.Form):
    lines = forms.CharField(
        label="Paste lines of SKU, quantity",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "BOLT-M8-50, 50\nNUT-M8, 100"}),
    )
    file = forms.FileField(label="or upload a CSV file", required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("lines") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError("Paste some lines or choose a CSV file.")
        return cleaned


class CheckoutForm(forms.Form):
    """The checkout's fields as typed; the rules of a valid order (a delivery date not in the
    past, among others) are ``order_submit``'s, and the view shows its refusal on the field."""

    token = forms.UUIDField(widget=forms.HiddenInput)
    po_number = forms.CharField(label="PO number", max_length=50, required=False)
    ship_to = forms.ModelChoiceField(
        label="Ship to", queryset=Address.objects.none(), empty_label=None
    )
    requested_delivery_date = forms.DateField(
        label="Requested delivery date",
        required=False,
        # ISO, whatever the language: a browser's date field shows nothing else.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ship_to"].queryset = Address.objects.filter(company=company, is_shipping=True)


class CancelForm(forms.Form):
    comment = forms.CharField(label="Why (optional)", required=False, max_length=2000)
