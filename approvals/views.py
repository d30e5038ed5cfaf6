from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from approvals.forms import DecisionForm
from approvals.permissions import (
    awaiting_decision_by,
    may_decide,
    order_for_decision,
    require_decider,
)
from approvals.selectors import approval_queue, queue_row_for, still_needed
from approvals.services import (
    ActionForbidden,
    CommentMissing,
    TransitionNotAllowed,
    order_decide,
)
from approvals.workflow import last_change
from portal.accounts.permissions import roles_of
from portal.navigation import Navigation
from portal.orders.models import OrderStatus
from portal.orders.views import render_order_detail


@login_required
@vary_on_headers("HX-Request")
@require_GET
def queue(request):
    """Orders waiting for this approver, oldest first, each with its decision form."""
    require_decider(request.user)
    return _render_queue(request)


def _render_queue(request, *, bound=None, status=200):
    bound = bound or {}
    queue = approval_queue(request.user, request.GET.get("page") or request.POST.get("page"))
    rows = [
        {
            "row": row,
            "form": bound.get(row.order.pk) or DecisionForm(initial={"version": row.order.version}),
        }
        for row in queue.rows
    ]
    template = "approvals/queue.html"
    if request.htmx and request.htmx.target == "approval-queue":
        template += "#queue"
    # The pager has counted the orders waiting: the navigation shows that count.
    nav = Navigation(
        request.user, roles_of(request.user), request.path, approvals=queue.page.paginator.count
    )
    return render(request, template, {"rows": rows, "page": queue.page, "nav": nav}, status=status)


def _outcome(order) -> str:
    if order.status == OrderStatus.APPROVED:
        return "approved."
    if order.status == OrderStatus.REJECTED:
        return "rejected."
    if order.status == OrderStatus.DRAFT:
        return f"sent back to {order.buyer.get_username()} for changes."
    return f"your approval is recorded; it still needs {still_needed(order)}"


@login_required
@require_POST
def decide(request, number: str):
    """Approve, reject or send back the version of the order the approver saw.

    From the queue with HTMX the answer is the order's row; otherwise a redirect, or on a
    refusal the page again with what was typed and the reason.
    """
    order = order_for_decision(request.user, number)  # 404 unseen, 403 not theirs to decide
    form = DecisionForm(request.POST)
    in_queue = request.POST.get("next") == "queue"
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = order_decide(
                order=order,
                by=request.user,
                action=data["action"],
                expected_version=data["version"],
                comment=data["comment"],
            )
        except CommentMissing as error:
            form.add_error("comment", str(error))  # a 400, with the form as typed
        except ActionForbidden:
            raise  # a 403, as from order_for_decision
        except TransitionNotAllowed as error:
            form.add_error(None, str(error))
            status = 409
        else:
            outcome = _outcome(order)
            if in_queue and request.htmx:
                return render(
                    request,
                    "approvals/queue.html#decided",
                    {
                        "order": order,
                        "outcome": outcome,
                        "remaining": awaiting_decision_by(request.user).count(),
                    },
                )
            messages.success(request, f"Order {number}: {outcome}")
            return redirect("approvals") if in_queue else redirect("order-detail", number=number)

    order.refresh_from_db()
    if order.status != OrderStatus.PENDING_APPROVAL or not may_decide(request.user, order):
        # Decided meanwhile, or no longer this user's to decide (a second click after
        # approving): the form is not shown again, so say why and give back what was typed.
        if order.status != OrderStatus.PENDING_APPROVAL:
            news = f"{order.number} is {order.get_status_display().lower()} ({last_change(order)})."
        else:
            news = " ".join(form.non_field_errors()) or "You cannot decide this order now."
        typed = (form.data.get("comment") or "").strip()
        if typed:
            news += f" Your comment was not sent: “{typed}”"
        if in_queue and request.htmx:
            return render(
                request,
                "approvals/queue.html#decided",
                {"order": order, "outcome": news, "remaining": None, "refused": True},
                status=409,
            )
        messages.error(request, news)
        if in_queue:
            return _render_queue(request, status=409)
        return render_order_detail(request, order, status=409)
    if in_queue and request.htmx:
        return render(
            request,
            "approvals/queue.html#row",
            {"row": queue_row_for(request.user, order), "form": form},
            status=status,
        )
    if in_queue:
        return _render_queue(request, bound={order.pk: form}, status=status)
    return render_order_detail(request, order, decision_form=form, status=status)
