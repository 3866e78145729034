"""Deterministic YAML for openapi.yaml: keys in the order built, no anchors, small leaf mappings and lists
on one line (``{$ref: ...}``), multi-line text as literal blocks. Same data, same bytes."""

from __future__ import annotations

import json
from typing import Any

import yaml

WIDTH = 110
FLOW_MAX = 96  # characters a mapping or list may take on one line


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _small(node: Any, depth: int = 0) -> bool:
    """Short enough, and shallow enough, to read well on one line."""
    if depth > 2:
        return False
    parts: list[Any]
    if isinstance(node, dict):
        parts = list(node.values())
    elif isinstance(node, list):
        parts = node
    else:
        return not (isinstance(node, str) and "\n" in node)
    if not all(_scalar(v) or _small(v, depth + 1) for v in parts):
        return False
    return depth > 0 or len(json.dumps(node)) <= FLOW_MAX


def _dict(dumper: _Dumper, data: dict[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=bool(data) and _small(data))


def _list(dumper: _Dumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=bool(data) and _small(data))


def _str(dumper: _Dumper, data: str) -> yaml.ScalarNode:
    if "\n" in data.rstrip("\n"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(dict, _dict)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(str, _str)


def render(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=WIDTH,
                     default_flow_style=False)
