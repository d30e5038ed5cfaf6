"""Background work of approvals, run by the database worker (``manage.py db_worker``)."""

from django.core.mail import mailers
from django.tasks import task

from approvals.notifications import emails_for, reminder_emails
from portal.orders.models import Order, OrderEvent, OrderStatus


@task
def order_event_notify(event_id: int) -> int:
    """Mail whoever must hear of this transition; returns how many emails went out."""
    event = OrderEvent.objects.select_related("order__company", "order__buyer", "actor").get(
        pk=event_id
    )
    messages = emails_for(event)
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)


@task
def approval_reminder_send(order_id: int, waited_days: int) -> int:
    """Remind the approvers an order still waits for; returns how many emails went out."""
    order = Order.objects.select_related("company", "buyer").get(pk=order_id)
    if order.status != OrderStatus.PENDING_APPROVAL:
        return 0
    messages = reminder_emails(order, waited_days)
    if messages:
        mailers.default.send_messages(messages)
    return len(messages)
