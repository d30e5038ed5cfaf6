import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def sign_in(client):
    """``sign_in("acme.buyer")``: the test client, signed in as that demo user."""

    def as_user(username: str):
        client.force_login(get_user_model().objects.get(username=username))
        return client

    return as_user


@pytest.fixture
def buyer(sign_in, demo):
    return sign_in("acme.buyer")
