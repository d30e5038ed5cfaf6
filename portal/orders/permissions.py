"""Who sees which orders: buyers their own, approvers and company admins their company's."""

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.permissions import (
    CUSTOMER_ROLES,
    company_ids_visible_to,
    company_scope,
    membership_of,
)
from portal.accounts.permissions import require_role as _require_role
from portal.orders.models import Order

VIEW_ALL = "accounts.view_company_orders"  # every order of the company, not only one's own


def require_ordering(user) -> None:
    """403 unless the user may order for a company."""
    _require_role(user, *CUSTOMER_ROLES)


def orders_visible_to(user) -> QuerySet[Order]:
    """Submitted orders the user may see (carts are never listed)."""
    if not user.is_authenticated or membership_of(user) is None:
        return Order.objects.none()
    scope = company_scope(user, VIEW_ALL, buyer=user)
    if scope is None:
        return Order.objects.none()
    return Order.objects.filter(scope, number__isnull=False)


def order_company_ids(user) -> frozenset[int]:
    """The companies ``orders_visible_to`` draws the user's orders from."""
    return company_ids_visible_to(user, VIEW_ALL) | company_ids_visible_to(user)


def order_for(user, number: str) -> Order:
    """One order the user may see, or 404."""
    try:
        return orders_visible_to(user).select_related("company", "buyer").get(number=number)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
