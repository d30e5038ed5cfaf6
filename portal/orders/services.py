"""Writes to carts and orders, except status changes (see ``approvals.workflow``)."""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F

from portal.accounts.models import Company
from portal.catalog.models import Product
from portal.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from portal.orders.selectors import NO_SUCH_LINE
from pricing.engine import quantity_errors

# The most units one line may hold, however it got there: far beyond any real order and far
# below PostgreSQL's integer (2,147,483,647), so that no number of adds can overflow a line.
LINE_QUANTITY_MAX = 1_000_000


class CartError(ValueError):
    """A cart change that cannot be made; the message is for the buyer."""


class LineNotFound(CartError):
    """The line to change is not in the cart or order being changed (another buyer's, or
    removed meanwhile); nothing was changed."""

    def __init__(self):
        super().__init__(NO_SUCH_LINE)


class QuantityRefused(CartError):
    """An add would leave lines breaking their quantity rules; nothing was added."""

    def __init__(self, refused: dict[int, list[str]]):
        self.refused = refused
        super().__init__(" ".join(reason for reasons in refused.values() for reason in reasons))


@dataclass
class CartAddition:
    """What an add did: the lines it made or grew, and why the products left out were refused."""

    cart: Order
    lines: list[OrderLine]
    refused: dict[int, list[str]] = field(default_factory=dict)  # product id -> reasons


def line_quantity_errors(product: Product, quantity: int, *, already: int = 0) -> list[str]:
    """Why a line of ``product`` holding ``already`` may not grow by ``quantity`` (empty if it may).

    The product's quantity rules and the line cap hold for the sum, so adds cannot escape them.
    """
    total = already + quantity
    if total > LINE_QUANTITY_MAX:
        errors = [f"{product.sku}: at most {LINE_QUANTITY_MAX:,} on one line."]
    else:
        errors = quantity_errors(product, total)
    if errors and already:
        errors.append(f"With the {already:,} already there, the line would hold {total:,}.")
    return errors


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


def _lock_draft(order: Order) -> None:
    """Count a change of ``order``'s lines in its version, which takes its lock as
    ``select_for_update`` would, in one statement; refused unless it is still a draft."""
    if order.pk is None:  # an unsaved cart (``selectors.cart_for``) has no lines
        raise LineNotFound
    bumped = Order.objects.filter(pk=order.pk, status=OrderStatus.DRAFT).update(
        version=F("version") + 1
    )
    if not bumped:
        _require_editable(Order.objects.get(pk=order.pk))


@transaction.atomic
def cart_add(*, cart: Order, product: Product, quantity: int, by) -> OrderLine:
    """Add ``quantity`` of ``product``; an existing line grows by that much.

    Raises ``QuantityRefused`` when the line would break its quantity rules.
    """
    return cart_add_many(cart=cart, items=[(product, quantity)], by=by).lines[0]


@transaction.atomic
def cart_add_many(
    *, cart: Order, items: list[tuple[Product, int]], by, partial: bool = False
) -> CartAddition:
    """Add several products in one step (quick order, reorder), each line kept to its rules.

    A product whose line would break them raises ``QuantityRefused`` and nothing is added;
    with ``partial`` it is left out and reported, and the rest is added. An unsaved cart
    (``selectors.cart_for``) is saved only if something is added to it.
    """
    unsaved = cart if cart.pk is None else None
    if unsaved is not None:
        cart = cart_get_or_create(buyer=unsaved.buyer, company=unsaved.company)
    cart = Order.objects.select_for_update().get(pk=cart.pk)
    _require_editable(cart)
    existing = {line.product_id: line for line in cart.lines.select_for_update()}
    position = max((line.position for line in existing.values()), default=0)
    touched, refused = [], {}
    for product, quantity in items:
        if quantity < 1:
            raise CartError("Quantity must be at least 1.")
        line = existing.get(product.pk)
        errors = line_quantity_errors(product, quantity, already=line.quantity if line else 0)
        if errors:
            refused[product.pk] = errors
            continue
        if line is None:
            position += 1
            line = OrderLine(order=cart, product=product, quantity=quantity, position=position)
            existing[product.pk] = line
        else:
            line.quantity += quantity
        touched.append(line)
    if refused and not partial:
        raise QuantityRefused(refused)
    if not touched:
        if unsaved is not None:
            # Nothing went in, so the cart saved for it is not kept either.
            transaction.set_rollback(True)
            cart = unsaved
        return CartAddition(cart=cart, lines=[], refused=refused)
    OrderLine.objects.bulk_create([line for line in touched if line.pk is None])
    to_update = [line for line in touched if line.pk is not None]
    if to_update:
        OrderLine.objects.bulk_update(to_update, ["quantity"])
    _touch(cart)
    return CartAddition(cart=cart, lines=touched, refused=refused)


# A quantity change in one statement, so one round trip and its own transaction: lock the
# draft (as ``_lock_draft``: refused unless still a draft, and after any change that held
# the lock), set the line's quantity if it is the draft's, and count that in the draft's
# version only if it was. Buyers change quantities far more often than anything else, and
# the two workers of a 200-line cart's benchmark wait on each other's lock. The table
# names come from the models.
_SET_QUANTITY = f"""
WITH line AS (
    UPDATE {OrderLine._meta.db_table} SET quantity = %s
     WHERE id = %s AND order_id IN (
           SELECT id FROM {Order._meta.db_table} WHERE id = %s AND status = %s FOR UPDATE)
 RETURNING order_id
)
UPDATE {Order._meta.db_table} SET version = version + 1 WHERE id IN (SELECT order_id FROM line)
"""  # noqa: S608  # nosec B608


def cart_set_quantity(*, cart: Order, line_id: int, quantity: int, by) -> None:
    """Set a line's quantity. A breach of the product's rules shows on the line (SPEC 3); the
    line cap does not bend."""
    if cart.pk is None:  # an unsaved cart (``selectors.cart_for``) has no lines
        raise LineNotFound
    if quantity < 1:
        raise CartError("Quantity must be at least 1.")
    if quantity > LINE_QUANTITY_MAX:
        raise CartError(f"Quantity must be at most {LINE_QUANTITY_MAX:,}.")
    with connection.cursor() as cursor:
        cursor.execute(_SET_QUANTITY, [quantity, line_id, cart.pk, OrderStatus.DRAFT.value])
        changed = cursor.rowcount
    if not changed:
        _require_editable(Order.objects.get(pk=cart.pk))
        raise LineNotFound


@transaction.atomic
def cart_remove_line(*, cart: Order, line_id: int, by) -> None:
    _lock_draft(cart)
    deleted, _ = cart.lines.filter(pk=line_id).delete()
    if not deleted:
        raise LineNotFound


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
    """Copy ``order``'s lines into ``cart``; returns (lines copied, reasons for lines left out).

    A line is left out when its product is no longer sold or the cart's line would then break
    the product's quantity rules.
    """
    wanted, skipped = [], []
    for line in order.lines.select_related("product").order_by("position", "pk"):
        if not line.product.is_active:
            skipped.append(f"{line.product.sku} is no longer sold and was not copied.")
        else:
            wanted.append((line.product, line.quantity))
    if not wanted:
        return 0, skipped
    addition = cart_add_many(cart=cart, items=wanted, by=by, partial=True)
    skipped += [f"Not copied: {' '.join(reasons)}" for reasons in addition.refused.values()]
    return len(addition.lines), skipped
