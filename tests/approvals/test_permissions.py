"""Who may do what to an order, asked in one place, and answered with one status code each:
404 for an order the user may not see, 403 for one they see but may never act on that way,
409 for an action of theirs that the order, as it is now, does not allow."""

import pytest
from django.http import Http404
from django.test import Client

from approvals.forms import DecisionForm
from approvals.permissions import (
    may_decide,
    order_actions_for,
    order_for_action,
    order_for_decision,
)
from approvals.services import (
    ActionForbidden,
    CommentMissing,
    TransitionNotAllowed,
    order_approve,
    order_cancel,
    order_decide,
    order_edit,
    order_reject,
)
from approvals.workflow import DECISIONS, TRANSITIONS, order_transition
from portal.orders.models import OrderStatus
from tests.approvals.conftest import AROUND_3000, AROUND_7000, place, user

pytestmark = pytest.mark.django_db

S = OrderStatus
HTMX_ROW = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "approval-ORD"}
ONLY_THE_BUYER = "Only acme.buyer, who placed the order, can do that."


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def decide(client, order, action, comment="", *, queue=False, htmx=False, version=None):
    data = {"action": action, "version": str(version or order.version), "comment": comment}
    if queue:
        data["next"] = "queue"
    return client.post(f"/orders/{order.number}/decide/", data, **(HTMX_ROW if htmx else {}))


# -- one definition of the decisions ---------------------------------------------------------


def test_the_decisions_are_the_deciders_transitions_and_the_form_offers_them():
    assert DECISIONS == {
        "approve": "Approve",
        "reject": "Reject",
        "request_changes": "Request changes",
    }
    assert DecisionForm().fields["action"].choices == list(DECISIONS.items())


def test_each_action_has_one_party_and_one_comment_rule():
    # PARTY_OF and COMMENT_REQUIRED are keyed by action: the table must not disagree
    for action in {t.action for t in TRANSITIONS}:
        rows = [t for t in TRANSITIONS if t.action == action]
        assert len({t.party for t in rows}) == 1, action
        assert len({t.comment_required for t in rows}) == 1, action


def test_the_decision_form_shows_a_button_per_decision():
    order = place("acme.buyer", AROUND_3000)

    html = signed_in("acme.manager").get(f"/orders/{order.number}/").content.decode()

    for action, label in DECISIONS.items():
        assert f'name="action" value="{action}"' in html
        assert f">{label}<span" in html


# -- the permissions API ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "actions"),
    [
        ("acme.buyer", {"edit", "cancel"}),
        ("acme.manager", {"approve", "reject", "request_changes"}),
        ("acme.admin", {"approve", "reject", "request_changes"}),
        ("warehouse.north", set()),
        ("finance", set()),
    ],
)
def test_the_actions_each_person_may_take_on_a_pending_order(username, actions):
    order = place("acme.buyer", AROUND_3000)

    assert order_actions_for(user(username), order) == actions
    assert may_decide(user(username), order) == bool(actions & set(DECISIONS))


def test_an_approval_given_leaves_nothing_to_decide_for_its_approver():
    order = place("acme.buyer", AROUND_7000)
    order = order_approve(order=order, by=user("acme.manager"), expected_version=order.version)

    assert order_actions_for(user("acme.manager"), order) == frozenset()
    assert may_decide(user("acme.admin"), order)


def test_an_order_for_an_action_is_404_unseen_and_403_not_theirs():
    order = place("acme.buyer", AROUND_3000)

    assert order_for_action(user("acme.buyer"), order.number, "cancel") == order
    assert order_for_decision(user("acme.manager"), order.number) == order
    with pytest.raises(Http404):
        order_for_action(user("borealis.buyer"), order.number, "cancel")
    with pytest.raises(Http404):
        order_for_decision(user("borealis.manager"), order.number)
    with pytest.raises(ActionForbidden, match=ONLY_THE_BUYER):
        order_for_action(user("acme.admin"), order.number, "cancel")
    with pytest.raises(ActionForbidden, match="do not approve orders for Acme"):
        order_for_decision(user("acme.buyer"), order.number)


def test_the_workflow_tells_forbidden_from_not_now():
    order = place("acme.buyer", AROUND_3000)

    # a colleague may never cancel the buyer's order: forbidden
    with pytest.raises(ActionForbidden, match=ONLY_THE_BUYER):
        order_cancel(order=order, by=user("acme.manager"))
    # nor decide an order they placed themselves
    own = place("acme.manager", AROUND_3000)
    with pytest.raises(ActionForbidden, match="You placed this order"):
        order_approve(order=own, by=user("acme.manager"), expected_version=own.version)

    # while an approval the order already holds is a conflict with its present state
    big = place("acme.buyer", AROUND_7000)
    big = order_approve(order=big, by=user("acme.manager"), expected_version=big.version)
    with pytest.raises(TransitionNotAllowed, match="already approved") as again:
        order_approve(order=big, by=user("acme.manager"), expected_version=big.version)
    assert not isinstance(again.value, ActionForbidden)


def test_a_missing_comment_is_refused_before_anything_else():
    # given an order decided meanwhile
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    order_approve(order=order, by=user("acme.admin"), expected_version=seen)

    # when a rejection without a reason comes for the version seen, then the reason is asked
    # for first: whatever else is wrong, the approver must write it anyway
    with pytest.raises(CommentMissing, match="Say why you reject the order"):
        order_transition(order=order, action="reject", by=user("acme.manager"), comment=" ")
    with pytest.raises(CommentMissing, match="Say what should change"):
        order_decide(
            order=order, by=user("acme.manager"), action="request_changes", expected_version=seen
        )


