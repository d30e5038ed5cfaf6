import pytest


@pytest.fixture(autouse=True)
def _without_order_history(no_order_history):
    """These tests count and list the orders they place."""
