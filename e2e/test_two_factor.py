"""Two-factor sign-in as finance meets it where the setting makes it compulsory."""

import time
from base64 import b32encode
from binascii import unhexlify

import pyotp
import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from e2e.conftest import sign_in, sign_out


@pytest.fixture
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def test_finance_signs_in_with_a_code_and_is_refused_without_one(page, portal, two_factor_required):
    # Given finance signs in with their password: the portal asks them to set up a code app.
    sign_in(page, portal, "finance")
    expect(page).to_have_url(f"{portal}/accounts/two-factor/?next=%2F")
    expect(page.get_by_role("alert")).to_contain_text("Your role requires two-factor sign-in")
    page.goto(f"{portal}/invoices/")
    expect(page).to_have_url(f"{portal}/accounts/two-factor/?next=%2Finvoices%2F")

    # When they type the shown key into their app and confirm with its code.
    app = pyotp.TOTP(page.get_by_test_id("totp-secret").inner_text().replace(" ", ""))
    page.get_by_label("Code").fill(app.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Invoices", level=1)).to_be_visible()
    sign_out(page)

    # Then the next sign-in stops at the code: without it, no page opens.
    sign_in(page, portal, "finance")
    expect(page).to_have_url(f"{portal}/accounts/two-factor/verify/?next=%2F")
    page.goto(f"{portal}/finance/aging/")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".field.has-error")).to_contain_text("That code is not right")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()

    # And with the app's next code they are in, where they were going.
    time.sleep(1.1)  # a wrong code costs a second's wait
    page.get_by_label("Code").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{portal}/finance/aging/")
    assert TOTPDevice.objects.filter(user__username="finance", confirmed=True).count() == 1
    assert b32encode(unhexlify(TOTPDevice.objects.get().key)).decode() == app.secret
