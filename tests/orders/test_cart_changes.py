"""A cart's quantity changed while the same cart is being submitted (another tab, a double
click): the order is submitted with the quantities its lines hold, priced for them."""

import pytest

from approvals.services import Checkout, order_submit
from portal.catalog.models import Product
from portal.orders.models import Order, OrderLine, OrderStatus
from portal.orders.services import CartError, cart_add_many, cart_get_or_create, cart_set_quantity
from tests.approvals.test_concurrency import at_once
from tests.ordering import user


def bolts_in_cart(quantity: int) -> tuple[Order, OrderLine]:
    """acme.buyer's cart holding ``quantity`` x BOLT-M8-50, and that line."""
    buyer = user("acme.buyer")
    cart = cart_get_or_create(buyer=buyer, company=buyer.membership.company)
    bolts = Product.objects.get(sku="BOLT-M8-50")
    (line,) = cart_add_many(cart=cart, items=[(bolts, quantity)], by=buyer).lines
    return cart, line


def submit(cart: Order) -> Order:
    return order_submit(
        token=cart.checkout_token,
        by=cart.buyer,
        checkout=Checkout(
            po_number="",
            ship_to=cart.company.addresses.filter(is_shipping=True).order_by("pk").first(),
            requested_delivery_date=None,
            note="",
        ),
    )


@pytest.mark.django_db
def test_a_quantity_change_to_a_cart_submitted_meanwhile_is_refused(demo):
    # given 9 bolts in the cart, which another tab has just submitted
    cart, line = bolts_in_cart(9)
    order = submit(cart)
    assert order.status != OrderStatus.DRAFT
    version = order.version

    # when the first tab sets the line to 50
    with pytest.raises(CartError, match=f"Order {order.number} is "):
        cart_set_quantity(cart=cart, line_id=line.pk, quantity=50, by=cart.buyer)

    # then the submitted order keeps its 9 bolts and its version
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity, order.version) == (9, version)


@pytest.mark.django_db(transaction=True)
def test_a_quantity_change_and_a_submit_at_the_same_instant(transactional_db, demo):
    # given 9 bolts in the cart
    cart, line = bolts_in_cart(9)

    # when one tab sets the line to 50 as another submits the cart
    changed, submitted = at_once(
        lambda: cart_set_quantity(cart=cart, line_id=line.pk, quantity=50, by=cart.buyer),
        lambda: submit(cart),
    )

    # then the order is submitted, its line priced for the quantity it holds
    assert isinstance(submitted, Order), submitted
    order = Order.objects.get(pk=cart.pk)
    line.refresh_from_db()
    assert order.number and order.status != OrderStatus.DRAFT
    assert line.line_total == line.unit_price * line.quantity == order.subtotal
    # and the change either came first, or was refused and changed nothing
    if changed is None:
        assert line.quantity == 50
    else:
        assert isinstance(changed, CartError), changed
        assert f"Order {order.number} is " in str(changed)
        assert line.quantity == 9
