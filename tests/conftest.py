import pytest


@pytest.fixture
def no_order_history(request):
    """Start from no placed orders, for tests that count and list the orders they place.

    The demo's order history (approvals.demo) is deleted inside the test's transaction,
    so the next test has it again.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("demo")
    from portal.orders.models import Order

    Order.objects.filter(number__isnull=False).delete()
