"""Every change that matters leaves an event: who, when, from where, old -> new, whether it
came through a service, an admin inline, a bulk update or a command."""

from decimal import Decimal

import pgtrigger
import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.tasks import task

from approvals.models import Approval, ApprovalPolicy, ApprovalThreshold
from inventory.models import StockLevel
from portal.accounts.models import Company, Membership
from portal.audit.context import audit_context
from portal.audit.kinds import KINDS
from portal.audit.models import AuditedUser, AuditedUserGroups
from portal.audit.selectors import audit_rows, events_visible_to
from portal.orders.models import Order, OrderLine, OrderStatus
from pricing.models import CompanyPriceList, PriceList
from tests.approvals.conftest import AROUND_3000
from tests.audit.conftest import admin_save, latest, rows, signed_in
from tests.ordering import place

pytestmark = pytest.mark.django_db


def told(event):
    """The event as the audit page tells it to an operator."""
    kind = next(k.key for k in KINDS if isinstance(event, k.events))
    admin = get_user_model().objects.get(username="admin")
    assert event.pgh_id in {pk for _at, pk, _kind in events_visible_to(admin, kind=kind)[:1000]}
    (row,) = audit_rows([(event.pgh_created_at, event.pgh_id, kind)])
    return row


def changes(row) -> dict:
    return {change.label: (change.old, change.new) for change in row.changes}


def request_changes(model, obj) -> dict:
    """Every field one request (or command) changed on ``obj``, over all its events there."""
    last = latest(model, pgh_obj=obj)
    merged = {}
    for event in model.pgh_event_model.objects.filter(
        pgh_obj=obj, pgh_context_id=last.pgh_context_id
    ).order_by("pgh_id"):
        for label, (old, new) in changes(told(event)).items():
            merged[label] = (merged.get(label, (old, None))[0], new)
    return merged


def test_a_company_admin_changing_a_colleague_in_the_portal_is_recorded(demo):
    member = Membership.objects.get(user__username="acme.buyer")
    admin = signed_in("acme.admin")

    response = admin.post(
        f"/company/users/{member.pk}/",
        {"is_buyer": "on", "is_approver": "on", "approval_limit": "750", "monthly_budget": ""},
    )

    assert response.status_code == 302
    event = latest(Membership, pgh_obj=member)
    assert event.pgh_label == "update"
    assert event.pgh_context["username"] == "acme.admin"
    assert event.pgh_context["source"] == "portal"
    assert event.pgh_context["url"] == f"/company/users/{member.pk}/"
    row = told(event)
    assert (row.who, row.source, row.action) == ("acme.admin", "Portal", "Changed")
    assert changes(row) == {
        "Approver": ("no", "yes"),
        "Approval limit": (None, Decimal("750.00")),
        "Monthly budget": (Decimal("10000.00"), None),
    }
    assert {c.currency for c in row.changes if c.label != "Approver"} == {"EUR"}
    # and the role group they joined with it, by the same hand
    joined = latest(AuditedUserGroups, user=member.user, group__name="company:acme:approver")
    assert (joined.pgh_label, joined.pgh_context["username"]) == ("insert", "acme.admin")
    assert told(joined).action == "Joined"


def test_a_threshold_saved_by_the_policy_admins_inline_is_recorded(operator):
    policy = ApprovalPolicy.objects.get(company__code="acme")
    threshold = policy.thresholds.get(above=Decimal("1000.00"))
    url = f"/admin/approvals/approvalpolicy/{policy.pk}/change/"

    def raise_the_threshold(data):
        index = next(k for k, v in data.items() if k.endswith("-id") and v == str(threshold.pk))
        data[index.replace("-id", "-above")] = "1500.00"

    admin_save(operator, url, raise_the_threshold)

    event = latest(ApprovalThreshold, pgh_obj=threshold)
    assert event.pgh_context["username"] == "admin"
    assert event.pgh_context["source"] == "admin"
    assert event.pgh_context["url"] == url
    row = told(event)
    assert (row.who, row.source, row.what) == ("admin", "Admin", "Approval threshold of acme")
    assert changes(row) == {"Net total above": (Decimal("1000.00"), Decimal("1500.00"))}
    assert row.changes[0].currency == "EUR"


def test_a_price_list_assigned_by_the_price_list_admins_inline_is_recorded(operator):
    price_list = PriceList.objects.get(name="List EUR")
    acme = Company.objects.get(code="acme")
    url = f"/admin/pricing/pricelist/{price_list.pk}/change/"

    def assign_to_acme(data):
        prefix = "company_assignments"
        total = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
        data[f"{prefix}-{total}-company"] = str(acme.pk)
        data[f"{prefix}-{total}-priority"] = "3"
        data[f"{prefix}-{total}-price_list"] = str(price_list.pk)

    admin_save(operator, url, assign_to_acme)

    assignment = CompanyPriceList.objects.get(company=acme, price_list=price_list)
    event = latest(CompanyPriceList, pgh_obj=assignment)
    assert (event.pgh_label, event.pgh_context["username"]) == ("insert", "admin")
    row = told(event)
    assert (row.source, row.action, row.what) == (
        "Admin",
        "Created",
        "Price list List EUR for acme",
    )
    assert changes(row)["Priority"] == (None, "3")


