"""Price lists, contracts, their assignment to customers, and the audit of price changes.

Validity windows are timezone-aware datetimes, half-open ``[valid_from, valid_to)``; either
end may be empty (open). A list "ending today at midnight" has ``valid_to`` = today 00:00
and no longer applies from that instant on.

Rules the database cannot state as a CHECK on one row are guarded by triggers and a
composite foreign key created in migration 0002 (currency of a parent list, of a company
assignment and of a contract; no cycle of parent lists; the audit log is append-only).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portal.accounts.models import Company, CustomerGroup, currency_code
from portal.audit.tracking import tracked
from portal.catalog.models import Product

MONEY = {"max_digits": 14, "decimal_places": 4}

valid_window = (
    Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gt=F("valid_from"))
)


class Strategy(models.TextChoices):
    PRIORITY = "priority", "Priority (most specific source wins)"
    LOWEST = "lowest", "Lowest (cheapest applicable source wins)"


@tracked()
class PriceList(models.Model):
    """Fixed prices per product and quantity tier, or a percentage rule over a parent list.

    A list with a ``parent`` is a rule list: it prices every product at ``percent`` of the
    parent's price at the same quantity. Its own entries override the rule for their product.
    """

    name = models.CharField(max_length=100, unique=True, help_text="Shown to customers.")
    currency = models.CharField(max_length=3, validators=[currency_code])
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Makes this a rule list: prices derive from the parent's.",
    )
    percent = models.DecimalField(
        "adjustment (%)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For rule lists, e.g. -10.00 for ten percent off the parent.",
    )
    is_default = models.BooleanField(
        "default list of its currency",
        default=False,
        help_text="Prices every product for every company in this currency, last of all.",
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True, help_text="Exclusive.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["currency", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="pricelist_currency_iso4217"
            ),
            models.CheckConstraint(condition=valid_window, name="pricelist_valid_window"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, percent__isnull=True)
                | Q(parent__isnull=False, percent__isnull=False),
                name="pricelist_rule_has_parent_and_percent",
            ),
            # Below -100 % a rule would produce negative prices.
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | Q(percent__gte=-100),
                name="pricelist_percent_at_least_minus_100",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="pricelist_not_its_own_parent"
            ),
            models.UniqueConstraint(
                fields=["currency"], condition=Q(is_default=True), name="one_default_per_currency"
            ),
            # Target of the composite foreign keys that keep related lists in one currency.
            models.UniqueConstraint(fields=["id", "currency"], name="pricelist_id_currency"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_rule(self) -> bool:
        return self.parent_id is not None


@tracked()
class PriceListEntry(models.Model):
    """One quantity tier of one product in one list: ``unit_price`` from ``min_qty`` up."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="list_prices")
    min_qty = models.PositiveIntegerField("from quantity", default=1)
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["price_list", "product", "min_qty"]
        verbose_name_plural = "price list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product", "min_qty"], name="pricelist_entry_one_tier"
            ),
            models.CheckConstraint(condition=Q(min_qty__gte=1), name="pricelist_entry_min_qty"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="pricelist_entry_price_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["product", "price_list"], name="pricelist_entry_product")]

    def __str__(self) -> str:
        return f"{self.price_list} · {self.product.sku} · ≥ {self.min_qty}"


@tracked()
class Contract(models.Model):
    """Negotiated prices for one company, e.g. ACME-2026; beats every price list."""

    code = models.CharField(max_length=40, unique=True)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="contracts")
    currency = models.CharField(
        max_length=3, validators=[currency_code], help_text="Must be the company's currency."
    )
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True, help_text="Exclusive.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["company", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="contract_currency_iso4217"
            ),
            models.CheckConstraint(condition=valid_window, name="contract_valid_window"),
        ]

    def __str__(self) -> str:
        return self.code


@tracked()
class ContractPrice(models.Model):
    """One quantity tier of one product in a contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="prices")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="contract_prices")
    min_qty = models.PositiveIntegerField("from quantity", default=1)
    unit_price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["contract", "product", "min_qty"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "product", "min_qty"], name="contract_price_one_tier"
            ),
            models.CheckConstraint(condition=Q(min_qty__gte=1), name="contract_price_min_qty"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="contract_price_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["product", "contract"], name="contract_price_product")]

    def __str__(self) -> str:
        return f"{self.contract} · {self.product.sku} · ≥ {self.min_qty}"


@tracked()
class CompanyPriceList(models.Model):
    """A list assigned to one company; lower ``priority`` numbers are consulted first."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="price_lists")
    price_list = models.ForeignKey(
        PriceList, on_delete=models.PROTECT, related_name="company_assignments"
    )
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["company", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "price_list"], name="company_pricelist_once"
            ),
            models.UniqueConstraint(
                fields=["company", "priority"], name="company_pricelist_priority_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ← {self.price_list} ({self.priority})"


@tracked()
class GroupPriceList(models.Model):
    """A list assigned to a customer group; only companies in the list's currency use it."""

    group = models.ForeignKey(CustomerGroup, on_delete=models.CASCADE, related_name="price_lists")
    price_list = models.ForeignKey(
        PriceList, on_delete=models.PROTECT, related_name="group_assignments"
    )
    priority = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["group", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["group", "price_list"], name="group_pricelist_once"),
            models.UniqueConstraint(
                fields=["group", "priority"], name="group_pricelist_priority_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} ← {self.price_list} ({self.priority})"


@tracked()
class CompanyPricing(models.Model):
    """How a company's price is chosen among its sources; no row means ``priority``.

    Lives here rather than on Company because accounts must not depend on pricing.
    """

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="pricing")
    strategy = models.CharField(max_length=10, choices=Strategy, default=Strategy.PRIORITY)

    class Meta:
        ordering = ["company"]
        verbose_name = "company pricing strategy"
        verbose_name_plural = "company pricing strategies"
        constraints = [
            models.CheckConstraint(
                condition=Q(strategy__in=Strategy.values), name="company_pricing_strategy_known"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company}: {self.strategy}"


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    DELETE = "delete", "Deleted"


class PriceAudit(models.Model):
    """One changed field of a list, entry, contract or contract price: who, when, old → new.

    Append-only: a trigger rejects UPDATE and DELETE. ``target`` is text so the row keeps
    its meaning after the object is gone.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=10, choices=AuditAction)
    model = models.CharField(max_length=40, help_text="e.g. pricelistentry, contractprice")
    object_id = models.BigIntegerField()
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False
    )
    target = models.CharField(max_length=200)
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "price change"
        indexes = [models.Index(fields=["model", "object_id"], name="price_audit_object")]

    def __str__(self) -> str:
        return f"{self.target} · {self.field}: {self.old_value or '∅'} → {self.new_value or '∅'}"
