"""A fresh in-memory database (migrated) and one write transaction per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from mockapi.storage import store
from mockapi.storage.engine import Database
from mockapi.storage.migrate import upgrade


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    upgrade(database.engine, "sqlite://")
    with database.write() as conn:
        store.init_meta(conn)
    yield database
    database.dispose()


@pytest.fixture
def conn(db: Database) -> Iterator[Connection]:
    with db.write() as connection:
        yield connection
