"""Placing and deciding orders through the real services, from a month with no orders."""

import pytest
from django_tasks_db.models import DBTaskResult

from tests.ordering import place, user  # noqa: F401  (the approvals tests import them here)

# Acme's prices: DRILL-18V 119.00 from 5 units (129.00 below), BOLT-M8-50 10.08 from 50
# boxes and 10.71 from 10. These baskets land on Acme's policy cases.
AROUND_900 = (("DRILL-18V", 7),)  # 833.00: approved on submission
AROUND_3000 = (("DRILL-18V", 20), ("BOLT-M8-50", 60))  # 2,984.80: one approval
AROUND_7000 = (("DRILL-18V", 20), ("BOLT-M8-50", 450))  # 6,916.00: two, last by an admin
ABOUT_200 = (("BOLT-M8-50", 20),)  # 214.20


@pytest.fixture
def empty_task_queue(db):
    """Tests that count emails start from an empty task queue."""
    DBTaskResult.objects.all().delete()
