"""Who sees which orders: buyers their own, approvers and company admins their company's."""

from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.permissions import CUSTOMER_ROLES, companies_visible_to, membership_of
from portal.accounts.permissions import require_role as _require_role
from portal.orders.models import Order


def require_ordering(user) -> None:
    """403 unless the user may order for a company."""
    _require_role(user, *CUSTOMER_ROLES)


def orders_visible_to(user) -> QuerySet[Order]:
    """Submitted orders the user may see (carts are never listed)."""
    if not user.is_authenticated or membership_of(user) is None:
        return Order.objects.none()
    whole_company = companies_visible_to(user, "accounts.view_company_orders")
    return Order.objects.filter(number__isnull=False).filter(
        Q(company__in=whole_company) | Q(buyer=user, company__in=companies_visible_to(user))
    )


def order_for(user, number: str) -> Order:
    """One order the user may see, or 404."""
    try:
        return orders_visible_to(user).select_related("company", "buyer").get(number=number)
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
