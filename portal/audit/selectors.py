"""Reading the audit trail: which events a user may see, filtered, and each shown as who did
what to which object, from where, with the old and new value of every field it changed.

The events of every kind are one ``UNION ALL`` of small per-table queries, newest first, so
a page costs one query for its events plus a few per kind on it; what an event changed is
worked out for the events of that page only, against each object's previous event.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst

from portal.audit.context import ADMIN, COMMAND, PORTAL, TASK
from portal.audit.kinds import BY_KEY, Kind
from portal.audit.permissions import audited_company, kinds_visible_to
from portal.audit.tracking import BASELINE
from pricing.currencies import quantize

SYSTEM = "system"
# Events that hold a snapshot of the object, to compare the next one with. Others (a
# password change) record a fact, and are compared with nothing.
SNAPSHOTS = ("insert", "update", "delete", BASELINE)
SOURCES = {
    PORTAL: "Portal",
    ADMIN: "Admin",
    COMMAND: "Command",
    TASK: "Task",
    SYSTEM: "System",
}


@dataclass(frozen=True)
class Change:
    """One field of one event: its value before and after (one of them, for a creation or a
    deletion). ``currency`` is set when both are amounts to show as money."""

    label: str
    old: object = None
    new: object = None
    currency: str = ""

    @property
    def value(self) -> object:
        """The one value of a creation (its new one) or a deletion (its old one)."""
        return self.new if self.new is not None else self.old


@dataclass
class AuditRow:
    at: datetime.datetime
    kind: Kind
    action: str
    what: str
    who: str
    source: str
    url: str = ""
    # "diff": old -> new per field; "values": the values an object was created or deleted
    # with; "values" and ``earlier_unknown`` for a change of which nothing earlier was kept.
    mode: str = "diff"
    earlier_unknown: bool = False
    changes: list[Change] = field(default_factory=list)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _arm(kind: Kind, company, *, actor, key, source, since, until) -> QuerySet:
    events = kind.events.objects.filter(pgh_label__in=list(kind.actions))
    if company is not None:
        events = events.filter(kind.company(company))
    if actor:
        # Whoever the page names as "who": a user, or the command or task that ran.
        events = events.filter(
            Q(pgh_context__username__iexact=actor)
            | Q(pgh_context__command__iexact=actor)
            | Q(pgh_context__task__iexact=actor)
        )
    if source == SYSTEM:
        events = events.filter(pgh_context__isnull=True)
    elif source:
        events = events.filter(pgh_context__source=source)
    if since:
        events = events.filter(pgh_created_at__gte=_day_start(since))
    if until:
        events = events.filter(pgh_created_at__lt=_day_start(until + datetime.timedelta(days=1)))
    if key:
        events = events.filter(kind.search(key))
    return events.annotate(audit_kind=Value(kind.key, output_field=CharField())).values_list(
        "pgh_created_at", "pgh_id", "audit_kind"
    )


class AuditTrail:
    """The events one user may see that match the filters, newest first.

    Sliced a page at a time, never read whole. Each event table gives at most as many of
    its newest events as the page reaches down to, in the order of its index on the event
    time, and the page is cut from those: one query, that reads a few rows per table
    however long the trail (a ``UNION ALL`` of filtered tables ordered as a whole would
    sort every event first).
    """

    ORDER = ("-pgh_created_at", "-pgh_id")

    def __init__(self, arms: list[QuerySet]):
        self.arms = arms

    def __getitem__(self, window: slice) -> list[tuple]:
        """(when, event id, kind) of the events in ``window``."""
        start, stop = window.start or 0, window.stop
        if len(self.arms) == 1:
            return list(self.arms[0].order_by(*self.ORDER)[start:stop])
        arms = [arm.order_by(*self.ORDER)[:stop] for arm in self.arms]
        events = arms[0].union(*arms[1:], all=True)
        return list(events.order_by(*self.ORDER, "audit_kind")[start:stop])

    def count(self) -> int:
        return sum(arm.count() for arm in self.arms)


def events_visible_to(
    user,
    *,
    actor: str = "",
    kind: str = "",
    key: str = "",
    source: str = "",
    since=None,
    until=None,
) -> AuditTrail:
    """Every event the user may see that matches, newest first.

    Operators see every kind; a company admin sees the kinds that belong to a company, and
    of those only their own company's events.
    """
    company = audited_company(user)
    kinds = [k for k in kinds_visible_to(user) if not kind or k.key == kind]
    filters = {"actor": actor, "key": key, "source": source, "since": since, "until": until}
    return AuditTrail([_arm(k, company, **filters) for k in kinds])


# -- one page of events, told --------------------------------------------------------------


def _tracked_fields(model: type[Model]) -> list:
    return [
        f for f in model._meta.concrete_fields if not f.name.startswith("pgh_") and f.name != "id"
    ]


def _name(related: Model) -> str:
    for attribute in ("sku", "username", "code"):
        value = getattr(related, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(related)


def _shown(field, event: Model) -> object:
    """The field's value in ``event`` as the page shows it; None when empty."""
    value = field.value_from_object(event)
    if value is None or value == "":
        return None
    if field.is_relation:
        related = getattr(event, field.name)
        return _name(related) if related is not None else f"#{value}"
    if field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value
    return str(value)


