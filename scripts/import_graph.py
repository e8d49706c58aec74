#!/usr/bin/env python3
"""Check the import graph between phongtrao's apps: no cycle, no private name imported;
and that no function takes an optional actor.

`scripts/import_graph.py` reads every module under `phongtrao/` (imports inside functions
count too; tests and the demo code are left aside, as in issue 15) and fails when
- two apps import each other, directly or around a circle (an app is `phongtrao.<name>`;
  the modules at the top, `phongtrao/periods.py` and the like, form the ground floor `core`);
- a module imports a name starting with `_` from another of phongtrao's modules;
- a function takes `user` or `actor` with a default of None (leaving it out would skip
  the access checks).
Any cycle between apps fails: there is no list of known ones (the last, accounts⇄orgs, was
untied in issue 15 by the ground-floor `audit` app). The other knots found when this check was
written are listed in KNOWN_PRIVATE and KNOWN_OPTIONAL_ACTOR: they are to be untied, never added
to. The check also fails when a listed one has gone, so that the lists only shrink. `make lint`
runs it.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "phongtrao"

# (importing module, imported module, name).
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()

# (module, function) taking `user=None` or `actor=None`: none left (issue 15).
KNOWN_OPTIONAL_ACTOR: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        return "core"
    candidate = ROOT / PACKAGE / parts[1]
    return parts[1] if candidate.is_dir() else "core"


def skipped(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return (
        "tests" in parts
        or "migrations" in parts
        or path.name in ("demo.py", "conftest.py")
        or parts[:2] == (PACKAGE, "demo")
        or "management" in parts
        and path.stem.startswith("load_demo")
    )


def resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def optional_actor(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = [
        *zip(positional, defaults, strict=True),
        *zip(args.kwonlyargs, args.kw_defaults, strict=True),
    ]
    return any(
        arg.arg in ("user", "actor") and isinstance(default, ast.Constant) and default.value is None
        for arg, default in pairs
    )


def scan() -> tuple[dict[str, set[str]], set[tuple[str, str, str]], set[tuple[str, str]]]:
    edges: dict[str, set[str]] = defaultdict(set)
    private: set[tuple[str, str, str]] = set()
    actors: set[tuple[str, str]] = set()
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        if skipped(path):
            continue
        module = module_name(path)
        source_app = app_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and optional_actor(node):
                actors.add((module, node.name))
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = resolve(module, node, path.name == "__init__.py")
                targets = [target]
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        if target != module and app_of(target):
                            private.add((module, target, alias.name))
            for target in targets:
                target_app = app_of(target)
                if source_app and target_app and target_app != source_app:
                    edges[source_app].add(target_app)
    return edges, private, actors


def cycles(edges: dict[str, set[str]]) -> set[frozenset[str]]:
    """The strongly connected components of more than one app (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for node in sorted(set(edges) | {t for ts in edges.values() for t in ts}):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    edges, private, actors = scan()
    problems: list[str] = []
    found = cycles(edges)
    for component in sorted(found, key=sorted):
        problems.append(f"apps import each other: {', '.join(sorted(component))}")
    for module, target, name in sorted(private - KNOWN_PRIVATE):
        problems.append(f"{module} imports the private name {name} of {target}")
    for module, target, name in sorted(KNOWN_PRIVATE - private):
        problems.append(f"gone, remove from KNOWN_PRIVATE: {module} → {target}.{name}")
    for module, function in sorted(actors - KNOWN_OPTIONAL_ACTOR):
        problems.append(f"{module}.{function} takes an optional actor: make it required")
    for module, function in sorted(KNOWN_OPTIONAL_ACTOR - actors):
        problems.append(f"gone, remove from KNOWN_OPTIONAL_ACTOR: {module}.{function}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
