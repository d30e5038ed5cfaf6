"""Status badges: every order, invoice and card payment state looks the same everywhere.

The colours are in static/css/portal.css (``.status-<value>``); the words are the model's.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


def status_badge(value: str, label: str, *, testid: str = "") -> SafeString:
    if testid:
        return format_html(
            '<span class="status status-{}" data-testid="{}">{}</span>', value, testid, label
        )
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.simple_tag
def status(obj, testid: str = "") -> SafeString:
    """``{% status order %}``: the object's status as a badge."""
    return status_badge(obj.status, obj.get_status_display(), testid=testid)
