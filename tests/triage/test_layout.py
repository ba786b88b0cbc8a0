"""The app's layout stays as its docstrings describe it (issue #16): rules in
permissions, reads in selectors, writes in services/, tasks on top, and no import circle,
not even one dodged with an import inside a function."""

import ast
import pathlib

import triage

APP = pathlib.Path(triage.__file__).resolve().parent
# Imports inside functions that are there on purpose: AppConfig.ready() (Django's rule),
# and scikit-learn, imported only where a model is fitted (see triage/classifier.py).
ALLOWED_LATE = {("apps.py", None), ("classifier.py", "sklearn")}


def _modules():
    for path in sorted(APP.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(APP.parent).with_suffix("").parts)
        package = parts[-1] == "__init__"
        if package:
            parts.pop()
        yield ".".join(parts), package, path


def _target(module: str, package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")[: len(module.split(".")) - (node.level - (1 if package else 0))]
    return ".".join(base + ([node.module] if node.module else []))


def _graph():
    names = {m for m, _p, _path in _modules()}
    graph, late = {}, []
    for module, package, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        deps = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [_target(module, package, node)]
                + [f"{_target(module, package, node)}.{a.name}" for a in node.names]
            )
            where = path.relative_to(APP).as_posix()
            if node.col_offset:  # inside a function or class
                late.append((where, targets[0]))
                if where == "apps.py":
                    continue  # ready() wires the app up once everything is loaded
            for t in targets:
                while t and t not in names:
                    t = t.rpartition(".")[0]
                while t and t != module and not module.startswith(t + "."):
                    deps.add(t)  # importing a.b.c runs a.b (and a) first
                    t = t.rpartition(".")[0]
        graph[module] = deps
    return graph, late


def test_no_import_circle_in_the_app():
    """Counting imports inside functions too: a circle dodged by a late import is one."""
    graph, _late = _graph()

    def reaches(start, goal, seen):
        for nxt in graph.get(start, ()):
            if nxt == goal or (nxt not in seen and not seen.add(nxt) and reaches(nxt, goal, seen)):
                return True
        return False

    circles = sorted(m for m in graph if reaches(m, m, set()))
    assert circles == []


def test_no_import_inside_a_function_but_the_deliberate_ones():
    _graph_, late = _graph()
    unexpected = [
        (path, target)
        for path, target in late
        if (path, None) not in ALLOWED_LATE
        and not any(path == p and target.startswith(t or "") for p, t in ALLOWED_LATE)
    ]
    assert unexpected == []


def test_the_layers_only_import_downwards():
    graph, _late = _graph()
    below = {
        "triage.permissions": {"triage.selectors", "triage.services", "triage.tasks"},
        "triage.selectors": {"triage.services", "triage.tasks"},
        "triage.services": {"triage.tasks", "triage.views"},
    }
    wrong = [
        (m, d)
        for m, deps in graph.items()
        for layer, forbidden in below.items()
        if m == layer or m.startswith(layer + ".")
        for d in deps
        if any(d == f or d.startswith(f + ".") for f in forbidden)
    ]
    assert wrong == []
