"""The per-namespace Service selector index: with one worker (an exclusive engine) a cached index is
used without a revalidation query, and every Service write (through any path to storage) invalidates
it at commit; a rolled-back write leaves the committed index alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from mockapi.controllers.servicematch import ServiceIndex
from mockapi.storage import store


def _service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default", "uid": name},
            "spec": {"selector": selector, "ports": [{"port": 80}]}}


def test_cached_index_follows_every_service_write(app: Any) -> None:
    db = app.extensions["mockapi"].db
    SERVICES = app.extensions["mockapi"].services
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.write() as conn:
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == set()
    with db.write() as conn:
        store.create(conn, "services", "default", "sa", _service("sa", {"app": "a"}))
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == {"sa"}  # read-your-writes
    statements.clear()
    with db.write() as conn:
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == {"sa"}
    assert not any("count(" in s.lower() for s in statements)  # the cached index, no signature query
    with pytest.raises(RuntimeError), db.write() as conn:
        store.create(conn, "services", "default", "sb", _service("sb", {"app": "a"}))
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == {"sa", "sb"}
        raise RuntimeError("roll back")
    with db.write() as conn:
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == {"sa"}
        row = store.get(conn, "services", "default", "sa")
        store.delete_(conn, "services", "default", "sa", row.rev, row.obj())
    with db.write() as conn:
        assert SERVICES.services_for(conn, "default", [{"app": "a"}]) == set()


def test_shared_engine_revalidates(app: Any) -> None:
    db = app.extensions["mockapi"].db
    SERVICES = app.extensions["mockapi"].services
    SERVICES.exclusive = False
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.write() as conn:
        SERVICES.services_for(conn, "default", [{"app": "a"}])
    statements.clear()
    with db.write() as conn:
        SERVICES.services_for(conn, "default", [{"app": "a"}])
    assert any("count(" in s.lower() for s in statements)


def test_each_database_has_its_own_index(app: Any) -> None:
    """Two servers in one process never share a selector index (nor its write listener)."""
    from mockapi.storage.engine import Database
    from mockapi.storage.migrate import upgrade

    other = Database("sqlite://")
    upgrade(other.engine, "sqlite://")
    with other.write() as conn:
        store.init_meta(conn)
    mine, theirs = app.extensions["mockapi"].services, ServiceIndex(other)
    assert mine is not theirs
    with other.write() as conn:
        store.create(conn, "services", "default", "elsewhere", _service("elsewhere", {"app": "x"}))
        assert theirs.services_for(conn, "default", [{"app": "x"}]) == {"elsewhere"}
    with app.extensions["mockapi"].db.write() as conn:
        assert mine.services_for(conn, "default", [{"app": "x"}]) == set()
    assert other.hooks.listeners["services"] == [theirs._service_written]
    other.dispose()
