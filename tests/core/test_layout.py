"""How the product package is put together: development tooling stays outside it, modules use
each other's public names only, and the apps do not import each other in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import wangge

PACKAGE = Path(wangge.__file__).parent


def _modules() -> list[tuple[str, ast.Module]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        found.append((name, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _imports(module: ast.Module) -> list[tuple[str, list[str]]]:
    """(imported module, names) for every import in the file, nested ones included."""
    out = []
    for node in ast.walk(module):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def test_product_modules_do_not_import_development_tools():
    offenders = [
        name
        for name, module in _modules()
        for imported, _names in _imports(module)
        if imported == "tools" or imported.startswith(("tools.", "tests", "playwright"))
    ]
    assert offenders == []


def test_no_module_imports_a_private_name_of_another():
    offenders = [
        f"{name}: {imported}.{n}"
        for name, module in _modules()
        for imported, names in _imports(module)
        if imported.startswith("wangge.") and imported != name
        for n in names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert offenders == []


def _app_imports() -> dict[str, set[str]]:
    """app → the other wangge apps its modules import (migrations aside)."""
    found: dict[str, set[str]] = {}
    for name, module in _modules():
        parts = name.split(".")
        if len(parts) < 3:
            continue
        app = parts[1]
        for imported, _names in _imports(module):
            if imported.startswith("wangge."):
                other = imported.split(".")[1]
                if other != app:
                    found.setdefault(app, set()).add(other)
    return found


def test_grids_do_not_import_accounts():
    """Users hold roles on grids (accounts → grids); grids ask wangge.core.scope for a user's
    scope instead of importing accounts back."""
    graph = _app_imports()
    assert "grids" in graph.get("accounts", set())
    assert "accounts" not in graph.get("grids", set())


def test_core_imports_no_other_app():
    assert _app_imports().get("core", set()) == set()


def test_hotline_does_not_import_open311():
    """Both are intake adapters over case_submit; neither borrows the other's helpers."""
    assert "open311" not in _app_imports().get("hotline", set())
