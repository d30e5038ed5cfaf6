from django import forms

from approvals.workflow import DECISIONS


class DecisionForm(forms.Form):
    """An approver's decision on the version of the order they were shown.

    Which decisions need a comment is the workflow's rule: the view puts its refusal on
    ``comment``.
    """

    action = forms.ChoiceField(choices=list(DECISIONS.items()))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Reason or comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