def test_a_stock_receipt_records_the_level_before_and_after(demo):
    level = StockLevel.objects.get(warehouse__code="NORTH", product__sku="BOLT-M8-50")

    response = signed_in("warehouse.north").post(
        "/inventory/NORTH/BOLT-M8-50/receive/", {"quantity": "5", "reason": "Delivery 17"}
    )

    assert response.status_code == 302
    row = told(latest(StockLevel, pgh_obj=level))
    assert (row.who, row.source) == ("warehouse.north", "Portal")
    assert changes(row) == {"On hand": (str(level.on_hand), str(level.on_hand + 5))}
    # and the page shows it to operators
    page = signed_in("admin").get("/audit/", {"kind": "stock_level", "key": "BOLT-M8-50"})
    assert f"On hand: {level.on_hand} → {level.on_hand + 5}" in rows(page)[0]


def test_submitting_and_approving_an_order_records_each_step(demo):
    # given acme.buyer's order over Acme's approval threshold, submitted in the portal
    order = place("acme.buyer", AROUND_3000)  # through the services, outside any request
    buyer = signed_in("acme.buyer")
    submitted = latest(Order, pgh_obj=order)
    assert submitted.status == OrderStatus.PENDING_APPROVAL
    assert told(submitted).source == "System"
    # the lines' prices, written by one executemany, are recorded with the rest
    line = order.lines.get(product__sku="DRILL-18V")
    priced = latest(OrderLine, pgh_obj=line)
    assert priced.unit_price == line.unit_price == Decimal("119.0000")
    assert changes(told(priced))["Unit price"] == (None, Decimal("119.00"))

    # when acme.manager approves it in the portal
    manager = signed_in("acme.manager")
    response = manager.post(
        f"/orders/{order.number}/decide/",
        {"action": "approve", "version": str(order.version), "comment": ""},
    )

    # then the approval and the new status are the manager's, from the portal
    assert response.status_code == 302
    approval = Approval.objects.get(order=order)
    assert latest(Approval, pgh_obj=approval).pgh_context["username"] == "acme.manager"
    row = told(latest(Order, pgh_obj=order))
    assert (row.who, row.source, row.what) == ("acme.manager", "Portal", f"Order {order.number}")
    assert request_changes(Order, order)["Status"] == ("Pending approval", "Approved")
    assert buyer.get(f"/orders/{order.number}/").status_code == 200
    # and Acme's company admin finds both on the page by the order's number
    page = " ".join(rows(signed_in("acme.admin").get("/audit/", {"key": order.number})))
    assert f"Approval of order {order.number} by acme.manager" in page
    assert "Status: Pending approval → Approved" in page


def test_the_portals_checkout_records_the_lines_prices_in_the_request(demo):
    buyer = signed_in("acme.buyer")
    buyer.post("/cart/add/", {"sku": "BOLT-M8-50", "quantity": "9"})
    cart = Order.objects.get(buyer__username="acme.buyer", number__isnull=True)
    address = cart.company.addresses.filter(is_shipping=True).order_by("pk").first()

    response = buyer.post(
        "/cart/submit/",
        {"token": str(cart.checkout_token), "po_number": "PO-AUDIT", "ship_to": str(address.pk)},
    )

    assert response.status_code == 302
    line = OrderLine.objects.get(order=cart)
    row = told(latest(OrderLine, pgh_obj=line))
    assert (row.who, row.source) == ("acme.buyer", "Portal")
    assert request_changes(OrderLine, line)["Unit price"] == (None, line.unit_price)
    submitted = request_changes(Order, cart)
    assert submitted["PO number"] == (None, "PO-AUDIT")
    assert submitted["Number"] == (None, Order.objects.get(pk=cart.pk).number)


def test_a_quantity_changed_in_the_cart_is_recorded_with_who_changed_it(demo):
    # given acme.buyer's cart holding 9 bolts
    buyer = signed_in("acme.buyer")
    buyer.post("/cart/add/", {"sku": "BOLT-M8-50", "quantity": "9"})
    line = OrderLine.objects.get(order__buyer__username="acme.buyer", order__number__isnull=True)

    # when they set the line to 50 in its row (one statement of its own)
    response = buyer.post(
        f"/cart/lines/{line.pk}/",
        {"quantity": "50"},
        headers={"HX-Request": "true", "HX-Target": f"line-{line.pk}"},
    )

    # then the trail says who changed what, through the portal
    assert response.status_code == 200
    row = told(latest(OrderLine, pgh_obj=line))
    assert (row.who, row.source) == ("acme.buyer", "Portal")
    assert changes(row)["Quantity"] == ("9", "50")


