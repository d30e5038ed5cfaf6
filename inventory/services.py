"""Every write to warehouses, their staff and their stock.

Stock levels change only here, and every change appends a ``StockMovement`` in the same
transaction. Stock rows are locked in primary-key order, so two transactions that need
overlapping products queue behind each other instead of deadlocking.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Now
from guardian.shortcuts import assign_perm

from inventory.models import MovementKind, StockLevel, StockMovement, Warehouse
from inventory.selectors import reserved_for
from portal.accounts.models import WAREHOUSE_GROUP_PREFIX
from portal.catalog.models import Product
from portal.orders.models import Order, OrderStatus

# The most one receipt or adjustment may move, and the most a level may hold: far above
# any real delivery, far below the database's integer range.
MAX_MOVE = 1_000_000
MAX_LEVEL = 1_000_000_000
REASON_MAX_LENGTH = StockMovement._meta.get_field("reason").max_length


class StockError(ValueError):
    """A stock change that cannot be made; the message is for the person who asked."""


@dataclass(frozen=True)
class Shortage:
    product_id: int
    sku: str
    wanted: int
    available: int
    warehouse: str

    def __str__(self) -> str:
        if self.available <= 0:
            return f"Out of stock in {self.warehouse}; you asked for {self.wanted}."
        return f"Only {self.available} available in {self.warehouse}; you asked for {self.wanted}."


class InsufficientStock(StockError):
    """Some lines of an order are short; nothing was reserved."""

    def __init__(self, shortages: list[Shortage]):
        self.shortages = shortages
        skus = ", ".join(s.sku for s in shortages)
        super().__init__(
            f"Not enough stock for {skus}: nothing was reserved, your order is still a draft."
        )


def warehouse_group_ensure(*, warehouse: Warehouse) -> Group:
    """The staff group of one warehouse, holding ``operate_warehouse`` on it."""
    group, _ = Group.objects.get_or_create(name=f"{WAREHOUSE_GROUP_PREFIX}{warehouse.code}")
    assign_perm("inventory.operate_warehouse", group, warehouse)
    return group


@transaction.atomic
def warehouse_staff_set(*, user, warehouses: list[Warehouse]) -> None:
    """Make ``user`` staff of exactly these warehouses."""
    wanted = [warehouse_group_ensure(warehouse=w) for w in warehouses]
    current = user.groups.filter(name__startswith=WAREHOUSE_GROUP_PREFIX)
    user.groups.remove(*current.exclude(pk__in=[g.pk for g in wanted]))
    user.groups.add(*wanted)


# -- people moving stock ---------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise StockError("Say why: a reason is required.")
    if len(reason) > REASON_MAX_LENGTH:
        raise StockError(f"Keep the reason to {REASON_MAX_LENGTH} characters.")
    return reason


def _locked_level(*, product: Product, warehouse: Warehouse) -> StockLevel:
    """The level of ``product`` in ``warehouse``, created empty if missing, locked."""
    StockLevel.objects.bulk_create(
        [StockLevel(product=product, warehouse=warehouse)], ignore_conflicts=True
    )
    return StockLevel.objects.select_for_update().get(product=product, warehouse=warehouse)


def _move(level: StockLevel, *, kind, on_hand_change: int, reason: str, by) -> StockMovement:
    StockLevel.objects.filter(pk=level.pk).update(
        on_hand=F("on_hand") + on_hand_change, updated_at=Now()
    )
    level.refresh_from_db(fields=["on_hand", "reserved", "available", "updated_at"])
    return StockMovement.objects.create(
        stock=level,
        kind=kind,
        on_hand_change=on_hand_change,
        reserved_change=0,
        on_hand_after=level.on_hand,
        reserved_after=level.reserved,
        reason=reason,
        user=by,
    )


@transaction.atomic
def stock_receive(
    *, product: Product, warehouse: Warehouse, quantity: int, reason: str, by
) -> StockMovement:
    """Book ``quantity`` units arriving in ``warehouse`` (a delivery, a return)."""
    reason = _reason(reason)
    if not 1 <= quantity <= MAX_MOVE:
        raise StockError(f"A receipt is between 1 and {MAX_MOVE:,} units.")
    level = _locked_level(product=product, warehouse=warehouse)
    if level.on_hand + quantity > MAX_LEVEL:
        raise StockError(f"{warehouse.code} cannot hold more than {MAX_LEVEL:,} of one product.")
    return _move(level, kind=MovementKind.RECEIPT, on_hand_change=quantity, reason=reason, by=by)


@transaction.atomic
def stock_adjust(
    *, product: Product, warehouse: Warehouse, change: int, reason: str, by
) -> StockMovement:
    """Correct the units on hand by ``change`` (a count, breakage, loss).

    Units reserved for orders stay: an adjustment may not take on hand below reserved.
    """
    reason = _reason(reason)
    if change == 0 or abs(change) > MAX_MOVE:
        raise StockError(f"An adjustment changes the count by 1 to {MAX_MOVE:,} units, + or −.")
    level = _locked_level(product=product, warehouse=warehouse)
    if level.on_hand + change < level.reserved:
        lowest = level.reserved - level.on_hand
        raise StockError(
            f"{level.on_hand} on hand, {level.reserved} of them reserved for orders: "
            f"the count can go down by at most {-lowest} now."
        )
    if level.on_hand + change > MAX_LEVEL:
        raise StockError(f"{warehouse.code} cannot hold more than {MAX_LEVEL:,} of one product.")
    return _move(level, kind=MovementKind.ADJUSTMENT, on_hand_change=change, reason=reason, by=by)


@transaction.atomic
def stock_reorder_point_set(*, stock: StockLevel, reorder_point: int) -> StockLevel:
    """Set the level at or below which the product counts as low on stock."""
    if not 0 <= reorder_point <= MAX_MOVE:
        raise StockError(f"A reorder point is between 0 and {MAX_MOVE:,}.")
    StockLevel.objects.filter(pk=stock.pk).update(reorder_point=reorder_point, updated_at=Now())
    stock.refresh_from_db()
    return stock


@transaction.atomic
def stock_receive_many(
    *, warehouse: Warehouse, items: Sequence[tuple[int, int, int]], reason: str, by
) -> int:
    """Open levels for products new to ``warehouse`` and book their first receipt, in bulk.

    ``items`` are (product id, quantity, reorder point); products that already have a
    level are left alone. Returns how many levels were opened.
    """
    reason = _reason(reason)
    known = set(
        StockLevel.objects.filter(
            warehouse=warehouse, product_id__in=[pid for pid, _, _ in items]
        ).values_list("product_id", flat=True)
    )
    fresh = [(pid, qty, point) for pid, qty, point in items if pid not in known]
    if any(not 0 <= qty <= MAX_MOVE for _, qty, _ in fresh):
        raise StockError(f"An opening stock is between 0 and {MAX_MOVE:,} units.")
    levels = StockLevel.objects.bulk_create(
        [
            StockLevel(warehouse=warehouse, product_id=pid, on_hand=qty, reorder_point=point)
            for pid, qty, point in fresh
        ],
        batch_size=2000,
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock=level,
                kind=MovementKind.RECEIPT,
                on_hand_change=level.on_hand,
                reserved_change=0,
                on_hand_after=level.on_hand,
                reserved_after=0,
                reason=reason,
                user=by,
            )
            for level in levels
            if level.on_hand > 0
        ],
        batch_size=2000,
    )
    return len(levels)


# -- orders claiming and taking stock ---------------------------------------------------


def _lock(levels) -> list[StockLevel]:
    """Lock these levels in primary-key order (the order every writer uses)."""
    locked = levels.select_related("warehouse").select_for_update(of=("self",))
    return list(locked.order_by("pk"))


def _apply(changes: list[tuple[StockLevel, int, int]]) -> None:
    """Add (on hand, reserved) changes to locked levels in one statement."""
    if not changes:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {StockLevel._meta.db_table} AS s
               SET on_hand = s.on_hand + c.on_hand, reserved = s.reserved + c.reserved,
                   updated_at = now()
              FROM unnest(%s::bigint[], %s::int[], %s::int[]) AS c(id, on_hand, reserved)
             WHERE s.id = c.id
            """,  # noqa: S608  # nosec B608 (the table name comes from the model; values are parameters)
            [
                [level.pk for level, _, _ in changes],
                [on_hand for _, on_hand, _ in changes],
                [reserved for _, _, reserved in changes],
            ],
        )


