"""Journeys of a wholesale buyer (acme.buyer, borealis.buyer)."""

from playwright.sync_api import expect

from e2e.conftest import sign_in, sign_out


def test_buyer_signs_in_to_the_ordering_dashboard(page, portal):
    sign_in(page, portal, "acme.buyer")

    expect(page.get_by_test_id("dashboard-title")).to_have_text("Acme Hardware GmbH")
    expect(page.get_by_test_id("panel-buyer")).to_be_visible()
    expect(page.get_by_test_id("panel-approver")).to_have_count(0)
    expect(page.get_by_role("link", name="Company users")).to_have_count(0)
    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_keeps_the_username_and_says_why(page, portal):
    sign_in(page, portal, "acme.buyer", password="not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("acme.buyer")


def test_borealis_buyer_cannot_open_an_acme_page(page, portal, django_user_model):
    from portal.accounts.models import Membership

    acme_member = Membership.objects.get(user__username="acme.buyer").pk
    sign_in(page, portal, "borealis.buyer")
    expect(page.get_by_test_id("current-company")).to_have_text("Borealis Foods Inc.")

    response = page.goto(f"{portal}/company/users/{acme_member}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Acme")


def test_buyer_browses_the_catalog_in_place(page, portal):
    sign_in(page, portal, "acme.buyer")
    page.get_by_role("link", name="Catalog", exact=True).click()

    page.get_by_label("Search SKU or name").fill("bolt")
    expect(page).to_have_url(f"{portal}/catalog/?q=bolt&category=&per_page=25")
    expect(page.locator("#catalog-table")).to_contain_text("BOLT-M8-50")
    expect(page.locator("#catalog-table")).not_to_contain_text("NUT-M8")

    page.get_by_role("link", name="BOLT-M8-50").click()
    expect(page.get_by_role("heading", name="BOLT-M8-50")).to_be_visible()
    page.go_back()
    expect(page.get_by_label("Search SKU or name")).to_have_value("bolt")
    expect(page.locator("#catalog-table")).to_contain_text("BOLT-M8-50")
