from django.conf import settings
from django.db import models
from django.db.models import F, Q
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.accounts.models import Company
from portal.audit.tracking import tracked
from portal.catalog.models import Product


class Warehouse(models.Model):
    code = models.SlugField(max_length=20, unique=True, help_text="e.g. NORTH")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        permissions = [("operate_warehouse", "Can see and move the warehouse's stock")]

    def __str__(self) -> str:
        return self.code


class CompanyWarehouse(models.Model):
    """The warehouse that reserves and ships a company's orders."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="supply")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="supplies")

    class Meta:
        ordering = ["company"]

    def __str__(self) -> str:
        return f"{self.company} ← {self.warehouse}"


# ``available`` follows from on hand and reserved, which are kept.
@tracked(exclude=("available",))
class StockLevel(models.Model):
    """How much of one product one warehouse holds, and how much of that orders have claimed.

    Written only by ``inventory.services``, always together with a ``StockMovement``: the
    levels equal the sums of the movements (``manage.py check_stock_ledger``).
    """

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    available = models.GeneratedField(
        expression=F("on_hand") - F("reserved"),
        output_field=models.IntegerField(),
        db_persist=True,
    )
    reorder_point = models.PositiveIntegerField(
        default=0, help_text="At or below this many available, the product is low on stock."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["warehouse_id", "product_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "product"], name="one_stock_level_per_product"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="stock_reserved_at_most_on_hand"
            ),
            models.CheckConstraint(
                condition=Q(reorder_point__gte=0), name="stock_reorder_point_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.warehouse}"

    @property
    def is_low(self) -> bool:
        return self.available <= self.reorder_point


# A product is low on stock at or below its reorder point (as SQL, and on a loaded row).
LOW_STOCK = Q(available__lte=F("reorder_point"))


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADJUSTMENT = "adjustment", "Adjustment"
    RESERVATION = "reservation", "Reservation"
    RELEASE = "release", "Release"
    SHIPMENT = "shipment", "Shipment"


# What each kind of movement may change; the database holds every movement to its row.
_MOVES = {
    MovementKind.RECEIPT: Q(on_hand_change__gt=0, reserved_change=0),
    MovementKind.ADJUSTMENT: ~Q(on_hand_change=0) & Q(reserved_change=0),
    MovementKind.RESERVATION: Q(on_hand_change=0, reserved_change__gt=0),
    MovementKind.RELEASE: Q(on_hand_change=0, reserved_change__lt=0),
    MovementKind.SHIPMENT: Q(on_hand_change__lt=0, reserved_change=F("on_hand_change")),
}
# Order-driven movements name their order; people's movements say why.
ORDER_KINDS = (MovementKind.RESERVATION, MovementKind.RELEASE, MovementKind.SHIPMENT)


def _each_kind_moves_as_declared() -> Q:
    condition = Q()
    for kind, moves in _MOVES.items():
        condition |= Q(kind=kind) & moves
    return condition


class StockMovement(models.Model):
    """One change of one stock level: append-only (a database trigger refuses updates and
    deletes), so the history of every level is the sum of its movements."""

    stock = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind)
    on_hand_change = models.IntegerField()
    reserved_change = models.IntegerField()
    # The level right after this movement, for the history page.
    on_hand_after = models.IntegerField()
    reserved_after = models.IntegerField()
    reason = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["stock_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=_each_kind_moves_as_declared(), name="movement_moves_as_its_kind"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ORDER_KINDS, order__isnull=False)
                | (~Q(kind__in=ORDER_KINDS) & ~Q(reason="")),
                name="movement_has_order_or_reason",
            ),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=F("reserved_after"), reserved_after__gte=0),
                name="movement_leaves_a_valid_level",
            ),
        ]
        indexes = [
            models.Index(fields=["stock", "-id"], name="movement_stock_newest"),
            # Orders shipped per day (the warehouse dashboard): the last days' shipments.
            models.Index(fields=["kind", "created_at"], name="movement_kind_at"),
            # The warehouse an order ships from (``with_ships_from``): its latest
            # reservation's stock, read from the index alone, for every order to pick.
            models.Index(
                fields=["order", "-id"],
                include=["stock"],
                condition=Q(kind=MovementKind.RESERVATION),
                name="movement_order_reservation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} of stock {self.stock_id}"

    @property
    def quantity(self) -> int:
        """The units the movement moved: signed for adjustments, positive otherwise."""
        if self.kind == MovementKind.ADJUSTMENT:
            return self.on_hand_change
        return abs(self.reserved_change or self.on_hand_change)


class WarehouseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        ordering = ["pk"]


class WarehouseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Warehouse, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        ordering = ["pk"]