def _movements(changes, *, kind, order, by) -> list[StockMovement]:
    return StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock=level,
                kind=kind,
                on_hand_change=on_hand,
                reserved_change=reserved,
                on_hand_after=level.on_hand + on_hand,
                reserved_after=level.reserved + reserved,
                order=order,
                user=by,
            )
            for level, on_hand, reserved in changes
        ]
    )


# An order holds stock while it waits for approval and once approved. The state machine
# (approvals.workflow) calls these after it has moved the order, under its row lock.
HOLDS_STOCK = (OrderStatus.PENDING_APPROVAL, OrderStatus.APPROVED)


def _lock_order(order, *, allowed, step: str) -> None:
    """Take the order's row lock (free when the state machine holds it already), so that
    two releases or shipments of one order cannot both count what it holds, and refuse a
    stock step its state does not call for."""
    locked = Order.objects.select_for_update(of=("self",)).only("status").get(pk=order.pk)
    if locked.status not in allowed:
        raise StockError(f"{order} is {locked.get_status_display().lower()}: no stock to {step}.")


@transaction.atomic
def stock_reserve(
    *, order, warehouse: Warehouse, lines: Iterable[tuple[Product, int]], by
) -> list[StockMovement]:
    """Reserve every line of ``order`` in ``warehouse``, or nothing.

    Raises ``InsufficientStock`` naming each short line and what is available. An order
    holds one reservation at a time: reserving again before releasing is refused.
    """
    _lock_order(order, allowed=HOLDS_STOCK, step="reserve")
    if reserved_for(order):
        raise StockError(f"{order} already holds stock: release it before reserving again.")
    return _reserve(order, warehouse, lines, by)


