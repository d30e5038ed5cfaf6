"""Warehouse staff see and move the stock of their own warehouses only."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BigIntegerField, CharField, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404

from inventory.models import (
    CompanyWarehouse,
    StockLevel,
    Warehouse,
    WarehouseGroupObjectPermission,
    WarehouseUserObjectPermission,
)
from portal.accounts.models import StaffRole
from portal.accounts.permissions import require_role
from portal.catalog.models import Product
from portal.orders.models import Order, OrderStatus


def require_warehouse_staff(user) -> None:
    """403 unless the user works in a warehouse."""
    require_role(user, StaffRole.WAREHOUSE.value)


OPERATE = {
    "permission__content_type__app_label": "inventory",
    "permission__content_type__model": "warehouse",
    "permission__codename": "operate_warehouse",
}
GRANTS_OWN = "portal_warehouse_grants"
GRANTS_OF_GROUPS = "portal_group_warehouse_grants"


def warehouse_grants(user_pk) -> dict[str, ArraySubquery]:
    """The warehouses a user may operate, granted to them or to one of their groups (object
    permissions only, as guardian stores them), as two columns to annotate a user query
    with (``user_pk``: the user's pk or an ``OuterRef`` to it). Each is an array of ids."""
    own = WarehouseUserObjectPermission.objects.filter(user=user_pk, **OPERATE)
    groups = WarehouseGroupObjectPermission.objects.filter(group__user=user_pk, **OPERATE)
    return {
        GRANTS_OWN: ArraySubquery(own.values("content_object_id")),
        GRANTS_OF_GROUPS: ArraySubquery(groups.values("content_object_id")),
    }


def warehouse_ids_of(user) -> frozenset[int]:
    """Ids of the warehouses the user operates (``warehouse_grants``).

    The portal's backend loads them with the user (``PortalBackend.get_user``), cached
    under the users' data version, which every write to the permission tables moves; a
    user loaded otherwise has them read in one query on first use. They are kept on the
    user object, as the roles are: a page asks several times (its list, its filters, the
    navigation). Queries then compare these ids, which PostgreSQL plans in a fraction of
    the time the permission tables as a subquery took, once in every query.
    """
    if not user.is_authenticated:
        return frozenset()
    ids = getattr(user, "_portal_warehouse_ids", None)
    if ids is None:
        columns = getattr(user, GRANTS_OWN, None), getattr(user, GRANTS_OF_GROUPS, None)
        if None in columns:
            loaded = type(user)._default_manager.filter(pk=user.pk)
            loaded = loaded.annotate(**warehouse_grants(user.pk))
            columns = loaded.values_list(GRANTS_OWN, GRANTS_OF_GROUPS).get()
        ids = user._portal_warehouse_ids = frozenset((*columns[0], *columns[1]))
    return ids


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    """The warehouses the user operates."""
    return Warehouse.objects.filter(pk__in=sorted(warehouse_ids_of(user)))


def warehouse_for(user, code: str) -> Warehouse:
    try:
        return warehouses_visible_to(user).get(code=code)
    except Warehouse.DoesNotExist:
        raise Http404("No such warehouse.") from None


def stock_visible_to(user) -> QuerySet[StockLevel]:
    """Stock levels of the user's warehouses."""
    return StockLevel.objects.filter(warehouse_id__in=sorted(warehouse_ids_of(user)))


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


def _ships_from_any(warehouse_ids) -> Q:
    """Orders that ship from one of the warehouses (as ``with_ships_from`` says), written so
    that the order's own columns are compared: the index ``order_to_pick`` serves it."""
    supplied = CompanyWarehouse.objects.filter(warehouse_id__in=warehouse_ids).values("company_id")
    return Q(reserved_in__in=warehouse_ids) | Q(reserved_in__isnull=True, company__in=supplied)


def orders_fulfilled_by(user) -> QuerySet[Order]:
    """Approved and shipped orders that ship from the user's warehouses (``with_ships_from``
    says which, for a page that shows it)."""
    orders = Order.objects.filter(status__in=(OrderStatus.APPROVED, OrderStatus.SHIPPED))
    return orders.filter(_ships_from_any(sorted(warehouse_ids_of(user))))


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
