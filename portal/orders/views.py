from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from approvals.forms import DecisionForm
from approvals.permissions import order_actions_for, order_for_action
from approvals.selectors import approval_panel
from approvals.services import (
    ActionForbidden,
    Checkout,
    OrderInvalid,
    TransitionNotAllowed,
    order_cancel,
    order_edit,
    order_submit,
)
from approvals.workflow import DECISIONS
from portal import versions
from portal.accounts.permissions import membership_of, roles_of
from portal.catalog.permissions import products_visible_to
from portal.invoices.permissions import invoices_visible_to
from portal.navigation import Navigation
from portal.orders.filters import OrderFilter
from portal.orders.forms import (
    AddToCartForm,
    CancelForm,
    CheckoutForm,
    LineQuantityForm,
    QuickOrderForm,
)
from portal.orders.models import OrderStatus
from portal.orders.permissions import (
    order_company_ids,
    order_for,
    orders_visible_to,
    require_ordering,
)
from portal.orders.quick_order import QuickOrderInputError, parse_quick_order, read_upload
from portal.orders.selectors import (
    NO_SUCH_LINE,
    cart_for,
    cart_lines,
    cart_quote,
    draft_line_for,
    order_detail,
)
from portal.orders.services import (
    CartError,
    LineNotFound,
    cart_add,
    cart_add_many,
    cart_remove_line,
    cart_set_quantity,
    order_reorder,
)
from portal.orders.tables import OrderTable, cart_rows
from portal.paging import paginate


def _cart(request):
    """The buyer's cart; unsaved while they have none, as looking at it writes nothing."""
    require_ordering(request.user)
    membership = membership_of(request.user)
    return cart_for(buyer=request.user, company=membership.company)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A control character (NUL above all) has no place in an address we send the browser to.
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default


def _navigation(request, draft, lines) -> Navigation:
    """The navigation of a page about ``draft``: when it is the cart, its count is the lines
    just read, not counted again. The middleware sends the same after an htmx change."""
    known = {} if draft.number else {"cart": len(lines)}
    request.navigation = Navigation(request.user, roles_of(request.user), request.path, **known)
    return request.navigation


def _render_cart(
    request,
    cart,
    *,
    checkout_form=None,
    line_forms=None,
    line_errors=None,
    add_lines="",
    status=200,
):
    lines = cart_lines(cart)
    priced = cart_quote(cart, lines)
    rows = cart_rows(cart, lines, priced, forms=line_forms or {}, errors=line_errors or {})
    if checkout_form is None:
        addresses = CheckoutForm(company=cart.company).fields["ship_to"].queryset
        initial = {
            "ship_to": cart.ship_to or addresses.first(),
            "po_number": cart.po_number,
            "requested_delivery_date": cart.requested_delivery_date,
            "note": cart.note,
        }
        # A line changed in place carries the checkout fields as typed (hx-include): keep
        # them, so that fixing a quantity loses nothing the buyer wrote.
        typed = {name: request.POST[name] for name in initial if name in request.POST}
        checkout_form = CheckoutForm(
            company=cart.company, initial={**initial, **typed, "token": cart.checkout_token}
        )
    template = "orders/cart.html"
    if request.htmx and request.htmx.target == "cart":
        template += "#cart"
    return render(
        request,
        template,
        {
            "cart": cart,
            "rows": rows,
            "quote": priced,
            "checkout_form": checkout_form,
            "can_submit": bool(rows) and priced.is_valid,
            "add_lines": add_lines,
            "submit_url": reverse("order-submit", args=[cart.number])
            if cart.number
            else reverse("cart-submit"),
            "nav": _navigation(request, cart, lines),
        },
        status=status,
    )


def _back_to(draft) -> str:
    return reverse("order-edit", args=[draft.number]) if draft.number else reverse("cart")


@login_required
@vary_on_headers("HX-Request")
@require_GET
def cart_detail(request):
    return _render_cart(request, _cart(request))


