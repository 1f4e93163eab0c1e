"""The package's structure, read from the code's own imports (grimp, the graph behind import-linter): the layers
and the HTTP boundary declared in .importlinter hold, no module imports itself round a cycle, and the package root
holds only the app factory and a few foundations. `make lint` runs the same contracts with `lint-imports`."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from geo_app.settings import ROOT

CONFIG = ROOT / ".importlinter"
PACKAGE = ROOT / "geo_app"
MAX_ROOT_MODULES = 6


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(CONFIG, encoding="utf-8")
    return parser[f"importlinter:contract:{name}"]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _layers() -> list[grimp.Layer]:
    """The layers contract, top first, as grimp layers of module tails under geo_app."""
    return [
        grimp.Layer(*(name.strip().removeprefix("geo_app.") for name in line.split("|")))
        for line in _lines(_contract("layers")["layers"])
    ]


@pytest.fixture
def graph() -> grimp.ImportGraph:
    """The graph as the code draws it; each test may add imports to its own."""
    return grimp.build_graph("geo_app", include_external_packages=True)


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Every set of geo_app modules that import each other round a cycle (strongly connected, Tarjan)."""
    modules = sorted(m for m in graph.modules if m == "geo_app" or m.startswith("geo_app."))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if not imported.startswith("geo_app"):
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(component)

    for module in modules:
        if module not in index:
            visit(module)
    return found


def upward(graph: grimp.ImportGraph) -> list[str]:
    illegal = graph.find_illegal_dependencies_for_layers(layers=_layers(), containers={"geo_app"})
    return sorted(f"{d.importer} -> {d.imported}" for d in illegal)


def test_no_module_imports_itself_round_a_cycle(graph):
    assert cycles(graph) == []


def test_the_cycle_finder_sees_a_cycle(graph):
    graph.add_import(importer="geo_app.store.base", imported="geo_app.store")
    assert any({"geo_app.store", "geo_app.store.base"} <= cycle for cycle in cycles(graph))


def test_each_capability_imports_only_those_below_it(graph):
    assert upward(graph) == []


def test_an_upward_import_is_seen(graph):
    graph.add_import(importer="geo_app.store.base", imported="geo_app.web.errors")
    assert upward(graph), "an import from the store up to the web layer passed the layers contract"


def test_every_package_and_root_module_has_its_layer():
    """A new package or root module must take a place in the layers, so that the rules reach it."""
    layered = {name.strip() for line in _lines(_contract("layers")["layers"]) for name in line.split("|")}
    present = {f"geo_app.{p.name}" for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    present |= {f"geo_app.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert present == layered


def test_below_the_web_layer_nothing_speaks_http(graph):
    forbidden = _lines(_contract("http-at-the-edge")["forbidden_modules"])
    for source in _lines(_contract("http-at-the-edge")["source_modules"]):
        modules = {source} | graph.find_descendants(source) if graph.find_children(source) else {source}
        for module in modules:
            imported = graph.find_modules_directly_imported_by(module)
            assert not {m.split(".")[0] for m in imported} & set(forbidden), module


def test_the_root_holds_the_factory_and_a_few_foundations():
    assert len(list(PACKAGE.glob("*.py"))) <= MAX_ROOT_MODULES


def test_import_linter_keeps_every_contract():
    """As `make lint` runs it; in its own process, since it configures logging (it would silence the service's)."""
    done = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--config", CONFIG, "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:]
