"""Store: revisions, compare-and-swap, tombstones, snapshots at a revision, history, compaction."""

from __future__ import annotations

import pytest

from mockapi.storage import store
from mockapi.storage.engine import Database
from mockapi.storage.migrate import upgrade


@pytest.fixture
def db():  # type: ignore[no-untyped-def]
    database = Database("sqlite://")
    upgrade(database.engine, "sqlite://")
    with database.write() as conn:
        store.init_meta(conn)
    yield database
    database.dispose()


def pod(name: str, **labels: str) -> dict:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "labels": labels}}


def test_every_write_bumps_the_revision_and_stamps_resource_version(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        a = store.create(conn, "pods", "ns", "a", pod("a"))
        b = store.create(conn, "pods", "ns", "b", pod("b"))
        assert (a.rev, b.rev) == (2, 3)
        assert store.current_revision(conn) == 3
        assert store.get(conn, "pods", "ns", "a").obj()["metadata"]["resourceVersion"] == "2"


def test_create_twice_raises_exists(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        store.create(conn, "pods", "ns", "a", pod("a"))
        with pytest.raises(store.Exists):
            store.create(conn, "pods", "ns", "a", pod("a"))


def test_update_is_compare_and_swap(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        row = store.create(conn, "pods", "ns", "a", pod("a"))
        new = store.update_(conn, "pods", "ns", "a", row.rev, pod("a", x="1"))
        with pytest.raises(store.Stale):
            store.update_(conn, "pods", "ns", "a", row.rev, pod("a", x="2"))
        with pytest.raises(store.Missing):
            store.update_(conn, "pods", "ns", "zzz", 1, pod("zzz"))
        assert store.get(conn, "pods", "ns", "a").rev == new.rev


def test_delete_leaves_a_tombstone_in_history_only(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        row = store.create(conn, "pods", "ns", "a", pod("a"))
        gone = store.delete_(conn, "pods", "ns", "a", row.rev, pod("a"))
        assert store.get(conn, "pods", "ns", "a") is None
        assert store.list_rows(conn, "pods") == []
        events = store.events_since(conn, row.rev - 1)
        assert [(e.event, e.rev) for e in events] == [("A", row.rev), ("D", gone.rev)]
        assert events[1].obj()["metadata"]["resourceVersion"] == str(gone.rev)
        # the name can be reused after deletion
        store.create(conn, "pods", "ns", "a", pod("a"))


def test_snapshot_read_sees_the_past(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        a = store.create(conn, "pods", "ns", "a", pod("a", v="1"))
        store.create(conn, "pods", "ns", "b", pod("b"))
        snap = store.current_revision(conn)
        store.update_(conn, "pods", "ns", "a", a.rev, pod("a", v="2"))
        b = store.get(conn, "pods", "ns", "b")
        store.delete_(conn, "pods", "ns", "b", b.rev, pod("b"))
        store.create(conn, "pods", "ns", "c", pod("c"))
        past = store.list_rows(conn, "pods", "ns", at_revision=snap)
        assert [r.name for r in past] == ["a", "b"]
        assert past[0].obj()["metadata"]["labels"] == {"v": "1"}
        assert [r.name for r in store.list_rows(conn, "pods", "ns")] == ["a", "c"]


def test_events_carry_the_previous_version(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        a = store.create(conn, "pods", "ns", "a", pod("a", v="1"))
        store.update_(conn, "pods", "ns", "a", a.rev, pod("a", v="2"))
        ev = store.events_since(conn, a.rev)
        assert ev[0].event == "M"
        assert '"v":"1"' in ev[0].prev_body


def test_compaction_forgets_superseded_versions(db) -> None:  # type: ignore[no-untyped-def]
    with db.write() as conn:
        row = store.create(conn, "pods", "ns", "a", pod("a"))
        for i in range(10):
            row = store.update_(conn, "pods", "ns", "a", row.rev, pod("a", i=str(i)))
        compacted = store.compact(conn, keep=3)
        assert compacted == store.current_revision(conn) - 3
        with pytest.raises(store.Compacted):
            store.events_since(conn, 1)
        with pytest.raises(store.Compacted):
            store.list_rows(conn, "pods", at_revision=1)
        assert len(store.events_since(conn, compacted)) == 3
        assert store.get(conn, "pods", "ns", "a").obj()["metadata"]["labels"] == {"i": "9"}


def test_label_index_follows_versions(db) -> None:  # type: ignore[no-untyped-def]
    from mockapi.storage.selectors import parse_label_selector
    from mockapi.storage.tables import objects

    with db.write() as conn:
        a = store.create(conn, "pods", "ns", "a", pod("a", app="web"))
        store.create(conn, "pods", "ns", "b", pod("b", app="db"))
        store.update_(conn, "pods", "ns", "a", a.rev, pod("a", app="db"))
        flt = parse_label_selector("app=db").sql_filter(objects.c.id)
        assert [r.name for r in store.list_rows(conn, "pods", label_filter=flt)] == ["a", "b"]
        flt = parse_label_selector("app=web").sql_filter(objects.c.id)
        assert store.list_rows(conn, "pods", label_filter=flt) == []


def test_allocations(db) -> None:  # type: ignore[no-untyped-def]
    from mockapi.storage import allocations as store

    with db.write() as conn:
        assert store.allocate(conn, "ports", "30000", "svc/a")
        assert store.allocate(conn, "ports", "30000", "svc/a")  # idempotent for the owner
        assert not store.allocate(conn, "ports", "30000", "svc/b")
        store.allocate(conn, "ports", "30001", "svc/b")
        assert store.allocated(conn, "ports") == {"30000", "30001"}
        store.release_owner(conn, "svc/a")
        assert store.allocated(conn, "ports") == {"30001"}


def test_failed_transaction_leaves_nothing(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError):
        with db.write() as conn:
            store.create(conn, "pods", "ns", "a", pod("a"))
            raise RuntimeError("boom")
    with db.read() as conn:
        assert store.get(conn, "pods", "ns", "a") is None
        assert store.current_revision(conn) == 1
