"""Two people acting at the same instant, on PostgreSQL with real threads."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from approvals.models import ApprovalRequirement
from approvals.policy import month_spend
from approvals.services import (
    Checkout,
    OrderChanged,
    TransitionNotAllowed,
    order_approve,
    order_reject,
    order_submit,
)
from portal.catalog.models import Product
from portal.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from portal.orders.services import order_number_next
from tests.approvals.conftest import AROUND_3000, place, user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _demo(demo):
    """Transactional tests empty the database after each test: seed it again first."""


def at_once(*calls):
    """Run each call in its own thread and connection, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as error:  # the test inspects who lost and why
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_approve_and_reject_at_the_same_instant_one_wins_and_the_loser_is_told_who():
    # given acme.buyer's 2,984.80 order, open on two screens at the same version
    order = place("acme.buyer", AROUND_3000)
    version = order.version
    manager, admin = user("acme.manager"), user("acme.admin")

    # when acme.manager approves and acme.admin rejects at the same instant
    approved, rejected = at_once(
        lambda: order_approve(order=order, by=manager, expected_version=version),
        lambda: order_reject(order=order, by=admin, expected_version=version, reason="No."),
    )

    # then exactly one of them wins, and exactly one decision is recorded
    outcomes = [approved, rejected]
    winners = [o for o in outcomes if isinstance(o, Order)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    order.refresh_from_db()
    decisions = OrderEvent.objects.filter(order=order, kind__in=("approve", "reject"))
    assert decisions.count() == 1
    decision = decisions.get()
    assert order.status == winners[0].status == decision.to_status

    # and the loser is told the order changed, and who decided it
    assert isinstance(losers[0], OrderChanged)
    winner_name = decision.actor.get_username()
    verb = "approved" if decision.kind == "approve" else "rejected"
    assert f"was {verb} by {winner_name}" in str(losers[0])
    assert str(losers[0]).startswith("Order changed")


def draft_for(username: str, sku: str, quantity: int) -> Order:
    """A numbered draft of ``username`` (an order sent back to them), ready to submit."""
    buyer = user(username)
    company = buyer.membership.company
    order = Order.objects.create(
        number=order_number_next(), company=company, buyer=buyer, currency=company.currency
    )
    OrderLine.objects.create(order=order, product=Product.objects.get(sku=sku), quantity=quantity)
    return order


def spent_9520_with_two_drafts_of_258():
    """acme.buyer has 480.00 of their budget left and two drafts that each fit it alone."""
    manager = user("acme.manager")
    for _ in range(4):
        first = place("acme.buyer", (("DRILL-18V", 20),))
        order_approve(order=first, by=manager, expected_version=first.version)
    assert month_spend(buyer=user("acme.buyer")) == Decimal("9520.00")
    buyer = user("acme.buyer")
    address = buyer.membership.company.addresses.filter(is_shipping=True).first()
    checkout = Checkout(po_number="", ship_to=address, requested_delivery_date=None, note="")
    one, two = draft_for("acme.buyer", "DRILL-18V", 2), draft_for("acme.buyer", "DRILL-18V", 2)
    return buyer, checkout, one, two


def assert_one_approved_one_waiting(results):
    assert all(isinstance(r, Order) for r in results), results
    statuses = sorted(r.status for r in results)
    assert statuses == [OrderStatus.APPROVED, OrderStatus.PENDING_APPROVAL]
    waiting = next(r for r in results if r.status == OrderStatus.PENDING_APPROVAL)
    requirement = ApprovalRequirement.objects.get(order=waiting)
    assert requirement.budget_spent_before == Decimal("9778.00")
    assert "of a €10,000.00 budget" in requirement.reasons[0]


def test_two_orders_racing_for_the_last_500_of_a_budget_one_needs_approval():
    # given 480.00 left of acme.buyer's budget and two drafts of 258.00
    buyer, checkout, one, two = spent_9520_with_two_drafts_of_258()

    # when both are submitted at the same instant
    results = at_once(
        lambda: order_submit(token=one.checkout_token, by=buyer, checkout=checkout),
        lambda: order_submit(token=two.checkout_token, by=buyer, checkout=checkout),
    )

    # then one is approved and the other, counting the first, waits for approval
    assert_one_approved_one_waiting(results)


def test_a_submit_waits_for_another_submit_of_the_same_buyer_to_finish():
    # given 480.00 left of acme.buyer's budget and two drafts of 258.00
    buyer, checkout, one, two = spent_9520_with_two_drafts_of_258()
    second: list = []

    # when the first submit is still inside its transaction as the second one starts
    with transaction.atomic():
        first = order_submit(token=one.checkout_token, by=buyer, checkout=checkout)
        thread = threading.Thread(
            target=lambda: second.extend(
                at_once(lambda: order_submit(token=two.checkout_token, by=buyer, checkout=checkout))
            )
        )
        thread.start()
        thread.join(timeout=1.0)
        # then the second waits on the budget lock instead of reading a month without it
        assert thread.is_alive() and second == []
    thread.join(timeout=30)

    # and once the first commits, the second counts it and needs approval
    assert_one_approved_one_waiting([first, *second])


def test_two_approvers_cannot_both_complete_a_two_approval_order_twice():
    # given a 6,916.00 order already approved by acme.manager, waiting for an admin
    order = place("acme.buyer", (("DRILL-18V", 20), ("BOLT-M8-50", 450)))
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    # when acme.admin clicks approve twice at the same instant (two tabs)
    admin = user("acme.admin")
    results = at_once(
        lambda: order_approve(order=order, by=admin, expected_version=order.version),
        lambda: order_approve(order=order, by=admin, expected_version=order.version),
    )

    # then one approval is recorded and the other click is refused
    assert sum(isinstance(r, Order) for r in results) == 1
    assert sum(isinstance(r, TransitionNotAllowed) for r in results) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.APPROVED
    assert order.approvals.filter(approver=admin).count() == 1
