from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from approvals.selectors import awaiting_decision_by, budget_use
from inventory.selectors import warehouse_today
from portal.accounts.permissions import membership_of, roles_of
from portal.invoices.charts import aging_chart
from portal.invoices.permissions import invoices_visible_to
from portal.invoices.selectors import finance_today


def dashboard(request):
    """The role dashboard; anonymous visitors are sent to sign in."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    roles = roles_of(request.user)
    show_approver = bool(roles & {"approver", "company_admin"})
    finance = None
    if "finance" in roles:
        finance = finance_today(invoices_visible_to(request.user), timezone.localdate())
    return render(
        request,
        "dashboard.html",
        {
            "membership": membership_of(request.user),
            "budget": budget_use(request.user),
            "queue_count": awaiting_decision_by(request.user).count() if show_approver else None,
            "show_buyer": bool(roles & {"buyer", "approver", "company_admin"}),
            "show_approver": show_approver,
            "show_company_admin": "company_admin" in roles,
            "show_warehouse": "warehouse" in roles,
            "warehouse": warehouse_today(request.user) if "warehouse" in roles else None,
            "show_finance": finance is not None,
            "finance": finance,
            "finance_chart": aging_chart(finance.aging) if finance else [],
            "show_operator": "operator" in roles,
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
