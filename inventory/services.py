"""Writes to warehouses and their staff."""

from django.contrib.auth.models import Group
from django.db import transaction
from guardian.shortcuts import assign_perm

from inventory.models import Warehouse
from portal.accounts.models import WAREHOUSE_GROUP_PREFIX


def warehouse_group_ensure(*, warehouse: Warehouse) -> Group:
    """The staff group of one warehouse, holding ``operate_warehouse`` on it."""
    group, _ = Group.objects.get_or_create(name=f"{WAREHOUSE_GROUP_PREFIX}{warehouse.code}")
    assign_perm("inventory.operate_warehouse", group, warehouse)
    return group


@transaction.atomic
def warehouse_staff_set(*, user, warehouses: list[Warehouse]) -> None:
    """Make ``user`` staff of exactly these warehouses."""
    wanted = [warehouse_group_ensure(warehouse=w) for w in warehouses]
    current = user.groups.filter(name__startswith=WAREHOUSE_GROUP_PREFIX)
    user.groups.remove(*current.exclude(pk__in=[g.pk for g in wanted]))
    user.groups.add(*wanted)
