from django import forms

from portal.audit.selectors import SOURCES

DATE = forms.DateInput(attrs={"type": "date"})


class AuditFilterForm(forms.Form):
    """The page's filters: who, which object (kind and key), from where, and when."""

    actor = forms.CharField(
        label="Who", max_length=150, required=False, help_text="A username, command or task."
    )
    kind = forms.ChoiceField(label="Object", required=False)
    key = forms.CharField(
        label="Key",
        max_length=100,
        required=False,
        help_text="Order number, username, company code, contract, SKU …",
    )
    source = forms.ChoiceField(
        label="Where",
        required=False,
        choices=[("", "Anywhere"), *SOURCES.items()],
    )
    since = forms.DateField(label="From", required=False, widget=DATE)
    until = forms.DateField(label="Until", required=False, widget=DATE)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Everything"), *((k.key, k.name) for k in kinds)]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "Must be on or after the 'from' date.")
        return data
