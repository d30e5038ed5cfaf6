"""Who may see and do what in accounts, and which roles a user holds."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.accounts.models import (
    FINANCE_GROUP,
    WAREHOUSE_GROUP_PREFIX,
    Company,
    CompanyGroupObjectPermission,
    CompanyUserObjectPermission,
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
    """Active companies on which the user holds ``perm``, granted to them or to one of
    their groups (object permissions only, as guardian stores them).

    The same rows as guardian's ``get_objects_for_user(..., accept_global_perms=False,
    with_superuser=False)``, in a query that costs half as much to build; every list page
    builds it a few times (the list, its filters, the navigation), so it is also kept on
    the user object for the request, as the roles are.
    """
    cache = user.__dict__.setdefault("_portal_companies", {})
    if perm not in cache:
        app_label, codename = perm.split(".")
        granted = {
            "permission__codename": codename,
            "permission__content_type__app_label": app_label,
        }
        cache[perm] = Company.objects.filter(is_active=True).filter(
            Q(
                pk__in=CompanyUserObjectPermission.objects.filter(user=user, **granted).values(
                    "content_object_id"
                )
            )
            | Q(
                pk__in=CompanyGroupObjectPermission.objects.filter(
                    group__user=user, **granted
                ).values("content_object_id")
            )
        )
    return cache[perm].all()


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
