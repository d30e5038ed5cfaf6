from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from portal.accounts.models import Membership

pytestmark = pytest.mark.django_db


def sign_in(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_signing_in_lands_on_the_dashboard(client, demo):
    response = client.post(
        "/accounts/login/", {"username": "acme.buyer", "password": "portal-demo"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_wrong_password_is_a_400_that_keeps_the_username(client, demo):
    response = client.post("/accounts/login/", {"username": "acme.buyer", "password": "nope"})

    assert response.status_code == 400
    assert b"correct username and password" in response.content
    assert b'value="acme.buyer"' in response.content


def test_repeated_failures_lock_the_account_for_a_while(client, demo, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post("/accounts/login/", {"username": "acme.buyer", "password": "nope"})

    response = client.post(
        "/accounts/login/", {"username": "acme.buyer", "password": "portal-demo"}
    )

    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_company_admin_edits_a_colleague(client, demo):
    member = Membership.objects.get(user__username="acme.buyer")
    sign_in(client, "acme.admin")

    response = client.post(
        f"/company/users/{member.pk}/",
        {"is_buyer": "on", "is_approver": "on", "approval_limit": "750", "monthly_budget": ""},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.is_approver, member.approval_limit, member.monthly_budget) == (
        True,
        Decimal("750.00"),
        None,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"monthly_budget": "-1", "is_buyer": "on"}, b"greater than or equal to 0"),
        ({"monthly_budget": "abc", "is_buyer": "on"}, b"Enter a number."),
        ({"monthly_budget": "1e99", "is_buyer": "on"}, b"no more than"),
        ({}, b"Give the user at least one role."),
    ],
)
def test_bad_member_input_is_a_400_that_keeps_what_was_typed(client, demo, data, message):
    member = Membership.objects.get(user__username="acme.buyer")
    sign_in(client, "acme.admin")

    response = client.post(f"/company/users/{member.pk}/", data)

    assert response.status_code == 400
    assert message in response.content
    if "monthly_budget" in data:
        assert f'value="{data["monthly_budget"]}"'.encode() in response.content
    member.refresh_from_db()
    assert member.monthly_budget == Decimal("10000.00")


def test_a_company_admin_cannot_demote_themselves(client, demo):
    me = Membership.objects.get(user__username="acme.admin")
    sign_in(client, "acme.admin")

    response = client.post(f"/company/users/{me.pk}/", {"is_buyer": "on"})

    assert response.status_code == 400
    assert b"cannot remove your own company admin role" in response.content
    me.refresh_from_db()
    assert me.is_company_admin


def test_healthz_reports_the_database(client, demo):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_unreachable(client):
    from django.db import connection

    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="/nonexistent-socket-dir", PORT="")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
