"""The modules of `proctor/` and `incidents/` import each other without a cycle, and at the top
of the module: an import inside a function hides a cycle the graph below would show, so one is
allowed only where loading the module late is the point (it is heavy or must wait for the app's
configuration), named in LATE with the reason.

The graph is read from the source with `ast`, so it holds every module, imported by a test or
not. `if TYPE_CHECKING:` imports never run and are left out; a package's `__init__` that Python
runs before its submodules is not an edge (a submodule does not import its package's names)."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("proctor", "incidents")

# (importing module, imported module): why the import waits until it is needed.
LATE = {
    # OpenCV reads OPENCV_IO_MAX_IMAGE_PIXELS once, at its import; create_app sets it first, and
    # the app starts without loading cv2 at all.
    ("proctor.services.evidence", "proctor.vision"): "cv2, after create_app set its limit",
    ("proctor.services.evidence", "proctor.camera"): "cv2 (camera imports vision)",
    ("proctor.api.room_views", "proctor.vision"): "cv2, after create_app set its limit",
    ("proctor.api.room_views", "proctor.camera"): "cv2 (camera imports vision)",
    ("proctor.services.demo", "proctor.camera"): "cv2, only to write the demo's video",
    # reportlab and the letter font are loaded only when someone asks for a PDF.
    ("proctor.notices", "proctor.notices.pdf"): "reportlab, only when a PDF is asked for",
    ("proctor.notices", "proctor.notices.fonts"): "reportlab, only when a PDF is asked for",
    ("proctor.services.case_file", "proctor.notices.pdf"): "reportlab, only for a case file",
    ("proctor.services.case_file", "proctor.notices.fonts"): "reportlab, only for a case file",
    ("proctor.services.case_file", "proctor.notices.pre_notice_pdf"):
        "reportlab, only for a case file",
    ("proctor.notices", "proctor.notices.pre_notice_pdf"):
        "reportlab, only when a PDF is asked for",
    ("proctor.conduct", "proctor.conduct.pdf"): "reportlab, only when a PDF is asked for",
    ("proctor.conduct", "proctor.notices.fonts"): "reportlab, only when a PDF is asked for",
    ("proctor.services.statement_files", "proctor.vision"):
        "cv2, after create_app set its limit",
    ("proctor.services.photos", "proctor.vision"): "cv2, after create_app set its limit",
    ("proctor.services.photos", "proctor.vision_faces"): "cv2 and the face cascade",
}


def modules() -> dict[str, Path]:
    """Every importable module of the packages (folders without an __init__.py, such as the
    Alembic scripts, are not packages and are skipped), by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            folders = path.relative_to(ROOT).parent.parts
            if not all((ROOT.joinpath(*folders[:i + 1]) / "__init__.py").exists()
                       for i in range(len(folders))):
                continue
            parts = list(folders) + ([] if path.stem == "__init__" else [path.stem])
            found[".".join(parts)] = path
    return found


MODULES = modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, local: bool = False) -> Iterator[tuple[ast.Import | ast.ImportFrom,
                                                                   bool]]:
    """Every import statement that runs, and whether it sits inside a function."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, local
        elif isinstance(node, ast.If) and _is_type_checking(node):
            yield from _imports(ast.Module(body=node.orelse, type_ignores=[]), local)
        else:
            inner = local or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from _imports(node, inner)


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The modules of the packages that an import statement loads."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = f"{package}.{base}" if base else package
        # `from package import name`: the submodule if there is one, else the package itself.
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                 for alias in node.names]
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            yield name


@functools.cache
def graph() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """The module-level import graph, and the function-local imports (module, target, line)."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    late: list[tuple[str, str, int]] = []
    for name, path in MODULES.items():
        for node, local in _imports(ast.parse(path.read_text(), str(path))):
            for target in _targets(name, node):
                if local:
                    late.append((name, target, node.lineno))
                elif target != name:
                    edges[name].add(target)
    return edges, late


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_app() -> None:
    assert {"proctor", "proctor.publisher", "proctor.sockets", "proctor.auth.tokens",
            "proctor.services.floor", "incidents"} <= set(MODULES)
    edges, _ = graph()
    assert "proctor.publisher" in edges["proctor.services.floor"]


def test_no_import_cycle() -> None:
    found = cycles(graph()[0])
    assert not found, "import cycles: " + "; ".join(" ⇄ ".join(c) for c in found)


def test_no_function_local_import_but_the_late_ones() -> None:
    _, late = graph()
    hidden = sorted({f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}"
                     for m, t, line in late if (m, t) not in LATE})
    assert not hidden, "imports inside functions (move them to the top): " + "; ".join(hidden)


def test_every_late_import_is_still_there() -> None:
    _, late = graph()
    assert set(LATE) <= {(m, t) for m, t, _ in late}, "drop the allowances no longer used"


def test_the_publisher_stands_alone() -> None:
    """Services publish; the publisher imports none of them back (nor the socket handlers)."""
    edges, _ = graph()
    allowed = {"proctor.extensions", "proctor.models", "proctor.database",
               "proctor.services.audit"}
    assert edges["proctor.publisher"] <= allowed, edges["proctor.publisher"]
