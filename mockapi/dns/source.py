"""Feeds ``records.resolve`` from the database: fetches only the objects a parsed name can refer to,
in one read snapshot. The only module of ``dns/`` that reads storage; no Flask, no writes.

Cost per kind of name: a service name reads one Service and the slices labelled with its name (label
index); a pod record scans the pods of one namespace; a PTR looks the address up in the ``service-ip``
allocation pool (primary key), and when no Service holds it scans the cluster's EndpointSlices
(documented trade-off: reverse lookups of endpoint IPs are rare in tests), then reads the Services
those slices belong to.
"""

from __future__ import annotations

from ..storage import Conn, allocations, store
from ..storage.engine import Database
from .records import SERVICE_NAME_LABEL, Answer, Name, Obj, parse, resolve

SERVICES = "services"
SLICES = "endpointslices.discovery.k8s.io"
PODS = "pods"
NAMESPACES = "namespaces"
SERVICE_IP_POOL = "service-ip"


def _objs(rows: list[store.Row]) -> list[Obj]:
    return [r.obj() for r in rows]


def _slices_of(conn: Conn, namespace: str, service: str) -> list[Obj]:
    return _objs(store.list_rows(conn, SLICES, namespace, label_filter=store.match_labels({SERVICE_NAME_LABEL: service})))


def _service(conn: Conn, namespace: str, name: str) -> list[Obj]:
    row = store.get(conn, SERVICES, namespace, name)
    return [row.obj()] if row is not None else []


def gather(conn: Conn, q: Name) -> dict[str, list]:  # type: ignore[type-arg]
    """The keyword arguments of ``records.resolve`` for ``q``: just the objects it can refer to."""
    out: dict[str, list] = {"services": [], "slices": [], "pods": [], "namespaces": []}  # type: ignore[type-arg]
    if q.kind in ("namespace", "pod_namespace"):
        if store.get(conn, NAMESPACES, "", q.namespace) is not None:
            out["namespaces"] = [q.namespace]
    elif q.kind in ("service", "endpoint", "srv"):
        out["services"] = _service(conn, q.namespace, q.service)
        if out["services"]:
            out["slices"] = _slices_of(conn, q.namespace, q.service)
    elif q.kind == "pod":
        out["pods"] = _objs(store.list_rows(conn, PODS, q.namespace))
    elif q.kind == "ptr":
        owner = allocations.holder(conn, SERVICE_IP_POOL, q.ip)
        if owner and owner.count("/") == 2:
            _, ns, name = owner.split("/")
            out["services"] = _service(conn, ns, name)
        if not out["services"]:
            slices = [s for s in _objs(store.list_rows(conn, SLICES))
                      if any(q.ip in (ep.get("addresses") or []) for ep in s.get("endpoints") or [])]
            keys = {((s.get("metadata") or {}).get("namespace", ""),
                     ((s.get("metadata") or {}).get("labels") or {}).get(SERVICE_NAME_LABEL, "")) for s in slices}
            out["slices"] = slices
            out["services"] = [svc for ns, name in sorted(keys) if name for svc in _service(conn, ns, name)]
    return out


def lookup(db: Database, name: str, qtype: str, zone: str) -> Answer:
    """Answer one query against the current database (one consistent read snapshot)."""
    q = parse(name, zone)
    with db.read() as conn:
        objs = gather(conn, q)
    return resolve(q, qtype, zone, **objs)
