"""Writes to companies, memberships and staff roles.

Object-level access is carried by auth groups: each company has one group per
customer role holding that role's permissions on the company object; each
warehouse has one staff group. Users join groups; no permission row is ever
written per order, invoice or stock row.
"""

from dataclasses import dataclass
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


class MemberError(ValueError):
    """A change to a company's users that the rules refuse; ``field`` names the form field."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class MemberRoles:
    """What a company admin decides for a colleague: roles, approval limit, monthly budget."""

    is_buyer: bool
    is_approver: bool = False
    is_company_admin: bool = False
    approval_limit: Decimal | None = None
    monthly_budget: Decimal | None = None

    def as_fields(self) -> dict:
        return {
            "is_buyer": self.is_buyer,
            "is_approver": self.is_approver,
            "is_company_admin": self.is_company_admin,
            "approval_limit": self.approval_limit,
            "monthly_budget": self.monthly_budget,
        }


def _check_roles(roles: MemberRoles) -> None:
    if not (roles.is_buyer or roles.is_approver or roles.is_company_admin):
        raise MemberError("Give the user at least one role.")


def _other_active_admins(member: Membership):
    """The company's other active admins, locked so two admins cannot demote each other."""
    return (
        Membership.objects.select_for_update()
        .filter(company_id=member.company_id, is_company_admin=True, user__is_active=True)
        .exclude(pk=member.pk)
    )


def _keep_an_admin(member: Membership, *, by) -> None:
    """Refuse a change that would leave the company without an active company admin."""
    if member.user_id == by.pk:
        raise MemberError(
            "You cannot remove your own company admin role or access; ask another company admin.",
            field="is_company_admin",
        )
    if not _other_active_admins(member).exists():
        raise MemberError(
            f"{member.user.get_username()} is the last company admin of "
            f"{member.company.legal_name}: make someone else company admin first.",
            field="is_company_admin",
        )


@transaction.atomic
def member_update(*, member: Membership, roles: MemberRoles, by) -> Membership:
    """A company admin's change of a colleague's roles, approval limit and budget."""
    _check_roles(roles)
    if member.is_company_admin and not roles.is_company_admin:
        _keep_an_admin(member, by=by)
    return membership_set(user=member.user, company=member.company, **roles.as_fields())


@transaction.atomic
def member_invite(*, company: Company, username: str, email: str, roles: MemberRoles, by):
    """Add a colleague to ``company`` who sets their own password from an emailed link.

    The user has no usable password until then, so nobody can sign in as them, and they
    never get staff access: a company admin hands out the company's roles only.
    """
    _check_roles(roles)
    username, email = username.strip(), email.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise MemberError("That username is taken; choose another.", field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise MemberError("A user with that email address exists already.", field="email")
    user = User(username=username, email=email, is_staff=False, is_superuser=False)
    user.set_unusable_password()
    user.save()
    return membership_set(user=user, company=company, **roles.as_fields())


@transaction.atomic
def member_deactivate(*, member: Membership, by) -> Membership:
    """Stop a colleague from signing in; their open sessions stop working at once, because
    every request re-reads the user and refuses an inactive one."""
    if member.is_company_admin:
        _keep_an_admin(member, by=by)
    elif member.user_id == by.pk:
        raise MemberError("You cannot deactivate yourself.")
    User.objects.filter(pk=member.user_id).update(is_active=False)
    member.user.is_active = False
    return member


@transaction.atomic
def member_reactivate(*, member: Membership, by) -> Membership:
    """Let a deactivated colleague sign in again, with the roles they had."""
    User.objects.filter(pk=member.user_id).update(is_active=True)
    member.user.is_active = True
    return member


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
