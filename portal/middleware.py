"""Middleware of the portal as a whole."""

from django.contrib.auth import SESSION_KEY
from django.utils.cache import patch_cache_control, patch_vary_headers
from django_htmx.http import trigger_client_event

from portal import versions
from portal.navigation import navigation_for, read_with_versions


class DataVersionsMiddleware:
    """A reading request (GET, HEAD) reads the data versions once, all in one query: the
    signed-in user's and those of the page's cached results (``portal.versions``), with
    the orders' version of the user's company and the navigation's cart count."""

    READING = frozenset({"GET", "HEAD"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.READING:
            return self.get_response(request)
        user_id = session_user_id(request)
        also = read_with_versions(user_id) if user_id is not None else None
        with versions.read_once(user_id=user_id, also=also):
            return self.get_response(request)


def session_user_id(request) -> int | None:
    """The id of the user the session says is signed in (not yet checked), if any."""
    try:
        return int(request.session[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class PrivatePagesMiddleware:
    """Keep every response to a signed-in user out of shared caches and off the disk.

    Pages, partials, errors and downloads (invoice PDFs, exports) alike get
    ``Cache-Control: private, no-store``: they show one company's prices, orders and
    documents. A view that set ``Cache-Control`` itself has decided and keeps its header.
    ``Vary: Cookie`` tells caches that the session cookie changes the response.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_store=True)
            patch_vary_headers(response, ("Cookie",))
        return response


class HtmxMessagesMiddleware:
    """Messages and navigation counts for an HTMX swap, sent in the ``HX-Trigger`` header.

    A swapped fragment has no place for the page's message list, so a message queued while
    answering an HTMX request goes to the browser as the ``portal:messages`` event, which
    ``static/js/portal.js`` shows as a toast. After a change (an unsafe method that
    succeeded) ``portal:counts`` refreshes the badges in the navigation: cart lines,
    approvals waiting, picks waiting. A redirect, a boosted page or an answer that reloads
    the page leaves its messages to the page that follows.
    """

    RELOADS = ("HX-Redirect", "HX-Refresh", "HX-Location")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        htmx = getattr(request, "htmx", None)
        if not htmx or htmx.boosted or response.status_code >= 500:
            return response
        if 300 <= response.status_code < 400 or any(h in response for h in self.RELOADS):
            return response
        storage = getattr(request, "_messages", None)  # the messages middleware's
        if storage is not None and not storage.used:
            items = [{"level": m.level_tag, "text": str(m)} for m in storage]
            if items:
                trigger_client_event(response, "portal:messages", {"items": items})
        changed = request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400
        counts = None
        if changed:
            # A view that counted already (the cart, its lines) left its navigation here.
            counts = getattr(request, "navigation", None) or navigation_for(
                getattr(request, "user", None)
            )
        if counts is not None:
            trigger_client_event(response, "portal:counts", counts.as_dict())
        return response
