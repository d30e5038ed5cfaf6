"""The periodic jobs: each slot runs once, however many schedulers look at the clock."""

import io
import logging
import os
import signal
import threading
import time as clock
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.management.commands import run_scheduler
from portal.models import ScheduledRun
from portal.orders.models import Order, OrderEvent
from portal.scheduling import Daily, Every, Job, jobs_run_due
from tests.approvals.conftest import AROUND_3000, place

BERLIN = ZoneInfo("Europe/Berlin")
APPROVERS = ["acme.admin@example.com", "acme.manager@example.com"]


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


class Counted:
    """A job's work that notes each time it is done."""

    def __init__(self, handled: int = 3, seconds: float = 0):
        self.calls = 0
        self.handled = handled
        self.seconds = seconds

    def __call__(self) -> int:
        self.calls += 1
        clock.sleep(self.seconds)
        return self.handled


def daily_job(name: str = "tally", work=None) -> Job:
    return Job(name, work or Counted(), Daily(at=time(7, 0)))


# -- slots ----------------------------------------------------------------------------------


def test_a_daily_slot_starts_at_its_time_in_the_portals_time_zone():
    seven = Daily(at=time(7, 0))

    assert seven.slot_at(berlin(2026, 11, 20, 7, 0)) == berlin(2026, 11, 20, 7, 0)
    assert seven.slot_at(berlin(2026, 11, 20, 23, 30)) == berlin(2026, 11, 20, 7, 0)
    # before seven, the slot still running is yesterday's
    assert seven.slot_at(berlin(2026, 11, 20, 6, 59)) == berlin(2026, 11, 19, 7, 0)
    # 06:30 UTC is 07:30 in Berlin
    assert seven.slot_at(datetime(2026, 11, 20, 6, 30, tzinfo=UTC)) == berlin(2026, 11, 20, 7, 0)


def test_a_daily_slot_keeps_its_wall_clock_time_across_a_change_to_summer_time():
    # Berlin moves its clocks on Sunday 29 March 2026
    slot = Daily(at=time(7, 0)).slot_at(berlin(2026, 3, 29, 9, 0))

    assert slot == berlin(2026, 3, 29, 7, 0)
    assert slot.utcoffset() == timedelta(hours=2)


def test_an_hourly_slot_starts_on_the_hour():
    hourly = Every(timedelta(hours=1))

    assert hourly.slot_at(datetime(2026, 11, 20, 10, 59, 59, tzinfo=UTC)) == datetime(
        2026, 11, 20, 10, 0, tzinfo=UTC
    )


# -- running what is due --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_due_job_runs_once_and_its_run_is_recorded():
    # given a job due daily at 07:00
    work = Counted(handled=3)
    job = daily_job(work=work)

    # when the scheduler looks at 07:05, and again at 07:06 and at 18:00
    [run] = jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 5))
    assert jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 6)) == []
    assert jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 18, 0)) == []

    # then the job ran once, and its run says for which slot, when it ended and what it did
    assert work.calls == 1
    run = ScheduledRun.objects.get()
    assert (run.job, run.slot) == ("tally", berlin(2026, 11, 20, 7, 0))
    assert run.handled == 3
    assert run.finished_at >= run.started_at
    assert run.error == ""
    assert run.claimed_by.endswith(f":{os.getpid()}")


@pytest.mark.django_db
def test_a_job_is_not_run_before_its_next_slot():
    # given a daily job that ran for Friday 07:00
    work = Counted()
    job = daily_job(work=work)
    jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 0))

    # when the scheduler looks on Saturday at 06:59, then at 07:00
    assert jobs_run_due(jobs=[job], now=berlin(2026, 11, 21, 6, 59)) == []
    [saturday] = jobs_run_due(jobs=[job], now=berlin(2026, 11, 21, 7, 0))

    # then only the 07:00 look runs it, for Saturday's slot
    assert work.calls == 2
    assert saturday.slot == berlin(2026, 11, 21, 7, 0)


