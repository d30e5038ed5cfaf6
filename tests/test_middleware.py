"""What a signed-in user is shown stays out of every cache: shared ones and the browser's."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils.cache import get_max_age

from approvals.services import order_ship
from portal.invoices.models import Invoice
from portal.invoices.pdf import invoice_pdf_store
from portal.middleware import PrivatePagesMiddleware
from tests.ordering import place, user

pytestmark = pytest.mark.django_db

PAGES = [
    ("acme.buyer", "/"),
    ("acme.buyer", "/catalog/"),
    ("acme.buyer", "/catalog/NUT-M8/"),
    ("acme.buyer", "/cart/"),
    ("acme.buyer", "/orders/"),
    ("acme.buyer", "/orders/ORD-999999/"),  # a 404 is private too
    ("acme.buyer", "/inventory/"),  # and so is a 403
    ("acme.manager", "/approvals/"),
    ("warehouse.north", "/inventory/"),
    ("finance", "/invoices/"),
    ("admin", "/admin/"),
]


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


@pytest.mark.parametrize(("username", "path"), PAGES)
def test_a_signed_in_page_is_private_and_not_stored(demo, username, path):
    response = signed_in(username).get(path)

    assert {"private", "no-store"} <= cache_control(response)
    assert "cookie" in vary(response)


def test_an_htmx_partial_is_private_and_not_stored(demo):
    response = signed_in("acme.buyer").get(
        "/catalog/?q=bolt", headers={"HX-Request": "true", "HX-Target": "catalog-results"}
    )

    assert {"private", "no-store"} <= cache_control(response)
    assert {"cookie", "hx-request"} <= vary(response)


def test_an_invoice_pdf_is_private_and_not_stored(demo):
    # given a shipped order's invoice with its PDF stored
    order = place("acme.buyer", [("NUT-M8", 2)])
    order_ship(order=order, by=user("warehouse.north"))
    invoice = Invoice.objects.get(order=order)
    invoice_pdf_store(invoice)

    # when its buyer downloads it
    response = signed_in("acme.buyer").get(f"/invoices/{invoice.number}/pdf/")

    # then no cache keeps a copy
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= cache_control(response)


def test_a_response_that_sets_its_own_cache_control_keeps_it():
    # given a view that decided how its response may be cached
    def view(request):
        response = HttpResponse("logo")
        response["Cache-Control"] = "private, max-age=60"
        return response

    request = RequestFactory().get("/")
    request.user = get_user_model()(username="someone")

    # when the middleware sees its response to a signed-in user
    response = PrivatePagesMiddleware(view)(request)

    # then the view's choice stands, and the cookie still varies the response
    assert get_max_age(response) == 60
    assert "no-store" not in cache_control(response)
    assert "cookie" in vary(response)


@pytest.mark.django_db
def test_the_favicon_is_found_by_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg")
    assert "max-age=86400" in response["Cache-Control"]
    assert finders.find(response["Location"].removeprefix(settings.STATIC_URL))
