"""Signing in, saving through the operator admin's real change forms, and reading events."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.forms import MultiWidget
from django.test import Client


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def rows(response) -> list[str]:
    """The audit table's rows as text, tags and surplus whitespace removed."""
    body = response.content.decode()
    found = re.findall(r"<tr [^>]*data-kind=\"[^\"]*\"[^>]*>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


def latest(model, **lookups):
    """The newest event of ``model``'s trail that matches."""
    return model.pgh_event_model.objects.filter(**lookups).order_by("-pgh_id").first()


def _form_data(forms) -> dict:
    """What a browser would post back for these forms, unchanged."""
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):
                for i, part in enumerate(widget.decompress(value)):
                    if part is not None:
                        data[f"{bound.html_name}_{i}"] = str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif value is not None:
                data[bound.html_name] = str(value)
    return data


def admin_save(client: Client, url: str, change) -> dict:
    """Open the admin change form at ``url``, let ``change`` edit the posted data (inlines
    included), save it and return the data posted."""
    page = client.get(url)
    assert page.status_code == 200
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = _form_data(forms)
    change(data)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return data


@pytest.fixture
def operator(demo) -> Client:
    return signed_in("admin")