@pytest.mark.django_db
def test_a_missed_slot_is_run_once_when_a_scheduler_comes_back():
    # given a job that last ran on Monday, and no scheduler running since
    work = Counted()
    job = daily_job(work=work)
    jobs_run_due(jobs=[job], now=berlin(2026, 11, 16, 7, 0))

    # when a scheduler starts on Thursday at 10:00
    [run] = jobs_run_due(jobs=[job], now=berlin(2026, 11, 19, 10, 0))

    # then the job runs once, for Thursday, not for each day it missed
    assert work.calls == 2
    assert run.slot == berlin(2026, 11, 19, 7, 0)


@pytest.mark.django_db
def test_a_failing_job_is_logged_and_the_others_still_run(caplog):
    # given two jobs, the first of which fails
    def broken() -> int:
        raise RuntimeError("mail server on fire")

    work = Counted(handled=2)
    jobs = [daily_job("broken", broken), daily_job("tally", work)]

    # when the scheduler runs them
    with caplog.at_level(logging.ERROR, logger="portal.scheduling"):
        failed, ran = jobs_run_due(jobs=jobs, now=berlin(2026, 11, 20, 7, 0))

    # then the failure is logged with its traceback and recorded on its run
    [record] = caplog.records
    assert "broken" in record.getMessage()
    assert record.exc_info[0] is RuntimeError
    assert failed.error == "RuntimeError: mail server on fire"
    assert failed.handled is None
    assert failed.finished_at is not None
    # and the other job ran all the same
    assert work.calls == 1
    assert (ran.job, ran.handled, ran.error) == ("tally", 2, "")
    # and the failed one waits for its next slot rather than failing again each minute
    assert jobs_run_due(jobs=jobs, now=berlin(2026, 11, 20, 7, 1)) == []


@pytest.mark.django_db
def test_a_run_still_going_holds_the_next_slot_back():
    # given a run of Thursday's slot that started a minute ago and has not finished
    work = Counted()
    job = daily_job(work=work)
    ScheduledRun.objects.create(
        job="tally",
        slot=berlin(2026, 11, 19, 7, 0),
        started_at=timezone.now() - timedelta(minutes=1),
    )

    # when another scheduler looks at Friday 07:00, then the job does not run beside it
    assert jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 0)) == []
    assert work.calls == 0

    # when that run ends, then the next look runs Friday's slot
    ScheduledRun.objects.update(finished_at=timezone.now(), handled=0)
    [run] = jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 1))
    assert run.slot == berlin(2026, 11, 20, 7, 0)


