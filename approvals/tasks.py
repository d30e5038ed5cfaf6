"""Background work of approvals, run by the database worker (``manage.py db_worker``)."""

from django.core.mail import get_connection
from django.tasks import task

from approvals.notifications import emails_for
from portal.orders.models import OrderEvent


@task
def order_event_notify(event_id: int) -> int:
    """Mail whoever must hear of this transition; returns how many emails went out."""
    event = OrderEvent.objects.select_related("order__company", "order__buyer", "actor").get(
        pk=event_id
    )
    messages = emails_for(event)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)
