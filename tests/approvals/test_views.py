"""The approval queue, deciding from it and from the order page, and the dashboards."""

import re

import pytest
from django.test import Client

from approvals.services import order_approve, order_reject
from portal.orders.models import OrderStatus
from tests.approvals.conftest import ABOUT_200, AROUND_3000, AROUND_7000, place, user

pytestmark = pytest.mark.django_db

S = OrderStatus
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "approval-ORD"}


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def queued(response) -> list[str]:
    return re.findall(r'<tr id="approval-(ORD-\d{6})"', response.content.decode())


def decide(client, order, action, comment="", *, version=None, htmx=False, queue=True):
    data = {"action": action, "version": str(version or order.version), "comment": comment}
    if queue:
        data["next"] = "queue"
    return client.post(f"/orders/{order.number}/decide/", data, **(HTMX if htmx else {}))


def test_the_queue_shows_what_waits_for_this_approver():
    # given a 2,984.80 order of acme.buyer and one acme.manager placed themselves
    order = place("acme.buyer", AROUND_3000, po="PO-Q1")
    own = place("acme.manager", AROUND_3000)

    # when acme.manager opens the queue
    response = signed_in("acme.manager").get("/approvals/")

    # then the buyer's order is there with its total, buyer and budget, but not their own
    html = response.content.decode()
    assert response.status_code == 200
    assert queued(response) == [order.number]
    assert own.number not in html
    row = re.search(rf'<tr id="approval-{order.number}".*?</tr>', html, re.S).group(0)
    assert "€2,984.80" in row
    assert "acme.buyer" in row
    assert "PO-Q1" in row
    assert "€0.00 → <strong>€2,984.80</strong> of €10,000.00" in row
    assert "Your approval completes it." in row
    assert 'data-testid="queue-count">1<' in html


def test_the_admin_sees_the_managers_own_order_and_a_partly_approved_one():
    own = place("acme.manager", AROUND_3000)
    partly = place("acme.buyer", AROUND_7000)
    partly = order_approve(order=partly, by=user("acme.manager"), expected_version=partly.version)

    manager_queue = queued(signed_in("acme.manager").get("/approvals/"))
    admin_queue = signed_in("acme.admin").get("/approvals/")

    # acme.manager approved the big one already and may not decide their own
    assert manager_queue == []
    assert queued(admin_queue) == [own.number, partly.number]
    assert "Approved by acme.manager" in admin_queue.content.decode()


def test_borealis_manager_never_sees_acmes_queue():
    acme = place("acme.buyer", AROUND_3000)
    borealis = place("borealis.buyer", (("DRILL-18V", 16),))

    response = signed_in("borealis.manager").get("/approvals/")

    assert queued(response) == [borealis.number]
    assert acme.number not in response.content.decode()
    assert signed_in("borealis.manager").get(f"/orders/{acme.number}/").status_code == 404


