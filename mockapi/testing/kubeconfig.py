"""Kubeconfig files for a running mockapi server: the YAML text (one cluster, one user with a dummy
token, one context) that kubectl and the official clients load. Text only; never contacts a server."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

DEFAULT_NAME = "mockapi"
DEFAULT_TOKEN = "mockapi"  # mockapi does not authenticate; clients just need some credential to send


def build_kubeconfig(server: str, *, context: str = DEFAULT_NAME, namespace: str = "default",
                     user: str = DEFAULT_NAME, token: str = DEFAULT_TOKEN) -> str:
    """A kubeconfig (YAML) whose current context points at ``server`` (``http://127.0.0.1:8080``)."""
    if not server.startswith(("http://", "https://")):
        raise ValueError(f"server must be an http:// or https:// URL, got {server!r}")
    if not context:
        raise ValueError("context must not be empty")
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server.rstrip("/")}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": context,
                      "context": {"cluster": context, "user": user, "namespace": namespace}}],
        "current-context": context,
        "preferences": {},
    }
    return str(yaml.safe_dump(doc, sort_keys=False, default_flow_style=False))


def write_kubeconfig(path: str | os.PathLike[str], server: str, **options: str) -> str:
    """Write :func:`build_kubeconfig` to ``path`` (owner-only permissions); returns the path as str."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = build_kubeconfig(server, **options)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return str(target)
