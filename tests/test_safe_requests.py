"""No GET changes anything, and no unsafe request gets through without its CSRF token.

Both walk every URL of the project through the access test's table, so a page added
later is covered as soon as it has its entry there (which the access test demands).
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from tests.test_access import PERSONAS, ROUTES, client_for

# Tables a request may write without changing anything a person owns: the session, and
# the sign-in records.
BOOKKEEPING = ("django_session", "axes_")
# Stripe signs its webhook; it is the one view without CSRF protection.
CSRF_EXEMPT = {"stripe-webhook"}


def snapshot() -> dict[str, str]:
    """A fingerprint of every row of every table but the bookkeeping ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        tables = [t for (t,) in cursor.fetchall() if not t.startswith(BOOKKEEPING)]
        prints = {}
        for table in tables:
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), ''))"  # noqa: S608
                f" FROM {quoted} t"
            )
            prints[table] = cursor.fetchone()
    return prints


def changed(before: dict, after: dict) -> list[str]:
    return [table for table in after if before.get(table) != after[table]]


@pytest.fixture
def placed_orders(demo):
    from tests.test_access import ORDERS

    ORDERS.clear()
    return ORDERS


@pytest.mark.django_db
@pytest.mark.parametrize("route_name", list(ROUTES))
def test_no_get_changes_the_database(client, placed_orders, route_name):
    route = ROUTES[route_name]
    # Build every persona's URL first: that may place the orders the route needs.
    paths = {persona: route.path(persona) for persona in PERSONAS}
    foreign = {p: route.foreign_path(p) for p in PERSONAS} if route.foreign_path else {}
    # Signing in writes the user's last login: done before the snapshot.
    clients = {persona: client_for(Client(), persona) for persona in PERSONAS}
    before = snapshot()
    for persona in PERSONAS:
        for path in filter(None, (paths[persona], foreign.get(persona))):
            response = clients[persona].get(path)
            assert response.status_code < 500, f"{persona} GET {path}: {response.status_code}"
    assert changed(before, snapshot()) == [], f"a GET of {route_name} wrote to the database"


UNSAFE = [name for name, route in ROUTES.items() if route.method != "get"]


@pytest.mark.django_db
@pytest.mark.parametrize("route_name", UNSAFE)
def test_an_unsafe_request_without_its_csrf_token_is_refused(placed_orders, route_name):
    route = ROUTES[route_name]
    # The persona the route lets through, so that only the missing token can refuse it.
    allowed = [p for p in PERSONAS if route.expected(p) not in (403, 404, "login")]
    persona = allowed[0] if allowed else "acme.buyer"
    path = route.path(persona)
    client = Client(enforce_csrf_checks=True)
    if persona != "anonymous":
        client.force_login(get_user_model().objects.get(username=persona))
    before = snapshot()  # after signing in, which writes the user's last login

    response = getattr(client, route.method)(path, route.extra)

    if route_name in CSRF_EXEMPT:
        assert response.status_code == 400  # unsigned: refused by the signature check
    else:
        assert response.status_code == 403, f"{persona} {route.method} {path} without a token"
    assert changed(before, snapshot()) == []
