"""Migrations produce exactly the models' schema, and the start-up fast path equals them."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from mockapi.storage import migrate
from mockapi.storage.engine import Database
from mockapi.storage.tables import metadata


def _schema(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                                 "ORDER BY type, name")).all()
    return {f"{t}:{n}": " ".join((sql or "").split()) for t, n, sql in rows}


def test_head_constant_matches_alembic_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert script.get_current_head() == migrate.HEAD


def test_migrations_match_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        migrate.run_alembic_upgrade(conn, url)
        conn.commit()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    created = create_engine(f"sqlite:///{tmp_path / 'created.db'}")
    metadata.create_all(created)
    migrated_schema = {k: v for k, v in _schema(engine).items() if "alembic_version" not in k}
    assert migrated_schema == _schema(created)


def test_fast_path_creates_and_stamps(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'fast.db'}"
    db = Database(url)
    assert migrate.upgrade(db.engine, url) == "created"
    assert migrate.upgrade(db.engine, url) == "current"
    with db.engine.connect() as conn:
        assert migrate.current_version(conn) == migrate.HEAD
        assert set(inspect(conn).get_table_names()) >= {"objects", "labels", "meta", "allocations"}
    db.dispose()


def test_older_database_is_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    with db.engine.connect() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        conn.commit()
    # an empty version table means "before the first migration": Alembic must run
    assert migrate.upgrade(db.engine, url) == "migrated"
    with db.engine.connect() as conn:
        assert migrate.current_version(conn) == migrate.HEAD
    db.dispose()


def test_side_index_rows_move_out_of_allocations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """0002: the owner:/pod-deadline/node-pods: pools of a 0001 database become ``indexes`` entries."""
    url = f"sqlite:///{tmp_path / 'v1.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        migrate.run_alembic_upgrade(conn, url, "0001")
        conn.execute(text("INSERT INTO allocations (pool, value, owner) VALUES "
                          "('service-ip', '10.96.0.10', 'services/default/a'), "
                          "('owner:u-1', 'u-2', 'pods/default/p'), "
                          "('pod-deadline', '2026-12-04T10:00:00Z/u-2', 'pods/default/p'), "
                          "('node-pods:node-1', 'u-2', 'pods/default/p')"))
        conn.commit()
        migrate.run_alembic_upgrade(conn, url)
        conn.commit()
        assert conn.execute(text("SELECT pool, value, owner FROM allocations")).all() == [
            ("service-ip", "10.96.0.10", "services/default/a")]
        assert sorted(conn.execute(text("SELECT name, key, value, holder FROM indexes")).all()) == [
            ("node-pods", "node-1", "u-2", "pods/default/p"),
            ("owner", "u-1", "u-2", "pods/default/p"),
            ("pod-deadline", "", "2026-12-04T10:00:00Z/u-2", "pods/default/p")]
    from alembic import command

    cfg = migrate.alembic_config(url)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")  # and back: the pools are restored
        conn.commit()
        assert sorted(conn.execute(text("SELECT pool, value, owner FROM allocations")).all()) == [
            ("node-pods:node-1", "u-2", "pods/default/p"), ("owner:u-1", "u-2", "pods/default/p"),
            ("pod-deadline", "2026-12-04T10:00:00Z/u-2", "pods/default/p"),
            ("service-ip", "10.96.0.10", "services/default/a")]
    engine.dispose()