@login_required
@require_POST
def cart_add_view(request):
    cart = _cart(request)
    form = AddToCartForm(request.POST, products=products_visible_to(request.user))
    back = _safe_next(request, reverse("cart"))
    if form.is_valid():
        product, quantity = form.cleaned_data["product"], form.cleaned_data["quantity"]
        try:
            line = cart_add(cart=cart, product=product, quantity=quantity, by=request.user)
        except CartError as error:  # the line would break its rules: nothing was added
            # The product's quantity rules are about the quantity typed: said next to it.
            form.add_error("quantity", str(error))
    if form.errors:
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        if request.htmx:
            # Into the form's result, beside the field, which keeps what was typed.
            return render(request, "orders/added.html", {"error": errors}, status=400)
        # Without JavaScript: say why on a page that keeps what was typed, ready to retry.
        return render(
            request,
            "orders/add_rejected.html",
            {
                "product": form.cleaned_data.get("product"),
                "add_error": errors,
                "typed": request.POST.get("quantity", ""),
                "back": back,
            },
            status=400,
        )
    # Said in both answers: under htmx it comes as a toast, with the cart's new count.
    messages.success(request, f"Added {quantity} × {product.sku} to your cart.")
    if request.htmx:
        return render(request, "orders/added.html", {"line": line, "added": form.cleaned_data})
    # A path, never a view name: ``redirect`` would try to reverse a bare word.
    return HttpResponseRedirect(back)


@login_required
@require_POST
def cart_line_update(request, line_id: int):
    return _draft_line_update(request, _cart(request), line_id)


def _draft_line_update(request, cart, line_id: int):
    """Change or remove a line of ``cart`` (a cart, or an order being edited). Any other
    line is not found, whoever's it is: the services change only the draft's own lines."""
    if request.POST.get("action") == "remove":
        _on_its_line(cart_remove_line, cart=cart, line_id=line_id, by=request.user)
        return _render_cart(request, cart) if request.htmx else redirect(_back_to(cart))
    form = LineQuantityForm(request.POST)
    if not form.is_valid():
        draft_line_for(cart, line_id)  # refused as typed, on a line of this cart only
    else:
        try:
            _on_its_line(
                cart_set_quantity,
                cart=cart,
                line_id=line_id,
                quantity=form.cleaned_data["quantity"],
                by=request.user,
            )
        except CartError as error:
            form.add_error("quantity", str(error))
    if request.htmx and request.htmx.target == f"line-{line_id}":
        status = 400 if form.errors else 200
        return _render_cart_line(request, cart, line_id, form=form, status=status)
    if form.errors:
        return _render_cart(request, cart, line_forms={line_id: form}, status=400)
    return _render_cart(request, cart) if request.htmx else redirect(_back_to(cart))


def _on_its_line(change, **kwargs) -> None:
    """Make ``change`` to a line of a draft; 404 when the draft has no such line."""
    try:
        change(**kwargs)
    except LineNotFound as error:
        raise Http404(str(error)) from None


def _render_cart_line(request, cart, line_id: int, *, form, status: int):
    """One line of ``cart`` after its quantity changed, with the totals and the checkout's
    button, which that may change: the other lines' prices do not depend on it."""
    # The answer only reads, after the change: its products and prices, both cached under
    # the catalog's version, share one reading of it.
    with versions.read_once():
        lines = cart_lines(cart)
        priced = cart_quote(cart, lines)
    if not any(line.pk == line_id for line in lines):  # removed since, in another tab
        raise Http404(NO_SUCH_LINE)
    refused = {line_id: form} if form.errors else {}
    (row,) = cart_rows(cart, lines, priced, forms=refused, errors={}, only=line_id)
    return render(
        request,
        "orders/cart.html#line-changed",
        {
            "cart": cart,
            "row": row,
            "quote": priced,
            "can_submit": priced.is_valid,
            "nav": _navigation(request, cart, lines),
        },
        status=status,
    )


@login_required
@require_POST
def cart_submit(request):
    return _draft_submit(request, _cart(request))


def _draft_submit(request, cart):
    form = CheckoutForm(request.POST, company=cart.company)
    if not form.is_valid():
        return _render_cart(request, cart, checkout_form=form, status=400)
    data = form.cleaned_data
    try:
        order = order_submit(
            token=data["token"],
            by=request.user,
            checkout=Checkout(
                po_number=data["po_number"].strip(),
                ship_to=data["ship_to"],
                requested_delivery_date=data["requested_delivery_date"],
                note=data["note"].strip(),
            ),
        )
    except OrderInvalid as error:
        # The service's rule, on the field it is about when there is one; the form keeps
        # everything else as typed.
        form.add_error(error.field, str(error))
        return _render_cart(
            request, cart, checkout_form=form, line_errors=error.line_errors, status=400
        )
    if order.status == OrderStatus.APPROVED:
        messages.success(request, f"Order {order.number} submitted and approved.")
    else:
        messages.success(request, f"Order {order.number} submitted: it waits for approval.")
    response = redirect("order-detail", number=order.number)
    if request.htmx:
        response = render(request, "orders/cart.html#cart", {})
        response["HX-Redirect"] = reverse("order-detail", args=[order.number])
    return response


