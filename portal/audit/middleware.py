"""Each request's writes carry who made them and whether through the portal or the admin."""

import pghistory
from django.core.handlers.asgi import ASGIRequest
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from pghistory import config
from pghistory import middleware as pghistory_middleware

from portal.addresses import address
from portal.audit.context import ADMIN, PORTAL, audit_context


def _who(user) -> dict:
    """The user as the trail keeps them: id, and the username they had at the time."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user": None, "username": ""}
    return {
        "user": user._meta.pk.get_db_prep_value(user.pk, connection),
        "username": user.get_username(),
    }


class _FollowsSignIn:
    """A request that tells the context when its user changes (sign-in, sign-out)."""

    def __setattr__(self, attr, value):
        if attr == "user":
            # Called bare, pghistory.context adds to the request's context.
            pghistory.context(**_who(value))
        super().__setattr__(attr, value)


class _AuditedWSGIRequest(_FollowsSignIn, WSGIRequest):
    pass


class _AuditedASGIRequest(_FollowsSignIn, ASGIRequest):
    pass


class AuditContextMiddleware(pghistory_middleware.HistoryMiddleware):
    """pghistory's middleware, with the username and the source (portal or admin) added.

    Place it after the authentication middleware. Reading ``request.user`` here costs no
    extra query: every page reads it anyway and the lazy user is loaded once.
    """

    def get_context(self, request) -> dict:
        source = ADMIN if request.path.startswith(address("admin:index")) else PORTAL
        return {**_who(getattr(request, "user", None)), "url": request.path, "source": source}

    def __call__(self, request):
        if request.method not in config.middleware_methods():
            return self.get_response(request)
        with audit_context(**self.get_context(request)):
            if isinstance(request, WSGIRequest):
                request.__class__ = _AuditedWSGIRequest
            elif isinstance(request, ASGIRequest):
                request.__class__ = _AuditedASGIRequest
            return self.get_response(request)
