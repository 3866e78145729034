"""Persistence: tables, engine, the MVCC Store, allocations, side indexes, selectors and the watch hub.

The ONLY package that runs SQL; it imports neither the registry nor Flask. Layers above name a
connection by ``Conn`` and never import SQLAlchemy themselves."""

from __future__ import annotations

from sqlalchemy import Connection as Conn

__all__ = ["Conn"]
