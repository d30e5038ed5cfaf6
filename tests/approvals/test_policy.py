"""Acme's and Borealis' policies: thresholds, approval limits, budgets, no self-approval."""

from decimal import Decimal

import pytest

from approvals.models import ApprovalPolicy, ApprovalRequirement
from approvals.policy import month_spend
from approvals.selectors import still_needed
from approvals.services import OrderInvalid, order_approve, order_cancel
from approvals.workflow import TransitionNotAllowed
from portal.accounts.models import Company
from portal.accounts.services import membership_set
from portal.orders.models import Order, OrderStatus
from tests.approvals.conftest import ABOUT_200, AROUND_900, AROUND_3000, AROUND_7000, place, user

pytestmark = pytest.mark.django_db

S = OrderStatus


def approve(order, username):
    return order_approve(order=order, by=user(username), expected_version=order.version)


def test_900_is_approved_on_submission():
    # when acme.buyer submits 833.00 net, under Acme's 1,000 threshold and the budget
    order = place("acme.buyer", AROUND_900)

    # then it is approved at once, and the record says why no approval was needed
    assert order.subtotal == Decimal("833.00")
    assert order.status == S.APPROVED
    requirement = ApprovalRequirement.objects.get(order=order)
    assert requirement.approvals_required == 0
    assert requirement.reasons == [
        "Within the company's approval-free amount and the buyer's budget."
    ]
    assert list(order.events.values_list("kind", "to_status")) == [
        ("submit", "approved"),
        ("stock_reserved", ""),
    ]


def test_3000_needs_the_manager():
    # given acme.buyer's 2,984.80 order
    order = place("acme.buyer", AROUND_3000)
    assert order.status == S.PENDING_APPROVAL
    assert ApprovalRequirement.objects.get(order=order).reasons == [
        "Net total €2,984.80 is above €1,000.00: 1 approval."
    ]

    # when acme.manager (limit 5,000) approves it
    order = approve(order, "acme.manager")

    # then it is approved, by that one approval
    assert order.status == S.APPROVED
    assert list(order.approvals.values_list("approver__username", "completed_order")) == [
        ("acme.manager", True)
    ]


def test_7000_needs_the_manager_then_the_admin():
    # given acme.buyer's 6,916.00 order: two approvals, the last by a company admin
    order = place("acme.buyer", AROUND_7000)
    requirement = ApprovalRequirement.objects.get(order=order)
    assert (requirement.approvals_required, requirement.last_by_company_admin) == (2, True)

    # when acme.manager approves, then it still waits
    order = approve(order, "acme.manager")
    assert order.status == S.PENDING_APPROVAL

    # and acme.manager cannot finish it alone: a second approval of theirs is refused
    with pytest.raises(TransitionNotAllowed, match="already approved this order"):
        approve(order, "acme.manager")
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL

    # when acme.admin approves, then it is approved
    order = approve(order, "acme.admin")
    assert order.status == S.APPROVED
    assert list(order.approvals.values_list("approver__username", "completed_order")) == [
        ("acme.manager", False),
        ("acme.admin", True),
    ]


def test_7000_approved_by_the_admin_first_is_completed_by_the_manager():
    # given the admin approved acme.buyer's 6,916.00 order first
    order = approve(place("acme.buyer", AROUND_7000), "acme.admin")
    assert order.status == S.PENDING_APPROVAL
    assert still_needed(order) == "1 more approval."

    # when acme.manager gives the second approval
    order = approve(order, "acme.manager")

    # then it is approved: two approvals, one of them by a company admin
    assert order.status == S.APPROVED
    assert list(
        order.approvals.values_list("approver__username", "with_authority", "completed_order")
    ) == [("acme.admin", True, False), ("acme.manager", False, True)]


def test_7000_approved_by_two_approvers_without_an_admin_still_waits():
    # given a second approver at Acme, with acme.manager's 5,000 limit
    from django.contrib.auth import get_user_model

    second = get_user_model().objects.create_user("acme.second", "acme.second@example.com")
    membership_set(
        user=second,
        company=Company.objects.get(code="acme"),
        is_buyer=False,
        is_approver=True,
        approval_limit=Decimal("5000.00"),
    )
    order = approve(place("acme.buyer", AROUND_7000), "acme.manager")

    # when the second approver gives the second approval
    order = approve(order, "acme.second")

    # then two approvals are there, but none by a company admin: it still waits for one
    assert order.status == S.PENDING_APPROVAL
    assert still_needed(order) == "1 more approval, by a company admin."
    assert approve(order, "acme.admin").status == S.APPROVED


def test_the_manager_cannot_approve_an_order_they_placed():
    # given acme.manager placed a 2,984.80 order themselves
    order = place("acme.manager", AROUND_3000)
    assert order.status == S.PENDING_APPROVAL

    # when they try to approve it, then they are refused and it waits
    with pytest.raises(TransitionNotAllowed, match="You placed this order"):
        approve(order, "acme.manager")
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL
    assert not order.approvals.exists()

    # and acme.admin can approve it
    assert approve(order, "acme.admin").status == S.APPROVED


