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


def load_demo() -> None:
    """The demo data of SPEC section 9 with a small generated catalog; a no-op when present."""
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    if not get_user_model().objects.filter(username="acme.buyer").exists():
        call_command(
            "seed_demo",
            products_per_category=DEMO_PRODUCTS_PER_CATEGORY,
            stdout=io.StringIO(),
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo once per run; transactional tests re-seed through ``demo``."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def demo(django_db_blocker):
    """The demo personas, companies and catalog (see seed_demo)."""
    with django_db_blocker.unblock():
        load_demo()
