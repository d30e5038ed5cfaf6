"""Parts of pages cached as HTML under the version of the data they show.

A cached part is the same for everyone it is shared with, so it is rendered without the
user's CSRF token; each answer puts its own token back where the forms ask for it.
"""

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

from portal import versions

# What a cached part's forms hold instead of a token (it is no token any request sends).
CSRF_HOLE = "csrf-token-goes-here"


def cached(kind: str, parts: tuple, compute):
    """``compute()``'s result, cached under the current version of ``kind`` and ``parts``
    (which must name everything else the result depends on)."""
    return cache.get_or_set(versions.cache_key(kind, *parts), compute, versions.CACHE_SECONDS)


def with_csrf_token(html: str, request) -> SafeString:
    """A part rendered by our own templates, with this request's token in its forms."""
    return mark_safe(html.replace(CSRF_HOLE, get_token(request)))  # noqa: S308
