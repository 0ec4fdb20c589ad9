"""Core is the base every app stands on: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent
# The one module outside core that core's code names: the demo's slice registry, which core's
# accounts slice is declared with (it imports no app itself).
ALLOWED = ("nahrain.core", "nahrain.demo.slices")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_core_imports_no_other_app() -> None:
    code = [p for p in CORE.rglob("*.py") if "tests" not in p.relative_to(CORE).parts]
    assert len(code) > 20
    found = {
        f"{path.relative_to(CORE)}: {name}"
        for path in code
        for name in imported(path)
        if _within(name, "nahrain") and not any(_within(name, a) for a in ALLOWED)
    }
    assert not found


def test_the_demo_registry_core_uses_imports_no_app() -> None:
    registry = CORE.parent / "demo" / "slices.py"
    assert not {name for name in imported(registry) if _within(name, "nahrain")}
