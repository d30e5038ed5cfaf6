"""Who may see and do what in accounts, and which roles a user holds."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from portal.accounts.models import (
    FINANCE_GROUP,
    WAREHOUSE_GROUP_PREFIX,
    Company,
    Membership,
    StaffRole,
)

OPERATOR = "operator"
CUSTOMER_ROLES = frozenset({"buyer", "approver", "company_admin"})


def membership_of(user) -> Membership | None:
    """The user's company membership (cached on the user object), or None."""
    if not user.is_authenticated:
        return None
    if not hasattr(user, "_portal_membership"):
        user._portal_membership = (
            Membership.objects.select_related("company").filter(user=user).first()
        )
    return user._portal_membership


def roles_of(user) -> frozenset[str]:
    """Every role the user holds: customer roles, staff roles and ``operator``."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_portal_roles"):
        roles = set()
        membership = membership_of(user)
        if membership is not None and membership.company.is_active:
            roles.update(membership.roles)
        for name in user.groups.values_list("name", flat=True):
            if name == FINANCE_GROUP:
                roles.add(StaffRole.FINANCE.value)
            elif name.startswith(WAREHOUSE_GROUP_PREFIX):
                roles.add(StaffRole.WAREHOUSE.value)
        if user.is_staff:
            roles.add(OPERATOR)
        user._portal_roles = frozenset(roles)
    return user._portal_roles


def is_customer(user) -> bool:
    return bool(roles_of(user) & CUSTOMER_ROLES)


def require_role(user, *roles: str) -> None:
    """Raise 403 unless the user holds one of ``roles``."""
    if not roles_of(user) & set(roles):
        raise PermissionDenied("Your role does not give access to this page.")


def companies_visible_to(user, perm: str = "accounts.place_orders") -> QuerySet[Company]:
    """Companies on which the user holds ``perm`` through their role groups."""
    return get_objects_for_user(
        user,
        perm,
        klass=Company.objects.filter(is_active=True),
        accept_global_perms=False,
        with_superuser=False,
    )


def members_visible_to(user) -> QuerySet[Membership]:
    """Memberships a company admin may manage: those of their own company."""
    companies = companies_visible_to(user, "accounts.manage_members")
    return Membership.objects.filter(company__in=companies).select_related("user", "company")


def member_for(user, pk: int) -> Membership:
    """One membership the user may manage, or 404."""
    try:
        return members_visible_to(user).get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404("No such user in your company.") from None
