import django_tables2 as tables

from inventory.templatetags.stock import stock_badge
from portal.catalog.models import Product
from pricing.currencies import format_money


class ProductTable(tables.Table):
    sku = tables.Column(verbose_name="SKU", linkify=("product-detail", {"sku": tables.A("sku")}))
    name = tables.Column()
    category = tables.Column(
        verbose_name="Category", accessor="category__name", order_by=("category__name", "sku")
    )
    unit = tables.Column(orderable=False)
    rules = tables.Column(empty_values=(), orderable=False, verbose_name="Order in")
    price = tables.Column(
        empty_values=(),
        orderable=False,
        verbose_name="Your price",
        attrs={"td": {"class": "num", "data-testid": "row-price"}, "th": {"class": "num"}},
    )
    availability = tables.Column(empty_values=(), orderable=False, verbose_name="Availability")
    hint = tables.Column(
        empty_values=(), orderable=False, verbose_name="Buy more", attrs={"td": {"class": "small"}}
    )
    add = tables.TemplateColumn(
        template_code='{% include "orders/_add_form.html" with product=record %}',
        orderable=False,
        verbose_name="Add to cart",
    )

    class Meta:
        model = Product
        fields = ("sku", "name", "category", "unit")
        sequence = (
            "sku",
            "name",
            "category",
            "unit",
            "rules",
            "price",
            "availability",
            "hint",
            "add",
        )
        # Sorting and paging links are boosted into #catalog-results; product links navigate.
        attrs = {"class": "table", "id": "catalog-table", "tbody": {"hx-boost": "false"}}
        empty_text = "No products match."

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.prices = {}
        self.availability = {}

    def before_render(self, request):
        if not self.prices:
            # Operators browse without a company: no customer price, no cart, no warehouse.
            self.columns.hide("price")
            self.columns.hide("availability")
            self.columns.hide("hint")
            self.columns.hide("add")

    def render_price(self, record):
        line = self.prices.get(record.pk)
        if line is None or line.unit_price is None:
            return "on request"
        return format_money(line.unit_price, line.currency)

    def render_availability(self, record):
        return stock_badge(self.availability.get(record.pk))

    def render_hint(self, record):
        line = self.prices.get(record.pk)
        if line is None or line.next_tier is None:
            return ""
        return line.next_tier.hint

    def render_rules(self, record):
        parts = []
        if record.increment > 1:
            parts.append(f"packs of {record.increment}")
        if record.min_qty > 1:
            parts.append(f"min {record.min_qty}")
        if record.max_qty:
            parts.append(f"max {record.max_qty}")
        return ", ".join(parts) or "any quantity"
