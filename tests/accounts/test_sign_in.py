"""Sign-in throttling: failures are counted per username and client address, in the database
every worker process shares; only a successful sign-in clears them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.20"  # where acme's staff sign in from
ATTACKER = "203.0.113.66"
PROXY = "10.0.0.2"  # a reverse proxy in front of the portal


def sign_in(client, username: str, password: str, address: str = OFFICE, **meta):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **meta,
    )


def signed_in_as(client) -> str | None:
    pk = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=pk).get_username() if pk else None


def in_another_worker() -> None:
    """The next request is answered by another worker process: nothing this process keeps
    in memory (its local cache) is there."""
    cache.clear()


def move_attempts_back(delta: timedelta) -> None:
    """As if the failures recorded so far had happened ``delta`` earlier."""
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= delta
        attempt.save(update_fields=["attempt_time"])


def test_empty_or_failed_forms_never_reset_the_count(client, demo):
    # given an attacker who alternates wrong passwords with empty ones for acme.buyer, each
    # request answered by whichever worker process is free
    for _ in range(12):
        in_another_worker()
        sign_in(client, "acme.buyer", "guess", ATTACKER)
        in_another_worker()
        sign_in(client, "acme.buyer", "", ATTACKER)

    # when they try the right password
    in_another_worker()
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD, ATTACKER)

    # then they are still locked out
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert signed_in_as(client) is None


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(client, demo, settings):
    # given five wrong passwords for acme.buyer from the attacker's address
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "acme.buyer", "guess", ATTACKER)

    # when acme.buyer signs in from the office
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD, OFFICE)

    # then they are in
    assert response.status_code == 302
    assert signed_in_as(client) == "acme.buyer"
    # while the attacker's address stays locked for acme.buyer, right password or not
    client.logout()
    assert sign_in(client, "acme.buyer", DEMO_PASSWORD, ATTACKER).status_code == 429
    assert signed_in_as(client) is None


def test_one_users_failures_do_not_lock_out_colleagues_at_the_same_address(client, demo, settings):
    # given acme.buyer mistyped their password five times at the office
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "acme.buyer", "typo", OFFICE)

    # when acme.manager signs in from the same office address
    response = sign_in(client, "acme.manager", DEMO_PASSWORD, OFFICE)

    # then they are in
    assert response.status_code == 302
    assert signed_in_as(client) == "acme.manager"


def test_the_lock_page_is_the_sign_in_form_saying_how_long_to_wait(client, demo, settings):
    # given a limit of three failures and a ten-minute lock
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 600
    for _ in range(3):
        sign_in(client, "acme.buyer", "guess")

    # when acme.buyer tries again, with the right password
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD)

    # then the sign-in page says how long to wait, with the form to try again later
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed sign-ins for acme.buyer. Try again in 10 minutes." in html
    assert 'name="password"' in html and 'value="acme.buyer"' in html
    assert signed_in_as(client) is None

    # and four minutes later the wait is six minutes
    move_attempts_back(timedelta(minutes=4))
    assert "Try again in 6 minutes." in sign_in(client, "acme.buyer", "guess").content.decode()


def test_the_failure_that_reaches_the_limit_already_shows_the_lock(client, demo, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        assert sign_in(client, "acme.buyer", "guess").status_code == 400

    response = sign_in(client, "acme.buyer", "guess")

    assert response.status_code == 429
    assert "Try again in 15 minutes." in response.content.decode()


def test_the_lock_lifts_when_the_window_has_passed(client, demo, settings):
    # given acme.buyer locked out at the office
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "acme.buyer", "typo")
    assert sign_in(client, "acme.buyer", DEMO_PASSWORD).status_code == 429

    # when the window has passed since the last counted failure
    move_attempts_back(timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))

    # then the right password signs them in
    assert sign_in(client, "acme.buyer", DEMO_PASSWORD).status_code == 302
    assert signed_in_as(client) == "acme.buyer"


def test_signing_in_clears_the_count_for_that_user_and_address(client, demo, settings):
    # given acme.buyer mistyped four times, then signed in and out again
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "acme.buyer", "typo")
    assert sign_in(client, "acme.buyer", DEMO_PASSWORD).status_code == 302
    client.post("/accounts/logout/", REMOTE_ADDR=OFFICE)

    # when they mistype four more times
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        sign_in(client, "acme.buyer", "typo")

    # then the right password still signs them in: the earlier failures were forgotten
    assert sign_in(client, "acme.buyer", DEMO_PASSWORD).status_code == 302


def test_behind_a_trusted_proxy_the_client_address_counts(client, demo, settings):
    # given the portal behind one reverse proxy, which every request comes from
    settings.TRUSTED_PROXY_COUNT = 1
    # and five wrong passwords for acme.buyer from the attacker, through the proxy
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "acme.buyer", "guess", PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)

    # when acme.buyer signs in from the office, through the same proxy
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=OFFICE)

    # then they are in: the proxy's address is not what counts
    assert response.status_code == 302
    assert signed_in_as(client) == "acme.buyer"
    # and the attacker cannot pass as the office by sending an X-Forwarded-For of their own:
    # the proxy appends the address it saw, and only that entry is trusted
    client.logout()
    forged = f"{OFFICE}, {ATTACKER}"
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD, PROXY, HTTP_X_FORWARDED_FOR=forged)
    assert response.status_code == 429


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, demo, settings):
    # given the portal reached directly (no trusted proxy, the default)
    # when an attacker sends each guess with another made-up X-Forwarded-For
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "acme.buyer", "guess", ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")

    # then their own address is locked all the same
    response = sign_in(client, "acme.buyer", DEMO_PASSWORD, ATTACKER, HTTP_X_FORWARDED_FOR=OFFICE)
    assert response.status_code == 429
