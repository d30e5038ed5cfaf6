"""Sign-in throttling with django-axes, set up from the portal's settings: the failure limit,
the lock's length, the client's address behind trusted proxies, and the page of a lock."""

import math
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from ipware import get_client_ip


def failure_limit(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """Failed sign-ins for one username from one address before that pair is locked."""
    return settings.LOGIN_FAILURE_LIMIT


def lock_duration(request: HttpRequest | None = None) -> timedelta:
    """How long a lock lasts, and how far apart failures may be and still add up."""
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or behind TRUSTED_PROXY_COUNT reverse proxies
    the X-Forwarded-For entry that the outermost of them added."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    # Each proxy appends the address it was reached from, and the last one is REMOTE_ADDR, so
    # the client is the proxies-th entry from the right. Entries further left came from the
    # client and are ignored (ipware's proxy_count counts the entries right of the client).
    address, _ = get_client_ip(
        request,
        proxy_count=proxies - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or remote


def lock_remaining(*, username: str, address: str | None) -> timedelta:
    """How long the lock of this username at this address has left to run."""
    # The same pair as AXES_LOCKOUT_PARAMETERS; the lock runs from the last counted failure.
    last = AccessAttempt.objects.filter(username=username, ip_address=address).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last is None:
        return lock_duration()
    return max(last + lock_duration() - timezone.now(), timedelta(0))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page with the lock's message and the wait, instead of axes' bare page."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    remaining = lock_remaining(username=username, address=getattr(request, "axes_ip_address", None))
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "lock_message": f"Too many failed sign-ins{f' for {username}' if username else ''}. "
        f"Try again in {wait}.",
    }
    return render(request, "accounts/login.html", context, status=429)
