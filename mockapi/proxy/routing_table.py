"""The cluster's routing table as kube-proxy on every node would see it, kept incrementally: feed it
Service, EndpointSlice and Node objects (``put_*`` / ``delete_*``); per-service results are cached by
the resourceVersions they were computed from, so one change recomputes one service. Pure (no Flask,
no storage); ``mockapi.api.mock.routing_table`` feeds it from the store."""

from __future__ import annotations

from dataclasses import dataclass

from . import iptables
from .iptables import Options, ServiceRules
from .model import (
    SERVICE_NAME_LABEL,
    Categorized,
    NodeInfo,
    Obj,
    ServiceModel,
    ServicePort,
    categorize,
    node_info,
    service_model,
    service_port_json,
)

Key = tuple[str, str]


@dataclass
class _ServiceEntry:
    model: ServiceModel
    per_node: dict[str, list[tuple[ServicePort, Categorized, Obj]]]
    rules: dict[str, list[ServiceRules]]
    endpoints: int


class RoutingTable:
    """Services, slices and nodes in, per-node JSON / iptables / lookups out (see module doc). Writes
    mark the service they touch dirty; reads recompute dirty services only (a node change: all)."""

    def __init__(self, cluster_cidr: str = "") -> None:
        self.cluster_cidr = cluster_cidr
        self.services: dict[Key, Obj] = {}
        self.slices: dict[Key, dict[str, Obj]] = {}  # (ns, service name) -> slice name -> slice
        self._slice_owner: dict[Key, str] = {}  # (ns, slice name) -> service name
        self.nodes: dict[str, NodeInfo] = {}
        self._entries: dict[Key, _ServiceEntry] = {}
        self._order: list[Key] = []
        self._dirty: set[Key] = set()
        self._all_dirty = True
        self._reorder = True
        self._large = False

    # -- feeding -----------------------------------------------------------------------------------

    def put_service(self, svc: Obj) -> None:
        m = svc.get("metadata") or {}
        key = (m.get("namespace", ""), m.get("name", ""))
        self._reorder = self._reorder or key not in self.services
        self.services[key] = svc
        self._dirty.add(key)

    def delete_service(self, namespace: str, name: str) -> None:
        if self.services.pop((namespace, name), None) is not None:
            self._reorder = True
        self._dirty.add((namespace, name))

    def put_slice(self, sl: Obj) -> None:
        m = sl.get("metadata") or {}
        ns, name = m.get("namespace", ""), m.get("name", "")
        self.delete_slice(ns, name)
        owner = (m.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if owner:
            self.slices.setdefault((ns, owner), {})[name] = sl
            self._slice_owner[(ns, name)] = owner
            self._dirty.add((ns, owner))

    def delete_slice(self, namespace: str, name: str) -> None:
        owner = self._slice_owner.pop((namespace, name), None)
        if owner is not None:
            group = self.slices.get((namespace, owner), {})
            group.pop(name, None)
            if not group:
                self.slices.pop((namespace, owner), None)
            self._dirty.add((namespace, owner))

    def put_node(self, node: Obj) -> None:
        info = node_info(node)
        if self.nodes.get(info.name) != info:
            self.nodes[info.name] = info
            self._all_dirty = True

    def delete_node(self, name: str) -> None:
        if self.nodes.pop(name, None) is not None:
            self._all_dirty = True

    # -- computing ---------------------------------------------------------------------------------

    def node_names(self) -> list[str]:
        return sorted(self.nodes)

    def _compute(self, key: Key) -> _ServiceEntry:
        model = service_model(self.services[key], self.slices.get(key, {}).values())
        per_node = {}
        memo: dict[tuple[int, ...], list[Obj]] = {}
        for name in self.node_names():
            node = self.nodes[name]
            per_node[name] = [(sp, cat, service_port_json(sp, node, cat, memo))
                              for sp in model.ports for cat in (categorize(sp, node),)]
        return _ServiceEntry(model, per_node, {}, sum(len(sp.endpoints) for sp in model.ports))

    def refresh(self) -> None:
        """Recompute what changed since the last refresh (every read calls it)."""
        if not self._all_dirty and not self._dirty:
            return
        keys = list(self.services) if self._all_dirty else self._dirty
        for key in keys:
            if key in self.services:
                self._entries[key] = self._compute(key)
            else:
                self._entries.pop(key, None)
        if self._reorder:
            self._order = sorted(self.services)
        self._dirty, self._all_dirty, self._reorder = set(), False, False
        large = sum(e.endpoints for e in self._entries.values()) > iptables.LARGE_CLUSTER_ENDPOINTS
        if large != self._large:
            self._large = large
            for entry in self._entries.values():
                entry.rules.clear()

    def skipped(self) -> list[Obj]:
        """Services kube-proxy programs nothing for, and why."""
        self.refresh()
        out = []
        for key in self._order:
            model = self._entries[key].model
            if model.skipped:
                out.append({"namespace": key[0], "name": key[1], "reason": model.skipped})
        return out

    def ports_on(self, node: str) -> list[tuple[ServicePort, Categorized, Obj]]:
        self.refresh()
        out = []
        for key in self._order:
            out += self._entries[key].per_node.get(node, [])
        return out

    def node_json(self, node: str) -> Obj:
        info = self.nodes[node]
        return {**info.to_json(), "services": [j for _, _, j in self.ports_on(node)]}

    def iptables(self, node: str) -> str:
        self.refresh()
        info = self.nodes[node]
        opts = iptables.Options(self.cluster_cidr, self._large)
        rules: list[iptables.ServiceRules] = []
        for key in self._order:
            entry = self._entries[key]
            cached = entry.rules.get(node)
            if cached is None:
                cached = [iptables.service_rules(sp, info, cat, opts) for sp, cat, _ in entry.per_node.get(node, [])
                          if sp.family == "IPv4"]
                entry.rules[node] = cached
            rules += cached
        return iptables.render(info, rules)

    def options(self) -> Options:
        self.refresh()
        return iptables.Options(self.cluster_cidr, self._large)
