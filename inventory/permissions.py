"""Warehouse staff see and move the stock of their own warehouses only."""

from django.db.models import BigIntegerField, CharField, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from inventory.models import CompanyWarehouse, StockLevel, Warehouse
from portal.accounts.models import StaffRole
from portal.accounts.permissions import require_role
from portal.catalog.models import Product
from portal.orders.models import Order, OrderStatus


def require_warehouse_staff(user) -> None:
    """403 unless the user works in a warehouse."""
    require_role(user, StaffRole.WAREHOUSE.value)


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    """The warehouses the user operates; built once a request (a page asks several times:
    its list, its filters, the navigation) and kept on the user object, as the roles are."""
    if not hasattr(user, "_portal_warehouses"):
        user._portal_warehouses = get_objects_for_user(
            user,
            "inventory.operate_warehouse",
            klass=Warehouse.objects.all(),
            accept_global_perms=False,
            with_superuser=False,
        )
    return user._portal_warehouses.all()


def warehouse_for(user, code: str) -> Warehouse:
    try:
        return warehouses_visible_to(user).get(code=code)
    except Warehouse.DoesNotExist:
        raise Http404("No such warehouse.") from None


def stock_visible_to(user) -> QuerySet[StockLevel]:
    """Stock levels of the user's warehouses."""
    return StockLevel.objects.filter(warehouse__in=warehouses_visible_to(user))


def stock_for(user, code: str, sku: str) -> StockLevel:
    """The level of ``sku`` in warehouse ``code`` if the user works there, or 404.

    A product the warehouse has never held gives an empty, unsaved level: receiving it
    is how a warehouse starts to stock it.
    """
    warehouse = warehouse_for(user, code)
    try:
        product = Product.objects.get(sku=sku)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None
    level = StockLevel.objects.filter(warehouse=warehouse, product=product).first()
    return level or StockLevel(warehouse=warehouse, product=product)


def with_ships_from(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Annotate each order with the warehouse it ships from (``ships_from_id`` and
    ``ships_from_code``): the one holding its stock (``Order.reserved_in``), or for an order
    that never reserved any (approved before orders reserved stock), its company's."""
    return orders.annotate(
        ships_from_id=Coalesce(
            F("reserved_in_id"), F("company__supply__warehouse_id"), output_field=BigIntegerField()
        ),
        ships_from_code=Coalesce(
            F("reserved_in__code"), F("company__supply__warehouse__code"), output_field=CharField()
        ),
    )


def _ships_from_any(warehouses: QuerySet[Warehouse]) -> Q:
    """Orders that ship from one of ``warehouses`` (as ``with_ships_from`` says), written so
    that the order's own columns are compared: an index on them serves it."""
    supplied = CompanyWarehouse.objects.filter(warehouse__in=warehouses).values("company_id")
    return Q(reserved_in__in=warehouses) | Q(reserved_in__isnull=True, company__in=supplied)


def orders_fulfilled_by(user) -> QuerySet[Order]:
    """Approved and shipped orders that ship from the user's warehouses (``with_ships_from``
    says which, for a page that shows it)."""
    orders = Order.objects.filter(status__in=(OrderStatus.APPROVED, OrderStatus.SHIPPED))
    return orders.filter(_ships_from_any(warehouses_visible_to(user)))


def orders_to_pick(user) -> QuerySet[Order]:
    """Approved orders waiting to be picked and shipped from the user's warehouses."""
    return orders_fulfilled_by(user).filter(status=OrderStatus.APPROVED)


def order_to_pick_for(user, number: str) -> Order:
    """One approved or shipped order of the user's warehouses, or 404."""
    try:
        orders = with_ships_from(orders_fulfilled_by(user))
        return orders.select_related("company", "buyer").get(number=number)
    except Order.DoesNotExist:
        raise Http404("No such order to pick.") from None