def test_a_buyer_over_budget_needs_approval_even_for_200():
    # given acme.buyer spent 11,900.00 this month (five approved orders of 20 drills)
    for _ in range(5):
        approve(place("acme.buyer", (("DRILL-18V", 20),)), "acme.manager")
    assert month_spend(buyer=user("acme.buyer")) == Decimal("11900.00")

    # when they submit 214.20 net, far under the 1,000 threshold
    order = place("acme.buyer", ABOUT_200)

    # then it waits for an approval, and the budget is the reason
    assert order.status == S.PENDING_APPROVAL
    requirement = ApprovalRequirement.objects.get(order=order)
    assert requirement.approvals_required == 1
    assert requirement.budget == Decimal("10000.00")
    assert requirement.budget_spent_before == Decimal("11900.00")
    assert requirement.reasons == ["Takes the buyer's month to €12,114.20 of a €10,000.00 budget."]
    assert approve(order, "acme.manager").status == S.APPROVED


def test_an_order_that_fits_the_rest_of_the_budget_is_approved():
    # given acme.buyer spent 9,907.00 (four orders of 20 drills and one of 3)
    for _ in range(4):
        approve(place("acme.buyer", (("DRILL-18V", 20),)), "acme.manager")
    place("acme.buyer", (("DRILL-18V", 3),))
    assert month_spend(buyer=user("acme.buyer")) == Decimal("9907.00")

    # when an order of 86.40 would end exactly within the budget (9,993.40)
    order = place("acme.buyer", (("NUT-M8", 20),))

    # then it is approved on submission
    assert order.subtotal == Decimal("86.40")
    assert order.status == S.APPROVED


def test_cancelled_and_rejected_orders_free_the_budget():
    # given an approved order of 11,900.00 worth of drills, then cancelled
    orders = [approve(place("acme.buyer", (("DRILL-18V", 20),)), "acme.manager") for _ in range(5)]
    for order in orders:
        order_cancel(order=order, by=user("acme.buyer"))

    # then nothing counts against the month and a small order is approved at once
    assert month_spend(buyer=user("acme.buyer")) == Decimal("0.00")
    assert place("acme.buyer", ABOUT_200).status == S.APPROVED


def borealis_approver(username: str, limit: str):
    """Make ``username`` a Borealis approver with this approval limit (creating them if new)."""
    from django.contrib.auth import get_user_model

    person, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com"}
    )
    membership_set(
        user=person,
        company=Company.objects.get(code="borealis"),
        is_buyer=True,
        is_approver=True,
        approval_limit=Decimal(limit),
    )


def test_an_approval_above_the_approvers_limit_counts_but_does_not_complete():
    # given borealis.manager's limit is 2,500 USD and a director's is 10,000
    borealis_approver("borealis.manager", "2500.00")
    borealis_approver("borealis.director", "10000.00")
    # and borealis.buyer's 2,640.00 USD order needs one approval (over 2,000)
    order = place("borealis.buyer", (("DRILL-18V", 16),))
    assert order.status == S.PENDING_APPROVAL

    # when borealis.manager approves it
    order = approve(order, "borealis.manager")

    # then the approval is recorded but someone whose limit covers it must approve too
    assert order.status == S.PENDING_APPROVAL
    assert list(order.approvals.values_list("approver__username", "completed_order")) == [
        ("borealis.manager", False)
    ]
    assert still_needed(order) == (
        "1 more approval, by someone whose approval limit covers $2,640.00."
    )
    assert approve(order, "borealis.director").status == S.APPROVED


def test_an_order_nobody_could_approve_is_refused_at_submission():
    # given Borealis' only approver may approve up to 2,500 USD
    borealis_approver("borealis.manager", "2500.00")

    # when borealis.buyer submits 2,640.00 USD, then they are told why it cannot go through
    with pytest.raises(OrderInvalid, match=r"Nobody at Borealis Foods Inc\. can approve"):
        place("borealis.buyer", (("DRILL-18V", 16),))
    # and nothing was submitted: their cart still holds the lines
    cart = Order.objects.get(buyer__username="borealis.buyer", number__isnull=True)
    assert cart.status == S.DRAFT and cart.lines.count() == 1


def test_a_company_admins_own_large_order_needs_another_admin():
    # Acme has one company admin; an order of theirs over 5,000 has nobody to finish it
    with pytest.raises(OrderInvalid, match="one of them by a company admin"):
        place("acme.admin", AROUND_7000)


def test_borealis_needs_one_approval_over_2000_only():
    small = place("borealis.buyer", (("BOLT-M8-50", 100),))  # 1,390.00 USD
    large = place("borealis.buyer", (("DRILL-18V", 16),))  # 2,640.00 USD

    assert small.status == S.APPROVED
    assert large.status == S.PENDING_APPROVAL
    assert approve(large, "borealis.manager").status == S.APPROVED


def test_a_company_without_a_policy_has_orders_approved_on_submission():
    # given Borealis' policy is removed by an operator
    ApprovalPolicy.objects.filter(company=Company.objects.get(code="borealis")).delete()

    # when its buyer submits 2,640.00 USD (borealis.buyer has no budget)
    order = place("borealis.buyer", (("DRILL-18V", 16),))

    # then nothing needs approval
    assert order.status == S.APPROVED
