"""Editing a pending order, changes requested, stale approvals, and the guarded status."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from approvals.models import Approval, ApprovalRequirement
from approvals.services import order_approve, order_edit, order_request_changes
from approvals.workflow import ACTIONS, CommentMissing, OrderChanged
from portal.orders.models import Order, OrderStatus
from tests.approvals.conftest import AROUND_3000, AROUND_7000, place, user

pytestmark = pytest.mark.django_db

S = OrderStatus


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_editing_a_pending_order_returns_it_to_draft_and_voids_its_approvals():
    # given a 6,916.00 order approved once by acme.manager
    order = place("acme.buyer", AROUND_7000)
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert order.status == S.PENDING_APPROVAL

    # when its buyer reopens it from the order page
    buyer = signed_in("acme.buyer")
    response = buyer.post(f"/orders/{order.number}/edit/")

    # then it is a draft again, the approval no longer counts but is kept as history
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/edit/"
    order.refresh_from_db()
    assert order.status == S.DRAFT
    approval = Approval.objects.get(order=order)
    assert approval.voided_at is not None
    assert approval.void_reason == "order edited"
    assert list(order.events.values_list("kind", "to_status")) == [
        ("submit", "pending_approval"),
        ("stock_reserved", ""),
        ("approve", "pending_approval"),
        ("edit", "draft"),
        ("stock_released", ""),
    ]
    page = signed_in("acme.buyer").get(f"/orders/{order.number}/").content.decode()
    assert "no longer counts: order edited" in page

    # when the buyer lowers the bolts to 60 and submits it again
    editor = buyer.get(f"/orders/{order.number}/edit/").content.decode()
    assert f"Edit order {order.number}" in editor
    bolts = order.lines.get(product__sku="BOLT-M8-50")
    changed = buyer.post(f"/orders/{order.number}/lines/{bolts.pk}/", {"quantity": "60"})
    assert changed.status_code == 302
    resubmit = buyer.post(
        f"/orders/{order.number}/submit/",
        {
            "token": str(order.checkout_token),
            "po_number": "PO-AGAIN",
            "ship_to": str(order.ship_to_id),
            "note": "",
        },
    )

    # then the same order waits again, under the policy for its new total
    assert resubmit.status_code == 302
    assert resubmit["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert (order.status, order.po_number) == (S.PENDING_APPROVAL, "PO-AGAIN")
    assert str(order.subtotal) == "2984.80"
    assert ApprovalRequirement.objects.get(order=order).approvals_required == 1
    # and acme.manager, whose earlier approval was voided, may approve it afresh
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    assert order.status == S.APPROVED
    assert order.approvals.count() == 2


def test_an_approval_of_the_version_before_an_edit_fails_with_order_changed():
    # given acme.manager opened acme.buyer's order at this version
    order = place("acme.buyer", AROUND_3000)
    seen = order.version

    # and meanwhile the buyer reopened it
    order_edit(order=order, by=user("acme.buyer"))

    # when the manager approves what they saw, then it fails naming the change
    with pytest.raises(OrderChanged) as changed:
        order_approve(order=order, by=user("acme.manager"), expected_version=seen)
    assert str(changed.value).startswith(f"Order changed: {order.number} was reopened for editing")
    assert "by acme.buyer" in str(changed.value)
    order.refresh_from_db()
    assert order.status == S.DRAFT
    assert not Approval.objects.filter(order=order).exists()


def test_a_line_change_after_the_approver_opened_the_order_is_caught_too():
    # given acme.manager opened the order at this version
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    # and the order's lines changed since (a new version, same status)
    Order.objects.filter(pk=order.pk).update(version=seen + 1)

    with pytest.raises(OrderChanged, match="Order changed"):
        order_approve(order=order, by=user("acme.manager"), expected_version=seen)


def test_requesting_changes_needs_a_comment_and_sends_the_order_back():
    # given a 6,916.00 order approved once
    order = place("acme.buyer", AROUND_7000)
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    # when acme.admin asks for changes without saying what, then it is refused
    with pytest.raises(CommentMissing, match=r"Say what should change: the buyer will read it\."):
        order_request_changes(
            order=order, by=user("acme.admin"), expected_version=order.version, comment="  "
        )

    # when they say what to change
    order = order_request_changes(
        order=order,
        by=user("acme.admin"),
        expected_version=order.version,
        comment="Half the bolts, please.",
    )

    # then the buyer has a draft, with the comment on the timeline and approvals voided
    assert order.status == S.DRAFT
    event = order.events.filter(kind__in=ACTIONS).latest("pk")
    assert (event.kind, event.comment, event.actor.username) == (
        "request_changes",
        "Half the bolts, please.",
        "acme.admin",
    )
    assert Approval.objects.get(order=order).void_reason == "changes requested"


def test_only_the_workflow_writes_the_status():
    order = place("acme.buyer", AROUND_3000)

    # an UPDATE from anywhere else is refused by the database
    with pytest.raises(IntegrityError, match=r"outside approvals\.workflow"), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=S.APPROVED)
    # so is save() of a changed status
    order.status = S.APPROVED
    with pytest.raises(IntegrityError), transaction.atomic():
        order.save()
    # and a new order that does not start as a draft
    with pytest.raises(IntegrityError, match="starts as a draft"), transaction.atomic():
        Order.objects.create(
            number="ORD-999999",
            company=order.company,
            buyer=order.buyer,
            currency="EUR",
            status=S.APPROVED,
        )
    # while other fields stay writable, and the status is still what the workflow set
    Order.objects.filter(pk=order.pk).update(note="Gate 3")
    order.refresh_from_db()
    assert (order.status, order.note) == (S.PENDING_APPROVAL, "Gate 3")
    # and forms never offer it
    assert Order._meta.get_field("status").editable is False


def test_replaying_the_first_submit_does_not_resubmit_a_reopened_order():
    # given the checkout that placed an order, and the order since reopened by its buyer
    buyer = signed_in("acme.buyer")
    buyer.post("/cart/add/", {"sku": "DRILL-18V", "quantity": "10"})
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    checkout = {
        "token": str(cart.checkout_token),
        "po_number": "PO-1",
        "ship_to": str(cart.company.addresses.filter(is_shipping=True).first().pk),
        "note": "",
    }
    assert buyer.post("/cart/submit/", checkout).status_code == 302
    order = Order.objects.get(pk=cart.pk)
    order_edit(order=order, by=user("acme.buyer"))

    # when that submit is replayed
    replay = buyer.post("/cart/submit/", checkout)

    # then the reopened order stays a draft for its buyer to finish
    assert replay.status_code == 400
    order.refresh_from_db()
    assert order.status == S.DRAFT


def test_the_timeline_names_a_request_for_changes_in_words():
    order = place("acme.buyer", AROUND_3000)
    order_request_changes(
        order=order, by=user("acme.manager"), expected_version=order.version, comment="Fewer"
    )

    html = signed_in("acme.buyer").get(f"/orders/{order.number}/").content.decode()

    assert "acme.manager: Sent back for changes → Draft · “Fewer”" in html


def test_a_reopened_order_takes_new_products_and_keeps_bad_lines_to_fix():
    # given acme.buyer reopened their pending order
    order = place("acme.buyer", AROUND_3000)
    order_edit(order=order, by=user("acme.buyer"))
    buyer = signed_in("acme.buyer")

    # when they add a good line and a bad one
    response = buyer.post(f"/orders/{order.number}/add/", {"lines": "NUT-M8, 20\nNOPE-1, 3"})

    # then the good one is on the order, and the bad one stays typed with its reason
    html = response.content.decode()
    assert response.status_code == 400
    assert order.lines.filter(product__sku="NUT-M8", quantity=20).exists()
    assert "Unknown SKU" in html
    assert ">NOPE-1, 3</textarea>" in html

    # and a clean addition goes back to the editor
    again = buyer.post(f"/orders/{order.number}/add/", {"lines": "GLOVE-L, 24"})
    assert again.status_code == 302
    assert again["Location"] == f"/orders/{order.number}/edit/"
    assert order.lines.count() == 4


def test_products_cannot_be_added_to_a_pending_order():
    order = place("acme.buyer", AROUND_3000)

    response = signed_in("acme.buyer").post(f"/orders/{order.number}/add/", {"lines": "NUT-M8, 2"})

    assert response.status_code == 409
    assert not order.lines.filter(product__sku="NUT-M8").exists()
