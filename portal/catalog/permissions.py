"""Who may browse the catalog: company users (at their prices) and operators."""

from django.db.models import QuerySet
from django.http import Http404

from portal.accounts.permissions import CUSTOMER_ROLES, OPERATOR, require_role
from portal.catalog.models import Product


def require_catalog_access(user) -> None:
    require_role(user, *CUSTOMER_ROLES, OPERATOR)


def products_visible_to(user) -> QuerySet[Product]:
    """Active products for customers; operators also see inactive ones."""
    products = Product.objects.select_related("category")
    if user.is_staff:
        return products
    return products.filter(is_active=True)


def product_for(user, sku: str) -> Product:
    try:
        return products_visible_to(user).get(sku=sku)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
