"""Warehouse staff see and move the stock of their own warehouses only."""

from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from inventory.models import Warehouse


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    return get_objects_for_user(
        user,
        "inventory.operate_warehouse",
        klass=Warehouse.objects.all(),
        accept_global_perms=False,
        with_superuser=False,
    )


def warehouse_for(user, code: str) -> Warehouse:
    try:
        return warehouses_visible_to(user).get(code=code)
    except Warehouse.DoesNotExist:
        raise Http404("No such warehouse.") from None
