"""A malformed key in a URL is a 404, whatever it is: never a 500 from the database."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

MALFORMED = [
    ("acme.buyer", "get", "/catalog/NUT-M8%00/"),
    ("acme.buyer", "get", "/catalog/" + "X" * 41 + "/"),
    ("acme.buyer", "get", "/orders/ORD-000001%00/"),
    ("acme.buyer", "get", "/orders/ORD-1/"),
    ("acme.buyer", "post", "/orders/ORD-000001%00/cancel/"),
    ("acme.buyer", "post", "/orders/ORD-000001%00/reorder/"),
    ("acme.buyer", "get", "/orders/ORD-000001%00/edit/"),
    ("acme.manager", "post", "/orders/ORD-000001%00/decide/"),
    ("warehouse.north", "get", "/inventory/NORTH/BOLT-M8-50%00/"),
    ("warehouse.north", "get", "/inventory/NO%00RTH/BOLT-M8-50/"),
    ("warehouse.north", "post", "/inventory/picking/ORD-000001%00/ship/"),
]


@pytest.mark.parametrize(("username", "method", "path"), MALFORMED)
def test_a_malformed_key_is_not_found(username, method, path):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))

    assert getattr(client, method)(path).status_code == 404
