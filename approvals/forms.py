from django import forms

DECISIONS = [
    ("approve", "Approve"),
    ("reject", "Reject"),
    ("request_changes", "Request changes"),
]


class DecisionForm(forms.Form):
    """An approver's decision on the version of the order they were shown."""

    action = forms.ChoiceField(choices=DECISIONS)
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    comment = forms.CharField(
        label="Reason or comment",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        action, comment = cleaned.get("action"), (cleaned.get("comment") or "").strip()
        if action == "reject" and not comment:
            self.add_error("comment", "Say why you reject the order: the buyer will read it.")
        if action == "request_changes" and not comment:
            self.add_error("comment", "Say what should change: the buyer will read it.")
        cleaned["comment"] = comment
        return cleaned
