"""Reminders of orders that wait too long: working days in Berlin, the daily command, its emails."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from approvals.reminders import add_working_days, orders_to_remind, working_days_between
from approvals.services import order_approve, order_reject
from portal.orders.models import Order, OrderEvent, OrderStatus
from tests.approvals.conftest import AROUND_3000, AROUND_7000, place, user

BERLIN = ZoneInfo("Europe/Berlin")
APPROVERS = ["acme.admin@example.com", "acme.manager@example.com"]


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def submitted_back(order: Order, at: datetime) -> Order:
    """Date the order's submission back (setup only: the status is left alone)."""
    Order.objects.filter(pk=order.pk).update(submitted_at=at)
    order.refresh_from_db()
    return order


def submitted_days_ago(order: Order, days: int) -> Order:
    # Five calendar days always hold at least three working days, whatever today is.
    return submitted_back(order, timezone.now() - timedelta(days=days))


def remind(*args: str) -> str:
    out = io.StringIO()
    call_command("send_approval_reminders", *args, stdout=out)
    return out.getvalue()


def reminders(order: Order) -> list[OrderEvent]:
    return list(OrderEvent.objects.filter(order=order, kind="reminder"))


# -- working days ---------------------------------------------------------------------------


def test_two_working_days_after_a_friday_afternoon_is_tuesday_afternoon():
    friday = berlin(2026, 11, 20, 15, 0)

    assert add_working_days(friday, 2) == berlin(2026, 11, 24, 15, 0)


def test_two_working_days_after_a_thursday_is_monday_at_the_same_time():
    thursday = berlin(2026, 11, 19, 9, 30)

    assert add_working_days(thursday, 2) == berlin(2026, 11, 23, 9, 30)


def test_a_start_on_a_weekend_counts_from_monday_midnight():
    saturday = berlin(2026, 11, 21, 10, 0)

    assert add_working_days(saturday, 0) == berlin(2026, 11, 23, 0, 0)
    assert add_working_days(saturday, 2) == berlin(2026, 11, 25, 0, 0)


def test_the_weekend_is_judged_in_berlin_time():
    # given Friday 23:30 in UTC, which is already Saturday 00:30 in Berlin
    late_friday_utc = datetime(2026, 11, 20, 23, 30, tzinfo=ZoneInfo("UTC"))

    # then it counts from Monday midnight in Berlin, like any Saturday
    assert add_working_days(late_friday_utc, 2) == berlin(2026, 11, 25, 0, 0)


def test_working_days_keep_the_wall_clock_time_across_a_change_to_summer_time():
    # Berlin moves its clocks on Sunday 29 March 2026; Friday 15:00 CET is Tuesday 15:00 CEST
    friday = berlin(2026, 3, 27, 15, 0)

    later = add_working_days(friday, 2)

    assert later == berlin(2026, 3, 31, 15, 0)
    assert (friday.utcoffset(), later.utcoffset()) == (timedelta(hours=1), timedelta(hours=2))


def test_working_days_between_counts_whole_working_days_only():
    friday = berlin(2026, 11, 20, 15, 0)

    assert working_days_between(friday, berlin(2026, 11, 20, 18, 0)) == 0
    assert working_days_between(friday, berlin(2026, 11, 23, 15, 0)) == 1
    assert working_days_between(friday, berlin(2026, 11, 24, 14, 59)) == 1
    assert working_days_between(friday, berlin(2026, 11, 24, 15, 0)) == 2
    assert working_days_between(friday, berlin(2026, 11, 27, 15, 0)) == 5


# -- which orders are due -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_an_order_is_due_two_working_days_after_its_submission():
    # given an order submitted on Friday at 15:00
    order = submitted_back(place("acme.buyer", AROUND_3000), berlin(2026, 11, 20, 15, 0))

    # then it is not due on Tuesday at 14:59, and due from 15:00
    assert orders_to_remind(now=berlin(2026, 11, 24, 14, 59)) == []
    assert orders_to_remind(now=berlin(2026, 11, 24, 15, 0)) == [order]


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_reminded_order_is_due_again_one_working_day_later(committed):
    # given an order that waited since the Monday before and was reminded on Friday 10:00
    order = submitted_back(place("acme.buyer", AROUND_3000), berlin(2026, 11, 9, 9, 0))
    with committed():
        remind()
    [event] = reminders(order)
    OrderEvent.objects.filter(pk=event.pk).update(created_at=berlin(2026, 11, 13, 10, 0))

    # then it is not due over the weekend, and due again on Monday's run (a few hours slack)
    assert orders_to_remind(now=berlin(2026, 11, 14, 10, 0)) == []
    assert orders_to_remind(now=berlin(2026, 11, 16, 5, 59)) == []
    assert orders_to_remind(now=berlin(2026, 11, 16, 6, 0)) == [order]


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_an_order_nobody_can_decide_any_more_is_not_reminded(committed):
    # given a waiting order whose only possible approvers lost their role since
    from portal.accounts.services import membership_set

    order = submitted_back(place("acme.buyer", AROUND_3000), berlin(2026, 11, 9, 9, 0))
    assert orders_to_remind(now=berlin(2026, 11, 20, 10, 0)) == [order]
    for username in ("acme.manager", "acme.admin"):
        approver = user(username)
        membership_set(user=approver, company=approver.membership.company, is_buyer=True)

    # then the daily run leaves it alone rather than noting reminders nobody receives
    assert orders_to_remind(now=berlin(2026, 11, 20, 10, 0)) == []


