"""Run the periodic jobs (portal/scheduling.py) when they are due, forever or once."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from portal.models import ScheduledRun
from portal.scheduling import JOBS, jobs_run_due

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the periodic jobs (approval reminders) when they are due. Several schedulers may "
        "run at once: each run is claimed in the database first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="Run the jobs due now and exit (for cron or a systemd timer).",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between two looks at the clock (default: 60).",
        )

    def handle(self, *args, once: bool = False, interval: float = 60.0, **options):
        if once:
            failed = [run.job for run in self.run_due() if run.failed]
            if failed:
                # A timer or cron sees the failure in the exit status; the log has the details.
                raise CommandError(f"Failed: {', '.join(failed)}.")
            return
        stop = threading.Event()
        # Ctrl-C or `docker stop`: the job at hand finishes and is recorded, then the loop ends.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda signum, frame: stop.set())
        names = ", ".join(job.name for job in JOBS)
        self.stdout.write(f"Scheduler running {names}; looking every {interval:g} s.")
        while not stop.is_set():
            # A process this long-lived drops its connection when it has grown old or broken
            # (as a request would), and does not hold one while it sleeps.
            close_old_connections()
            try:
                self.run_due()
            except DatabaseError:
                # The database is away (a restart, a failover): look again next time.
                log.exception("The scheduler could not reach the database")
            close_old_connections()
            stop.wait(interval)

    def run_due(self) -> list[ScheduledRun]:
        runs = jobs_run_due(jobs=JOBS)
        for run in runs:
            slot = f"{timezone.localtime(run.slot):%Y-%m-%d %H:%M}"
            outcome = f"failed: {run.error}" if run.failed else f"{run.handled} handled"
            self.stdout.write(f"{run.job} ({slot}): {outcome}")
        return runs