@login_required
@require_http_methods(["GET", "POST"])
def quick_order(request):
    cart = _cart(request)
    result = None
    status = 200
    if request.method == "POST":
        form = QuickOrderForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["lines"] or ""
            try:
                if form.cleaned_data["file"]:
                    text = read_upload(form.cleaned_data["file"])
            except QuickOrderInputError as error:
                form.add_error("file", str(error))
            else:
                result = parse_quick_order(text)
                if result.error:
                    form.add_error("lines", result.error)
        if form.errors:
            status = 400
        elif result is not None:
            added = _add_rows(request, cart, result)
            if added:
                messages.success(
                    request, f"Added {added} line{'s' if added != 1 else ''} to your cart."
                )
            if not result.invalid:
                return redirect("cart")
            status = 400
            # Keep only the lines that still need fixing in the box.
            form = QuickOrderForm(initial={"lines": result.invalid_text})
    else:
        form = QuickOrderForm()
    return render(
        request, "orders/quick_order.html", {"form": form, "result": result}, status=status
    )


def _add_rows(request, draft, result) -> int:
    """Add the quick order's valid rows to ``draft``; rows its lines refuse become invalid.

    Returns how many lines were added or grown.
    """
    if not result.valid:
        return 0
    try:
        addition = cart_add_many(
            cart=draft,
            items=[(row.product, row.quantity) for row in result.valid],
            by=request.user,
            partial=True,
        )
    except CartError as error:  # e.g. the reopened order was submitted in another tab
        result.refuse({row.product.pk: [str(error)] for row in result.valid})
        return 0
    result.refuse(addition.refused)
    return len(addition.lines)


ORDERS_PER_PAGE = 25


@login_required
@vary_on_headers("HX-Request")
@require_GET
def order_list(request):
    require_ordering(request.user)
    order_filter = OrderFilter(
        request.GET,
        queryset=orders_visible_to(request.user).select_related("buyer"),
        request=request,
    )
    status = 400 if order_filter.is_bound and not order_filter.is_valid() else 200
    if status == 200:
        # The same address shows this user the same rows until an order of the companies
        # they see, or who they are, changes (see portal.versions).
        parts = (
            "order-results",
            request.user.pk,
            request.get_full_path(),
            bool(request.htmx and request.htmx.boosted),
        )
        results, filters = versions.cached(
            versions.USERS,
            parts,
            lambda: _order_results(request, order_filter),
            companies=order_company_ids(request.user),
        )
    else:
        results, filters = _order_results(request, order_filter)
    if request.htmx and request.htmx.target == "order-results":
        return HttpResponse(results, status=status)
    return render(
        request, "orders/list.html", {"filters": filters, "results": results}, status=status
    )


def _order_results(request, order_filter) -> tuple[str, SafeString]:
    """The order list's results (table, pages) and its filter bar, as HTML: the bar's
    buyers are those of the orders listed, and change with them."""
    table = OrderTable(order_filter.qs.only(*OrderTable.LISTED))
    paginate(table, request, per_page=ORDERS_PER_PAGE)
    context = {
        "filter": order_filter,
        "table": table,
        "rows": table.prepared_rows(),
        "statuses": order_filter.filters["status"].extra["choices"],
        "buyers": order_filter.filters["buyer"]
        .get_queryset(request)
        .values_list("username", flat=True),
    }
    html = render_to_string("orders/list.html#results", context, request)
    filters = render_to_string("orders/list.html#filters", context, request)
    return str(html), filters


def render_order_detail(request, order, *, decision_form=None, status=200):
    """The order page, with the actions this user may take on it now."""
    order = order_detail(order)
    actions = order_actions_for(request.user, order)
    can_decide = not actions.isdisjoint(DECISIONS)
    if can_decide and decision_form is None:
        decision_form = DecisionForm(initial={"version": order.version})
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "can_cancel": "cancel" in actions,
            "can_edit": "edit" in actions,
            "can_continue_editing": order.status == OrderStatus.DRAFT and "cancel" in actions,
            "can_reorder": True,
            "can_decide": can_decide,
            "decision_form": decision_form if can_decide else None,
            "approval": approval_panel(request.user, order),
            "invoices": list(
                invoices_visible_to(request.user)
                .filter(order=order)
                .only("number", "kind", "status", "issued_on")
                .order_by("issued_on", "number")
            ),
        },
        status=status,
    )


