"""Orders already waiting when approval policies arrive are not left without a requirement."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from approvals.models import ApprovalRequirement
from portal.orders.models import Order
from tests.approvals.conftest import AROUND_3000, place

pytestmark = pytest.mark.django_db

BEFORE = [("approvals", "0001_initial")]
AFTER = [("approvals", "0002_requirements_of_orders_already_pending")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def test_an_order_pending_before_policies_needs_one_approval():
    # given the schema before the data migration, and a pending order with no requirement
    migrate(BEFORE)
    order = place("acme.buyer", AROUND_3000)
    ApprovalRequirement.objects.filter(order=order).delete()

    # when the migration runs
    migrate(AFTER)

    # then the order waits for one approval, and says why
    requirement = ApprovalRequirement.objects.get(order=order)
    assert requirement.approvals_required == 1
    assert requirement.net_total == Order.objects.get(pk=order.pk).subtotal
    assert requirement.reasons == ["Submitted before approval policies existed: one approval."]