def test_a_bulk_update_is_recorded_with_or_without_a_context(demo):
    members = Membership.objects.filter(user__username="acme.buyer")

    # outside any request or command: recorded, as the system
    members.update(monthly_budget=Decimal("123.00"))
    row = told(latest(Membership, pgh_obj=members.get()))
    assert (row.who, row.source) == ("—", "System")
    assert changes(row) == {"Monthly budget": (Decimal("10000.00"), Decimal("123.00"))}

    # inside a command's context: recorded as the command's
    with audit_context(source="command", command="fix_budgets"):
        members.update(monthly_budget=Decimal("456.00"))
    row = told(latest(Membership, pgh_obj=members.get()))
    assert (row.who, row.source) == ("fix_budgets", "Command")
    assert changes(row) == {"Monthly budget": (Decimal("123.00"), Decimal("456.00"))}


@task
def budget_reset(username: str) -> None:
    """A background task that writes, as the database worker runs it."""
    Membership.objects.filter(user__username=username).update(monthly_budget=None)


def test_a_tasks_writes_are_recorded_as_the_tasks(demo, run_worker):
    budget_reset.enqueue("acme.buyer")

    run_worker()

    event = latest(Membership, user__username="acme.buyer")
    assert event.monthly_budget is None
    assert event.pgh_context == {"source": "task", "task": f"{__name__}.budget_reset"}
    # and the worker's thread is left without a context for what comes after
    Membership.objects.filter(user__username="acme.buyer").update(monthly_budget=1)
    assert latest(Membership, user__username="acme.buyer").pgh_context is None


def test_the_demo_seed_is_recorded_as_the_command_that_made_it(demo):
    company = Company.objects.get(code="acme")

    created = latest(Company, pgh_obj=company, pgh_label="insert")

    assert created.pgh_context == {"source": "command", "command": "seed_demo"}


def test_a_user_is_recorded_without_password_hash_or_sign_ins(client, demo):
    user = get_user_model().objects.get(username="acme.buyer")
    events = AuditedUser.pgh_event_model.objects.filter(pgh_obj_id=user.pk)
    field_names = {f.name for f in AuditedUser.pgh_event_model._meta.fields}
    assert not {"password", "last_login"} & field_names
    before = events.count()

    # signing in writes the last login: no event
    response = client.post(
        "/accounts/login/", {"username": "acme.buyer", "password": "portal-demo"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    assert events.count() == before

    # a password change is an event that tells only that it happened
    with audit_context(source="command", command="changepassword"):
        user.set_password("a-new-secret-password")
        user.save()
    event = events.latest("pgh_id")
    assert event.pgh_label == "password_changed"
    assert told(event).action == "Password changed"
    assert told(event).changes == []
    with connection.cursor() as cursor:
        table = AuditedUser.pgh_event_model._meta.db_table
        cursor.execute(f"SELECT row_to_json(e)::text FROM {table} e")  # noqa: S608
        assert not any(user.password in text for (text,) in cursor.fetchall())


def test_the_admin_staff_flag_and_group_of_a_user_are_recorded(operator):
    user = get_user_model().objects.get(username="finance")
    with audit_context(source="command", command="promote"):
        user.is_staff = True
        user.save()
        user.groups.remove(Group.objects.get(name="finance"))

    row = told(latest(AuditedUser, pgh_obj=user, pgh_label="update"))
    assert changes(row) == {"Staff status": ("no", "yes")}
    left = latest(AuditedUserGroups, user=user)
    assert (left.pgh_label, told(left).action, told(left).who) == ("delete", "Left", "promote")


def test_events_cannot_be_changed_or_deleted(demo):
    event = latest(Company, pgh_label="insert")

    events = Company.pgh_event_model.objects.filter(pk=event.pk)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        events.delete()
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        events.update(legal_name="Someone else")


def test_an_object_older_than_the_trail_shows_old_and_new_at_its_first_change(demo):
    # given a company created while its trigger was off (as before the trail existed)
    with pgtrigger.ignore("accounts.Company:insert_insert"):
        old = Company.objects.create(
            code="oldco", legal_name="Old Co", currency="EUR", payment_terms_days=14
        )
    assert latest(Company, pgh_obj=old) is None

    # when the baseline migration copies the existing rows
    migration = __import__("portal.audit.migrations.0002_baseline", fromlist=["copy_current_rows"])
    with connection.schema_editor(atomic=False) as editor:
        migration.copy_current_rows(apps, editor)
    Company.objects.filter(pk=old.pk).update(payment_terms_days=30)

    # then its first change shows the old value, and the baseline is no event of its own
    row = told(latest(Company, pgh_obj=old))
    assert changes(row) == {"Payment terms days": ("14", "30")}
    admin = get_user_model().objects.get(username="admin")
    listed = events_visible_to(admin, kind="company", key="oldco")[:10]
    assert [kind for _at, _pk, kind in listed] == ["company"]