@login_required
@require_GET
def order_detail_view(request, number: str):
    return render_order_detail(request, order_for(request.user, number))


@login_required
@require_POST
def order_cancel_view(request, number: str):
    order = order_for_action(request.user, number, "cancel")  # 404 unseen, 403 not the buyer
    form = CancelForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, f"Not cancelled: {' '.join(errors)}")
        return render_order_detail(request, order, status=400)
    try:
        order_cancel(order=order, by=request.user, comment=form.cleaned_data["comment"])
    except ActionForbidden:
        raise
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return render_order_detail(request, order, status=409)
    messages.success(request, f"Order {number} cancelled.")
    return redirect("order-detail", number=number)


@login_required
@require_http_methods(["GET", "POST"])
def order_edit_view(request, number: str):
    """Reopen a pending order as a draft (POST), and edit a reopened draft (GET)."""
    order = order_for_action(request.user, number, "edit")  # 404 unseen, 403 not the buyer
    if request.method == "POST":
        try:
            order_edit(order=order, by=request.user)
        except ActionForbidden:
            raise
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return render_order_detail(request, order, status=409)
        messages.success(
            request,
            f"Order {number} is a draft again: change it and submit it. "
            "Approvals given so far no longer count.",
        )
        return redirect("order-edit", number=number)
    if order.status == OrderStatus.PENDING_APPROVAL:
        return render(request, "orders/edit_confirm.html", {"order": order})
    return _refused_unless_draft(request, order) or _render_cart(request, order)


def _refused_unless_draft(request, order):
    """The order page with a 409 when the order is not a draft its buyer can edit."""
    if order.status == OrderStatus.DRAFT:
        return None
    messages.error(
        request,
        f"Order {order.number} is {order.get_status_display().lower()}: it cannot be edited.",
    )
    return render_order_detail(request, order, status=409)


def _reopened_draft(request, number: str, action: str = "edit"):
    """The buyer's reopened order: 404 unseen, 403 not its buyer, 409 if not a draft."""
    order = order_for_action(request.user, number, action)
    return order, _refused_unless_draft(request, order)


@login_required
@require_POST
def order_line_update(request, number: str, line_id: int):
    order, refused = _reopened_draft(request, number)
    return refused or _draft_line_update(request, order, line_id)


@login_required
@require_POST
def order_add_lines(request, number: str):
    """Add products to a reopened order: lines of ``SKU, quantity``, as in quick order."""
    order, refused = _reopened_draft(request, number)
    if refused:
        return refused
    text = request.POST.get("lines", "")
    result = parse_quick_order(text) if text.strip() else None
    if result is None or result.error:
        messages.error(request, result.error if result else "Type at least one SKU, quantity.")
        return _render_cart(request, order, add_lines=text, status=400)
    added = _add_rows(request, order, result)
    if result.invalid:
        # The good lines are in: say so beside what is still to fix, as the quick order does.
        if added:
            messages.success(request, f"Added {added} line{'s' if added != 1 else ''}.")
        for row in result.invalid:
            messages.error(request, f"Line {row.line_no} “{row.text}”: {' '.join(row.errors)}")
        return _render_cart(request, order, add_lines=result.invalid_text, status=400)
    messages.success(request, f"Added {added} line{'s' if added != 1 else ''}.")
    return redirect("order-edit", number=number)


@login_required
@require_POST
def order_resubmit(request, number: str):
    order, refused = _reopened_draft(request, number, "submit")
    return refused or _draft_submit(request, order)


@login_required
@require_POST
def order_reorder_view(request, number: str):
    order = order_for(request.user, number)
    cart = _cart(request)
    added, skipped = order_reorder(order=order, cart=cart, by=request.user)
    if not added:
        # Nothing was copied: the buyer stays on the order and reads why.
        for reason in skipped:
            messages.error(request, reason)
        return render_order_detail(request, order, status=400)
    messages.success(
        request,
        f"Copied {added} line{'s' if added != 1 else ''} from {number} "
        "to your cart at today's prices.",
    )
    for reason in skipped:
        messages.warning(request, reason)
    return redirect("cart")
