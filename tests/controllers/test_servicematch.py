"""The per-namespace Service selector index: with one worker (an exclusive engine) a cached index is
used without a revalidation query, and every Service write (through any path to storage) invalidates
it at commit; a rolled-back write leaves the committed index alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from mockapi.controllers.servicematch import SERVICES
from mockapi.storage import store


def _service(name: str, selector: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default", "uid": name},
            "spec": {"selector": selector, "ports": [{"port": 80}]}}


def test_cached_index_follows_every_service_write(app: Any) -> None:
    db = app.extensions["mockapi"].db
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
    SERVICES.set_exclusive(db.engine, False)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.write() as conn:
        SERVICES.services_for(conn, "default", [{"app": "a"}])
    statements.clear()
    with db.write() as conn:
        SERVICES.services_for(conn, "default", [{"app": "a"}])
    assert any("count(" in s.lower() for s in statements)