def test_approving_from_the_queue_with_htmx_answers_with_the_row():
    order = place("acme.buyer", AROUND_3000)
    other = place("acme.buyer", ABOUT_200)  # fits the budget left: approved at once
    assert other.status == S.APPROVED
    waiting = place("acme.buyer", (("DRILL-18V", 10),))
    manager = signed_in("acme.manager")

    response = decide(manager, order, "approve", htmx=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<tr id="approval-{order.number}" class="decided"' in html
    assert f"{order.number}</a>: approved." in html
    # the count of what is left is swapped in out of band
    assert 'id="queue-count" data-testid="queue-count" hx-swap-oob="true">1<' in html
    order.refresh_from_db()
    assert order.status == S.APPROVED
    assert queued(manager.get("/approvals/")) == [waiting.number]


def test_a_partial_approval_says_what_is_still_needed():
    order = place("acme.buyer", AROUND_7000)

    response = decide(signed_in("acme.manager"), order, "approve", htmx=True)

    assert (
        "your approval is recorded; it still needs 1 more approval, by a company admin."
        in response.content.decode()
    )


def test_rejecting_without_a_reason_is_a_400_that_keeps_the_row():
    order = place("acme.buyer", AROUND_3000)

    response = decide(signed_in("acme.manager"), order, "reject", "   ", htmx=True)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<tr id="approval-{order.number}"' in html
    assert "Say why you reject the order: the buyer will read it." in html
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


def test_a_stale_decision_names_who_decided_and_keeps_the_comment():
    # given acme.admin rejected the order while acme.manager had it open
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    order_reject(order=order, by=user("acme.admin"), expected_version=seen, reason="No budget.")

    # when acme.manager asks for changes on what they saw, without HTMX
    response = decide(
        signed_in("acme.manager"), order, "request_changes", "Fewer drills?", version=seen
    )

    # then it is a conflict, which says who decided, and nothing they typed is lost
    html = response.content.decode()
    assert response.status_code == 409
    assert f"{order.number} is rejected (rejected by acme.admin at " in html
    assert "Your comment was not sent: “Fewer drills?”" in html
    order.refresh_from_db()
    assert order.status == S.REJECTED


def test_a_stale_decision_with_htmx_turns_the_row_into_the_news():
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    order_approve(order=order, by=user("acme.admin"), expected_version=seen)

    response = decide(signed_in("acme.manager"), order, "approve", version=seen, htmx=True)

    assert response.status_code == 409
    assert "is approved (approved by acme.admin at " in response.content.decode()
    assert 'class="decided"' in response.content.decode()


def test_a_reject_without_reason_on_an_order_decided_meanwhile_says_who_decided():
    order = place("acme.buyer", AROUND_3000)
    seen = order.version
    order_approve(order=order, by=user("acme.admin"), expected_version=seen)

    response = decide(signed_in("acme.manager"), order, "reject", "", version=seen, htmx=True)

    assert response.status_code == 409
    assert "is approved (approved by acme.admin at " in response.content.decode()


def test_a_stale_comment_stays_in_the_form_when_the_order_still_waits():
    # given the order changed version but still waits (its buyer resubmitted meanwhile)
    order = place("acme.buyer", AROUND_7000)
    seen = order.version
    order = order_approve(order=order, by=user("acme.admin"), expected_version=seen)

    response = decide(signed_in("acme.manager"), order, "reject", "Too many bolts", version=seen)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Too many bolts</textarea>" in html
    assert "was approved by acme.admin" in html
    # and the form now carries the version on screen, so a second click is not refused again
    assert f'name="version" value="{order.version}"' in html


def test_deciding_from_the_order_page_without_javascript():
    order = place("acme.buyer", AROUND_3000)
    manager = signed_in("acme.manager")
    page = manager.get(f"/orders/{order.number}/").content.decode()
    assert f'action="/orders/{order.number}/decide/"' in page
    assert "Your approval completes it." in page

    response = decide(manager, order, "approve", queue=False)

    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    followed = manager.get(response["Location"]).content.decode()
    assert f"Order {order.number}: approved." in followed
    assert 'data-testid="order-status">Approved<' in followed
    assert f'action="/orders/{order.number}/decide/"' not in followed


def test_the_buyer_gets_no_decision_form_on_their_own_order():
    order = place("acme.buyer", AROUND_3000)

    page = signed_in("acme.buyer").get(f"/orders/{order.number}/").content.decode()

    assert "/decide/" not in page
    assert "Edit order" in page
    assert "Still needs 1 more approval" in page


def test_the_approver_dashboard_counts_the_queue():
    place("acme.buyer", AROUND_3000)
    place("acme.buyer", AROUND_7000)

    html = signed_in("acme.manager").get("/").content.decode()

    assert re.search(r'<span class="badge">2</span> orders waiting for your decision', html)


def test_the_buyer_dashboard_shows_spend_against_budget():
    place("acme.buyer", AROUND_3000)  # pending: counts
    rejected = place("acme.buyer", AROUND_3000)
    order_reject(
        order=rejected, by=user("acme.admin"), expected_version=rejected.version, reason="x"
    )

    html = signed_in("acme.buyer").get("/").content.decode()

    assert '<meter id="budget-meter" min="0" max="10000.00" value="2984.80"' in html
    assert "<strong>€2,984.80</strong> of €10,000.00 (29 %); €7,015.20 left" in html


def test_the_queue_costs_the_same_queries_for_one_order_or_ten(django_assert_max_num_queries):
    manager = signed_in("acme.manager")
    place("borealis.buyer", (("DRILL-18V", 16),))
    place("acme.buyer", AROUND_3000)
    with django_assert_max_num_queries(12) as one:
        manager.get("/approvals/")
    for _ in range(9):
        place("acme.admin", AROUND_3000)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = manager.get("/approvals/")
    assert len(queued(response)) == 10


def test_the_company_admin_reads_the_approval_policy():
    html = signed_in("acme.admin").get("/company/users/").content.decode()

    policy = re.search(r'data-testid="approval-policy">.*?</section>', html, re.S).group(0)
    assert "up to €1,000.00</td><td>none: approved on submission" in policy
    assert "above €1,000.00</td><td>1</td>" in policy
    assert "above €5,000.00</td><td>2, one of them by a company admin</td>" in policy


def test_a_second_click_after_approving_says_why_without_javascript():
    # given acme.manager approved a 6,916.00 order, which still waits for an admin
    order = place("acme.buyer", AROUND_7000)
    manager = signed_in("acme.manager")
    assert decide(manager, order, "approve", queue=False).status_code == 302
    order.refresh_from_db()

    # when a second click (another tab) approves again, with a comment
    response = decide(manager, order, "approve", "Still fine", queue=False)

    # then the page says why, and gives back the comment
    html = response.content.decode()
    assert response.status_code == 409
    assert "You have already approved this order: one approval per person." in html
    assert "Your comment was not sent: “Still fine”" in html


def test_a_cancel_comment_with_a_nul_character_is_a_400():
    order = place("acme.buyer", AROUND_3000)

    response = signed_in("acme.buyer").post(
        f"/orders/{order.number}/cancel/", {"comment": "ordered\x00twice"}
    )

    assert response.status_code == 400
    assert "Not cancelled" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.PENDING_APPROVAL


def test_a_long_queue_is_paged_oldest_first():
    # given 52 orders waiting for acme.manager (two more than a page)
    from approvals.selectors import QUEUE_PAGE_SIZE

    placed = [place("acme.admin", AROUND_3000).number for _ in range(QUEUE_PAGE_SIZE + 2)]
    manager = signed_in("acme.manager")

    # when they open the queue and then its second page
    first = manager.get("/approvals/")
    second = manager.get("/approvals/", {"page": "2"})

    # then the first page holds the oldest 50, the second the rest, and the count says 52
    assert queued(first) == placed[:QUEUE_PAGE_SIZE]
    assert queued(second) == placed[QUEUE_PAGE_SIZE:]
    assert 'data-testid="queue-count">52<' in first.content.decode()
    assert "Orders 51–52 of 52" in second.content.decode()
    # and a page that does not exist shows the last one rather than an error
    assert queued(manager.get("/approvals/", {"page": "99"})) == placed[QUEUE_PAGE_SIZE:]
    assert manager.get("/approvals/", {"page": "x"}).status_code == 200


def test_the_order_page_and_dashboards_cost_a_fixed_number_of_queries(
    django_assert_max_num_queries,
):
    # given a 6,916.00 order with one approval and a decision form for acme.admin
    order = place("acme.buyer", AROUND_7000)
    order_approve(order=order, by=user("acme.manager"), expected_version=order.version)
    admin, buyer = signed_in("acme.admin"), signed_in("acme.buyer")

    # then each page costs at most this many queries (session, user, membership and company
    # permissions included, and the navigation's counts of cart lines and approvals waiting)
    with django_assert_max_num_queries(17):
        assert admin.get(f"/orders/{order.number}/").status_code == 200
    with django_assert_max_num_queries(12):  # buyer, approver and company panels, navigation
        assert admin.get("/").status_code == 200
    with django_assert_max_num_queries(9):  # with the cart count
        assert buyer.get("/").status_code == 200
