"""Who is emailed when an order moves: queued after the transition commits, sent by the worker."""

import pytest
from django.core import mail
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from approvals.services import (
    TransitionNotAllowed,
    order_approve,
    order_edit,
    order_reject,
    order_request_changes,
)
from portal.orders.models import OrderStatus
from tests.approvals.conftest import AROUND_3000, AROUND_7000, place, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_task_queue")]

APPROVERS = ["acme.admin@example.com", "acme.manager@example.com"]
BUYER = ["acme.buyer@example.com"]


def mailed() -> list[tuple[str, str]]:
    """(recipient, subject) of every email sent, sorted."""
    return sorted((to, message.subject) for message in mail.outbox for to in message.to)


# -- waiting for approval -------------------------------------------------------------------


def test_a_submitted_order_that_needs_approval_is_mailed_to_its_approvers(committed, run_worker):
    # given acme.buyer submits a 2,984.80 order, which needs one approval
    with committed():
        order = place("acme.buyer", AROUND_3000, po="PO-NOTIFY-1")
    assert order.status == OrderStatus.PENDING_APPROVAL
    # and nobody has been mailed yet: the emails wait in the queue for the worker
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "READY"

    # when the worker runs
    run_worker()

    # then acme.manager and acme.admin are each asked to decide it; the buyer is not
    waiting = f"Order {order.number} waits for your approval"
    assert mailed() == [(to, waiting) for to in APPROVERS]
    # and each email greets its approver and says what the order is and where to decide it
    for message in mail.outbox:
        username = message.to[0].removesuffix("@example.com")
        assert message.body.startswith(f"Hello {username},")
        assert f"order {order.number} from acme.buyer waits for your decision" in message.body
        assert "Net total: €2,984.80" in message.body
        assert "PO number: PO-NOTIFY-1" in message.body
        assert f"http://127.0.0.1:8000/orders/{order.number}/" in message.body
    # and the task is done
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_an_order_approved_on_submission_mails_nobody(committed, run_worker):
    # given acme.buyer submits an 833.00 order, under Acme's approval threshold
    with committed():
        order = place("acme.buyer", (("DRILL-18V", 7),))
    assert order.status == OrderStatus.APPROVED

    # when the worker runs
    run_worker()

    # then nobody is mailed: the buyer saw the result on the page they submitted from
    assert not DBTaskResult.objects.exists()
    assert mail.outbox == []


# -- decisions ------------------------------------------------------------------------------


def test_the_final_approval_is_mailed_to_the_buyer(committed, run_worker):
    # given a pending 2,984.80 order whose waiting emails have gone out
    with committed():
        order = place("acme.buyer", AROUND_3000)
    run_worker()
    mail.outbox.clear()

    # when acme.manager approves it, within their 5,000 limit
    with committed():
        order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert order.status == OrderStatus.APPROVED
    run_worker()

    # then only the buyer hears, and is told it is approved and by whom
    assert mailed() == [(BUYER[0], f"Order {order.number} is approved")]
    [message] = mail.outbox
    assert f"your order {order.number} (€2,984.80 net) was approved by acme.manager" in (
        message.body
    )
    assert f"/orders/{order.number}/" in message.body


def test_a_partial_approval_asks_only_the_approvers_still_waiting(committed, run_worker):
    # given a pending 6,916.00 order (two approvals, the last by a company admin), announced
    with committed():
        order = place("acme.buyer", AROUND_7000)
    run_worker()
    waiting = f"Order {order.number} waits for your approval"
    assert mailed() == [(to, waiting) for to in APPROVERS]
    mail.outbox.clear()

    # when acme.manager approves it first
    with committed():
        order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert order.status == OrderStatus.PENDING_APPROVAL
    run_worker()

    # then acme.admin, who has still to decide, is asked; the manager and the buyer are not
    assert mailed() == [("acme.admin@example.com", waiting)]
    mail.outbox.clear()

    # and when acme.admin gives the last approval, the buyer hears that it is approved
    with committed():
        order = order_approve(order=order, by=user("acme.admin"), expected_version=order.version)
    assert order.status == OrderStatus.APPROVED
    run_worker()
    assert mailed() == [(BUYER[0], f"Order {order.number} is approved")]


