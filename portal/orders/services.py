"""Writes to carts and orders, except status changes (see ``approvals.workflow``)."""

from django.db import connection, transaction
from django.db.models import F, Max

from portal.accounts.models import Company
from portal.catalog.models import Product
from portal.orders.models import Order, OrderEvent, OrderLine, OrderStatus


class CartError(ValueError):
    """A cart change that cannot be made; the message is for the buyer."""


def order_number_next() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('orders_order_number_seq')")
        (value,) = cursor.fetchone()
    return f"ORD-{value:06d}"


def cart_get_or_create(*, buyer, company: Company) -> Order:
    """The buyer's cart: their one draft that was never submitted."""
    cart = Order.objects.filter(buyer=buyer, status=OrderStatus.DRAFT, number__isnull=True).first()
    if cart is not None:
        return cart
    with transaction.atomic():
        cart, _ = Order.objects.get_or_create(
            buyer=buyer,
            status=OrderStatus.DRAFT,
            number=None,
            defaults={"company": company, "currency": company.currency},
        )
    return cart


def _touch(order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(version=F("version") + 1)
    order.refresh_from_db(fields=["version"])


def _require_editable(order: Order) -> None:
    if order.status != OrderStatus.DRAFT:
        raise CartError(f"Order {order.number} is {order.get_status_display().lower()}.")


@transaction.atomic
def cart_add(*, cart: Order, product: Product, quantity: int, by) -> OrderLine:
    """Add ``quantity`` of ``product``; an existing line grows by that much."""
    return cart_add_many(cart=cart, items=[(product, quantity)], by=by)[0]


@transaction.atomic
def cart_add_many(*, cart: Order, items: list[tuple[Product, int]], by) -> list[OrderLine]:
    """Add several products in one step (quick order, reorder)."""
    cart = Order.objects.select_for_update().get(pk=cart.pk)
    _require_editable(cart)
    existing = {line.product_id: line for line in cart.lines.select_for_update()}
    position = cart.lines.aggregate(m=Max("position"))["m"] or 0
    touched = []
    for product, quantity in items:
        if quantity < 1:
            raise CartError("Quantity must be at least 1.")
        line = existing.get(product.pk)
        if line is None:
            position += 1
            line = OrderLine(order=cart, product=product, quantity=quantity, position=position)
            existing[product.pk] = line
        else:
            line.quantity += quantity
        touched.append(line)
    OrderLine.objects.bulk_create(
        [line for line in touched if line.pk is None],
    )
    to_update = [line for line in touched if line.pk is not None]
    if to_update:
        OrderLine.objects.bulk_update(to_update, ["quantity"])
    _touch(cart)
    return touched


@transaction.atomic
def cart_set_quantity(*, cart: Order, line_id: int, quantity: int, by) -> OrderLine:
    cart = Order.objects.select_for_update().get(pk=cart.pk)
    _require_editable(cart)
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    line = cart.lines.select_for_update().get(pk=line_id)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    return line


@transaction.atomic
def cart_remove_line(*, cart: Order, line_id: int, by) -> None:
    cart = Order.objects.select_for_update().get(pk=cart.pk)
    _require_editable(cart)
    cart.lines.filter(pk=line_id).delete()
    _touch(cart)


def order_event_add(
    *, order: Order, kind: str, by, comment: str = "", from_status: str = "", to_status: str = ""
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        actor=by,
        kind=kind,
        comment=comment,
        from_status=from_status,
        to_status=to_status,
        order_version=order.version,
    )


def order_reorder(*, order: Order, cart: Order, by) -> tuple[int, list[str]]:
    """Copy ``order``'s lines into ``cart``; returns (lines added, reasons for lines left out)."""
    added, skipped = [], []
    for line in order.lines.select_related("product").order_by("position", "pk"):
        if not line.product.is_active:
            skipped.append(f"{line.product.sku} is no longer sold and was not copied.")
        else:
            added.append((line.product, line.quantity))
    if added:
        cart_add_many(cart=cart, items=added, by=by)
    return len(added), skipped
