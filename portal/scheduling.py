"""The periodic jobs, and the claims that make each of them run once per time slot.

``manage.py run_scheduler`` looks at the clock every minute and runs the jobs that are due.
Any number of schedulers may do so at once (one per host, or cron's ``--once`` beside a
running loop): a run first claims its (job, slot) row in PostgreSQL, and only the scheduler
whose insert made the row runs the job. A slot the schedulers all missed (none was running)
is run once when one comes back; slots before it are not made up.

Jobs run inline, in the scheduler's process, not as tasks queued for ``db_worker``: each is
a few queries that queue their own slow work (the reminder emails are tasks already), and
run inline, the scheduler knows when a run ended, what it handled and whether it failed, and
records it on the claim. A job that grows heavy should queue a task itself.
"""

import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from approvals.reminders import orders_to_remind
from approvals.services import order_remind_approvers
from portal.audit.context import COMMAND, audit_context
from portal.models import ScheduledRun

log = logging.getLogger(__name__)

# What the scheduler keeps of a failed job's message on its run (the log has the traceback).
ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Daily:
    """Once a day at ``at``, wall-clock time in the portal's time zone (``TIME_ZONE``)."""

    at: time

    @property
    def interval(self) -> timedelta:
        return timedelta(days=1)

    def slot_at(self, now: datetime) -> datetime:
        """The start of the latest slot at or before ``now``."""
        zone = timezone.get_current_timezone()
        today = timezone.localtime(now, zone).date()
        slot = datetime.combine(today, self.at, tzinfo=zone)
        if slot > now:
            slot = datetime.combine(today - timedelta(days=1), self.at, tzinfo=zone)
        return slot


# Interval slots are counted from here, so that hourly runs start on the hour.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Every:
    """Every ``interval`` (an hour, a quarter of an hour), counted from midnight UTC."""

    interval: timedelta

    def slot_at(self, now: datetime) -> datetime:
        """The start of the latest slot at or before ``now``."""
        return now - (now - EPOCH) % self.interval


@dataclass(frozen=True)
class Job:
    """A periodic job: ``run`` does the work and returns how many things it handled."""

    name: str
    run: Callable[[], int]
    schedule: Daily | Every


def approval_reminders_send() -> int:
    """Remind the approvers of every order due a reminder; returns how many orders."""
    orders = orders_to_remind()
    for order in orders:
        order_remind_approvers(order=order)
    return len(orders)


# The approval reminders run daily, not hourly: their rules remind again "one working day
# after the last reminder", with a few hours' slack for a daily run that starts a little
# earlier than the day before. Run hourly, each order would be reminded at whatever hour its
# two working days ran out (at night too), and four hours earlier on each following day. At
# 07:00 the reminders are waiting when the approvers' day starts.
JOBS: tuple[Job, ...] = (Job("approval_reminders", approval_reminders_send, Daily(at=time(7, 0))),)


def scheduled_run_claim(*, job: Job, slot: datetime) -> ScheduledRun | None:
    """Claim ``job``'s ``slot`` for this process: the new run, or ``None`` when another
    scheduler has claimed it, or is still running the job for an earlier slot."""
    with transaction.atomic():
        # Claims of one job wait for each other here, so that looking for a run still going
        # and inserting this one act as one step for every scheduler.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scheduled:{job.name}"])
        # A late run of the previous slot may still be at work when the next slot starts; two
        # runs at once could both remind the same order. A run unfinished after a whole
        # interval died with its process and holds nothing back.
        still_running = ScheduledRun.objects.filter(
            job=job.name,
            finished_at__isnull=True,
            started_at__gt=timezone.now() - job.schedule.interval,
        ).exclude(slot=slot)
        if still_running.exists():
            return None
        run, created = ScheduledRun.objects.get_or_create(
            job=job.name,
            slot=slot,
            defaults={"claimed_by": f"{socket.gethostname()}:{os.getpid()}"},
        )
    return run if created else None


def scheduled_run_finish(*, run: ScheduledRun, handled: int | None = None, error: str = "") -> None:
    """Record that ``run`` ended: how many things it handled, or why it failed."""
    run.finished_at = timezone.now()
    run.handled = handled
    run.error = error[:ERROR_LENGTH]
    run.save(update_fields=["finished_at", "handled", "error"])


def jobs_run_due(*, jobs: Iterable[Job], now: datetime | None = None) -> list[ScheduledRun]:
    """Run each of ``jobs`` whose current slot nobody has claimed; returns the runs made here.

    A job that fails is logged and recorded on its run, and the jobs after it still run. It
    is not retried before its next slot: it may have done part of its work.
    """
    now = now or timezone.now()
    runs = []
    for job in jobs:
        run = scheduled_run_claim(job=job, slot=job.schedule.slot_at(now))
        if run is None:
            continue
        try:
            with audit_context(source=COMMAND, command="run_scheduler", job=job.name):
                handled = job.run()
        except Exception as failure:
            log.exception("Scheduled job %s failed (slot %s)", job.name, run.slot.isoformat())
            scheduled_run_finish(run=run, error=f"{type(failure).__name__}: {failure}")
        else:
            scheduled_run_finish(run=run, handled=handled)
        runs.append(run)
    return runs
