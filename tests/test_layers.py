"""The layers of docs/architecture.md are the real import graph: pure modules do no I/O, no check
imports another check, nothing below the renderers imports them, and there is no import cycle.

The graph is read from the source (every ``import`` statement, also those inside functions), so
an import hidden in a function to dodge a cycle is still seen."""

from __future__ import annotations

import ast
import pathlib
from collections.abc import Iterator

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mailaudit"

# Pure modules: record parsers and editors, tables, models. No network, no resolver, no context.
PURE_NAMES = {"record.py", "macro.py", "lists.py", "selectors.py", "providers.py", "merge.py", "plan.py"}
PURE_TOP = {"model", "errors", "text", "addresses", "options", "verdict", "reportfile", "domains"}
NETWORK = ("mailaudit.dnscore.resolver", "mailaudit.dnscore.transport", "mailaudit.dns", "mailaudit.context",
           "mailaudit.engine", "mailaudit.net", "socket", "ssl", "asyncio", "httpx", "dns.asyncresolver",
           "dns.resolver", "dns.query", "smtplib", "imaplib", "urllib.request")
UPPER = ("mailaudit.render", "mailaudit.cli", "click")


def module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: pathlib.Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                yield from (f"{node.module}.{alias.name}" for alias in node.names)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {i for i in imports_of(path) if i != name} for name, path in MODULES.items()}


def _hits(name: str, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(i for i in GRAPH[name] if any(i == p or i.startswith(p + ".") for p in prefixes))


def _is_pure(name: str) -> bool:
    path = MODULES[name]
    if name.startswith(("mailaudit.render", "mailaudit.cli")):
        return False
    return (path.name in PURE_NAMES and path.parent != PACKAGE) or (path.parent == PACKAGE and path.stem in PURE_TOP)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _is_pure(n)))
def test_pure_modules_do_no_io(name):
    assert _hits(name, NETWORK) == [], f"{name} is a pure module but imports the network layer"
    assert _hits(name, UPPER) == [], f"{name} is a pure module but imports a renderer or the CLI"


def _is_check(name: str) -> bool:
    return name.endswith(".check") and name.count(".") == 2


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _is_check(n)))
def test_no_check_imports_another_check(name):
    others = [i for i in GRAPH[name] if _is_check(i) and i != name]
    assert others == [], f"{name} imports another check: {others}; move the shared part to mailaudit.facts"
    assert _hits(name, ("mailaudit.registry", "mailaudit.engine", *UPPER)) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("mailaudit.facts")))
def test_facts_never_import_checks(name):
    assert [i for i in GRAPH[name] if _is_check(i)] == []
    assert _hits(name, ("mailaudit.registry", "mailaudit.engine", *UPPER)) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith(("mailaudit.render", "mailaudit.cli"))))
def test_nothing_below_imports_renderers_or_cli(name):
    allowed = ("mailaudit.__main__",)
    if name not in allowed:
        assert _hits(name, UPPER) == [], f"{name} imports from the top layer"


def test_only_the_contract_shim_is_named_dns():
    users = sorted(n for n in MODULES if "mailaudit.dns" in GRAPH[n])
    assert users == [], f"inside the package use mailaudit.dnscore, not the contract shim: {users}"


def test_no_import_cycle():
    internal = {n: {i for i in deps if i in MODULES} for n, deps in GRAPH.items()}
    # a package's __init__ re-exporting its modules is not a cycle through the package itself
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in internal[node]:
            if dep.startswith(node + "."):
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep):], dep]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(internal):
        if module not in state:
            visit(module)
