from dataclasses import dataclass

import django_tables2 as tables
from django.db.models import F, Func, IntegerField, Value

from inventory.templatetags.stock import stock_badge
from portal.catalog.models import Product
from portal.tables import RowUrl
from pricing.currencies import format_money
from pricing.engine import PRICED_FIELDS, quote

# The choices of the catalog's "Sort by" select: the same ``?sort=`` the column headers set.
SORTS = [
    ("", "SKU, A to Z"),
    ("-sku", "SKU, Z to A"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("category", "Category, A to Z"),
    ("-category", "Category, Z to A"),
    ("price", "Price, lowest first"),
    ("-price", "Price, highest first"),
]
PRICE_SORTS = {"price", "-price"}
CUSTOMER_COLUMNS = ("price", "availability", "hint", "add")


def aria_sort(bound_column):
    """``aria-sort`` of a header the table is sorted by, so screen readers say so."""
    if not bound_column.is_ordered:
        return None
    return "descending" if bound_column.order_by_alias.is_descending else "ascending"


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One product as the catalog shows it, every cell worked out in Python.

    The page loops over these in one template: rendering each cell through
    django-tables2's column machinery cost most of the page's time.
    """

    sku: str
    url: str
    name: str
    category: str
    unit: str
    rules: str
    min_qty: int
    price: str
    availability: str
    hint: str


class ArrayPosition(Func):
    """``array_position(ids, column)``: where each row's id stands in a given order."""

    function = "array_position"
    output_field = IntegerField()


class ProductTable(tables.Table):
    """The catalog at one company's prices; ``company=None`` (an operator) shows no prices."""

    sku = tables.Column(
        verbose_name="SKU",
        linkify=("product-detail", {"sku": tables.A("sku")}),
        attrs={"td": {"class": "sku"}},
    )
    name = tables.Column()
    category = tables.Column(
        verbose_name="Category", accessor="category__name", order_by=("category__name", "sku")
    )
    unit = tables.Column(orderable=False)
    rules = tables.Column(empty_values=(), orderable=False, verbose_name="Order in")
    price = tables.Column(
        empty_values=(),
        verbose_name="Your price",
        attrs={
            "td": {"class": "num", "data-testid": "row-price"},
            "th": {"class": "num", "aria-sort": aria_sort},
        },
    )
    availability = tables.Column(empty_values=(), orderable=False, verbose_name="Availability")
    hint = tables.Column(
        empty_values=(), orderable=False, verbose_name="Buy more", attrs={"td": {"class": "small"}}
    )
    add = tables.Column(empty_values=(), orderable=False, verbose_name="Add to cart")

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
        attrs = {
            "class": "table",
            "id": "catalog-table",
            "tbody": {"hx-boost": "false"},
            "th": {"aria-sort": aria_sort},
        }
        empty_text = "No products match."

    def __init__(self, data, *, company=None, **kwargs):
        if company is None:
            # Operators browse without a company: no customer price, no cart, no warehouse,
            # and so no sorting by price either.
            kwargs["exclude"] = (*kwargs.get("exclude", ()), *CUSTOMER_COLUMNS)
        super().__init__(data, **kwargs)
        self.company = company
        self.prices = {}
        self.availability = {}

    def price_rows(self, products) -> None:
        """Price ``products`` at the company's prices, each at its smallest orderable
        quantity, in one engine call; those priced already (sorting by price) are kept."""
        missing = [p for p in products if p.pk not in self.prices]
        if missing:
            priced = quote(company=self.company, lines=[(p, p.min_qty) for p in missing])
            self.prices.update({line.product.pk: line for line in priced.lines})

    def order_price(self, queryset, is_descending):
        """Order by the unit price this company pays, as the column shows it: the price of
        every product the filters let through is worked out (one engine call), and the
        database pages them in that order. Products without a price come last either way;
        equal prices go by SKU."""
        products = list(queryset.select_related(None).only(*PRICED_FIELDS).order_by("sku"))
        if not products:
            return queryset, True
        self.price_rows(products)
        priced = [p for p in products if self.prices[p.pk].unit_price is not None]
        # A stable sort: equal prices keep their SKU order in both directions.
        priced.sort(key=lambda p: self.prices[p.pk].unit_price, reverse=is_descending)
        on_request = [p for p in products if self.prices[p.pk].unit_price is None]
        ranks = [p.pk for p in priced + on_request]
        return queryset.order_by(ArrayPosition(Value(ranks), F("pk"))), True

    def prepared_rows(self) -> list[CatalogRow]:
        """The page's products, ready to print (``price_rows`` and ``availability`` first)."""
        rows = []
        url = RowUrl("product-detail", "SKU0")
        for row in self.page.object_list:
            product = row.record
            rows.append(
                CatalogRow(
                    sku=product.sku,
                    url=url.of(product.sku),
                    name=product.name,
                    category=product.category.name,
                    unit=product.unit,
                    rules=product.order_rules,
                    min_qty=product.min_qty,
                    price=self.render_price(product) if self.company else "",
                    availability=self.render_availability(product) if self.company else "",
                    hint=self.render_hint(product) if self.company else "",
                )
            )
        return rows

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
