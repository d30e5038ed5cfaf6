"""Reads of stock: availability for customers, the ledger check, staff tables."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from inventory.models import (
    LOW_STOCK,
    CompanyWarehouse,
    MovementKind,
    StockLevel,
    StockMovement,
    Warehouse,
)
from inventory.permissions import orders_to_pick, stock_visible_to, warehouse_ids_of
from portal import versions
from portal.accounts.models import Company


class StockStatus(StrEnum):
    IN_STOCK = "in_stock"
    LOW = "low"
    OUT = "out"


STATUS_LABELS = {
    StockStatus.IN_STOCK: "In stock",
    StockStatus.LOW: "Low stock",
    StockStatus.OUT: "Out of stock",
}


@dataclass(frozen=True)
class Availability:
    """What a customer is told about a product: in stock, low or out, and how many."""

    status: StockStatus
    available: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    def covers(self, quantity: int) -> bool:
        return quantity <= self.available


OUT_OF_STOCK = Availability(StockStatus.OUT, 0)


def availability_of(level: StockLevel | None) -> Availability:
    if level is None or level.available <= 0:
        return OUT_OF_STOCK
    if level.is_low:
        return Availability(StockStatus.LOW, level.available)
    return Availability(StockStatus.IN_STOCK, level.available)


def warehouse_of(company: Company) -> Warehouse | None:
    """The warehouse that reserves and ships the company's orders, if one is assigned."""
    supply = CompanyWarehouse.objects.select_related("warehouse").filter(company=company).first()
    return supply.warehouse if supply else None


def _company_stock(company: Company) -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(warehouse__supplies__company=company)


def availability_for(company: Company, product_ids) -> dict[int, Availability]:
    """Availability of each product in the company's warehouse, in one query.

    Products the warehouse has never stocked are out of stock.
    """
    ids = list(product_ids)
    levels = (
        _company_stock(company)
        .filter(product_id__in=ids)
        .only("product_id", "available", "reorder_point")
    )
    found = {level.product_id: availability_of(level) for level in levels}
    return {pid: found.get(pid, OUT_OF_STOCK) for pid in ids}


def in_stock_only(products: QuerySet, company: Company) -> QuerySet:
    """Only the products the company's warehouse has available now."""
    return products.filter(
        Exists(_company_stock(company).filter(product=OuterRef("pk"), available__gt=0))
    )


@dataclass(frozen=True)
class LedgerDifference:
    stock_id: int
    warehouse: str
    sku: str
    on_hand: int
    on_hand_moved: int
    reserved: int
    reserved_moved: int

    def __str__(self) -> str:
        return (
            f"{self.warehouse} {self.sku} (stock {self.stock_id}): "
            f"on hand {self.on_hand}, movements say {self.on_hand_moved}; "
            f"reserved {self.reserved}, movements say {self.reserved_moved}"
        )


def ledger_differences() -> list[LedgerDifference]:
    """Stock levels that differ from the sum of their movements (none, when all is well)."""
    levels = (
        StockLevel.objects.annotate(
            on_hand_moved=Coalesce(Sum("movements__on_hand_change"), Value(0)),
            reserved_moved=Coalesce(Sum("movements__reserved_change"), Value(0)),
        )
        .exclude(on_hand=F("on_hand_moved"), reserved=F("reserved_moved"))
        .select_related("warehouse", "product")
        .order_by("warehouse__code", "product__sku")
    )
    return [
        LedgerDifference(
            level.pk,
            level.warehouse.code,
            level.product.sku,
            level.on_hand,
            level.on_hand_moved,
            level.reserved,
            level.reserved_moved,
        )
        for level in levels
    ]


def reserved_for(order) -> dict[int, int]:
    """What ``order`` still holds: stock level id -> units reserved and not yet released."""
    held = (
        StockMovement.objects.filter(order=order)
        .values("stock_id")
        .annotate(units=Sum("reserved_change"))
        .order_by()
    )
    return {row["stock_id"]: row["units"] for row in held if row["units"]}


