"""Event models of Django's own user tables, which no app of ours defines.

Tracked through proxy models so that the event tables and their triggers are migrations of
this app, not of ``django.contrib.auth``.
"""

import pghistory
from django.contrib.auth.models import User
from django.db import models

from portal.audit.tracking import tracked

# An event label, not a password.
PASSWORD_CHANGED = "password_changed"  # nosec B105
# The hash without its last two parts (salt and hash): the hasher and its parameters.
_HASHER = """regexp_replace({row}."password", '[$][^$]*[$][^$]*$', '')"""
# A new password, set by someone: not the new hash of the same password that Django writes
# at a sign-in after its hasher settings changed (same password, other hasher parameters).
# Making a password unusable (``!``), or usable again, counts.
PASSWORD_SET = pghistory.Condition(
    'OLD."password" IS DISTINCT FROM NEW."password" AND ('
    """left(OLD."password", 1) = '!' OR left(NEW."password", 1) = '!' OR """
    f"{_HASHER.format(row='OLD')} = {_HASHER.format(row='NEW')})"
)


@tracked(
    # Never the password hash; the last sign-in changes on every sign-in and is no change.
    exclude=("password", "last_login"),
    model_name="UserAuditEvent",
    trackers=(
        # That the password changed, and who changed it, without the hash itself.
        pghistory.UpdateEvent(PASSWORD_CHANGED, condition=PASSWORD_SET),
    ),
)
class AuditedUser(User):
    class Meta:
        proxy = True
        verbose_name = "user"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.DeleteEvent(),
    model_name="UserGroupsAuditEvent",
    context_field=pghistory.ContextJSONField(),
    # Django allows no foreign key to an auto-created through model; user and group say
    # which membership it was.
    obj_field=None,
    append_only=True,
    meta={"indexes": [models.Index(fields=["pgh_created_at"], name="usergroups_audit_at")]},
)
class AuditedUserGroups(User.groups.through):
    """A user joining or leaving a group: a company role or a staff role (finance, warehouse)."""

    class Meta:
        proxy = True
        verbose_name = "user's group"
