"""pods/binding (BindingREST): a scheduler assigns a pending pod to a node by POSTing a v1 Binding;
the pod gets spec.nodeName, the Binding's annotations and PodScheduled=True, in one update."""

from __future__ import annotations

import copy
from typing import Any

from ...errors import Cause, bad_request, conflict, invalid
from ..base import Obj, ResourceType, Subresource
from ..objectmeta import now


def check(body: Any, name: str) -> Obj:
    """The Binding of a request: its envelope, its name and ValidatePodBinding (400 / 422)."""
    if not isinstance(body, dict):
        raise bad_request('Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal into '
                          "Go value of type v1.Binding")
    if body.get("kind") not in (None, "", "Binding") or body.get("apiVersion") not in (None, "", "v1"):
        raise bad_request(f"the object provided is unrecognized (must be of type Binding): kind "
                          f"{body.get('kind')} does not match the expected kind Binding")
    meta, target = body.get("metadata"), body.get("target")
    if not isinstance(meta, (dict, type(None))) or not isinstance(target, (dict, type(None))):
        raise bad_request('Binding in version "v1" cannot be handled as a Binding: json: cannot unmarshal into '
                          "Go struct field of type v1.Binding")
    meta, target = meta or {}, target or {}
    if (meta.get("name") or "") != name:
        raise bad_request("name in URL does not match name in Binding object")
    causes = []
    if target.get("kind") not in (None, "", "Node"):
        causes.append(Cause.not_supported("target.kind", target.get("kind"), ["Node", "<empty>"]))
    if not target.get("name"):
        causes.append(Cause.required("target.name"))
    if causes:
        raise invalid("Binding", name, causes)
    return body


def bind(pod: Obj, binding: Obj) -> Obj:
    """setPodHostAndAnnotations: the pod assigned to the Binding's node (409 when it is already
    assigned or being deleted; the Binding's uid and resourceVersion are preconditions)."""
    meta = pod["metadata"]
    name = meta["name"]
    bmeta = binding.get("metadata") or {}
    if bmeta.get("uid") and bmeta["uid"] != meta.get("uid"):
        raise conflict("pods/binding", name, f"Precondition failed: UID in precondition: {bmeta['uid']}, UID in "
                       f"object meta: {meta.get('uid')}")
    if meta.get("deletionTimestamp"):
        raise conflict("pods/binding", name, f"pod {name} is being deleted, cannot be assigned to a host")
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        raise conflict("pods/binding", name, f'pod {name} is already assigned to node "{node}"')
    new = copy.deepcopy(pod)
    if bmeta.get("resourceVersion"):
        new["metadata"]["resourceVersion"] = bmeta["resourceVersion"]
    if bmeta.get("annotations"):
        new["metadata"]["annotations"] = {**(meta.get("annotations") or {}), **bmeta["annotations"]}
    new.setdefault("spec", {})["nodeName"] = binding["target"]["name"]
    status = new.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
    previous: Obj = next((c for c in status.get("conditions") or [] if c.get("type") == "PodScheduled"), {})
    stamp = previous.get("lastTransitionTime") if previous.get("status") == "True" else now()
    conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                       "lastTransitionTime": stamp})
    status["conditions"] = conditions
    return new


def _as_bound(rt: ResourceType, new: Obj, old: Obj) -> None:
    """``bind`` made the whole change: nothing else of the pod may differ from what is stored."""
    for key in ("spec", "status"):
        merged = copy.deepcopy(old.get(key) or {})
        if key == "spec":
            merged["nodeName"] = (new.get("spec") or {}).get("nodeName")
        else:
            merged["conditions"] = (new.get("status") or {}).get("conditions")
        new[key] = merged


BINDING = Subresource("binding", ("create",), shape="binding", prepare=_as_bound, validate=lambda rt, new, old: [],
                      body_kind=("", "v1", "Binding"))