def test_only_decisions_are_decided():
    order = place("acme.buyer", AROUND_3000)

    with pytest.raises(TransitionNotAllowed, match="'cancel' is not a decision"):
        order_decide(
            order=order, by=user("acme.buyer"), action="cancel", expected_version=order.version
        )
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


# -- "only the buyer may": 403 on every page, 409 only for the buyer's impossible actions ----


def buyer_only_posts(order):
    """Every page where only the order's buyer may act, as (method, path, data)."""
    line = order.lines.first()
    return [
        ("post", f"/orders/{order.number}/cancel/", {}),
        ("get", f"/orders/{order.number}/edit/", {}),
        ("post", f"/orders/{order.number}/edit/", {}),
        ("post", f"/orders/{order.number}/lines/{line.pk}/", {"quantity": "3"}),
        ("post", f"/orders/{order.number}/add/", {"lines": "NUT-M8, 2"}),
        ("post", f"/orders/{order.number}/submit/", {}),
    ]


@pytest.mark.parametrize("username", ["acme.manager", "acme.admin"])
@pytest.mark.parametrize("state", [S.PENDING_APPROVAL, S.DRAFT, S.CANCELLED])
def test_a_colleague_is_forbidden_whatever_the_state_of_the_order(username, state):
    # given acme.buyer's order, pending, reopened or cancelled
    order = place("acme.buyer", AROUND_3000)
    if state == S.DRAFT:
        order = order_edit(order=order, by=user("acme.buyer"))
    elif state == S.CANCELLED:
        order = order_cancel(order=order, by=user("acme.buyer"))
    colleague = signed_in(username)

    for method, path, data in buyer_only_posts(order):
        # when a colleague who sees the order acts as its buyer
        response = getattr(colleague, method)(path, data)

        # then it is forbidden, with the reason, and the order is as it was
        assert response.status_code == 403, (method, path, response.status_code)
        assert ONLY_THE_BUYER in response.content.decode()
        fresh = type(order).objects.get(pk=order.pk)
        assert (fresh.status, fresh.version) == (order.status, order.version)


def test_the_buyer_meets_a_conflict_where_the_order_does_not_allow_the_action():
    # given acme.buyer's cancelled order
    order = place("acme.buyer", AROUND_3000)
    order = order_cancel(order=order, by=user("acme.buyer"))
    buyer = signed_in("acme.buyer")

    # then each of their actions on it is a conflict (409), not a refusal of who they are
    for method, path, data in buyer_only_posts(order):
        response = getattr(buyer, method)(path, data)
        assert response.status_code == 409, (method, path, response.status_code)
        assert f"Order {order.number} is cancelled" in response.content.decode()


def test_another_company_does_not_see_the_order_at_all():
    order = place("acme.buyer", AROUND_3000)
    other = signed_in("borealis.buyer")

    for method, path, data in buyer_only_posts(order):
        assert getattr(other, method)(path, data).status_code == 404, path
    assert decide(signed_in("borealis.manager"), order, "approve").status_code == 404


# -- deciding: 403 for who may never decide it, 409 for what cannot be decided now -----------


@pytest.mark.parametrize(("queue", "htmx"), [(False, False), (True, False), (True, True)])
def test_an_approver_may_not_decide_an_order_they_placed(queue, htmx):
    # given acme.manager placed a 2,984.80 order themselves
    order = place("acme.manager", AROUND_3000)

    # when they approve it, from the queue or the order page
    response = decide(signed_in("acme.manager"), order, "approve", queue=queue, htmx=htmx)

    # then it is forbidden, not a conflict: no state of the order would let them
    assert response.status_code == 403
    assert "You placed this order: someone else must decide it." in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL
    assert not order.approvals.exists()


def test_a_buyer_may_not_decide():
    order = place("acme.buyer", AROUND_3000)

    response = decide(signed_in("acme.buyer"), order, "reject", "No.")

    assert response.status_code == 403
    assert "You do not approve orders for Acme Hardware GmbH." in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


def test_a_decision_on_a_decided_order_is_a_conflict():
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    order_reject(order=order, by=user("acme.admin"), expected_version=seen, reason="No budget.")

    response = decide(signed_in("acme.manager"), order, "approve", version=seen)

    assert response.status_code == 409
    assert "is rejected (rejected by acme.admin at " in response.content.decode()


# -- the workflow's comment rule, shown on the form ------------------------------------------


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("reject", "Say why you reject the order: the buyer will read it."),
        ("request_changes", "Say what should change: the buyer will read it."),
    ],
)
@pytest.mark.parametrize(("queue", "htmx"), [(False, False), (True, False), (True, True)])
def test_a_decision_without_its_comment_shows_the_workflows_message(action, message, queue, htmx):
    order = place("acme.buyer", AROUND_3000)

    response = decide(signed_in("acme.manager"), order, action, "  \n ", queue=queue, htmx=htmx)

    # then a 400, with the message under the comment box, and the form ready to send again
    html = response.content.decode()
    assert response.status_code == 400
    field = html[html.index(f'id="comment-{order.number}"') :]
    assert f'</textarea>\n  <p class="error" role="alert">{message}</p>' in field
    assert f'name="version" value="{order.version}"' in html
    if htmx:
        assert html.lstrip().startswith(f'<tr id="approval-{order.number}"')
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


def test_the_form_leaves_the_comment_rule_to_the_workflow():
    form = DecisionForm({"action": "reject", "version": "3", "comment": ""})

    assert form.is_valid()
