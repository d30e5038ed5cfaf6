"""Placing and deciding orders through the real services, from a month with no orders."""

import io
import signal

import pytest
from django.core.management import call_command
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from tests.ordering import place, user  # noqa: F401  (the approvals tests import them here)

# Acme's prices: DRILL-18V 119.00 from 5 units (129.00 below), BOLT-M8-50 10.08 from 50
# boxes and 10.71 from 10. These baskets land on Acme's policy cases.
AROUND_900 = (("DRILL-18V", 7),)  # 833.00: approved on submission
AROUND_3000 = (("DRILL-18V", 20), ("BOLT-M8-50", 60))  # 2,984.80: one approval
AROUND_7000 = (("DRILL-18V", 20), ("BOLT-M8-50", 450))  # 6,916.00: two, last by an admin
ABOUT_200 = (("BOLT-M8-50", 20),)  # 214.20


@pytest.fixture
def empty_task_queue(db):
    """Tests that count emails start from an empty task queue."""
    DBTaskResult.objects.all().delete()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs what the block queued for after commit, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


WORKER_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)


@pytest.fixture
def run_worker(monkeypatch):
    """Run every queued task and stop, as ``manage.py db_worker --batch`` does."""
    # Between tasks the worker drops any connection that is not in autocommit, and the
    # test's transaction is such a connection; Django's test client silences the same
    # check around its requests for the same reason.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        # The worker takes over Ctrl+C for a graceful stop; give it back to pytest after.
        handlers = {sig: signal.getsignal(sig) for sig in WORKER_SIGNALS}
        try:
            call_command(
                "db_worker",
                batch=True,
                interval=0,
                startup_delay=False,
                reload=False,
                stdout=io.StringIO(),
            )
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    return run
