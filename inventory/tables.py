import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from inventory.models import StockLevel
from inventory.selectors import availability_of
from inventory.templatetags.stock import stock_badge

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}


def stock_url(name: str, level: StockLevel) -> str:
    return reverse(name, args=[level.warehouse.code, level.product.sku])


class StockTable(tables.Table):
    sku = tables.Column(
        verbose_name="SKU", accessor="product__sku", order_by=("product__sku", "warehouse__code")
    )
    name = tables.Column(
        verbose_name="Product", accessor="product__name", order_by=("product__name", "product__sku")
    )
    category = tables.Column(
        verbose_name="Category",
        accessor="product__category__name",
        order_by=("product__category__name", "product__sku"),
    )
    warehouse = tables.Column(
        verbose_name="Warehouse", accessor="warehouse__code", order_by=("warehouse__code", "pk")
    )
    on_hand = tables.Column(verbose_name="On hand", attrs=NUMBER)
    reserved = tables.Column(attrs=NUMBER)
    available = tables.Column(attrs=NUMBER)
    reorder_point = tables.Column(verbose_name="Reorder at", attrs=NUMBER)
    status = tables.Column(empty_values=(), orderable=False, verbose_name="Status")
    actions = tables.Column(empty_values=(), orderable=False, verbose_name="Move stock")

    class Meta:
        model = StockLevel
        fields = ()
        sequence = (
            "sku",
            "name",
            "category",
            "warehouse",
            "on_hand",
            "reserved",
            "available",
            "reorder_point",
            "status",
            "actions",
        )
        order_by = ("sku",)
        # Sorting and paging links are boosted into #stock-results; row links navigate.
        attrs = {"class": "table", "id": "stock-table", "tbody": {"hx-boost": "false"}}
        row_attrs = {
            "id": lambda record: f"stock-{record.pk}",
            "data-sku": lambda record: record.product.sku,
        }
        empty_text = "No stock matches."
        template_name = "inventory/_stock_table.html"

    def render_sku(self, record):
        return format_html(
            '<a class="sku" href="{}">{}</a>', stock_url("stock-detail", record), record.product.sku
        )

    def render_status(self, record):
        return stock_badge(availability_of(record))

    def render_actions(self, record):
        # Each link opens its form in place of the row (HTMX) or on the product's page.
        return format_html(
            '<a href="{r}" hx-get="{r}" hx-target="closest tr" hx-swap="outerHTML">Receive'
            '<span class="visually-hidden"> {sku} in {w}</span></a> · '
            '<a href="{a}" hx-get="{a}" hx-target="closest tr" hx-swap="outerHTML">Adjust'
            '<span class="visually-hidden"> {sku} in {w}</span></a>',
            r=stock_url("stock-receive", record),
            a=stock_url("stock-adjust", record),
            sku=record.product.sku,
            w=record.warehouse.code,
        )