@pytest.mark.django_db
def test_a_run_unfinished_for_a_whole_interval_holds_nothing_back():
    # given a run whose scheduler died a day and a half ago, leaving it unfinished
    work = Counted()
    job = daily_job(work=work)
    ScheduledRun.objects.create(
        job="tally",
        slot=berlin(2026, 11, 19, 7, 0),
        started_at=timezone.now() - timedelta(hours=36),
    )

    # then the next slot runs
    assert len(jobs_run_due(jobs=[job], now=berlin(2026, 11, 20, 7, 0))) == 1
    assert work.calls == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_looking_at_the_same_moment_run_a_job_once():
    # given a job that takes a moment, and two schedulers, each with its own connection
    work = Counted(seconds=0.2)
    job = daily_job(work=work)
    now = berlin(2026, 11, 20, 7, 0)
    barrier = threading.Barrier(2)
    runs: list = [None, None]
    errors: list = []

    def scheduler(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            runs[i] = jobs_run_due(jobs=[job], now=now)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    # when both look at the clock at once
    threads = [threading.Thread(target=scheduler, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then one of them ran the job and the other left it alone
    assert errors == []
    assert sorted(len(made) for made in runs) == [0, 1]
    assert work.calls == 1
    assert ScheduledRun.objects.filter(job="tally", slot=now).count() == 1


# -- the command ----------------------------------------------------------------------------


def submitted_days_ago(order: Order, days: int) -> Order:
    """Date the order's submission back (setup only: the status is left alone)."""
    Order.objects.filter(pk=order.pk).update(submitted_at=timezone.now() - timedelta(days=days))
    order.refresh_from_db()
    return order


def run_once() -> str:
    out = io.StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_run_scheduler_once_sends_the_approval_reminders(demo, committed, run_worker):
    # given an empty task queue and an order that has waited five days for approval
    DBTaskResult.objects.all().delete()
    order = submitted_days_ago(place("acme.buyer", AROUND_3000), 5)

    # when the scheduler runs once, then the worker
    with committed():
        out = run_once()
    run_worker()

    # then it says it reminded one order, and both of Acme's approvers got their reminder
    assert out.startswith("approval_reminders (") and out.endswith("): 1 handled\n")
    assert sorted(m.to[0] for m in mail.outbox) == APPROVERS
    assert all(m.subject.startswith(f"Reminder: order {order.number}") for m in mail.outbox)
    assert OrderEvent.objects.filter(order=order, kind="reminder").count() == 1
    run = ScheduledRun.objects.get(job="approval_reminders")
    assert run.handled == 1

    # when it runs once more in the same slot, then nothing is due and nobody is mailed again
    mail.outbox.clear()
    with committed():
        assert run_once() == ""
    run_worker()
    assert mail.outbox == []


@pytest.mark.django_db
def test_run_scheduler_once_fails_when_a_job_failed(monkeypatch):
    def broken() -> int:
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(run_scheduler, "JOBS", (daily_job("broken", broken),))

    with pytest.raises(CommandError, match=r"^Failed: broken\.$"):
        run_once()


@pytest.mark.django_db
def test_the_scheduler_loop_runs_the_due_jobs_and_stops_on_sigterm(monkeypatch):
    # given a job due now; the loop's connection care would end the test's transaction
    work = Counted(handled=4)
    monkeypatch.setattr(run_scheduler, "JOBS", (daily_job("tally", work),))
    monkeypatch.setattr(run_scheduler, "close_old_connections", lambda: None)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def stop_once_listening() -> None:
        # SIGTERM is sent only once the scheduler has taken it over, or it would end pytest.
        deadline = clock.monotonic() + 30
        while signal.getsignal(signal.SIGTERM) is handlers[signal.SIGTERM]:
            if clock.monotonic() > deadline:
                return
            clock.sleep(0.01)
        clock.sleep(0.3)
        os.kill(os.getpid(), signal.SIGTERM)

    # when the scheduler loops, looking every 0.1 s, until it is sent SIGTERM
    stopper = threading.Thread(target=stop_once_listening)
    stopper.start()
    out = io.StringIO()
    try:
        call_command("run_scheduler", interval=0.1, stdout=out)
    finally:
        stopper.join()
        for number, handler in handlers.items():
            signal.signal(number, handler)

    # then it ran the job once, however many times it looked, and ended by itself
    lines = out.getvalue().splitlines()
    assert lines[0] == "Scheduler running tally; looking every 0.1 s."
    assert len(lines) == 2 and lines[1].endswith(": 4 handled")
    assert work.calls == 1


# -- the admin ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_operators_read_the_runs_in_the_admin_and_change_none(client, demo):
    run = ScheduledRun.objects.create(
        job="approval_reminders",
        slot=berlin(2026, 11, 20, 7, 0),
        started_at=timezone.now() - timedelta(seconds=5),
        finished_at=timezone.now(),
        handled=2,
    )
    client.force_login(get_user_model().objects.get(username="admin"))

    listing = client.get("/admin/portal/scheduledrun/")
    detail = client.get(f"/admin/portal/scheduledrun/{run.pk}/change/")

    assert listing.status_code == detail.status_code == 200
    assert "approval_reminders" in listing.text
    assert 'name="_save"' not in detail.text
    assert client.get("/admin/portal/scheduledrun/add/").status_code == 403
