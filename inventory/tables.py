from dataclasses import dataclass

import django_tables2 as tables

from inventory.models import StockLevel
from inventory.selectors import availability_of
from inventory.templatetags.stock import stock_badge
from portal.tables import RowUrl

NUMBER = {"td": {"class": "num"}, "th": {"class": "num"}}


@dataclass(frozen=True, slots=True)
class StockRow:
    """One stock level as the stock table prints it."""

    pk: int
    sku: str
    name: str
    category: str
    warehouse: str
    on_hand: int
    reserved: int
    available: int
    reorder_point: int
    status: str
    detail_url: str
    receive_url: str
    adjust_url: str


def stock_rows(levels) -> list[StockRow]:
    """``levels`` (with product, category and warehouse loaded) ready to print."""
    urls = {
        name: RowUrl(name, "WAREHOUSE0", "SKU0")
        for name in ("stock-detail", "stock-receive", "stock-adjust")
    }
    rows = []
    for level in levels:
        keys = (level.warehouse.code, level.product.sku)
        rows.append(
            StockRow(
                pk=level.pk,
                sku=level.product.sku,
                name=level.product.name,
                category=level.product.category.name,
                warehouse=level.warehouse.code,
                on_hand=level.on_hand,
                reserved=level.reserved,
                available=level.available,
                reorder_point=level.reorder_point,
                status=stock_badge(availability_of(level)),
                detail_url=urls["stock-detail"].of(*keys),
                receive_url=urls["stock-receive"].of(*keys),
                adjust_url=urls["stock-adjust"].of(*keys),
            )
        )
    return rows


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
        empty_text = "No stock matches."

    def prepared_rows(self) -> list[StockRow]:
        return stock_rows(row.record for row in self.page.object_list)