def movements_of(stock: StockLevel) -> QuerySet[StockMovement]:
    """The level's history, newest first, with who moved it and for which order."""
    return StockMovement.objects.filter(stock=stock).select_related("user", "order").order_by("-pk")


@dataclass(frozen=True)
class WarehouseToday:
    picks_count: int
    oldest_picks: list
    low_count: int
    # The lowest few of them, out of stock first, with their product and warehouse.
    low_items: list[StockLevel] = field(default_factory=list)


def low_stock(user, *, shown: int = 5) -> tuple[int, list[StockLevel]]:
    """How many of the user's stock levels are at or below their reorder point, and the
    ``shown`` lowest (out of stock first) with their product and warehouse. Two queries."""
    low = stock_visible_to(user).filter(LOW_STOCK)
    lowest = low.select_related("product", "warehouse").order_by(
        "available", F("available") - F("reorder_point"), "product__sku", "warehouse_id"
    )
    return low.count(), list(lowest[:shown])


def oldest_to_pick(user, *, shown: int = 5) -> tuple[int, list]:
    """How many orders wait to be picked from the user's warehouses, and the ``shown``
    oldest with their company, in one query: the count is a subquery PostgreSQL runs
    once, beside the rows."""
    picks = orders_to_pick(user)
    count = picks.order_by().values(n=Func("pk", function="COUNT", output_field=IntegerField()))
    oldest = list(
        picks.select_related("company")
        .annotate(picks_count=Subquery(count))
        .order_by("submitted_at", "pk")[:shown]
    )
    # No row to carry the count: no order is waiting.
    return (oldest[0].picks_count if oldest else 0), oldest


def picks_waiting(user, *, shown: int = 5) -> tuple[int, list]:
    """``oldest_to_pick``, cached until an order changes what the pick lists read of it or
    a company changes (the data versions of picks and of the catalog, which covers who
    supplies a company): an order approved, shipped or cancelled shows at the next request.
    The badge in the navigation of every page of warehouse staff reads it too."""
    return versions.cached(
        (versions.PICKS, versions.CATALOG),
        ("picks-waiting", sorted(warehouse_ids_of(user)), shown),
        lambda: oldest_to_pick(user, shown=shown),
    )


def warehouse_today(user, *, low: tuple[int, list[StockLevel]] | None = None) -> WarehouseToday:
    """What a warehouse dashboard shows: orders to pick (the oldest first, ``picks_waiting``,
    cached), and low stock (``low_stock``'s, read here unless given). Three queries, one
    with ``low``, and none of them for the picks once cached."""
    picks_count, oldest_picks = picks_waiting(user)
    low_count, low_items = low if low is not None else low_stock(user)
    return WarehouseToday(
        picks_count=picks_count,
        oldest_picks=oldest_picks,
        low_count=low_count,
        low_items=low_items,
    )


def shipped_per_day(user, *, days: int = 14, today: date | None = None) -> list[tuple[date, int]]:
    """Orders shipped from the user's warehouses on each of the last ``days`` days, today
    last, in one query (an order shipped is one picked)."""
    today = today or timezone.localdate()
    zone = timezone.get_current_timezone()
    first = today - timedelta(days=days - 1)
    rows = (
        StockMovement.objects.filter(
            kind=MovementKind.SHIPMENT,
            stock__warehouse_id__in=sorted(warehouse_ids_of(user)),
            created_at__gte=datetime.combine(first, time.min, tzinfo=zone),
            created_at__lt=datetime.combine(today + timedelta(days=1), time.min, tzinfo=zone),
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(orders=Count("order", distinct=True))
        .order_by()
    )
    shipped = {row["day"]: row["orders"] for row in rows}
    return [(day, shipped.get(day, 0)) for day in (first + timedelta(n) for n in range(days))]
