"""The audit page: every recorded change an operator or a company admin may see, filtered."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from portal.audit.forms import AuditFilterForm
from portal.audit.permissions import audited_company, kinds_visible_to, require_audit_reader
from portal.audit.selectors import events_visible_to
from portal.audit.tables import AuditData, AuditTable
from portal.paging import page_error, paginate

EVENTS_PER_PAGE = 50


def _template(request) -> str:
    if request.htmx and request.htmx.target == "audit-results":
        return "audit/list.html#results"
    return "audit/list.html"


@login_required
@vary_on_headers("HX-Request")
@require_GET
def audit_list(request):
    require_audit_reader(request.user)
    form = AuditFilterForm(request.GET, kinds=kinds_visible_to(request.user))
    context = {"form": form, "table": None, "scope": audited_company(request.user)}
    if not form.is_valid():
        return render(request, _template(request), context, status=400)
    wrong_page = page_error(request)
    if wrong_page:
        form.add_error(None, wrong_page)
        return render(request, _template(request), context, status=400)
    events = events_visible_to(request.user, **form.cleaned_data)
    context["table"] = paginate(
        AuditTable(AuditData(events)), request, per_page=EVENTS_PER_PAGE, lazy=True
    )
    return render(request, _template(request), context)
