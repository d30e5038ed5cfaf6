"""The page's scripts: htmx (shipped by django-htmx), the portal's own behaviour
(static/js/portal.js), and in DEBUG the server error pages.

django-htmx's own debug helper would replace the whole document with any 400, 403 or 404
answer to an HTMX request, where the portal swaps 4xx form errors into their target (see
``htmx-config`` in base.html): in development only a 500 takes over the page.
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

register = template.Library()


def _script(path: str, nonce) -> str:
    return format_html('<script src="{}" nonce="{}" defer></script>', static(path), nonce)


@register.simple_tag(takes_context=True)
def portal_scripts(context) -> str:
    nonce = context.get("csp_nonce", "")
    scripts = _script("django_htmx/htmx-2.min.js", nonce) + _script("js/portal.js", nonce)
    if settings.DEBUG:
        scripts += _script("js/server-errors.js", nonce)
    return scripts
