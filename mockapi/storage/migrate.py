"""Schema upgrades: Alembic for real upgrades, a fast path for the two common start-up cases.

A database already at HEAD needs nothing (no Alembic import: start-up stays well under 0.5 s); an
empty database gets ``create_all`` plus the HEAD stamp, which a test proves equals running every
migration. Anything else runs ``alembic upgrade head``.
"""

from __future__ import annotations

import os
from importlib import resources

from sqlalchemy import Connection, Engine, inspect, text

from .tables import metadata

HEAD = "0002"  # tests/storage/test_migrations.py asserts this is Alembic's head


def migrations_dir() -> str:
    return str(resources.files("mockapi._migrations"))


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", migrations_dir())
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def run_alembic_upgrade(conn: Connection, url: str, target: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, target)


def current_version(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def upgrade(engine: Engine, url: str) -> str:
    """Bring the database to HEAD; returns what was done ("current", "created" or "migrated")."""
    with engine.connect() as conn:
        conn = conn.execution_options(mockapi_write=True)
        with conn.begin():
            version = current_version(conn)
            if version == HEAD:
                return "current"
            if version is None and not inspect(conn).get_table_names() and not os.environ.get(
                "MOCKAPI_FORCE_ALEMBIC"
            ):
                metadata.create_all(conn)
                conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                                  "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
                conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": HEAD})
                return "created"
        run_alembic_upgrade(conn, url)
        conn.commit()
        return "migrated"
