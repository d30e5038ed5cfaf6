"""Putting the test database back between transactional tests, quickly.

Transactional tests and browser journeys empty the database after each test (Django's
flush), and the next one needs the demo again. On PostgreSQL a TRUNCATE of the project's
eighty tables costs about a second, whatever they hold, and seeding the demo several
more (orders go through the services, the invoices' PDFs are rendered). Deleting the
rows of tables this small costs milliseconds, and so does copying the seeded demo back
from a snapshot of it: a schema of its own, made from a real seed in the same run.

Both run with the database's triggers off for their transaction, which takes a superuser
(the suite's PostgreSQL user is one; without one the suite truncates and seeds as
before): rows that only go or come back fire no audit event, no append-only or workflow
guard, and are not checked against foreign keys one by one, as every table is emptied or
refilled whole. Statement triggers then see one empty DELETE per table, as they saw the
TRUNCATE: the data versions move on as after a flush.
"""

import functools
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

SCHEMA_PREFIX = "demo_snapshot_"
QUIET = "SET LOCAL session_replication_role = replica"
LOUD = "SET LOCAL session_replication_role = origin"


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def available() -> bool:
    """Whether triggers may be turned off here: PostgreSQL, as a superuser."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        return cursor.fetchone()[0]


def empty_sql(tables) -> list[str]:
    """Statements that empty ``tables`` inside one transaction, as a TRUNCATE would."""
    quoted = [_quote(table) for table in tables]
    return [
        QUIET,
        *(f"DELETE FROM {table}" for table in quoted),  # noqa: S608 (table names)
        LOUD,
        *(f"DELETE FROM {table} WHERE false" for table in quoted),  # noqa: S608
    ]


def sql_flush(original):
    """``DatabaseOperations.sql_flush`` emptying the tables by ``empty_sql``; what it does
    not cover (resetting sequences, cascading to other tables) goes to ``original``."""

    @functools.wraps(original)
    def flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return empty_sql(tables)

    return flush


@dataclass
class Snapshot:
    schema: str
    media: Path
    tables: list[str]
    # table -> the columns it is filled with (generated ones are computed again); only
    # the tables that have rows
    columns: dict[str, list[str]]
    sequences: dict[str, int]
    taken_on: date


def take(name: str, store: Path) -> Snapshot:
    """Copy every table the flush empties, the sequences' values and the stored files."""
    schema = SCHEMA_PREFIX + name
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DROP SCHEMA IF EXISTS {_quote(schema)} CASCADE; CREATE SCHEMA {_quote(schema)}"
        )
        cursor.execute(
            "; ".join(
                f"CREATE TABLE {_quote(schema)}.{_quote(table)} AS TABLE {_quote(table)}"
                for table in tables
            )
        )
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s, EXISTS (SELECT FROM {_quote(table)})"  # noqa: S608 (table names)
                for table in tables
            ),
            tables,
        )
        filled = {table for table, has_rows in cursor.fetchall() if has_rows}
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND is_generated = 'NEVER'"
            " AND table_name = ANY(%s) ORDER BY table_name, ordinal_position",
            [sorted(filled)],
        )
        columns: dict[str, list[str]] = {}
        for table, column in cursor.fetchall():
            columns.setdefault(table, []).append(column)
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences"
            " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
        sequences = dict(cursor.fetchall())
    media = store / name
    shutil.rmtree(media, ignore_errors=True)
    if Path(settings.MEDIA_ROOT).is_dir():
        shutil.copytree(settings.MEDIA_ROOT, media)
    return Snapshot(
        schema=schema,
        media=media,
        tables=tables,
        columns=columns,
        sequences=sequences,
        taken_on=timezone.localdate(),
    )


def restore(snapshot: Snapshot) -> None:
    """Empty the tables and fill them from the snapshot, as the seed left them."""
    schema = _quote(snapshot.schema)
    inserts = []
    for table, columns in snapshot.columns.items():
        names = ", ".join(_quote(column) for column in columns)
        inserts.append(
            f"INSERT INTO {_quote(table)} ({names}) OVERRIDING SYSTEM VALUE"  # noqa: S608
            f" SELECT {names} FROM {schema}.{_quote(table)}"
        )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("; ".join([*empty_sql(snapshot.tables), QUIET, *inserts]))
        # Sequences only move on: no id or number handed out before is handed out again.
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
        )
        for sequence, current in cursor.fetchall():
            value = snapshot.sequences.get(sequence)
            if value is not None and (current is None or current < value):
                cursor.execute("SELECT setval(%s, %s)", [_quote(sequence), value])
    # The content types' ids are the snapshot's now, not the ones the flush made.
    ContentType.objects.clear_cache()
    if snapshot.media.is_dir():
        shutil.copytree(snapshot.media, settings.MEDIA_ROOT, dirs_exist_ok=True)


def drop(snapshot: Snapshot) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {_quote(snapshot.schema)} CASCADE")
    shutil.rmtree(snapshot.media, ignore_errors=True)
