"""How a model joins the audit trail: database triggers (django-pghistory) write a snapshot of
the row on every insert, update and delete.

Triggers rather than signals or service code, so that admin inlines, bulk
``QuerySet.update()``, shell sessions and data migrations leave the same trace as the
services do. Each event row holds the tracked fields as they were after the change (before
it, for a delete) and, in ``pgh_context``, who made it and from where (see
``portal.audit.context``); the page compares an event with the object's previous one to
show old -> new.
"""

import pghistory
from django.db import models

# The label of the rows migration ``audit.0002`` copied from objects that existed before
# tracking began: not changes, only what the first change after them is compared with.
BASELINE = "baseline"
# Rewritten on every save, so a save that changed nothing else would count as a change.
NOISE = ("updated_at",)


def tracked(*, exclude: tuple[str, ...] = (), model_name: str = "", trackers: tuple = ()):
    """Class decorator: record every insert, update and delete of the model.

    ``exclude`` names fields that are not worth (or not allowed) a place in the history; a
    change to only those fields is no event. ``trackers`` adds events of its own (e.g. a
    password change, told without its hash). The event model is ``<Model>AuditEvent`` in
    the model's own app.
    """

    def decorate(model: type[models.Model]) -> type[models.Model]:
        name = model_name or f"{model.__name__}AuditEvent"
        return pghistory.track(
            pghistory.InsertEvent(),
            pghistory.UpdateEvent(),
            pghistory.DeleteEvent(),
            pghistory.ManualEvent(BASELINE),
            *trackers,
            exclude=[*NOISE, *exclude],
            model_name=name,
            # The context (who, from where) is copied into each event row: no shared table
            # to upsert into on every write, and the page filters it without a join.
            context_field=pghistory.ContextJSONField(),
            # ``events`` (pghistory's default) is taken on Order by its timeline.
            obj_field=pghistory.ObjForeignKey(related_name="audit_events"),
            # A trigger refuses to change or delete an event: the trail is append-only.
            append_only=True,
            # The page reads the newest events first across every event table.
            meta={
                "indexes": [
                    models.Index(
                        fields=["pgh_created_at"],
                        name=f"{name.removesuffix('AuditEvent').lower()[:20]}_audit_at",
                    )
                ]
            },
        )(model)

    return decorate
