"""Middleware of the portal as a whole."""

from django.utils.cache import patch_cache_control, patch_vary_headers


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
