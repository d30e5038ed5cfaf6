"""Warehouse staff pages: the stock table, one product's stock and history, receipts and
adjustments (inline with HTMX or as plain forms), pick lists and shipping."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from approvals.services import order_ship
from approvals.workflow import TransitionNotAllowed
from inventory.filters import StockFilter
from inventory.forms import AdjustmentForm, ReceiptForm, ReorderPointForm
from inventory.models import StockLevel
from inventory.permissions import (
    order_to_pick_for,
    orders_to_pick,
    require_warehouse_staff,
    stock_for,
    stock_visible_to,
    with_ships_from,
)
from inventory.selectors import availability_of, movements_of
from inventory.services import (
    StockError,
    stock_adjust,
    stock_receive,
    stock_reorder_point_set,
)
from inventory.tables import StockTable, stock_rows
from portal.accounts.permissions import roles_of
from portal.navigation import Navigation
from portal.orders.models import OrderEventKind, OrderLine, OrderStatus
from portal.paging import paginate

STOCK_PER_PAGE = 50
HISTORY_PER_PAGE = 50
PICK_LISTS_PER_PAGE = 20


def _table_rows(levels):
    return levels.select_related("product__category", "warehouse")


@login_required
@vary_on_headers("HX-Request")
@require_GET
def stock_list(request):
    require_warehouse_staff(request.user)
    stock_filter = StockFilter(
        request.GET, queryset=_table_rows(stock_visible_to(request.user)), request=request
    )
    table = paginate(StockTable(stock_filter.qs), request, per_page=STOCK_PER_PAGE, lazy=True)
    template = "inventory/stock.html"
    if request.htmx and request.htmx.target == "stock-results":
        template += "#results"
    status = 400 if stock_filter.is_bound and not stock_filter.is_valid() else 200
    return render(
        request,
        template,
        {"filter": stock_filter, "table": table, "rows": table.prepared_rows()},
        status=status,
    )


def _inline(request, level: StockLevel) -> bool:
    """Whether this HTMX request works on the level's row of the stock table."""
    return (
        bool(request.htmx) and level.pk is not None and request.htmx.target == f"stock-{level.pk}"
    )


def _row(request, level: StockLevel, *, note: str = ""):
    """The level's row of the stock table, as the table itself renders it."""
    (row,) = stock_rows(_table_rows(StockLevel.objects.filter(pk=level.pk)))
    return render(request, "inventory/stock.html#row", {"row": row, "note": note})


MOVES = {
    # kind -> (form, service, its quantity argument, button, what the message says)
    "receive": (ReceiptForm, stock_receive, "quantity", "Receive", "Received {:+d}"),
    "adjust": (AdjustmentForm, stock_adjust, "change", "Adjust", "Adjusted by {:+d}"),
}


def _render_detail(request, level, *, forms=None, status=200):
    forms = forms or {}
    history = None
    if level.pk is not None:
        history = Paginator(movements_of(level), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "inventory/stock_detail.html",
        {
            "level": level,
            "availability": availability_of(level if level.pk else None),
            "receipt_form": forms.get("receive") or ReceiptForm(),
            "adjustment_form": forms.get("adjust") or AdjustmentForm(),
            "reorder_form": forms.get("reorder")
            or ReorderPointForm(initial={"reorder_point": level.reorder_point}),
            "history": history,
        },
        status=status,
    )


@login_required
@vary_on_headers("HX-Request")  # a row for HTMX, the page otherwise
@require_GET
def stock_detail(request, code: str, sku: str):
    require_warehouse_staff(request.user)
    level = stock_for(request.user, code, sku)
    if _inline(request, level):
        return _row(request, level)  # "Cancel" on an inline form
    return _render_detail(request, level)


def _move(request, code: str, sku: str, kind: str):
    require_warehouse_staff(request.user)
    level = stock_for(request.user, code, sku)
    form_class, service, argument, button, said = MOVES[kind]
    inline = _inline(request, level)
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            units = form.cleaned_data[argument]
            try:
                service(
                    product=level.product,
                    warehouse=level.warehouse,
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                    **{argument: units},
                )
            except StockError as error:
                form.add_error(argument, str(error))
            else:
                note = f"{said.format(units)} · {form.cleaned_data['reason']}"
                if inline:
                    return _row(request, level, note=note)
                messages.success(request, f"{level.warehouse.code} {level.product.sku}: {note}")
                return redirect("stock-detail", code=code, sku=sku)
    if inline:
        return render(
            request,
            "inventory/stock.html#row-form",
            {"level": level, "form": form, "kind": kind, "button": button},
            status=status,
        )
    return _render_detail(request, level, forms={kind: form}, status=status)


@login_required
@vary_on_headers("HX-Request")  # a row for HTMX, the page otherwise
@require_http_methods(["GET", "POST"])
def stock_receive_view(request, code: str, sku: str):
    return _move(request, code, sku, "receive")


@login_required
@vary_on_headers("HX-Request")  # a row for HTMX, the page otherwise
@require_http_methods(["GET", "POST"])
def stock_adjust_view(request, code: str, sku: str):
    return _move(request, code, sku, "adjust")


@login_required
@require_POST
def stock_reorder_point_view(request, code: str, sku: str):
    require_warehouse_staff(request.user)
    level = stock_for(request.user, code, sku)
    form = ReorderPointForm(request.POST)
    if level.pk is None:
        form.add_error(None, "Receive the product first: this warehouse does not stock it yet.")
    if not form.is_valid():
        return _render_detail(request, level, forms={"reorder": form}, status=400)
    stock_reorder_point_set(stock=level, reorder_point=form.cleaned_data["reorder_point"])
    messages.success(request, f"Reorder point set to {level.reorder_point}.")
    return redirect("stock-detail", code=code, sku=sku)


def _with_pick_lines(orders):
    """Orders with their lines in picking order (by SKU) and what the pick list shows."""
    lines = OrderLine.objects.select_related("product").order_by("sku", "pk")
    return orders.select_related("company", "buyer").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


@login_required
@require_GET
def picking(request):
    """Pick lists of every approved order of the user's warehouses, oldest first."""
    require_warehouse_staff(request.user)
    orders = _with_pick_lines(with_ships_from(orders_to_pick(request.user)))
    orders = orders.order_by("submitted_at", "pk")
    page = Paginator(orders, PICK_LISTS_PER_PAGE).get_page(request.GET.get("page"))
    # The pager has counted the orders to pick: the navigation shows that count.
    nav = Navigation(request.user, roles_of(request.user), request.path, picks=page.paginator.count)
    return render(request, "inventory/picking.html", {"page": page, "nav": nav})


@login_required
@require_GET
def pick_list(request, number: str):
    require_warehouse_staff(request.user)
    order = order_to_pick_for(request.user, number)
    return _render_pick_list(request, order)


def _render_pick_list(request, order, status=200):
    order = _with_pick_lines(with_ships_from(type(order).objects.filter(pk=order.pk))).get()
    shipped = None
    if order.status == OrderStatus.SHIPPED:
        shipped = order.events.filter(kind=OrderEventKind.SHIP).select_related("actor").last()
    return render(
        request, "inventory/pick_list.html", {"order": order, "shipped": shipped}, status=status
    )


@login_required
@require_POST
def ship(request, number: str):
    require_warehouse_staff(request.user)
    order = order_to_pick_for(request.user, number)
    try:
        order_ship(order=order, by=request.user)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return _render_pick_list(request, order, status=409)
    messages.success(request, f"{number} shipped: its stock has left {order.ships_from_code}.")
    return redirect(reverse("picking"))
