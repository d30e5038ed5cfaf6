from django.db.models import Count, Prefetch
from django.http import Http404

from portal.accounts.models import Company
from portal.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from pricing.engine import Quote, quote


def cart_for(*, buyer, company: Company) -> Order:
    """The buyer's cart, or an unsaved empty one: looking at a cart never writes a row.

    ``services.cart_add_many`` saves an unsaved cart when the first product goes in.
    """
    cart = Order.objects.filter(buyer=buyer, status=OrderStatus.DRAFT, number__isnull=True).first()
    return cart or Order(buyer=buyer, company=company, currency=company.currency)


def _cart_lines_of(buyer_id: int):
    return OrderLine.objects.filter(
        order__buyer_id=buyer_id, order__status=OrderStatus.DRAFT, order__number__isnull=True
    )


def cart_line_count(buyer) -> int:
    """How many lines the buyer's cart holds (0 with no cart), in one query."""
    return _cart_lines_of(buyer.pk).count()


def cart_line_count_query(buyer_id: int):
    """The same count as a query of one value, to read with others (no row: no cart)."""
    lines = _cart_lines_of(buyer_id).order_by().values("order__buyer")
    return lines.annotate(count=Count("pk")).values("count")


def draft_line_for(draft: Order, line_id: int) -> OrderLine:
    """One line of the user's cart or reopened order, or 404 (another buyer's line included)."""
    if draft.pk is None:
        raise Http404("No such line in your cart.")
    try:
        return draft.lines.get(pk=line_id)
    except OrderLine.DoesNotExist:
        raise Http404("No such line in your cart.") from None


def cart_lines(cart: Order) -> list[OrderLine]:
    if cart.pk is None:
        return []
    return list(
        cart.lines.select_related("product", "product__category").order_by("position", "pk")
    )


def cart_quote(cart: Order, lines: list[OrderLine]) -> Quote:
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
