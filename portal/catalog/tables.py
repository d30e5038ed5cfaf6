import django_tables2 as tables

from portal.catalog.models import Product


class ProductTable(tables.Table):
    sku = tables.Column(verbose_name="SKU", linkify=("product-detail", {"sku": tables.A("sku")}))
    name = tables.Column()
    category = tables.Column(
        verbose_name="Category", accessor="category__name", order_by=("category__name", "sku")
    )
    unit = tables.Column(orderable=False)
    rules = tables.Column(empty_values=(), orderable=False, verbose_name="Order in")

    class Meta:
        model = Product
        fields = ("sku", "name", "category", "unit")
        sequence = ("sku", "name", "category", "unit", "rules")
        # Sorting and paging links are boosted into #catalog-results; product links navigate.
        attrs = {"class": "table", "id": "catalog-table", "tbody": {"hx-boost": "false"}}
        empty_text = "No products match."

    def render_rules(self, record):
        parts = []
        if record.increment > 1:
            parts.append(f"packs of {record.increment}")
        if record.min_qty > 1:
            parts.append(f"min {record.min_qty}")
        if record.max_qty:
            parts.append(f"max {record.max_qty}")
        return ", ".join(parts) or "any quantity"
