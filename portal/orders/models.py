import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portal.accounts.models import Address, Company
from portal.audit.tracking import tracked
from portal.catalog.models import Product


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    APPROVED = "approved", "Approved"
    SHIPPED = "shipped", "Shipped"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


# The version and checkout token are bookkeeping of the checkout, not facts about the order;
# where its stock is reserved the timeline and the stock movements record already.
@tracked(exclude=("version", "checkout_token", "reserved_in"))
class Order(models.Model):
    """A buyer's order. While ``draft`` without a number it is their cart.

    ``status`` is written only by the state machine in ``approvals.workflow``.
    """

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus, default=OrderStatus.DRAFT, editable=False
    )
    currency = models.CharField(max_length=3)
    # Bumped on every change a decision could depend on (lines, checkout fields, status).
    version = models.PositiveIntegerField(default=1)
    # The checkout form carries this token; a replayed submit finds the same order.
    checkout_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    po_number = models.CharField("PO number", max_length=50, blank=True)
    ship_to = models.ForeignKey(
        Address, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ship_to_text = models.TextField(blank=True, help_text="The address as it was at submission.")
    requested_delivery_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)

    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The warehouse of the order's latest reservation, written by ``inventory.services``
    # with it: the one it ships from. None for an order that never reserved stock (one
    # approved before orders did), which ships from its company's warehouse.
    reserved_in = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_index=False,  # ``order_to_pick`` serves the lookups that matter
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            # One cart per buyer: the draft that was never submitted.
            models.UniqueConstraint(
                fields=["buyer"],
                condition=Q(status="draft", number__isnull=True),
                name="one_cart_per_buyer",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(number__isnull=False),
                name="submitted_order_has_number",
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("tax_total")), name="order_total_adds_up"
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "status", "-submitted_at"], name="order_company_status"
            ),
            models.Index(fields=["buyer", "-submitted_at"], name="order_buyer_submitted"),
            # A company's order list, newest first, whatever the status.
            models.Index(fields=["company", "-submitted_at"], name="order_company_submitted"),
            # Counting a company's orders and listing who placed them, from the index alone
            # (a scan of 10,000 orders before: 7 and 13 ms).
            models.Index(
                fields=["company", "buyer"],
                condition=Q(number__isnull=False),
                name="order_company_buyer",
            ),
            # The orders waiting to be picked in a warehouse, oldest first (the pick lists,
            # their count on every page of warehouse staff, the warehouse dashboard).
            models.Index(
                fields=["reserved_in", "submitted_at", "id"],
                condition=Q(status="approved"),
                name="order_to_pick",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"cart #{self.pk}"


# The explanation is prose derived from the price source, which is kept.
@tracked(exclude=("price_explanation",))
class OrderLine(models.Model):
    """One product on an order; price fields are the snapshot taken at submission."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    position = models.PositiveIntegerField(default=0)

    sku = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    line_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    tax = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    price_source = models.CharField(max_length=200, blank=True)
    price_explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="one_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0),
                name="line_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku or self.product_id}"


class OrderLineCount(models.Model):
    """How many lines an order has: kept by triggers on the lines (migration 0011), never
    written by the portal.

    The navigation shows the cart's line count on every page a buyer opens; counting a
    200-line cart cost PostgreSQL about 0.8 ms each time, reading this row a few
    microseconds. Triggers count every writer (services, bulk deletes, the admin) and, as
    each statement adds or takes away its own number, two at once too. An order that
    never had a line has no row: no line.
    """

    order = models.OneToOneField(
        Order, primary_key=True, on_delete=models.CASCADE, related_name="line_count"
    )
    lines = models.PositiveIntegerField()

    class Meta:
        db_table = "orders_linecount"

    def __str__(self) -> str:
        return f"{self.lines} lines on order {self.order_id}"


class OrderEventKind(models.TextChoices):
    """What an order's timeline can say, and the words it says it in."""

    SUBMIT = "submit", "Submitted"
    APPROVE = "approve", "Approved"
    REJECT = "reject", "Rejected"
    REQUEST_CHANGES = "request_changes", "Sent back for changes"
    EDIT = "edit", "Reopened for editing"
    CANCEL = "cancel", "Cancelled"
    SHIP = "ship", "Shipped"
    CANCEL_SHIPPED = "cancel_shipped", "Cancelled after shipping, invoice credited"
    REMINDER = "reminder", "Approvers reminded"
    STOCK_RESERVED = "stock_reserved", "Reserved stock"
    STOCK_RELEASED = "stock_released", "Released stock"


# Events whose comment the portal wrote (a fact), not a person (their words).
NOTE_KINDS = frozenset(
    {OrderEventKind.REMINDER, OrderEventKind.STOCK_RESERVED, OrderEventKind.STOCK_RELEASED}
)


class OrderEvent(models.Model):
    """Append-only timeline of an order: who did what, when, from which state to which."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=OrderEventKind)
    from_status = models.CharField(max_length=20, blank=True, choices=OrderStatus)
    to_status = models.CharField(max_length=20, blank=True, choices=OrderStatus)
    comment = models.TextField(blank=True)
    order_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "pk"]
        indexes = [
            # An approver's decisions this week (their dashboard): by person, then time.
            models.Index(fields=["actor", "created_at"], name="event_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.order} {self.kind} {self.from_status}→{self.to_status}"

    @property
    def is_note(self) -> bool:
        return self.kind in NOTE_KINDS

    @property
    def new_status_label(self) -> str:
        """The state the event led to, when the event's own words do not say it already
        ("Submitted → Pending approval", but not "Rejected → Rejected")."""
        if not self.to_status or self.to_status == self.from_status:
            return ""
        label = OrderStatus(self.to_status).label
        return "" if label == self.get_kind_display() else label
