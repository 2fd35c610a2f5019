"""The package's layers: every module imports only from its own folder or the layers below it, and no
chain of imports (at module level or inside a function) runs in a circle."""

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "reviewcli"
# Bottom to top. Folders on one row are siblings: neither may import the other.
LAYERS = [
    ("core",),
    ("io",),
    ("model",),
    ("store",),
    ("inference",),
    ("training",),
    ("explain", "compare", "check"),
    ("engines",),
    ("api",),  # reviewcli/__init__.py, reviewcli/api.py, reviewcli/commands.py
    ("cli",),
]
LEVEL = {folder: level for level, row in enumerate(LAYERS) for folder in row}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def folder_of(module: str) -> str:
    """reviewcli.io.data -> io; `python -m reviewcli` -> cli; any other top-level module (reviewcli,
    reviewcli.api, reviewcli.commands) -> api."""
    parts = module.split(".")
    if module == "reviewcli.__main__":
        return "cli"
    if len(parts) > 1 and parts[1] in LEVEL:
        return parts[1]
    return "api"


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The reviewcli modules a file imports anywhere in it: `from reviewcli.x import y` names module
    reviewcli.x.y when that is a module, else reviewcli.x."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("reviewcli"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reviewcli"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports_of(path, set(files)) & set(files) for name, path in files.items()}


def test_every_folder_has_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= set(LEVEL), f"folders with no layer: {sorted(folders - set(LEVEL))}"


def test_imports_run_down_the_layers():
    upward = []
    for module, imported in graph().items():
        here = folder_of(module)
        for target in imported:
            there = folder_of(target)
            if there == here or target == "reviewcli" and here == "api":
                continue
            if LEVEL[there] >= LEVEL[here]:
                upward.append(f"{module} -> {target}")
    assert upward == [], "imports up or sideways:\n" + "\n".join(sorted(upward))


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a list of modules, or None (depth-first search with colours)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycles():
    edges = graph()
    # A package's __init__ is imported on the way to any of its modules; that is not a cycle.
    edges = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in edges.items()}
    cycle = find_cycle(edges)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_checks_catch_what_they_name():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert folder_of("reviewcli.io.data") == "io"
    assert folder_of("reviewcli.commands") == "api"
    assert folder_of("reviewcli.__main__") == "cli"
    assert LEVEL["cli"] > LEVEL["api"] > LEVEL["training"] > LEVEL["core"]
