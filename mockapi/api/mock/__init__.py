"""The /mock endpoints, which are not part of the Kubernetes API: state admin (reset, snapshot, seed,
reconcile), the request journal and fault injection, kube-proxy's routing table and packet traces, and
cluster DNS answers. Their pure state (journal, fault rules, RequestInfo) lives beside them."""

from __future__ import annotations

from flask import Flask

from ...runtime import Runtime
from .admin import register_admin
from .dns import register_dns
from .instrument import register_instrument
from .routing_table import register_routing


def register_mock(app: Flask, runtime: Runtime) -> None:
    register_admin(app, runtime)
    register_routing(app, runtime)
    register_dns(app, runtime)
    register_instrument(app, runtime)
