"""Two-factor sign-in: an authenticator app's codes after the password, recovery codes, and
the setting that makes it compulsory for finance, warehouse staff and operators."""

import os
import re
import subprocess
import sys
import time
from base64 import b32encode
from binascii import unhexlify

import pyotp
import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts.two_factor import SETUP_SESSION_KEY
from portal.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username: str):
    return client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})


def app_for(client) -> pyotp.TOTP:
    """The authenticator app, as it is after scanning the setup page's QR code."""
    secret = b32encode(unhexlify(client.session[SETUP_SESSION_KEY])).decode()
    return pyotp.TOTP(secret)


def code_at(app: pyotp.TOTP, steps_ahead: int = 0) -> str:
    # The device accepts one step either side and never a step twice: a later step is a
    # fresh code without waiting 30 seconds.
    return app.at(time.time() + 30 * steps_ahead)


def turn_on(client, username: str) -> tuple[pyotp.TOTP, list[str]]:
    """``username`` sets up two-factor sign-in: returns their app and recovery codes."""
    sign_in(client, username)
    client.get("/accounts/two-factor/")
    app = app_for(client)
    response = client.post("/accounts/two-factor/", {"action": "confirm", "code": app.now()})
    assert response.status_code == 200, response.content
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    return app, codes


def test_opening_the_setup_page_writes_no_device(client, demo):
    sign_in(client, "acme.buyer")

    response = client.get("/accounts/two-factor/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html and 'data-testid="totp-secret"' in html
    assert TOTPDevice.objects.count() == 0


def test_a_wrong_setup_code_is_a_400_and_turns_nothing_on(client, demo):
    sign_in(client, "acme.buyer")
    client.get("/accounts/two-factor/")

    response = client.post("/accounts/two-factor/", {"action": "confirm", "code": "000000"})

    assert response.status_code == 400
    assert b"That code is not right" in response.content
    assert TOTPDevice.objects.count() == 0


def test_setting_up_shows_ten_recovery_codes_once(client, demo):
    _, codes = turn_on(client, "acme.buyer")

    assert len(codes) == 10
    assert TOTPDevice.objects.filter(user__username="acme.buyer", confirmed=True).count() == 1
    page = client.get("/accounts/two-factor/").content.decode()
    assert "Two-factor sign-in is on" in page
    assert "Recovery codes left: 10." in page
    assert codes[0] not in page


def test_after_the_password_every_page_waits_for_the_code(client, demo):
    app, _ = turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")

    response = sign_in(client, "acme.buyer")
    assert client.get(response["Location"])["Location"].startswith("/accounts/two-factor/verify/")
    assert client.get("/orders/")["Location"] == "/accounts/two-factor/verify/?next=%2Forders%2F"
    assert client.post("/cart/add/", {"sku": "NUT-M8", "quantity": "1"}).status_code == 302

    wrong = client.post("/accounts/two-factor/verify/", {"code": "123456", "next": "/orders/"})
    assert wrong.status_code == 400
    assert b"That code is not right" in wrong.content

    time.sleep(1.1)  # past the one-second wait a wrong code costs
    right = client.post(
        "/accounts/two-factor/verify/", {"code": code_at(app, 1), "next": "/orders/"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/orders/"
    assert client.get("/orders/").status_code == 200


def test_a_code_works_once(client, demo):
    app, _ = turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")
    code = code_at(app, 1)
    assert client.post("/accounts/two-factor/verify/", {"code": code}).status_code == 302

    other = client.__class__()
    sign_in(other, "acme.buyer")
    replayed = other.post("/accounts/two-factor/verify/", {"code": code})

    assert replayed.status_code == 400
    assert other.get("/orders/").status_code == 302


def test_wrong_codes_make_the_next_try_wait(client, demo):
    app, _ = turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")
    for _ in range(3):
        client.post("/accounts/two-factor/verify/", {"code": "999999"})

    response = client.post("/accounts/two-factor/verify/", {"code": code_at(app, 1)})

    assert response.status_code == 400
    assert b"Too many wrong codes. Try again in" in response.content
    assert client.get("/orders/").status_code == 302


def test_a_recovery_code_signs_in_once(client, demo):
    _, codes = turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")

    assert client.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 302
    assert client.get("/orders/").status_code == 200
    assert StaticToken.objects.filter(token=codes[0]).count() == 0

    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")
    assert client.post("/accounts/two-factor/verify/", {"code": codes[0]}).status_code == 400


def test_verifying_gives_the_session_a_new_key(client, demo):
    app, _ = turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")
    before = client.session.session_key

    client.post("/accounts/two-factor/verify/", {"code": code_at(app, 1)})

    assert client.session.session_key != before


def test_an_htmx_request_is_sent_to_the_code_page_whole(client, demo):
    turn_on(client, "acme.buyer")
    client.post("/accounts/logout/")
    sign_in(client, "acme.buyer")

    response = client.get("/catalog/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/accounts/two-factor/verify/")


def test_new_recovery_codes_replace_the_old(client, demo):
    _, old = turn_on(client, "acme.buyer")

    response = client.post("/accounts/two-factor/", {"action": "renew"})

    new = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert StaticToken.objects.filter(token__in=old).count() == 0


def test_a_customer_turns_it_off_with_a_code(client, demo):
    app, _ = turn_on(client, "acme.buyer")

    refused = client.post("/accounts/two-factor/", {"action": "off", "code": "000000"})
    assert refused.status_code == 400
    assert TOTPDevice.objects.count() == 1

    time.sleep(1.1)
    response = client.post("/accounts/two-factor/", {"action": "off", "code": code_at(app, 1)})
    assert response.status_code == 302
    assert TOTPDevice.objects.count() == 0


def test_an_unknown_action_is_a_400(client, demo):
    sign_in(client, "acme.buyer")

    assert client.post("/accounts/two-factor/", {"action": "explode"}).status_code == 400


@pytest.mark.parametrize("username", ["finance", "warehouse.north", "admin"])
def test_required_roles_must_set_it_up_before_anything_else(client, demo, settings, username):
    settings.TWO_FACTOR_REQUIRED = True
    sign_in(client, username)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/?next=%2F"
    assert b"Your role requires two-factor sign-in" in client.get(response["Location"]).content
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/")


def test_finance_is_refused_without_a_code_and_let_in_with_one(client, demo, settings):
    settings.TWO_FACTOR_REQUIRED = True
    app, _ = turn_on(client, "finance")
    assert client.get("/invoices/").status_code == 200
    client.post("/accounts/logout/")

    sign_in(client, "finance")
    assert client.get("/invoices/").status_code == 302
    assert (
        client.post("/accounts/two-factor/", {"action": "off", "code": app.now()}).status_code
        == 400
    )
    assert TOTPDevice.objects.filter(user__username="finance").exists()

    client.post("/accounts/two-factor/verify/", {"code": code_at(app, 1)})
    assert client.get("/invoices/").status_code == 200


def test_customers_are_not_required_to_use_it(client, demo, settings):
    settings.TWO_FACTOR_REQUIRED = True
    sign_in(client, "acme.buyer")

    assert client.get("/orders/").status_code == 200


def test_without_the_setting_staff_sign_in_with_a_password(client, demo, settings):
    settings.TWO_FACTOR_REQUIRED = False
    sign_in(client, "finance")

    assert client.get("/invoices/").status_code == 200


def test_the_setting_is_on_in_production_and_off_in_development():
    def setting(debug: str) -> str:
        code = "from django.conf import settings; print(settings.TWO_FACTOR_REQUIRED)"
        env = {"DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": debug, "SECRET_KEY": "x" * 50}
        run = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    assert setting("0") == "True"
    assert setting("1") == "False"


def test_an_operator_can_remove_a_lost_device_in_the_admin(client, demo):
    turn_on(client, "acme.buyer")
    user = get_user_model().objects.get(username="acme.buyer")
    device = TOTPDevice.objects.get(user=user)
    admin = client.__class__()
    admin.force_login(get_user_model().objects.get(username="admin"))

    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