# -- the daily command ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_an_order_waiting_five_days_is_reminded_to_its_approvers(committed, run_worker):
    # given a pending order submitted five days ago
    order = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)
    waited = working_days_between(order.submitted_at, timezone.now())
    assert waited >= 3

    # when the daily command runs
    with committed():
        out = remind()

    # then it names the order and says it reminded one
    assert order.number in out
    assert out.endswith("Reminded the approvers of 1 order.\n")
    # and the reminder is on the order's timeline, from the system
    [event] = reminders(order)
    assert event.actor is None
    assert event.comment == f"Approvers reminded after {waited} working days."
    assert event.order_version == order.version
    # and the order itself is unchanged
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_APPROVAL

    # when the worker runs
    run_worker()

    # then acme.manager and acme.admin are reminded, with the days waited and the link
    subject = f"Reminder: order {order.number} has waited {waited} working days"
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [(to, subject) for to in APPROVERS]
    for message in mail.outbox:
        assert "(€2,984.80 net)" in message.body
        assert f"has waited {waited} working days for a decision" in message.body
        assert f"/orders/{order.number}/" in message.body


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_fresh_order_is_not_reminded(committed):
    # given an order submitted just now
    order = place("acme.buyer", AROUND_3000)
    assert order.status == OrderStatus.PENDING_APPROVAL

    # when the daily command runs
    with committed():
        out = remind()

    # then nobody is reminded
    assert out == "Reminded the approvers of 0 orders.\n"
    assert reminders(order) == []
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_second_run_the_same_day_reminds_nobody_again(committed, run_worker):
    # given an order that waited five days and was reminded by this morning's run
    order = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)
    with committed():
        remind()
    run_worker()
    mail.outbox.clear()

    # when the command runs again
    with committed():
        out = remind()
    run_worker()

    # then it reminds nobody
    assert out == "Reminded the approvers of 0 orders.\n"
    assert len(reminders(order)) == 1
    assert mail.outbox == []


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_dry_run_lists_the_orders_and_changes_nothing(committed, run_worker):
    # given an order that waited five days
    order = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)

    # when the command runs with --dry-run
    with committed():
        out = remind("--dry-run")
    run_worker()

    # then it names the order it would remind
    assert order.number in out
    assert out.endswith("Would remind the approvers of 1 order.\n")
    # and writes nothing, queues nothing and mails nobody
    assert reminders(order) == []
    assert not DBTaskResult.objects.exists()
    assert mail.outbox == []
    # and a real run afterwards still reminds it
    assert orders_to_remind() == [order]


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_decided_orders_are_not_reminded(committed):
    # given three orders submitted five days ago: one approved, one rejected, one pending
    approved = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)
    order_approve(order=approved, by=user("acme.manager"), expected_version=approved.version)
    rejected = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)
    order_reject(
        order=rejected, by=user("acme.admin"), expected_version=rejected.version, reason="No."
    )
    pending = submitted_days_ago(place("acme.buyer", (("BOLT-M8-50", 120),)), 5)
    assert pending.status == OrderStatus.PENDING_APPROVAL

    # when the daily command runs
    with committed():
        out = remind()

    # then only the pending order is reminded
    assert out.endswith("Reminded the approvers of 1 order.\n")
    assert pending.number in out
    assert approved.number not in out
    assert rejected.number not in out
    assert reminders(approved) == reminders(rejected) == []
    assert len(reminders(pending)) == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_reminder_goes_only_to_the_approvers_still_waiting(committed, run_worker):
    # given a 6,916.00 order submitted five days ago that acme.manager has approved,
    # which now waits for a company admin
    order = submitted_days_ago(place("acme.buyer", AROUND_7000), 5)
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert order.status == OrderStatus.PENDING_APPROVAL

    # when the daily command runs, then the worker
    with committed():
        remind()
    run_worker()

    # then only acme.admin is reminded
    assert [m.to for m in mail.outbox] == [["acme.admin@example.com"]]
    assert mail.outbox[0].subject.startswith(f"Reminder: order {order.number} has waited")


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_a_reminder_queued_for_an_order_decided_since_mails_nobody(committed, run_worker):
    # given an order that waited five days and was reminded
    order = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)
    with committed():
        remind()
    # and acme.admin approves it before the worker gets to the reminder
    order_approve(order=order, by=user("acme.admin"), expected_version=order.version)

    # when the worker runs
    run_worker()

    # then no reminder goes out
    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db
@pytest.mark.usefixtures("empty_task_queue")
def test_the_command_lists_submission_times_in_the_portals_time_zone():
    order = submitted_back(place("acme.buyer", AROUND_7000), berlin(2026, 11, 16, 9, 0))

    out = remind("--dry-run")

    assert f"{order.number}  submitted 2026-11-16 09:00" in out
