from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import Prefetch
from django.http import Http404

from inventory.selectors import Availability, StockStatus, availability_for
from portal import versions
from portal.accounts.models import Company
from portal.catalog.models import Product
from portal.orders.models import Order, OrderEvent, OrderLine, OrderLineCount, OrderStatus
from pricing.engine import Quote, quote


def cart_for(*, buyer, company: Company) -> Order:
    """The buyer's cart, or an unsaved empty one: looking at a cart never writes a row.

    ``services.cart_add_many`` saves an unsaved cart when the first product goes in.
    """
    cart = Order.objects.filter(buyer=buyer, status=OrderStatus.DRAFT, number__isnull=True).first()
    if cart is None:
        return Order(buyer=buyer, company=company, currency=company.currency)
    if cart.company_id == company.pk:
        cart.company = company  # at hand already: pricing the cart does not read it again
    return cart


# The cart's line count, one value (no row: no line yet). Read with the data versions on
# every page a buyer opens (``portal.navigation``), so written out once: building it as a
# queryset took longer than PostgreSQL takes to answer it.
_CART_LINE_COUNT = (
    f"SELECT c.lines FROM {OrderLineCount._meta.db_table} AS c"  # noqa: S608  # nosec B608
    f" JOIN {Order._meta.db_table} AS o ON o.id = c.order_id"
    " WHERE o.buyer_id = %s AND o.status = %s AND o.number IS NULL"
)


def cart_line_count_query(buyer_id: int) -> tuple[str, list]:
    """The SQL and parameters of the count of the buyer's cart lines."""
    return _CART_LINE_COUNT, [buyer_id, OrderStatus.DRAFT.value]


def cart_line_count(buyer) -> int:
    """How many lines the buyer's cart holds (0 with no cart), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(*cart_line_count_query(buyer.pk))
        row = cursor.fetchone()
    return row[0] if row else 0


NO_SUCH_LINE = "No such line in your cart."


def draft_line_for(draft: Order, line_id: int) -> OrderLine:
    """One line of the user's cart or reopened order, or 404 (another buyer's line included)."""
    if draft.pk is None:
        raise Http404(NO_SUCH_LINE)
    try:
        return draft.lines.get(pk=line_id)
    except OrderLine.DoesNotExist:
        raise Http404(NO_SUCH_LINE) from None


class CartProduct(NamedTuple):
    """What the cart reads of a line's product: what the engine prices it by
    (``pricing.engine.Priced``), the name it prints, and its availability in the warehouse
    of the cart's company.

    A tuple of plain values: 200 of them come out of the cache on every change of a
    quantity, several times faster than dataclasses, or than with an ``Availability`` each.
    """

    id: int
    sku: str
    name: str
    min_qty: int
    increment: int
    max_qty: int | None
    tax_rate: Decimal
    is_active: bool
    stock_status: str
    stock_available: int

    @property
    def availability(self) -> Availability:
        return Availability(StockStatus(self.stock_status), self.stock_available)


@dataclass(frozen=True, slots=True)
class CartLine:
    """A line of a cart (or of an order being edited) as the cart prices and prints it.

    Plain values, not models: making 200 lines, products and categories out of rows was
    most of the time a 200-line cart took to change one quantity.
    """

    pk: int
    quantity: int
    product: CartProduct


def cart_lines(cart: Order) -> list[CartLine]:
    if cart.pk is None:
        return []
    rows = list(cart.lines.order_by("position", "pk").values_list("pk", "quantity", "product"))
    products = cart_products(cart.company, sorted(product for _, _, product in rows))
    return [CartLine(pk, quantity, products[product]) for pk, quantity, product in rows]


def cart_products(company: Company, product_ids: list[int]) -> dict[int, CartProduct]:
    """The products of a cart by id, cached under the catalog's data version (which every
    product, price and stock level moves): a cart whose quantities change reads the same
    products again and again."""
    return versions.cached(
        versions.CATALOG,
        ("cart-products", company.pk, product_ids),
        lambda: _cart_products(company, product_ids),
    )


def _cart_products(company: Company, product_ids: list[int]) -> dict[int, CartProduct]:
    stock = availability_for(company, product_ids)
    names = [name for name in CartProduct._fields if not name.startswith("stock_")]
    products = {}
    for row in Product.objects.filter(pk__in=product_ids).values_list(*names):
        available = stock[row[0]]
        products[row[0]] = CartProduct(
            *row, stock_status=available.status.value, stock_available=available.available
        )
    return products


def cart_quote(cart: Order, lines: list[CartLine]) -> Quote:
    """Today's prices for the cart's lines, in line order (the candidate prices reused
    while the catalog does not change: see ``pricing.engine.quote``)."""
    lines = [(line.product, line.quantity) for line in lines]
    return quote(company=cart.company, lines=lines, reuse=True)


def order_detail(order: Order) -> Order:
    """The order with its lines and timeline, in a fixed number of queries."""
    return (
        Order.objects.select_related("company", "buyer", "ship_to")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .get(pk=order.pk)
    )
