"""The house stays as the README's layout says (issue #16): the apps are layers,
`portal` → `cms` → `credits` → `deliberation` → `triage` → `api`, a module imports only from its own
app or one to its left, and no modules import each other in a circle — counting imports
inside functions, so a circle dodged with a late import is still one.

The composition roots are exempt from the layering, as they must name every app: settings,
the root URLconf and the demo loader's list (which lives in settings).  The site search's
index names no app above cms: each app registers its own kinds (`cms.search_registry`)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYERS = ["portal", "cms", "credits", "deliberation", "triage", "api"]
COMPOSITION_ROOTS = (
    "portal.settings",
    "portal.urls",
    "portal.celery",
)


def _modules():
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            package = parts[-1] == "__init__"
            if package:
                parts.pop()
            yield ".".join(parts), package, path


def _graph():
    modules = list(_modules())
    names = {m for m, _p, _path in modules}
    graph = {}
    for module, package, path in modules:
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")
                    base = base[: len(base) - node.level + (1 if package else 0)]
                    head = ".".join(base + ([node.module] if node.module else []))
                else:
                    head = node.module or ""
                targets = [head] + [f"{head}.{a.name}" for a in node.names]
            else:
                continue
            for t in targets:
                while t and t not in names:
                    t = t.rpartition(".")[0]
                if t and t != module and not module.startswith(t + "."):
                    deps.add(t)
        graph[module] = deps
    return graph


def _app(module: str) -> str:
    return module.split(".")[0]


def test_apps_import_only_their_own_layer_or_those_to_its_left():
    wrong = sorted(
        (module, dep)
        for module, deps in _graph().items()
        if not module.startswith(COMPOSITION_ROOTS)
        for dep in deps
        if LAYERS.index(_app(dep)) > LAYERS.index(_app(module))
    )
    assert wrong == []


def test_no_import_circle_anywhere():
    graph = _graph()
    # AppConfig.ready() wires an app up once everything is loaded (Django's rule): an
    # import there is not part of the module's import-time graph.
    for module in graph:
        if module.endswith(".apps"):
            graph[module] = set()

    def reaches(start, goal, seen):
        for nxt in graph.get(start, ()):
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    assert sorted(m for m in graph if reaches(m, m, set())) == []
