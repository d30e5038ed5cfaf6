"""Who and where, attached to every audited write: a request, a management command or a task.

``pghistory.context`` prefixes each writing SQL statement with the context, and the
triggers copy it into the event row. Writes outside any context (migrations, a shell) are
recorded all the same, without a context: the page shows them as "system".
"""

import contextlib
import threading

import pghistory
import psycopg
from django.core.management.base import BaseCommand
from django.db import connection
from django.tasks.signals import task_finished, task_started
from pghistory import runtime

PORTAL, ADMIN, COMMAND, TASK = "portal", "admin", "command", "task"


class _Statements:
    """The execute wrapper of one context, around pghistory's own.

    It runs an ``executemany`` as single statements: pghistory puts its context parameters
    in front of the statement's, which breaks the list of parameter rows of an
    ``executemany`` (django-pghistory issue #258); one statement per row gets the context
    like any other. And it notes whether anything was written, for ``audit_context``.
    """

    def __init__(self):
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        if not runtime._is_ignored_statement(sql):
            self.wrote = True
        if many:
            # The cursor's own execute: the whole chain of wrappers again, for one statement.
            for row in params:
                context["cursor"].execute(sql, row)
            return None
        return execute(sql, params, many, context)


def _forget_in_transaction(statements: _Statements) -> None:
    """Clear the context the database holds until the end of the current transaction.

    pghistory sets it for the transaction, so writes made after the block but before the
    transaction ends (a test, a command called inside an atomic block) would be attributed
    to it. Outside a transaction it is gone already, and nothing is sent.
    """
    if not statements.wrote or not connection.in_atomic_block:
        return
    if connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', '', true), "
            "set_config('pghistory.context_metadata', '', true)"
        )


@contextlib.contextmanager
def audit_context(**metadata):
    """Track the block's writes under ``metadata``; inside another context, add to it."""
    if hasattr(runtime._tracker, "value"):
        pghistory.context(**metadata)
        yield
        return
    statements = _Statements()
    try:
        # Entered first, so it wraps pghistory's own wrapper and sees each statement first.
        with connection.execute_wrapper(statements), pghistory.context(**metadata):
            yield
    finally:
        _forget_in_transaction(statements)


class AuditedCommand(BaseCommand):
    """A management command whose writes the audit trail attributes to it."""

    def execute(self, *args, **options):
        name = type(self).__module__.rsplit(".", 1)[-1]
        with audit_context(source=COMMAND, command=name):
            return super().execute(*args, **options)


# The database worker runs one task at a time per thread; its context is kept here from the
# task's start to its end (a task that crashes the worker takes its thread with it).
_tasks = threading.local()


def _task_started(sender, task_result, **kwargs):
    _task_finished(sender)
    stack = contextlib.ExitStack()
    stack.enter_context(audit_context(source=TASK, task=task_result.task.module_path))
    _tasks.stack = stack


def _task_finished(sender, **kwargs):
    stack = getattr(_tasks, "stack", None)
    if stack is not None:
        _tasks.stack = None
        stack.close()


def connect_task_signals() -> None:
    task_started.connect(_task_started, dispatch_uid="audit-task-started")
    task_finished.connect(_task_finished, dispatch_uid="audit-task-finished")
