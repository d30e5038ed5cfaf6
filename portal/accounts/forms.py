from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError


class MemberForm(forms.Form):
    """A company admin's edit of one colleague: roles, approval limit, monthly budget."""

    is_buyer = forms.BooleanField(label="Buyer", required=False)
    is_approver = forms.BooleanField(label="Approver", required=False)
    is_company_admin = forms.BooleanField(label="Company admin", required=False)
    approval_limit = forms.DecimalField(
        label="Approval limit",
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text="Largest order total this person may finally approve. Empty: no limit.",
    )
    monthly_budget = forms.DecimalField(
        label="Monthly budget",
        required=False,
        min_value=Decimal("0"),
        max_digits=14,
        decimal_places=2,
        help_text="Net spend per month before every order needs approval. Empty: none.",
    )

    def __init__(self, *args, editing_self: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing_self = editing_self

    def clean(self):
        cleaned = super().clean()
        roles = [cleaned.get(f) for f in ("is_buyer", "is_approver", "is_company_admin")]
        if not any(roles):
            raise ValidationError("Give the user at least one role.")
        if self.editing_self and not cleaned.get("is_company_admin"):
            self.add_error("is_company_admin", "You cannot remove your own company admin role.")
        return cleaned
