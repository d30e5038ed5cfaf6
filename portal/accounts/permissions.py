"""Who may see and do what in accounts, and which roles a user holds."""

import operator
from functools import reduce

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
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
MANAGE_MEMBERS = "accounts.manage_members"  # the permission, on a company, to manage its users


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
        # A user signed in through the portal's backend came with their group names.
        names = getattr(user, "portal_group_names", None)
        if names is None:
            names = user.groups.values_list("name", flat=True)
        for name in names:
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


GRANTS_OWN = "portal_company_grants"
GRANTS_OF_GROUPS = "portal_group_company_grants"


def company_grants(user_pk) -> dict[str, ArraySubquery]:
    """Every permission a user holds on an active company, granted to them or to one of
    their groups (object permissions only, as guardian stores them), as two columns to
    annotate a user query with (``user_pk``: the user's pk or an ``OuterRef`` to it).
    Each is an array of ``"app_label.codename company_id"``."""
    grant = Concat(
        "permission__content_type__app_label",
        Value("."),
        "permission__codename",
        Value(" "),
        Cast("content_object_id", CharField()),
    )
    active = {"content_object__is_active": True}
    own = CompanyUserObjectPermission.objects.filter(user=user_pk, **active)
    groups = CompanyGroupObjectPermission.objects.filter(group__user=user_pk, **active)
    return {
        GRANTS_OWN: ArraySubquery(own.values(grant=grant)),
        GRANTS_OF_GROUPS: ArraySubquery(groups.values(grant=grant)),
    }


def company_ids_visible_to(user, perm: str = "accounts.place_orders") -> frozenset[int]:
    """Ids of the active companies on which the user holds ``perm`` (``company_grants``).

    The portal's backend loads them with the user (``PortalBackend.get_user``); a user
    loaded otherwise has them read in one query on first use. They are kept on the user
    object, as the roles are. Lists then filter by these ids, which PostgreSQL matches
    against an index: the permission tables as a subquery in an OR made it read every
    order or invoice of every company.
    """
    if not user.is_authenticated:
        return frozenset()
    grants = getattr(user, "_portal_company_grants", None)
    if grants is None:
        columns = getattr(user, GRANTS_OWN, None), getattr(user, GRANTS_OF_GROUPS, None)
        if None in columns:
            loaded = type(user)._default_manager.filter(pk=user.pk)
            loaded = loaded.annotate(**company_grants(user.pk))
            columns = loaded.values_list(GRANTS_OWN, GRANTS_OF_GROUPS).get()
        found: dict[str, set[int]] = {}
        for grant in (*columns[0], *columns[1]):
            name, company_id = grant.split(" ")
            found.setdefault(name, set()).add(int(company_id))
        grants = user._portal_company_grants = {p: frozenset(ids) for p, ids in found.items()}
    return grants.get(perm, frozenset())


def companies_visible_to(user, perm: str = "accounts.place_orders") -> QuerySet[Company]:
    """Active companies on which the user holds ``perm`` (see ``company_ids_visible_to``)."""
    return Company.objects.filter(pk__in=sorted(company_ids_visible_to(user, perm)))


def company_scope(user, whole_company_perm: str, **own) -> Q | None:
    """Which rows of a company-owned list (orders, invoices) the user sees, as a filter:
    every row of the companies where they hold ``whole_company_perm``, and of the other
    companies they order for, the rows matching ``own`` (``buyer=user``: their own).
    None when they see none."""
    whole = company_ids_visible_to(user, whole_company_perm)
    ordering_only = company_ids_visible_to(user) - whole
    parts = []
    if whole:
        parts.append(Q(company_id__in=sorted(whole)))
    if ordering_only:
        parts.append(Q(company_id__in=sorted(ordering_only), **own))
    return reduce(operator.or_, parts) if parts else None


def members_visible_to(user) -> QuerySet[Membership]:
    """Memberships a company admin may manage: those of their own company."""
    companies = companies_visible_to(user, MANAGE_MEMBERS)
    return Membership.objects.filter(company__in=companies).select_related("user", "company")


def member_for(user, pk: int) -> Membership:
    """One membership the user may manage, or 404."""
    try:
        return members_visible_to(user).get(pk=pk)
    except Membership.DoesNotExist:
        raise Http404("No such user in your company.") from None
