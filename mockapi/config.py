"""Configuration: defaults, then ``MOCKAPI_*`` environment variables, then explicit overrides.

Owns every tunable of the server. Nothing else in the package reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, fields
from typing import Any, Mapping

DEFAULT_DB = "sqlite:///mockapi.db"


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    db: str = DEFAULT_DB
    nodes: int = 3
    pod_cidr: str = "10.244.0.0/16"
    service_cidr: str = "10.96.0.0/12"  # "v4cidr,v6cidr" (either order) enables dual-stack Services
    node_port_range: str = "30000-32767"
    lb_pool: str = "198.51.100.0/24"  # LoadBalancer ingress IPs (a documentation range)
    node_ip_cidr: str = "172.18.0.0/16"
    kubernetes_version: str = "v1.31.4"
    workers: int = 1
    threads: int = 256
    history_window: int = 20000  # revisions of watch history kept before compaction
    bookmark_interval: float = 15.0  # seconds between BOOKMARK events on watches that ask for them
    watch_max_seconds: int = 1800  # server-side cap when a watch sets no timeoutSeconds
    max_body_bytes: int = 3 * 1024 * 1024
    controllers: str = "auto"  # "auto": controllers run on every write; "manual": POST /mock/reconcile
    max_endpoints_per_slice: int = 100  # EndpointSlice controller: endpoints per slice (1..1000)
    kubelet: str = "on"  # "on": the simulated scheduler and kubelet bind, start and ready pods; "off": pods stay as written
    event_ttl: int = 3600  # seconds an Event lives after its last write (kube-apiserver --event-ttl); 0: forever
    events: bool = True  # the scheduler and kubelet record Events (Scheduled, FailedScheduling, Pulled, Created, Started)
    graceful_deletion: bool = False  # pods on a node stay terminating for their grace period when deleted
    cluster_domain: str = "cluster.local"  # DNS zone of Services and pods (GET /mock/dns, --dns-port)
    dns_port: int = 0  # a DNS server (UDP and TCP) on the bind host at this port; 0: none
    log_level: str = "warning"
    access_log: bool = False
    journal_size: int = 10000  # requests kept by the request journal (GET /mock/requests); 0: off
    load: tuple[str, ...] = ()  # manifests or snapshots (files or directories) loaded at start and on reset
    seed: int | None = None  # uids, generated names, ClusterIPs, NodePorts, pod IPs reproducible (one worker)

    def __post_init__(self) -> None:
        if isinstance(self.load, (str, os.PathLike)):  # one path given as a string
            object.__setattr__(self, "load", (os.fspath(self.load),))
        elif not isinstance(self.load, tuple):
            object.__setattr__(self, "load", tuple(os.fspath(p) for p in self.load))

    def replace(self, **overrides: Any) -> "Config":
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def is_memory_db(self) -> bool:
        return self.db in ("sqlite://", "sqlite:///:memory:") or ":memory:" in self.db

    @property
    def minor_version(self) -> str:
        return self.kubernetes_version.lstrip("v").split(".")[1]


def _coerce(value: str, annotation: Any) -> Any:
    if str(annotation).startswith("tuple"):  # MOCKAPI_LOAD: comma-separated
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if str(annotation) == "int | None":
        return None if value.strip().lower() in ("none", "null") else int(value)
    kind = annotation if isinstance(annotation, type) else {"int": int, "float": float, "bool": bool}.get(
        str(annotation), str
    )
    if kind is bool:
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    return value


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults < MOCKAPI_<FIELD> environment variables < explicit overrides (None means unset)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Config):
        raw = env.get(f"MOCKAPI_{f.name.upper()}")
        if raw is not None and raw != "":
            try:
                values[f.name] = _coerce(raw, f.type)
            except ValueError as exc:
                raise ValueError(f"MOCKAPI_{f.name.upper()}: {exc}") from exc
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    return Config(**values)
