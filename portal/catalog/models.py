from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

# A SKU is one clean URL segment (/catalog/<sku>/): ASCII letters, digits and - . _, starting
# with a letter or a digit (so never "." or ".."). The URL converter matches the same pattern.
SKU_PATTERN = r"[A-Za-z0-9][-A-Za-z0-9._]{0,39}"
validate_sku = RegexValidator(
    rf"\A{SKU_PATTERN}\Z",
    "Use at most 40 letters A–Z, digits, hyphens, dots and underscores, "
    "starting with a letter or a digit.",
)


class Category(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A sellable item. Quantities are whole units; ``increment`` is the pack multiple."""

    sku = models.CharField("SKU", max_length=40, unique=True, validators=[validate_sku])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    unit = models.CharField(max_length=20, default="piece", help_text="What one unit is: box, pair")
    pack_size = models.PositiveIntegerField(default=1, help_text="Items inside one unit.")
    min_qty = models.PositiveIntegerField("minimum quantity", default=1)
    increment = models.PositiveIntegerField(default=1, help_text="Order in multiples of this.")
    max_qty = models.PositiveIntegerField("maximum quantity", null=True, blank=True)
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("19.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sku"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sku__regex=rf"^{SKU_PATTERN}$"), name="product_sku_pattern"
            ),
            models.CheckConstraint(
                condition=Q(pack_size__gte=1), name="product_pack_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(increment__gte=1), name="product_increment_positive"
            ),
            models.CheckConstraint(condition=Q(min_qty__gte=1), name="product_min_qty_positive"),
            models.CheckConstraint(
                condition=Q(min_qty__gte=F("increment")),
                name="product_min_qty_at_least_increment",
            ),
            models.CheckConstraint(
                condition=Q(max_qty__isnull=True) | Q(max_qty__gte=F("min_qty")),
                name="product_max_qty_at_least_min",
            ),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100), name="product_tax_rate_range"
            ),
        ]
        # Search and type-ahead (icontains on SKU and name) use the trigram indexes of
        # migration 0003, made in SQL: Django's GinIndex needs django.contrib.postgres.
        indexes = [models.Index(fields=["category", "sku"], name="product_category_sku")]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"

    @property
    def order_rules(self) -> str:
        """The quantity rules in a few words: 'packs of 12, min 24, max 96' or 'any quantity'."""
        parts = []
        if self.increment > 1:
            parts.append(f"packs of {self.increment}")
        if self.min_qty > 1:
            parts.append(f"min {self.min_qty}")
        if self.max_qty:
            parts.append(f"max {self.max_qty}")
        return ", ".join(parts) or "any quantity"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.min_qty and self.increment and self.min_qty % self.increment:
            raise ValidationError(
                {"min_qty": f"Must be a multiple of the increment ({self.increment})."}
            )