def test_a_rejection_is_mailed_to_the_buyer_with_the_reason(committed, run_worker):
    # given a pending order
    order = place("acme.buyer", AROUND_3000)

    # when acme.admin rejects it with a reason
    with committed():
        order_reject(
            order=order,
            by=user("acme.admin"),
            expected_version=order.version,
            reason="We have twenty drills in stock.",
        )
    run_worker()

    # then the buyer is told who rejected it and why
    assert mailed() == [(BUYER[0], f"Order {order.number} was rejected")]
    [message] = mail.outbox
    assert "was rejected by acme.admin" in message.body
    assert "We have twenty drills in stock." in message.body
    assert f"/orders/{order.number}/" in message.body


def test_a_request_for_changes_is_mailed_to_the_buyer_with_the_comment(committed, run_worker):
    # given a pending order
    order = place("acme.buyer", AROUND_3000)

    # when acme.manager sends it back with a comment
    with committed():
        order_request_changes(
            order=order,
            by=user("acme.manager"),
            expected_version=order.version,
            comment="Split this: ten drills now, ten next month.",
        )
    run_worker()

    # then the buyer is told what to change and where
    assert mailed() == [(BUYER[0], f"Order {order.number}: changes requested")]
    [message] = mail.outbox
    assert "was sent back to you for changes by acme.manager" in message.body
    assert "Split this: ten drills now, ten next month." in message.body
    assert f"Edit the order and submit it again: http://127.0.0.1:8000/orders/{order.number}/" in (
        message.body
    )


# -- nothing to tell ------------------------------------------------------------------------


def test_a_refused_transition_queues_no_email(committed):
    # given a pending order that acme.manager placed themselves
    with committed():
        order = place("acme.manager", AROUND_3000)
    assert order.status == OrderStatus.PENDING_APPROVAL
    queued = DBTaskResult.objects.count()

    # when acme.manager tries to approve it
    with committed() as callbacks, pytest.raises(TransitionNotAllowed, match="You placed"):
        order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    # then nothing was queued
    assert callbacks == []
    assert DBTaskResult.objects.count() == queued


def test_a_transition_rolled_back_with_its_transaction_queues_no_email(committed, run_worker):
    # given a pending order
    order = place("acme.buyer", AROUND_3000)

    # when an approval is rolled back with the transaction around it
    with committed() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        order_approve(order=order, by=user("acme.admin"), expected_version=order.version)
        raise RuntimeError("something after the approval failed")

    # then the order still waits, nothing was queued and the worker mails nobody
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL
    assert callbacks == []
    assert not DBTaskResult.objects.exists()
    run_worker()
    assert mail.outbox == []


def test_a_waiting_email_is_not_sent_for_an_order_decided_before_the_worker_ran(
    committed, run_worker
):
    # given a submitted order whose waiting emails are still in the queue
    with committed():
        order = place("acme.buyer", AROUND_3000)
    # and acme.manager approves it before the worker gets to them
    with committed():
        order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert DBTaskResult.objects.filter(status="READY").count() == 2

    # when the worker runs
    run_worker()

    # then the approvers are not asked about an order already approved; the buyer hears of it
    assert mailed() == [(BUYER[0], f"Order {order.number} is approved")]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_a_waiting_email_is_not_sent_for_an_order_reopened_before_the_worker_ran(
    committed, run_worker
):
    # given a submitted order whose waiting emails are still in the queue
    with committed():
        order = place("acme.buyer", AROUND_3000)
    # and the buyer reopens it for editing before the worker gets to them
    with committed():
        order_edit(order=order, by=user("acme.buyer"))

    # when the worker runs
    run_worker()

    # then nobody is mailed
    assert mail.outbox == []
