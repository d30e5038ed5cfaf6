from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from portal.accounts.models import Company, CompanyUserObjectPermission, Membership
from portal.accounts.permissions import companies_visible_to, members_visible_to, roles_of
from portal.accounts.services import membership_set

pytestmark = pytest.mark.django_db


def fresh(username):
    """The user re-read, so cached roles do not hide a change."""
    return get_user_model().objects.get(username=username)


def test_a_buyer_may_order_for_their_company_only(demo):
    buyer = fresh("acme.buyer")

    assert list(companies_visible_to(buyer)) == [Company.objects.get(code="acme")]
    assert list(companies_visible_to(buyer, "accounts.view_company_orders")) == []
    assert buyer.has_perm("accounts.place_orders", Company.objects.get(code="acme"))
    assert not buyer.has_perm("accounts.place_orders", Company.objects.get(code="borealis"))


def test_roles_come_from_groups_not_per_user_permission_rows(demo):
    assert CompanyUserObjectPermission.objects.count() == 0
    assert roles_of(fresh("acme.admin")) == {"buyer", "approver", "company_admin"}
    assert roles_of(fresh("acme.manager")) == {"buyer", "approver"}
    assert roles_of(fresh("warehouse.north")) == {"warehouse"}
    assert roles_of(fresh("finance")) == {"finance"}
    assert roles_of(fresh("admin")) == {"operator"}


def test_changing_roles_moves_the_user_between_groups(demo):
    acme = Company.objects.get(code="acme")

    membership_set(
        user=fresh("acme.buyer"),
        company=acme,
        is_buyer=True,
        is_approver=True,
        approval_limit=Decimal("800.00"),
    )
    assert fresh("acme.buyer").has_perm("accounts.approve_orders", acme)

    membership_set(user=fresh("acme.buyer"), company=acme, is_buyer=True)
    buyer = fresh("acme.buyer")
    assert not buyer.has_perm("accounts.approve_orders", acme)
    assert buyer.membership.approval_limit is None, "a limit without the approver role is void"


def test_moving_a_user_to_another_company_drops_the_old_companys_access(demo):
    acme, borealis = Company.objects.get(code="acme"), Company.objects.get(code="borealis")

    membership_set(user=fresh("acme.buyer"), company=borealis, is_buyer=True)

    buyer = fresh("acme.buyer")
    assert list(companies_visible_to(buyer)) == [borealis]
    assert not buyer.has_perm("accounts.place_orders", acme)


def test_a_company_admin_manages_only_their_own_colleagues(demo):
    names = {m.user.username for m in members_visible_to(fresh("acme.admin"))}

    assert names == {"acme.buyer", "acme.manager", "acme.admin"}
    assert members_visible_to(fresh("acme.manager")).count() == 0


def test_the_database_refuses_a_membership_without_a_role(demo):
    from django.db import IntegrityError, transaction

    member = Membership.objects.get(user__username="acme.buyer")
    member.is_buyer = False
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()
