"""Writes to companies, memberships and staff roles.

Object-level access is carried by auth groups: each company has one group per
customer role holding that role's permissions on the company object; each
warehouse has one staff group. Users join groups; no permission row is ever
written per order, invoice or stock row.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from guardian.shortcuts import assign_perm

from portal.accounts.models import (
    FINANCE_GROUP,
    Company,
    CompanyRoleGroup,
    CustomerRole,
    Membership,
)

User = get_user_model()

# What each customer role may do on its own company.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    CustomerRole.BUYER: ("place_orders",),
    CustomerRole.APPROVER: ("place_orders", "view_company_orders", "approve_orders"),
    CustomerRole.COMPANY_ADMIN: (
        "place_orders",
        "view_company_orders",
        "approve_orders",
        "view_company_invoices",
        "manage_members",
    ),
}


@transaction.atomic
def company_groups_ensure(*, company: Company) -> dict[str, Group]:
    """Create the company's role groups and their object permissions if missing."""
    groups = {}
    for role, codenames in ROLE_PERMISSIONS.items():
        link = CompanyRoleGroup.objects.filter(company=company, role=role).select_related("group")
        link = link.first()
        if link is None:
            group, _ = Group.objects.get_or_create(name=f"company:{company.code}:{role}")
            link = CompanyRoleGroup.objects.create(company=company, role=role, group=group)
        for codename in codenames:
            assign_perm(f"accounts.{codename}", link.group, company)
        groups[role] = link.group
    return groups


@transaction.atomic
def membership_set(
    *,
    user,
    company: Company,
    is_buyer: bool,
    is_approver: bool = False,
    is_company_admin: bool = False,
    approval_limit: Decimal | None = None,
    monthly_budget: Decimal | None = None,
) -> Membership:
    """Give ``user`` exactly these roles in ``company`` and sync their permission groups."""
    groups = company_groups_ensure(company=company)
    membership, _ = Membership.objects.select_for_update().update_or_create(
        user=user,
        defaults={
            "company": company,
            "is_buyer": is_buyer,
            "is_approver": is_approver,
            "is_company_admin": is_company_admin,
            "approval_limit": approval_limit if is_approver or is_company_admin else None,
            "monthly_budget": monthly_budget,
        },
    )
    wanted = {groups[role] for role in membership.roles}
    # Leave every other company's role groups too: a user belongs to one company.
    stale = user.groups.filter(company_role__isnull=False).exclude(pk__in=[g.pk for g in wanted])
    user.groups.remove(*stale)
    user.groups.add(*wanted)
    return membership


def finance_group() -> Group:
    group, created = Group.objects.get_or_create(name=FINANCE_GROUP)
    if created:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="accounts", codename="view_company")
        )
    return group


@transaction.atomic
def staff_finance_set(*, user, on: bool) -> None:
    """Add ``user`` to (or remove them from) the finance team."""
    group = finance_group()
    if on:
        user.groups.add(group)
    else:
        user.groups.remove(group)
