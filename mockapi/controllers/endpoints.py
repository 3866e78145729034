"""Endpoints controller (pkg/controller/endpoint): the Endpoints object of every Service with a
selector, from the pods it selects. ``keys_for`` maps changes to Services (work follows the change),
``desired`` is pure, ``reconcile`` writes only real changes through the registry's write path, in
the write's own transaction (read-your-writes)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import StatusError, is_forbidden
from ..registry import RESOURCES_BY_KIND
from ..registry.rest import Change, Txn
from . import servicematch
from .podutil import (
    HEADLESS_LABEL,
    TRIGGER_TIME,
    Obj,
    endpoints_view,
    family_of,
    find_port,
    is_headless,
    is_ready,
    meta,
    pod_ips,
    rfc3339_nano,
    selector_of,
    should_be_in_endpoints,
    should_set_hostname,
    spec,
    target_ref,
)
from .servicematch import ServiceIndex

NAME = "endpoint-controller"
MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
Key = tuple[str, str]


# -- pure ---------------------------------------------------------------------------------------------

def _address(pod: Obj, svc: Obj, family: str) -> Obj | None:
    ip = next((ip for ip in pod_ips(pod) if family_of(ip) == family), None)
    if ip is None:
        return None
    addr: Obj = {"ip": ip}
    if should_set_hostname(pod, svc):
        addr["hostname"] = spec(pod)["hostname"]
    if spec(pod).get("nodeName"):
        addr["nodeName"] = spec(pod)["nodeName"]
    addr["targetRef"] = target_ref(pod)
    return addr


def _service_family(svc: Obj, pods: list[Obj]) -> str:
    families = spec(svc).get("ipFamilies") or []
    if families:
        return str(families[0])
    if not is_headless(svc):
        return family_of(spec(svc).get("clusterIP", "")) or "IPv4"
    ips = [ip for pod in pods for ip in pod_ips(pod)[:1]]
    return family_of(ips[0]) if ips else "IPv4"


def _port_key(port: Obj) -> tuple[Any, ...]:
    return (port.get("name", ""), port.get("port", 0), port.get("protocol", ""), port.get("appProtocol", ""))


def _addr_key(addr: Obj) -> tuple[str, str]:
    return addr["ip"], (addr.get("targetRef") or {}).get("uid", "")


def repack(pairs: list[tuple[Obj, Obj | None, bool]]) -> list[Obj]:
    """RepackSubsets + SortSubsets over (address, port or None, ready) pairs: addresses deduplicated by
    (ip, uid) with not-ready winning, one subset per distinct address set carrying every port that maps
    to exactly that set, deterministic order."""
    addrs: dict[tuple[str, str], Obj] = {}
    by_port: dict[tuple[Any, ...], tuple[Obj | None, dict[tuple[str, str], bool]]] = {}
    for addr, port, ready in pairs:
        key = _addr_key(addr)
        addrs.setdefault(key, addr)
        pk = _port_key(port) if port is not None else ("", -1, "", "")
        entry = by_port.setdefault(pk, (port, {}))
        if entry[1].get(key, True):  # not ready always trumps ready
            entry[1][key] = ready
    groups: dict[tuple[Any, ...], tuple[dict[tuple[str, str], bool], list[Obj]]] = {}
    for pk, (port, members) in by_port.items():
        gkey = tuple(sorted(members.items()))
        group = groups.setdefault(gkey, (members, []))
        if port is not None:
            group[1].append(port)
    subsets = []
    for members, ports in groups.values():
        ready_addrs = [addrs[k] for k in sorted(members) if members[k]]
        not_ready = [addrs[k] for k in sorted(members) if not members[k]]
        subset: Obj = {}
        if ready_addrs:
            subset["addresses"] = ready_addrs
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = sorted(ports, key=_port_key)
        subsets.append(subset)
    return sorted(subsets, key=lambda s: (_port_key((s.get("ports") or [{}])[0]),
                                          [a["ip"] for a in s.get("addresses", []) + s.get("notReadyAddresses", [])]))


def truncate(subsets: list[Obj]) -> bool:
    """truncateEndpoints: cap at 1000 addresses; not-ready ones go first, ready ones proportionally
    per subset only when ready alone exceeds the cap. Returns whether anything was cut."""
    total_ready = sum(len(s.get("addresses") or []) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or []) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    limit, num_total = (MAX_CAPACITY, total_ready) if truncate_ready else (MAX_CAPACITY - total_ready, total_not_ready)
    can_add = limit
    for i, s in enumerate(subsets):
        field = "addresses" if truncate_ready else "notReadyAddresses"
        in_subset = len(s.get(field) or [])
        to_add = int(in_subset / num_total * limit) if num_total else 0
        if i == len(subsets) - 1:
            to_add = can_add
        to_add = min(to_add, in_subset)
        can_add -= to_add
        if truncate_ready:
            s["addresses"] = (s.get("addresses") or [])[:to_add]
            s.pop("notReadyAddresses", None)
        else:
            s["notReadyAddresses"] = (s.get("notReadyAddresses") or [])[:to_add]
        for key in ("addresses", "notReadyAddresses"):
            if key in s and not s[key]:
                del s[key]
    return True


def desired_subsets(svc: Obj, pods: list[Obj]) -> list[Obj]:
    """The subsets the Endpoints of ``svc`` should hold for ``pods`` (already selector-matched)."""
    publish = bool(spec(svc).get("publishNotReadyAddresses"))
    family = _service_family(svc, pods)
    ports = spec(svc).get("ports") or []
    pairs: list[tuple[Obj, Obj | None, bool]] = []
    for pod in sorted(pods, key=lambda p: meta(p).get("name", "")):
        if not should_be_in_endpoints(pod, include_terminating=publish):
            continue
        addr = _address(pod, svc, family)
        if addr is None:
            continue
        ready = publish or is_ready(pod)
        if not ports:
            if spec(svc).get("clusterIP") == "None":
                pairs.append((addr, None, ready))
            continue
        for sp in ports:
            number = find_port(pod, sp)
            if number is None:
                continue  # this pod cannot serve this port
            ep: Obj = {"port": number, "protocol": sp.get("protocol") or "TCP"}
            if sp.get("name"):
                ep = {"name": sp["name"], **ep}
            if sp.get("appProtocol") is not None:
                ep["appProtocol"] = sp["appProtocol"]
            pairs.append((addr, ep, ready))
    return repack(pairs)


def desired(svc: Obj, pods: list[Obj]) -> Obj:
    """The whole Endpoints object (metadata labels and capacity annotation included; the trigger
    time annotation is added when writing)."""
    m = meta(svc)
    subsets = desired_subsets(svc, pods)
    labels = dict(m.get("labels") or {})
    if is_headless(svc):
        labels[HEADLESS_LABEL] = ""
    else:
        labels.pop(HEADLESS_LABEL, None)
    obj: Obj = {"apiVersion": "v1", "kind": "Endpoints",
                "metadata": {"name": m["name"], "namespace": m.get("namespace", ""), "labels": labels}}
    if truncate(subsets):
        obj["metadata"]["annotations"] = {OVER_CAPACITY: "truncated"}
    if subsets:
        obj["subsets"] = subsets
    return obj


def _same(current: Obj, want: Obj) -> bool:
    cur_meta, want_meta = meta(current), meta(want)
    return (current.get("subsets") or []) == (want.get("subsets") or []) and \
        (cur_meta.get("labels") or {}) == want_meta["labels"] and \
        (cur_meta.get("annotations") or {}).get(OVER_CAPACITY) == (want_meta.get("annotations") or {}).get(OVER_CAPACITY)


# -- keys ---------------------------------------------------------------------------------------------

def _service_view(svc: Obj | None) -> Any:
    return None if svc is None else (svc.get("spec"), meta(svc).get("labels"), meta(svc).get("annotations"),
                                     meta(svc).get("uid"), bool(meta(svc).get("deletionTimestamp")))


def pod_service_keys(txn: Txn, services: ServiceIndex, ch: Change) -> set[Key]:
    """The Services a pod change touches (shared by the Endpoints and EndpointSlice controllers,
    which look at the same batch: computed once per change and transaction)."""
    memo_key = ("pod_service_keys", id(ch))
    if memo_key in txn.memo:
        return set(txn.memo[memo_key])
    keys: set[Key] = set()
    if endpoints_view(ch.old) != endpoints_view(ch.new):
        obj = ch.new or ch.old
        assert obj is not None
        ns = meta(obj).get("namespace", "")
        label_sets = [meta(o).get("labels") for o in (ch.old, ch.new) if o is not None]
        keys = {(ns, name) for name in services.services_for(txn.conn, ns, label_sets)}
    txn.memo[memo_key] = frozenset(keys)  # (txn.changes keeps ch alive, so its id is not reused)
    return set(keys)


def service_and_pod_keys(txn: Txn, services: ServiceIndex, ch: Change,
                         service_view: Callable[[Obj | None], Any]) -> set[Key] | None:
    """The Services a Service or Pod change touches (both endpoint controllers share this; each
    passes the view of a Service it cares about); None for changes of other kinds."""
    obj = ch.new or ch.old
    assert obj is not None
    if ch.rt.kind == "Service":
        if service_view(ch.old) == service_view(ch.new):
            return set()
        return {(meta(obj).get("namespace", ""), meta(obj)["name"])}
    if ch.rt.kind == "Pod":
        return pod_service_keys(txn, services, ch)
    return None


def keys_for(txn: Txn, services: ServiceIndex, changes: Sequence[Change]) -> set[Key]:
    keys: set[Key] = set()
    for ch in changes:
        kind, obj = ch.rt.kind, ch.new or ch.old
        assert obj is not None
        shared = service_and_pod_keys(txn, services, ch, _service_view)
        if shared is not None:
            keys |= shared
        elif kind == "Endpoints" and ch.new is None and ch.manager != NAME:
            keys.add((meta(obj).get("namespace", ""), meta(obj)["name"]))  # recreated if still wanted
    return keys


# -- reconcile ----------------------------------------------------------------------------------------

def reconcile(txn: Txn, key: Key) -> str:
    """Sync one Service's Endpoints; returns what was done (created, updated, deleted, unchanged,
    skipped)."""
    ns, name = key
    svc_rt, ep_rt = RESOURCES_BY_KIND["Service"], RESOURCES_BY_KIND["Endpoints"]
    svc = txn.get(svc_rt, ns, name)
    current = txn.get(ep_rt, ns, name)
    if svc is None:
        if current is None:
            return "unchanged"
        txn.apply_delete(ep_rt, current, manager=NAME)
        return "deleted"
    selector = selector_of(svc)
    if selector is None:
        return "skipped"  # selectorless / ExternalName: user-managed Endpoints are left alone
    want = desired(svc, servicematch.pods_for(txn.conn, ns, selector))
    if current is not None and _same(current, want):
        return "unchanged"
    want["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = rfc3339_nano()
    try:
        if current is None:
            txn.apply_create(ep_rt, ns, want, manager=NAME)
            return "created"
        new = copy.deepcopy(current)
        new["metadata"]["labels"] = want["metadata"]["labels"]
        annotations = {k: v for k, v in (meta(current).get("annotations") or {}).items() if k != OVER_CAPACITY}
        annotations.update(want["metadata"]["annotations"])
        new["metadata"]["annotations"] = annotations
        new.pop("subsets", None)
        if want.get("subsets"):
            new["subsets"] = want["subsets"]
        txn.apply_update(ep_rt, new, current, manager=NAME)
        return "updated"
    except StatusError as err:
        if is_forbidden(err):  # the namespace is terminating: nothing to create there
            return "skipped"
        raise


class EndpointsController:
    """Keys are Services (namespace, name); ``services`` is the runtime's selector index."""

    name = NAME

    def __init__(self, services: ServiceIndex) -> None:
        self.services = services

    def keys_for(self, txn: Txn, changes: Sequence[Change]) -> set[Key]:
        return keys_for(txn, self.services, changes)

    def reconcile(self, txn: Txn, key: Key) -> str:
        return reconcile(txn, key)

    def resync(self, txn: Txn) -> dict[str, int]:
        """Every Service once (POST /mock/reconcile)."""
        counts: dict[str, int] = {}
        for key in servicematch.service_names(txn.conn):
            outcome = reconcile(txn, key)
            counts[outcome] = counts.get(outcome, 0) + 1
        return counts
