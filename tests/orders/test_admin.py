"""The operator admin shows orders with their lines and timeline, and changes none of them."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from portal.orders.models import Order, OrderEvent, OrderEventKind
from tests.ordering import place

pytestmark = pytest.mark.django_db


def operator() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


def test_operators_find_orders_in_the_admin(demo):
    order = place("acme.buyer", [("BOLT-M8-50", 9)], po="PO-ADMIN")

    response = operator().get("/admin/orders/order/", {"q": "PO-ADMIN"})

    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert "Add order" not in html


def test_an_order_in_the_admin_shows_lines_and_timeline_read_only(demo):
    order = place("acme.buyer", [("BOLT-M8-50", 9), ("NUT-M8", 3)], po="PO-ADMIN")

    response = operator().get(f"/admin/orders/order/{order.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "BOLT-M8-50" in html and "NUT-M8" in html
    assert "Timeline" in html and "Submitted" in html
    # read-only: no input to type into, no save button
    assert 'name="po_number"' not in html
    assert 'name="_save"' not in html


def test_the_admin_refuses_to_change_an_order(demo):
    order = place("acme.buyer", [("BOLT-M8-50", 9)], po="PO-ADMIN")

    response = operator().post(f"/admin/orders/order/{order.pk}/change/", {"po_number": "CHANGED"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.po_number == "PO-ADMIN"
    assert (
        operator().post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Order.objects.filter(pk=order.pk).exists()


def test_company_pricing_strategies_are_spelt_right_in_the_admin(demo):
    html = operator().get("/admin/").content.decode()
    assert "Company pricing strategies" in html
    assert "strategys" not in html


def test_a_long_timeline_costs_no_query_per_event(demo):
    short = place("acme.buyer", [("BOLT-M8-50", 9)], po="PO-SHORT")
    long = place("acme.buyer", [("BOLT-M8-50", 9)], po="PO-LONG")
    users = get_user_model().objects.filter(username__in=["acme.manager", "acme.admin", "admin"])
    for user in users:  # reminders and notes by several people
        for _ in range(3):
            OrderEvent.objects.create(
                order=long, actor=user, kind=OrderEventKind.REMINDER, order_version=long.version
            )
    client = operator()
    # Read once first: the signed-in user and the content types are cached for both readings.
    client.get(f"/admin/orders/order/{short.pk}/change/")

    def queries(order) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/admin/orders/order/{order.pk}/change/").status_code == 200
        return len(captured)

    assert queries(long) == queries(short)
