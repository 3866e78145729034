"""The house as ARCHITECTURE.md draws it, checked from the code's own imports: lower layers never
import upper ones, SQL stays in storage/, Flask stays in api/ (and the edges above it), and every
kind is declared by its registry module alone (no kind-keyed maps elsewhere)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from mockapi.registry import ALL

PACKAGE = Path(__file__).resolve().parent.parent / "mockapi"
LOWER = ("storage", "allocators", "patch", "proxy", "dns", "schemas")
UPPER = ("registry", "controllers", "api", "runtime", "app", "cli", "testing", "state")


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_migrations" in path.parts:
            continue
        yield ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts), path


def _imports(module: str, path: Path) -> Iterator[str]:
    """Absolute names of everything ``module`` imports (relative imports resolved)."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            yield name
            yield from (f"{name}.{alias.name}" for alias in node.names)


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mockapi" else ""


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_lower_layers_never_import_upper_ones(module: str, path: Path) -> None:
    if _layer(module) not in LOWER:
        return
    upward = sorted({name for name in _imports(module, path) if _layer(name) in UPPER})
    assert not upward, f"{module} imports {upward}"


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_flask_stays_at_the_edge(module: str, path: Path) -> None:
    if _layer(module) in ("api", "app", "cli", "testing", "server") or module in ("mockapi.app", "mockapi.server"):
        return
    flask = sorted({n for n in _imports(module, path) if n.split(".")[0] in ("flask", "werkzeug")})
    assert not flask, f"{module} imports {flask}"


def test_every_kind_declares_itself() -> None:
    """A kind's printer, wire schema, patch schema and subresources live on its descriptor: no map keyed
    by kind name elsewhere in the package (the old KIND_SCHEMAS, PRINTERS, SCHEMAS_BY_KIND)."""
    kinds = {rt.kind for rt in ALL}
    offenders = []
    for module, path in _modules():
        if _layer(module) == "registry":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
                if len(keys & kinds) >= 3:
                    offenders.append(f"{module}:{node.lineno}")
    assert not offenders, offenders
    for rt in ALL:
        assert rt.printer.columns[0].name in ("Name", "Last Seen"), rt.kind
        assert len({s.name for s in rt.subresources}) == len(rt.subresources), rt.kind


@pytest.mark.parametrize("module,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_sql_stays_in_storage(module: str, path: Path) -> None:
    if _layer(module) == "storage":
        return
    sql = sorted({n for n in _imports(module, path)
                  if n.split(".")[0] == "sqlalchemy" or n.startswith("mockapi.storage.tables")})
    assert not sql, f"{module} imports {sql}"
