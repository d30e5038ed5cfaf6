"""Password reset by email: a one-time link, built on PORTAL_URL, to choose a new password."""

import re

import pytest

from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Torque-wrench-42"


def ask_for_reset(client, email: str, **meta):
    return client.post("/accounts/password-reset/", {"email": email}, **meta)


def emailed_link(message, portal_url: str = "http://127.0.0.1:8000") -> str:
    """The reset link in the email, as a path on the portal."""
    [url] = re.findall(r"https?://\S+", message.body)
    assert url.startswith(portal_url + "/accounts/password-reset/"), url
    return url.removeprefix(portal_url)


def sign_in(client, password: str):
    return client.post("/accounts/login/", {"username": "acme.buyer", "password": password})


def test_the_sign_in_page_links_to_the_reset(client, demo):
    html = client.get("/accounts/login/").content.decode()

    assert '<a href="/accounts/password-reset/">Forgot your password?</a>' in html


def test_a_user_resets_their_password_from_the_emailed_link(client, demo, mailoutbox):
    # given acme.buyer asks for a reset with their account's address
    response = ask_for_reset(client, "acme.buyer@example.com")

    # then they are told to check their inbox, where one email waits for them
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert "Check your inbox" in client.get(response["Location"]).content.decode()
    [message] = mailoutbox
    assert message.to == ["acme.buyer@example.com"]
    assert message.subject == "Reset your B2B portal password"
    assert "(acme.buyer)" in message.body
    assert "within 3\xa0days" in message.body  # a no-break space keeps "3 days" together

    # when they follow the link and choose a new password
    page = client.get(emailed_link(message), follow=True)
    assert page.status_code == 200
    assert "Choose a new password" in page.content.decode()
    set_password_url = page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    # then the password is set, and the new one signs them in while the old one does not
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/done/"
    assert "Your password is set" in client.get(response["Location"]).content.decode()
    assert sign_in(client, DEMO_PASSWORD).status_code == 400
    assert sign_in(client, NEW_PASSWORD).status_code == 302


def test_the_link_works_only_once(client, demo, mailoutbox):
    ask_for_reset(client, "acme.buyer@example.com")
    link = emailed_link(mailoutbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    page = client.get(link, follow=True)

    assert page.status_code == 200
    html = page.content.decode()
    assert "This link no longer works" in html
    assert 'name="new_password1"' not in html


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, demo, mailoutbox):
    response = ask_for_reset(client, "nobody@example.com")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert mailoutbox == []


def test_the_link_points_at_the_portal_whatever_host_the_request_named(
    client, demo, mailoutbox, settings
):
    settings.PORTAL_URL = "https://portal.example.com/"

    ask_for_reset(client, "acme.buyer@example.com", HTTP_HOST="attacker.example")

    [message] = mailoutbox
    assert "attacker.example" not in message.body
    emailed_link(message, portal_url="https://portal.example.com")


def test_a_malformed_address_is_a_400_that_keeps_what_was_typed(client, demo, mailoutbox):
    response = ask_for_reset(client, "not-an-address")

    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert 'value="not-an-address"' in html
    assert mailoutbox == []


def test_a_weak_or_mismatched_new_password_is_a_400_and_changes_nothing(client, demo, mailoutbox):
    ask_for_reset(client, "acme.buyer@example.com")
    set_password_url = client.get(emailed_link(mailoutbox[0]), follow=True).redirect_chain[-1][0]

    mismatched = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": "something-else"}
    )
    weak = client.post(set_password_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert mismatched.status_code == 400
    assert "The two password fields didn’t match." in mismatched.content.decode()
    assert weak.status_code == 400
    assert "This password is too common." in weak.content.decode()
    assert sign_in(client, DEMO_PASSWORD).status_code == 302
