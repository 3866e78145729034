"""The database schema: an etcd-like MVCC keyspace in four tables, plus side indexes.

Owns table definitions only (SQLAlchemy Core). Every version of every object is one row of
``objects``: ``rev`` is the revision that wrote it (its resourceVersion), ``until`` the revision that
superseded or deleted it (NULL while live). A delete writes a tombstone row (event ``D``). So the
live state, the state at any retained revision (paginated lists) and the watch history are all
reads of the same rows; compaction drops rows superseded at or before the compacted revision.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()

objects = Table(
    "objects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("resource", String(253), nullable=False),  # e.g. "pods", "endpointslices.discovery.k8s.io"
    Column("namespace", String(63), nullable=False),  # "" for cluster-scoped kinds
    Column("name", String(253), nullable=False),
    Column("uid", String(36), nullable=False),
    Column("rev", Integer, nullable=False),  # revision that wrote this version == resourceVersion
    Column("until", Integer, nullable=True),  # revision that superseded it; NULL while live
    Column("event", String(1), nullable=False),  # A(dded), M(odified), D(eleted tombstone)
    Column("node_name", String(253), nullable=True),  # derived index column (Database.derive; pods: spec.nodeName)
    Column("body", Text, nullable=False),  # canonical JSON of the object at this version
)
Index(
    "ix_objects_live",
    objects.c.resource,
    objects.c.namespace,
    objects.c.name,
    unique=True,
    sqlite_where=text("until IS NULL"),
    postgresql_where=text("until IS NULL"),
)
Index("ix_objects_key", objects.c.resource, objects.c.namespace, objects.c.name, objects.c.rev)
Index("ix_objects_rev", objects.c.rev)
Index("ix_objects_until", objects.c.until)
Index("ix_objects_node", objects.c.resource, objects.c.node_name)

labels = Table(
    "labels",
    metadata,
    Column("object_id", Integer, ForeignKey("objects.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(317), primary_key=True),
    Column("value", String(63), nullable=False),
)
Index("ix_labels_key_value", labels.c.key, labels.c.value)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),  # "revision", "compacted"
    Column("value", Integer, nullable=False),
)

allocations = Table(
    "allocations",
    metadata,
    Column("pool", String(64), primary_key=True),  # e.g. "service-ip:10.96.0.0/12", "node-port"
    Column("value", String(64), primary_key=True),
    Column("owner", String(400), nullable=False),  # "<resource>/<namespace>/<name>" that holds it
)
Index("ix_allocations_owner", allocations.c.owner)

# Side indexes controllers keep in step with the objects (e.g. GC owner -> dependents, pod deadlines,
# pods per node): entry ``value`` under ``(name, key)``, held by the object ``holder``
# ("<resource>/<namespace>/<name>"), which drops all its entries when it goes.
indexes = Table(
    "indexes",
    metadata,
    Column("name", String(64), primary_key=True),  # which index, e.g. "owner", "pod-deadline", "node-pods"
    Column("key", String(253), primary_key=True),  # e.g. an owner uid, a node name ("" when unkeyed)
    Column("value", String(253), primary_key=True),
    Column("holder", String(400), nullable=False),
)
Index("ix_indexes_holder", indexes.c.holder)