def _change(kind: Kind, field, old, new, currency: str) -> Change:
    label = capfirst(str(field.verbose_name))
    amounts = [v for v in (old, new) if v is not None]
    if field.name in kind.money and currency and all(quantize(v, currency) == v for v in amounts):
        return Change(label, old, new, currency)
    # Not money, or more precise than its currency shows (a unit price to four places).
    plain = [f"{v.normalize():f}" if isinstance(v, Decimal) else v for v in (old, new)]
    return Change(label, *plain)


def source_of(context: dict | None) -> str:
    """Where a change was made: the portal, the admin, a command, a task, or none of them."""
    source = (context or {}).get("source", SYSTEM)
    return SOURCES.get(source, source)


def actor_of(context: dict | None) -> str:
    """Who made a change: the signed-in user, or the command or task that ran."""
    context = context or {}
    who = context.get("username") or context.get("command") or context.get("task")
    if who:
        return who
    if context.get("user"):
        return f"user #{context['user']}"
    return "anonymous" if context.get("source") in (PORTAL, ADMIN) else "—"


def _told(kind: Kind, event: Model, previous: Model | None) -> AuditRow:
    context = event.pgh_context or {}
    row = AuditRow(
        at=event.pgh_created_at,
        kind=kind,
        action=kind.actions.get(event.pgh_label, event.pgh_label),
        what=kind.describe(event),
        who=actor_of(context),
        source=source_of(context),
        url=context.get("url", ""),
    )
    if event.pgh_label not in SNAPSHOTS:
        return row
    currency = kind.currency(event) if kind.money else ""
    fields = _tracked_fields(type(event))
    if event.pgh_label in ("insert", "delete") or previous is None:
        row.mode = "values"
        row.earlier_unknown = event.pgh_label not in ("insert", "delete")
        for f in fields:
            value = _shown(f, event)
            if value is not None:
                old, new = (value, None) if event.pgh_label == "delete" else (None, value)
                row.changes.append(_change(kind, f, old, new, currency))
        return row
    for f in fields:
        if f.value_from_object(event) != f.value_from_object(previous):
            old, new = _shown(f, previous), _shown(f, event)
            row.changes.append(_change(kind, f, old, new, currency))
    return row


def _events_of(kind: Kind, ids: list[int]) -> tuple[dict, dict]:
    """The events ``ids`` of one kind and the event before each of its object, by id."""
    model = kind.events
    previous_of: dict[int, int | None] = {}
    if kind.follows_objects:
        previous = (
            model.objects.filter(
                pgh_obj_id=OuterRef("pgh_obj_id"),
                pgh_id__lt=OuterRef("pgh_id"),
                pgh_label__in=SNAPSHOTS,
            )
            .order_by("-pgh_id")
            .values("pgh_id")[:1]
        )
        previous_of = dict(
            model.objects.filter(pgh_id__in=ids)
            .annotate(previous=Subquery(previous))
            .values_list("pgh_id", "previous")
        )
    wanted = set(ids) | {pk for pk in previous_of.values() if pk is not None}
    related = {f.name for f in _tracked_fields(model) if f.is_relation}
    events = model.objects.filter(pgh_id__in=wanted).prefetch_related(
        *sorted(related | set(kind.prefetch))
    )
    return {event.pgh_id: event for event in events}, previous_of


def audit_rows(records) -> list[AuditRow]:
    """Tell each (when, event id, kind) record of ``events_visible_to``, in their order."""
    ids_by_kind: dict[str, list[int]] = {}
    for _at, pk, kind_key in records:
        ids_by_kind.setdefault(kind_key, []).append(pk)
    found = {key: _events_of(BY_KEY[key], ids) for key, ids in ids_by_kind.items()}
    rows = []
    for _at, pk, kind_key in records:
        events, previous_of = found[kind_key]
        previous = events.get(previous_of.get(pk))
        rows.append(_told(BY_KEY[kind_key], events[pk], previous))
    return rows