def _reserve(order, warehouse: Warehouse, lines, by) -> list[StockMovement]:
    wanted: dict[int, tuple[Product, int]] = {}
    for product, quantity in lines:
        _, before = wanted.get(product.pk, (product, 0))
        wanted[product.pk] = (product, before + quantity)
    levels = {
        level.product_id: level
        for level in _lock(StockLevel.objects.filter(warehouse=warehouse, product_id__in=wanted))
    }
    shortages = [
        Shortage(product.pk, product.sku, quantity, available, warehouse.code)
        for product, quantity in wanted.values()
        if quantity > (available := levels[product.pk].available if product.pk in levels else 0)
    ]
    if shortages:
        raise InsufficientStock(shortages)
    changes = [(level, 0, wanted[level.product_id][1]) for level in levels.values()]
    _apply(changes)
    # The order now ships from here: its pick list is this warehouse's (``orders_to_pick``).
    Order.objects.filter(pk=order.pk).update(reserved_in=warehouse)
    order.reserved_in = warehouse
    return _movements(changes, kind=MovementKind.RESERVATION, order=order, by=by)


def _settle(order, *, kind, by) -> list[StockMovement]:
    held = reserved_for(order)
    if not held:
        return []
    changes = []
    for level in _lock(StockLevel.objects.filter(pk__in=held)):
        units = held[level.pk]
        changes.append((level, -units if kind == MovementKind.SHIPMENT else 0, -units))
    _apply(changes)
    return _movements(changes, kind=kind, order=order, by=by)


@transaction.atomic
def stock_release(*, order, by) -> list[StockMovement]:
    """Give back everything ``order`` holds (it was rejected, cancelled or reopened)."""
    _lock_order(
        order,
        allowed=(OrderStatus.DRAFT, OrderStatus.REJECTED, OrderStatus.CANCELLED),
        step="release",
    )
    return _settle(order, kind=MovementKind.RELEASE, by=by)


@transaction.atomic
def stock_ship(
    *,
    order,
    by,
    warehouse: Warehouse | None = None,
    lines: Iterable[tuple[Product, int]] = (),
) -> list[StockMovement]:
    """The reserved units of ``order`` leave the warehouse: on hand and reserved go down.

    An order that holds nothing (approved before orders reserved stock) takes its
    ``lines`` from ``warehouse`` now, or ships nothing: ``InsufficientStock``.
    """
    _lock_order(order, allowed=(OrderStatus.SHIPPED,), step="ship")
    if not reserved_for(order) and warehouse is not None:
        _reserve(order, warehouse, lines, by)
    return _settle(order, kind=MovementKind.SHIPMENT, by=by)
