from django import forms


class SuggestionForm(forms.Form):
    """What was typed so far into a SKU or name search (NUL and the like are refused)."""

    q = forms.CharField(required=False, max_length=200)
