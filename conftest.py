"""Settings shared by the unit tests (tests/) and the browser journeys (e2e/)."""

import io
import signal
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent / "e2e"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """The browser journeys run last, whatever order pytest would group tests in by their
    fixtures: a journey empties the database, and every unit test after it would pay for
    seeding the demo again."""
    items.sort(key=lambda item: item.path.is_relative_to(E2E))


# PBKDF2 at full strength costs ~0.3 s a password check; the hasher is not what these tests
# test. The demo users seeded once per run get the fast hash too, or every refused
# password in the sign-in tests would pay for PBKDF2.
FAST_PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """PDFs and ZIPs a test stores go to its own folder, never the project's ``media/``."""
    settings.MEDIA_ROOT = tmp_path / "media"


DEMO_PRODUCTS_PER_CATEGORY = 15


def load_demo(*, orders: bool = False) -> None:
    """The demo data with a small generated catalog; a no-op when present.

    Without ``orders`` the demo's order history is left out: most tests count and list
    the orders they place themselves.
    """
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    if not get_user_model().objects.filter(username="acme.buyer").exists():
        call_command(
            "seed_demo",
            products_per_category=DEMO_PRODUCTS_PER_CATEGORY,
            orders=orders,
            stdout=io.StringIO(),
        )
    elif orders:
        # The session's seed left the history out; placing it is a no-op once it is there.
        from approvals.demo import seed_orders

        seed_orders()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo once per run; transactional tests get it back through ``demo``.

    The throwaway test database does not wait for each commit to reach the disk
    (``synchronous_commit``): a crash could lose its last commits, never corrupt it, and
    the browser journeys, which commit for real, run faster. The flush that ends each
    transactional test deletes the rows instead of truncating (see tests/db_reset.py);
    yields whether it can.
    """
    from django.db import connection
    from django.test import override_settings

    from tests import db_reset

    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
        with connection.cursor() as cursor:
            name = connection.ops.quote_name(connection.settings_dict["NAME"])
            cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit TO off")
        connection.close()  # the setting holds for connections opened from now on
        load_demo()
        fast = db_reset.available()
    with pytest.MonkeyPatch.context() as patch:
        if fast:
            ops = type(connection.ops)
            patch.setattr(ops, "sql_flush", db_reset.sql_flush(ops.sql_flush))
        yield fast


@pytest.fixture(scope="session")
def _demo_snapshots(django_db_setup, django_db_blocker, tmp_path_factory):
    """Copies of the seeded demo, by kind, that transactional tests put back instead of
    seeding it again after the flush that ended the test before (see tests/db_reset.py);
    None where the database cannot take them."""
    if not django_db_setup:
        yield None
        return
    from tests import db_reset

    snapshots = {}
    yield snapshots, tmp_path_factory.mktemp("demo-snapshots")
    with django_db_blocker.unblock():
        for snapshot in snapshots.values():
            db_reset.drop(snapshot)


def _transactional(request) -> bool:
    from django.db import connection

    marker = request.node.get_closest_marker("django_db")
    asked = "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    return asked and not connection.in_atomic_block


def _load_demo(request, *, orders: bool) -> None:
    """``load_demo``; a transactional test that finds the database emptied puts back the
    run's snapshot of the demo instead, taken from the first such test's seed."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests import db_reset

    snapshots = request.getfixturevalue("_demo_snapshots")
    if snapshots is None or not _transactional(request):
        load_demo(orders=orders)  # in a test's transaction: rolled back with it
        return
    if get_user_model().objects.exists():
        load_demo(orders=orders)  # not emptied by a flush: the seed converges on what is there
        return
    taken, store = snapshots
    name = "orders" if orders else "plain"
    snapshot = taken.get(name)
    # The demo's history is dated back from the day it was seeded.
    if snapshot is not None and snapshot.taken_on == timezone.localdate():
        db_reset.restore(snapshot)
    else:
        load_demo(orders=orders)
        taken[name] = db_reset.take(name, store)


@pytest.fixture
def demo(request, django_db_blocker):
    """The demo personas, companies, catalog, prices and stock (see portal.demo)."""
    with django_db_blocker.unblock():
        _load_demo(request, orders=False)


@pytest.fixture
def demo_with_orders(request, django_db_blocker):
    """The whole demo, its order history included, as ``make run`` shows it."""
    with django_db_blocker.unblock():
        _load_demo(request, orders=True)


DB_FIXTURES = ("db", "transactional_db", "django_db_reset_sequences", "live_server")


@pytest.fixture(autouse=True)
def _stock_ledger_balances(request):
    """Every scenario that touches the database ends with the stock ledger in balance:
    each stock level equals the sum of its movements (``manage.py check_stock_ledger``)."""
    uses_db = request.node.get_closest_marker("django_db") is not None or any(
        name in request.fixturenames for name in DB_FIXTURES
    )
    if not uses_db:
        yield
        return
    # Set the database up first, so that this check runs before it is rolled back.
    request.getfixturevalue("_django_db_helper")
    yield
    from django.core.management import call_command

    call_command("check_stock_ledger", stdout=io.StringIO())


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
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

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


@pytest.fixture(scope="session")
def _localstripe_server():
    from tests.localstripe_server import LocalStripe

    server = LocalStripe().start()
    yield server
    server.stop()


@pytest.fixture
def localstripe(_localstripe_server, settings):
    """Stripe, as the portal sees it, is a localstripe server on 127.0.0.1 with no objects
    yet. ``localstripe.deliver_webhooks_to(url)`` makes it send its events there."""
    from tests.localstripe_server import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET

    _localstripe_server.reset()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = _localstripe_server.url
    settings.STRIPE_JS_URL = f"{_localstripe_server.url}/js.stripe.com/v3/"
    yield _localstripe_server
    _localstripe_server.reset()
