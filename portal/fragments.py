"""Parts of pages cached as HTML (``portal.versions.cached``).

A cached part is the same for everyone it is shared with, so it is rendered without the
user's CSRF token; each answer puts its own token back where the forms ask for it.
"""

from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

# What a cached part's forms hold instead of a token (it is no token any request sends).
CSRF_HOLE = "csrf-token-goes-here"


def with_csrf_token(html: str, request) -> SafeString:
    """A part rendered by our own templates, with this request's token in its forms."""
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308  # nosec B308 B703
