"""The audit page: operators read every event, company admins their company's, nobody else
anything; filters by who, object and date; bad filters are a 400 that says why."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.models import ApprovalPolicy
from portal.accounts.models import Membership
from portal.audit.context import audit_context
from tests.audit.conftest import admin_save, rows, signed_in

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "audit-results"}


def raise_threshold(operator, company_code: str, above: str, to: str) -> None:
    policy = ApprovalPolicy.objects.get(company__code=company_code)
    threshold = policy.thresholds.get(above=Decimal(above))

    def change(data):
        index = next(k for k, v in data.items() if k.endswith("-id") and v == str(threshold.pk))
        data[index.replace("-id", "-above")] = to

    admin_save(operator, f"/admin/approvals/approvalpolicy/{policy.pk}/change/", change)


@pytest.fixture
def changes(operator):
    """One change to each company's approval policy in the admin, and one to each company's
    buyer by a command."""
    raise_threshold(operator, "acme", "1000.00", "1500.00")
    raise_threshold(operator, "borealis", "2000.00", "2500.00")
    with audit_context(source="command", command="budget_review"):
        Membership.objects.filter(user__username="acme.buyer").update(monthly_budget=5000)
        Membership.objects.filter(user__username="borealis.buyer").update(monthly_budget=7000)


def test_an_operator_sees_every_change_with_who_where_and_old_new(changes):
    response = signed_in("admin").get("/audit/")

    assert response.status_code == 200
    shown = rows(response)
    assert any(
        "admin Admin" in row
        and "Approval threshold of acme" in row
        and "Net total above: €1,000.00 → €1,500.00" in row
        for row in shown
    ), shown[:5]
    assert any("Approval threshold of borealis" in row and "$2,500.00" in row for row in shown)
    assert any(
        "budget_review Command" in row
        and "acme.buyer in acme" in row
        and "Monthly budget: €10,000.00 → €5,000.00" in row
        for row in shown
    )
    assert "/admin/approvals/approvalpolicy/" in response.content.decode()


def test_a_company_admin_sees_their_company_only(changes):
    page = signed_in("acme.admin").get("/audit/")

    assert page.status_code == 200
    text = page.content.decode()
    assert any("Approval threshold of acme" in row for row in rows(page))
    assert any("acme.buyer in acme" in row for row in rows(page))
    assert "borealis" not in text.lower()
    # nor when asking for Borealis' objects by name
    for key in ("borealis", "borealis.buyer"):
        asked = signed_in("acme.admin").get("/audit/", {"key": key})
        assert asked.status_code == 200
        assert rows(asked) == []
    # and the seller's own objects (stock, price lists) are no kind of theirs
    assert b'value="stock_level"' not in page.content
    assert signed_in("acme.admin").get("/audit/?kind=stock_level").status_code == 400


@pytest.mark.parametrize("persona", ["acme.buyer", "acme.manager", "finance", "warehouse.north"])
def test_everyone_else_is_refused(demo, persona):
    assert signed_in(persona).get("/audit/").status_code == 403


def test_the_navigation_links_the_page_for_those_who_may_read_it(demo):
    for persona, linked in [("admin", True), ("acme.admin", True), ("acme.buyer", False)]:
        page = signed_in(persona).get("/").content.decode()
        assert ('href="/audit/"' in page) is linked, persona


def test_filters_by_who_object_and_where(changes):
    admin = signed_in("admin")

    by_command = rows(admin.get("/audit/", {"actor": "BUDGET_REVIEW"}))
    assert len(by_command) == 2
    assert all("budget_review" in row for row in by_command)

    by_admin = rows(admin.get("/audit/", {"actor": "admin", "kind": "approval_threshold"}))
    assert len(by_admin) == 2
    assert all("admin Admin" in row and "Approval threshold of" in row for row in by_admin)

    acme_only = rows(admin.get("/audit/", {"kind": "approval_threshold", "key": "ACME"}))
    assert len(acme_only) == 3  # the demo's two thresholds, and the change
    assert all("of acme" in row for row in acme_only)
    assert "€1,000.00 → €1,500.00" in acme_only[0]

    by_username = rows(admin.get("/audit/", {"kind": "membership", "key": "borealis.buyer"}))
    assert by_username[0].count("Monthly budget") == 1 and "$7,000.00" in by_username[0]

    from_admin = rows(admin.get("/audit/", {"source": "admin", "actor": "admin"}))
    assert from_admin and all(" Admin " in f" {row} " for row in from_admin)


def test_filters_by_date(changes):
    admin = signed_in("admin")
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)

    assert rows(admin.get("/audit/", {"actor": "budget_review", "since": today.isoformat()}))
    assert not rows(
        admin.get("/audit/", {"actor": "budget_review", "until": yesterday.isoformat()})
    )
    assert rows(
        admin.get(
            "/audit/",
            {"actor": "budget_review", "since": yesterday.isoformat(), "until": today.isoformat()},
        )
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "Enter a valid date."),
        ({"since": "2026-02-02", "until": "2026-02-01"}, "on or after the &#x27;from&#x27; date"),
        ({"kind": "invoice"}, "Select a valid choice."),
        ({"source": "api"}, "Select a valid choice."),
        ({"actor": "x" * 151}, "at most 150 characters"),
        ({"page": "two"}, "is not a page number"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(demo, query, message):
    response = signed_in("admin").get("/audit/", query)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_an_htmx_filter_gets_the_results_only(changes):
    response = signed_in("admin").get("/audit/", {"actor": "budget_review"}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="audit-results"')
    assert "<h1>" not in body
    assert len(rows(response)) == 2


def test_the_page_is_paged(demo):
    admin = signed_in("admin")

    first = admin.get("/audit/")
    second = admin.get("/audit/", {"page": "2"})

    assert len(rows(first)) == 50
    assert 'rel="next"' in first.content.decode()
    assert rows(second) and rows(second) != rows(first)


def test_the_admin_lists_events_with_who_and_where(changes):
    admin = signed_in("admin")
    response = admin.get("/admin/pghistory/events/", {"model": "accounts.Membership"})

    assert response.status_code == 200
    assert b"budget_review" in response.content
    # all events at once is the audit page's work, not the admin's
    bare = admin.get("/admin/pghistory/events/")
    assert bare.status_code == 200
    assert b"budget_review" not in bare.content
    # and a tracked object's change form links its events
    policy = ApprovalPolicy.objects.get(company__code="acme")
    form = admin.get(f"/admin/approvals/approvalpolicy/{policy.pk}/change/").content.decode()
    assert f"?method=tracks&obj=approvals.ApprovalPolicy:{policy.pk}&" in form
    events = admin.get(
        f"/admin/pghistory/events/?method=tracks&obj=approvals.ApprovalPolicy:{policy.pk}"
    )
    assert events.status_code == 200
