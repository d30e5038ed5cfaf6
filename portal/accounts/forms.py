from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import MaxLengthValidator

from portal.accounts.services import MemberError, MemberRoles


class MemberForm(forms.Form):
    """A company admin's choice for one colleague: roles, approval limit, monthly budget.

    The rules (at least one role, an admin always left) are the service's; ``refuse`` shows
    its refusal on the form.
    """

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

    ROLE_FIELDS = (
        "is_buyer",
        "is_approver",
        "is_company_admin",
        "approval_limit",
        "monthly_budget",
    )

    def roles(self) -> MemberRoles:
        return MemberRoles(**{name: self.cleaned_data[name] for name in self.ROLE_FIELDS})

    def refuse(self, error: MemberError) -> None:
        self.add_error(error.field if error.field in self.fields else None, str(error))


class InviteForm(MemberForm):
    """A new colleague: who they are, then their roles; they choose their own password."""

    username = forms.CharField(
        label="Username",
        max_length=get_user_model()._meta.get_field("username").max_length,
        validators=[UnicodeUsernameValidator()],
        help_text="What they sign in with: letters, digits and @ . + - _ only.",
    )
    email = forms.EmailField(label="Email", help_text="The invitation goes here.")

    field_order = ["username", "email"]


class CodeForm(forms.Form):
    """A code from an authenticator app, or a recovery code; checked by ``two_factor``."""

    code = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class SignInForm(AuthenticationForm):
    """Django's sign-in form, refusing an over-long username before it is looked up.

    Django sets the username's ``max_length`` after the field is built, so it does not
    validate it; an over-long name reached ``authenticate`` and overflowed the sign-in
    records' column.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))
