import pytest


@pytest.fixture(autouse=True)
def no_order_history(request):
    """These tests count and list the orders they place: start with none placed.

    The demo's order history (approvals.demo) is deleted inside the test's own
    transaction, so the next test has it again.
    """
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("demo")
    from portal.orders.models import Order

    Order.objects.filter(number__isnull=False).delete()
