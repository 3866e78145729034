"""The autoscaling/v1 Scale view of any kind that declares a ``scale`` subresource: built from the
object by the kind's Scale paths, and written back as a change of spec replicas (pure functions)."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import Cause, bad_request, invalid
from .base import Obj, Scale, Subresource

GROUP_VERSION = "autoscaling/v1"


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _set(obj: Obj, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        child = obj.get(part)
        if not isinstance(child, dict):
            child = obj[part] = {}
        obj = child
    obj[last] = value


def _spec(sub: Subresource) -> Scale:
    assert sub.scale is not None, f"{sub.name} is not a scale subresource"
    return sub.scale


def view(sub: Subresource, obj: Obj) -> Obj:
    """The Scale of ``obj`` (registry/apps/deployment/storage ScaleREST.Get and scaleFromDeployment)."""
    spec = _spec(sub)
    meta = obj.get("metadata") or {}
    status: Obj = {"replicas": int(_get(obj, spec.status_replicas) or 0)}
    selector = spec.selector(obj) if spec.selector is not None else ""
    if selector:
        status["selector"] = selector
    return {
        "kind": "Scale", "apiVersion": GROUP_VERSION,
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": int(_get(obj, spec.spec_replicas) or 0)},
        "status": status,
    }


def check(body: Any, name: str) -> Obj:
    """A decoded Scale body: the envelope and field types the Go decoder would refuse (400)."""
    if not isinstance(body, dict):
        raise bad_request("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal into Go "
                          "value of type v1.Scale")
    kind, api_version = body.get("kind"), body.get("apiVersion")
    if kind not in (None, "", "Scale"):
        raise bad_request(f"the object provided is unrecognized (must be of type Scale): kind {kind} does not "
                          "match the expected kind Scale")
    if api_version not in (None, "", GROUP_VERSION):
        raise bad_request(f"the API version in the data ({api_version}) does not match the expected API version "
                          f"({GROUP_VERSION})")
    for part in ("metadata", "spec", "status"):
        if body.get(part) is not None and not isinstance(body[part], dict):
            raise bad_request(f'Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal into Go '
                              f"struct field Scale.{part}")
    replicas = (body.get("spec") or {}).get("replicas")
    if replicas is not None and (not isinstance(replicas, int) or isinstance(replicas, bool)):
        raise bad_request('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal into Go '
                          "struct field ScaleSpec.spec.replicas of type int32")
    meta = body.get("metadata") or {}
    if meta.get("name") and meta["name"] != name:
        raise bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL ({name})")
    return body


def apply(sub: Subresource, obj: Obj, scale: Obj) -> Obj:
    """``obj`` with the Scale's replicas (ValidateScale first: 422 Scale.autoscaling); a
    resourceVersion in the Scale is a precondition on the object."""
    name = (obj.get("metadata") or {}).get("name", "")
    replicas = (scale.get("spec") or {}).get("replicas") or 0
    if replicas < 0:
        raise invalid("Scale", name, [Cause.invalid("spec.replicas", replicas,
                                                    "must be greater than or equal to 0")], "autoscaling")
    new = copy.deepcopy(obj)
    _set(new, _spec(sub).spec_replicas, replicas)
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv:
        new["metadata"]["resourceVersion"] = rv
    return new
