"""A company admin's colleagues: invitations by email, roles, deactivation, and the guards
that keep a company with an admin and away from every other company and staff role."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from portal.accounts.models import Membership

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Pallet-jack-2026"
INVITE = {"username": "acme.new", "email": "new@acme.example", "is_buyer": "on"}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def invite_link(message, portal_url: str = "http://127.0.0.1:8000") -> str:
    [url] = re.findall(r"https?://\S+", message.body)
    assert url.startswith(portal_url + "/accounts/invitation/"), url
    return url.removeprefix(portal_url)


def member(username: str) -> Membership:
    return Membership.objects.select_related("user").get(user__username=username)


def accept(link: str, password: str = PASSWORD):
    """The invitee opens the link and chooses a password."""
    client = Client()
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )
    return client, response


def test_an_invited_colleague_sets_a_password_and_orders(demo, mailoutbox):
    admin = signed_in("acme.admin")

    response = admin.post(
        "/company/users/invite/", {**INVITE, "monthly_budget": "2000", "approval_limit": ""}
    )

    assert response.status_code == 302
    new = member("acme.new")
    assert new.company.code == "acme" and new.roles == ["buyer"]
    assert str(new.monthly_budget) == "2000.00"
    assert not new.user.has_usable_password() and not new.user.is_staff
    [mail] = mailoutbox
    assert mail.to == ["new@acme.example"]
    assert "Acme" in mail.subject and "acme.new" in mail.body

    _, done = accept(invite_link(mail))
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"

    client = Client()
    signed = client.post("/accounts/login/", {"username": "acme.new", "password": PASSWORD})
    assert signed.status_code == 302
    assert client.post("/cart/add/", {"sku": "NUT-M8", "quantity": "2"}).status_code == 302


def test_the_invitation_link_works_once(demo, mailoutbox):
    signed_in("acme.admin").post("/company/users/invite/", INVITE)
    link = invite_link(mailoutbox[0])
    accept(link)

    _, again = accept(link, "Another-pass-99")

    assert b"This invitation no longer works" in again.content
    user = User.objects.get(username="acme.new")
    assert user.check_password(PASSWORD)


def test_the_invitation_link_expires(demo, mailoutbox, settings):
    signed_in("acme.admin").post("/company/users/invite/", INVITE)
    settings.INVITE_TIMEOUT_SECONDS = -1

    page = Client().get(invite_link(mailoutbox[0]), follow=True)

    assert b"This invitation no longer works" in page.content
    assert not User.objects.get(username="acme.new").has_usable_password()


def test_sending_the_invitation_again_mails_a_new_link(demo, mailoutbox):
    admin = signed_in("acme.admin")
    admin.post("/company/users/invite/", INVITE)

    response = admin.post(f"/company/users/{member('acme.new').pk}/invite-again/")

    assert response.status_code == 302
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["new@acme.example"]


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({**INVITE, "username": "acme.buyer"}, b"That username is taken"),
        ({**INVITE, "email": "ACME.BUYER@example.com"}, b"A user with that email address exists"),
        ({**INVITE, "email": "not-an-address"}, b"Enter a valid email address."),
        ({**INVITE, "username": "no spaces\x00"}, b"Enter a valid username"),
        ({**INVITE, "is_buyer": ""}, b"Give the user at least one role."),
        ({**INVITE, "monthly_budget": "-5"}, b"greater than or equal to 0"),
    ],
)
def test_a_bad_invitation_is_a_400_that_keeps_what_was_typed(demo, mailoutbox, data, field_message):
    response = signed_in("acme.admin").post("/company/users/invite/", data)

    assert response.status_code == 400
    assert field_message in response.content
    assert b'value="new@acme.example"' in response.content or data["email"] != INVITE["email"]
    assert mailoutbox == []
    assert not User.objects.filter(username="acme.new").exists()


def test_an_invitation_cannot_hand_out_staff_access(demo):
    signed_in("acme.admin").post(
        "/company/users/invite/", {**INVITE, "is_staff": "on", "is_superuser": "on"}
    )

    user = User.objects.get(username="acme.new")
    assert not user.is_staff and not user.is_superuser
    assert not user.groups.exclude(name__startswith="company:acme:").exists()


def test_deactivating_ends_the_colleagues_open_session_at_once(demo):
    buyer = signed_in("acme.buyer")
    assert buyer.get("/orders/").status_code == 200

    response = signed_in("acme.admin").post(f"/company/users/{member('acme.buyer').pk}/deactivate/")

    assert response.status_code == 302
    assert buyer.get("/orders/")["Location"].startswith("/accounts/login/")
    assert buyer.post("/cart/add/", {"sku": "NUT-M8", "quantity": "1"}).status_code == 302
    refused = Client().post(
        "/accounts/login/", {"username": "acme.buyer", "password": "portal-demo"}
    )
    assert refused.status_code == 400


def test_a_reactivated_colleague_signs_in_again_with_the_same_roles(demo):
    admin = signed_in("acme.admin")
    pk = member("acme.manager").pk
    admin.post(f"/company/users/{pk}/deactivate/")

    response = admin.post(f"/company/users/{pk}/reactivate/")

    assert response.status_code == 302
    client = Client()
    client.post("/accounts/login/", {"username": "acme.manager", "password": "portal-demo"})
    assert client.get("/approvals/").status_code == 200


def test_the_users_page_shows_who_is_invited_and_who_is_deactivated(demo):
    admin = signed_in("acme.admin")
    admin.post("/company/users/invite/", INVITE)
    admin.post(f"/company/users/{member('acme.manager').pk}/deactivate/")

    html = admin.get("/company/users/").content.decode()

    new_row = re.search(r"<tr>\s*<td>acme.new</td>.*?</tr>", html, re.S).group(0)
    manager_row = re.search(r"<tr>\s*<td>acme.manager</td>.*?</tr>", html, re.S).group(0)
    assert "Invited" in new_row
    assert "Deactivated" in manager_row


def second_admin() -> Membership:
    """acme.manager made a company admin too."""
    signed_in("acme.admin").post(
        f"/company/users/{member('acme.manager').pk}/",
        {"is_buyer": "on", "is_approver": "on", "is_company_admin": "on"},
    )
    return member("acme.manager")


def test_the_last_company_admin_cannot_be_demoted(demo):
    manager = second_admin()
    assert manager.is_company_admin
    signed_in("acme.manager").post(f"/company/users/{member('acme.admin').pk}/", {"is_buyer": "on"})
    assert not member("acme.admin").is_company_admin

    # acme.manager is now the last admin: acme.admin, no longer one, cannot reach them,
    # and acme.manager may not demote or deactivate themselves.
    response = signed_in("acme.manager").post(f"/company/users/{manager.pk}/", {"is_buyer": "on"})
    assert response.status_code == 400
    assert member("acme.manager").is_company_admin


def test_an_admin_cannot_deactivate_themselves(demo):
    response = signed_in("acme.admin").post(f"/company/users/{member('acme.admin').pk}/deactivate/")

    assert response.status_code == 409
    assert b"You cannot remove your own company admin role or access" in response.content
    assert User.objects.get(username="acme.admin").is_active


def test_the_last_active_admin_is_kept_when_another_admin_leaves(demo):
    manager = second_admin()
    admin = signed_in("acme.manager")
    assert admin.post(f"/company/users/{member('acme.admin').pk}/deactivate/").status_code == 302

    # acme.admin is deactivated: acme.manager is the company's only active admin now.
    reactivated = signed_in("acme.manager")
    response = reactivated.post(f"/company/users/{manager.pk}/", {"is_buyer": "on"})
    assert response.status_code == 400
    assert b"cannot remove your own company admin role" in response.content


def test_another_companys_users_are_not_found(demo):
    admin = signed_in("acme.admin")
    foreign = member("borealis.buyer").pk

    for action in ("", "deactivate/", "reactivate/", "invite-again/"):
        response = admin.post(f"/company/users/{foreign}/{action}", {"is_buyer": "on"})
        assert response.status_code == 404, action
    assert User.objects.get(username="borealis.buyer").is_active


def test_only_company_admins_invite(demo):
    for username in ("acme.buyer", "acme.manager", "finance", "warehouse.north"):
        assert signed_in(username).post("/company/users/invite/", INVITE).status_code == 403
    assert not User.objects.filter(username="acme.new").exists()


def test_limits_and_budgets_are_shown_as_money(demo):
    html = signed_in("acme.admin").get("/company/users/").content.decode()

    rows = {
        name: re.search(rf"<tr[^>]*>\s*<td[^>]*>[^<]*{re.escape(name)}.*?</tr>", html, re.S)
        for name in ("acme.buyer", "acme.manager")
    }
    assert "€10,000.00" in rows["acme.buyer"].group(0)  # monthly budget
    assert "€5,000.00" in rows["acme.manager"].group(0)  # approval limit
    assert "10000.00" not in html and "5000.00 EUR" not in html
