from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from portal.accounts.permissions import membership_of, roles_of
from portal.dashboards import dashboard_for
from portal.navigation import Navigation


def dashboard(request):
    """The role dashboard; anonymous visitors are sent to sign in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = roles_of(request.user)
    board = dashboard_for(request.user, roles)
    # The panels have counted the approvals and picks waiting: the navigation shows theirs.
    known = {}
    if board.approver:
        known["approvals"] = board.approver.waiting
    if board.warehouse:
        known["picks"] = board.warehouse.today.picks_count
    return render(
        request,
        "dashboard.html",
        {
            "membership": membership_of(request.user),
            "nav": Navigation(request.user, roles, request.path, **known),
            "board": board,
            "budget": board.buyer.budget if board.buyer else None,
            "queue_count": board.approver.waiting if board.approver else None,
            "show_buyer": board.buyer is not None,
            "show_approver": board.approver is not None,
            "show_company_admin": board.company is not None,
            "show_warehouse": board.warehouse is not None,
            "warehouse": board.warehouse.today if board.warehouse else None,
            "show_finance": board.finance is not None,
            "finance": board.finance.today if board.finance else None,
            "show_operator": board.show_operator,
        },
    )


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@cache_control(public=True, max_age=86400)
@require_GET
def favicon(request):
    """Browsers and bookmarks ask for /favicon.ico whatever the page links: the portal's
    icon is an SVG among the static files."""
    return HttpResponseRedirect(static("img/favicon.svg"))
