"""Settings shared by the unit tests (tests/) and the browser journeys (e2e/)."""

import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at full strength costs ~0.3 s a login; the hasher is not what these tests test.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _clean_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
    """Seed the demo once per run; transactional tests re-seed through ``demo``."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(django_db_blocker):
    """The demo personas, companies, catalog, prices and stock (see portal.demo)."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo_with_orders(django_db_blocker):
    """The whole demo, its order history included, as ``make run`` shows it."""
    with django_db_blocker.unblock():
        load_demo(orders=True)


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
    import io

    from django.core.management import call_command

    call_command("check_stock_ledger", stdout=io.StringIO())
