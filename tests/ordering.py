"""Placing orders in tests the way a buyer does: cart, then checkout, through the services."""

from django.contrib.auth import get_user_model

from approvals.services import Checkout, order_submit
from portal.catalog.models import Product
from portal.orders.models import Order
from portal.orders.services import cart_add_many, cart_get_or_create


def user(username: str):
    return get_user_model().objects.get(username=username)


def place(username: str, lines, *, po: str = "") -> Order:
    """Put ``lines`` ((sku, quantity), ...) in the user's cart and submit it."""
    buyer = user(username)
    company = buyer.membership.company
    cart = cart_get_or_create(buyer=buyer, company=company)
    cart_add_many(
        cart=cart,
        items=[(Product.objects.get(sku=sku), quantity) for sku, quantity in lines],
        by=buyer,
    )
    return submit(cart, by=buyer, po=po)


def submit(draft: Order, *, by, po: str = "") -> Order:
    """Check ``draft`` out (a cart, or an order sent back and edited) to the company's
    first shipping address."""
    return order_submit(
        token=draft.checkout_token,
        by=by,
        checkout=Checkout(
            po_number=po,
            ship_to=draft.company.addresses.filter(is_shipping=True).order_by("pk").first(),
            requested_delivery_date=None,
            note="",
        ),
    )
