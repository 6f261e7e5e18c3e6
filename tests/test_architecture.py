"""Imports run one way: the module graph of qsym/ read with ``ast`` (nothing is imported).

Checked: every module of qsym/ has a row in the layering table of docs/design.md ("Every
module, in import order"), and that table is ``ORDER`` below; a module imports only modules
above it in the table (at the top of the file or inside a function alike), so there is no
cycle; no module uses another module's private name (``from .x import _y``, ``x._y``);
no plain ``lru_cache`` memoizes something read from a gate row by name (it must be
``REGISTRY.memo``, which a redefinition clears); every function of qsym/ is under 100 lines.

``ALLOWED_*`` list the violations known when this test was written, each in a file another
engineer was changing at the time; shrink them, never grow them: a new violation is fixed
where it is made (make the name public and documented, or move the code).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "qsym"

# lowest first: a module may import only modules listed before it (docs/design.md has the
# same list, with what each module does; test_the_design_table_is_this_order compares them)
ORDER = [
    "_version", "_locks", "concurrency", "errors", "exceptions", "_lambdify", "_parsing", "_cache", "_kernels", "_kernel_table", "_cell_bundles", "_linecode", "_channels", "_gates", "_shapes", "wires", "resource", "_autodiff", "_ir", "_branches",
    "rules", "_trace", "_broadcast", "_operations", "_attributes", "_noise", "_shadows", "numpy", "_numpy_random", "_linalg", "math", "_integrals", "_qchem_integrals",
    "_unsupported", "_cv", "_cv_templates", "templates", "_template_core", "_qaoa_cycle", "qaoa", "_unitary_decompositions", "_opmath", "pauli", "_ladder_words", "fermi", "bose", "_opfunctions", "_mcm", "_opbase", "_labelled_ops", "_pulse", "_pulse_hardware", "_subroutines", "decomposition", "_state_preparations", "_encodings", "_symbolic", "_plan", "_program", "_emit", "_tiers", "_shots",
    "_mixed", "_second_order", "_interp", "_arguments", "_options", "_capabilities", "configuration", "devices", "_stages", "_executors", "_guards",
    "_runtime",
    "_drawing", "optimize", "_natural_gradient", "_circuit_graph", "_custom_measurements", "_tapes", "_gaussian", "tape", "_operator_checks", "_transform", "_op_transforms", "allocation", "_symbolic_decomposition", "_compilation", "_decomp_inspector", "_splitting", "_qmc", "_one_shot", "_deferral", "_cnot_synthesis", "_commutation_dag", "_pattern_matching", "_rings", "_gridsynth", "_solovay_kitaev", "_clifford_t", "transforms", "workflow", "_metric_tapes", "gradients", "_preprocess", "_openqasm", "_control_flow", "_device_api", "_null_qubit", "_device_modifiers", "_resolution", "_jacobian_products", "_workflow_run", "_aot_numpy", "_aot", "_worker", "_distributed",
    "_minimize", "_about", "measurements", "kernels", "_fourier_plots", "fourier", "pytrees", "_resource_paths", "spin", "qchem", "estimator", "_arithmetic", "_select", "_qram", "_qsvt", "_sum_of_slaters", "_controlled_decompositions", "_qnspsa", "_riemannian", "_adaptive", "_shot_adaptive",
    "_noise_models", "_mitigate", "_involutions", "_cartan", "liealg", "shadows", "_legacy_device", "_qcut_graph", "_qcut_processing", "_qcut_strategy", "qcut", "typing", "_functional_qubit", "_text_drawer", "_mpl_drawer", "_functional_mixed", "debugging", "io", "_qubit_graph", "ftqc", "logging", "__init__", "_cli", "__main__",
]

# (importer, imported): known imports against the order
ALLOWED_UPWARD = {
    # qsym.numpy attaches its random module at its end, as NumPy does, and numpy_random
    # takes qsym.numpy's tensor class: move `tensor` below both to remove it
    ("numpy", "_numpy_random"),
}

# (module, private name used from another module): known uses in files being changed by
# others in the same wave (runtime, aot, shots, cache); the lead shrinks this after merging
ALLOWED_PRIVATE: set[tuple[str, str]] = set()

# functions memoized with a plain lru_cache that reads gate rows, cleared by hand
ALLOWED_GATE_MEMOS = {
    ("_emit", "gate_body"),  # REGISTRY.on_change(... gate_body.cache_clear()) below it
}


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(), filename=str(p)) for p in sorted(PACKAGE.glob("*.py"))}


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _walk(tree: ast.AST):
    """``ast.walk`` without the bodies of ``if TYPE_CHECKING:`` (they never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if not _type_checking_only(node):
            todo.extend(ast.iter_child_nodes(node))


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imports(name: str, tree: ast.Module, modules) -> tuple[dict, list, dict]:
    """(imported module -> first line, private names used across modules, local alias ->
    module) of one module."""
    edges: dict[str, int] = {}
    private: list[tuple[int, str]] = []
    alias: dict[str, str] = {}

    def edge(target: str, line: int) -> None:
        if target != name:
            edges.setdefault(target, line)

    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] == "qsym":
                    target = parts[1] if len(parts) > 1 else "__init__"
                    edge(target, node.lineno)
                    if a.asname and len(parts) > 1:
                        alias[a.asname] = target
        elif isinstance(node, ast.ImportFrom):
            absolute = node.level == 0 and (node.module or "").split(".")[0] == "qsym"
            if node.level == 0 and not absolute:
                continue
            path = (node.module or "").split(".")
            path = path[1:] if absolute else path
            if path and path[0]:  # from .x import a, b
                edge(path[0], node.lineno)
                for a in node.names:
                    if _private(a.name):
                        private.append((node.lineno, f"{path[0]}.{a.name}"))
            else:  # from . import x (a module) or a package name
                for a in node.names:
                    if a.name in modules:
                        edge(a.name, node.lineno)
                        alias[a.asname or a.name] = a.name
                    else:
                        edge("__init__", node.lineno)
                        if _private(a.name):
                            private.append((node.lineno, f"__init__.{a.name}"))
    for node in _walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in alias and _private(node.attr)):
            private.append((node.lineno, f"{alias[node.value.id]}.{node.attr}"))
    return edges, private, alias


@pytest.fixture(scope="module")
def graph():
    modules = _modules()
    return modules, {name: _imports(name, tree, modules) for name, tree in modules.items()}


def test_every_module_is_in_the_order(graph):
    modules, _ = graph
    missing = sorted(set(modules) - set(ORDER))
    assert not missing, (
        f"qsym modules not in the layering table: {missing}; add each to ORDER here and to "
        "the table 'Every module, in import order' in docs/design.md, below what it imports")
    assert len(ORDER) == len(set(ORDER))


def test_imports_run_one_way(graph):
    modules, info = graph
    rank = {m: i for i, m in enumerate(ORDER)}
    bad = []
    for name, (edges, _, _) in sorted(info.items()):
        for target, line in sorted(edges.items()):
            if target in rank and name in rank and rank[target] > rank[name]:
                if (name, target) not in ALLOWED_UPWARD:
                    bad.append(f"qsym/{name}.py:{line} imports {target}, which is above it")
    assert not bad, "imports against the documented order:\n" + "\n".join(bad)
    stale = {e for e in ALLOWED_UPWARD if e[1] not in info.get(e[0], ({},))[0]}
    assert not stale, f"allowed upward imports that no longer exist (remove them): {stale}"


def test_no_import_cycle(graph):
    modules, info = graph
    adj = {name: {t for t in edges if t in modules and (name, t) not in ALLOWED_UPWARD}
           for name, (edges, _, _) in info.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(adj[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(adj):
        if node not in state:
            visit(node, [])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_private_name_is_used_across_modules(graph):
    _, info = graph
    bad = [f"qsym/{name}.py:{line} uses {what}"
           for name, (_, private, _) in sorted(info.items())
           for line, what in private if (name, what) not in ALLOWED_PRIVATE]
    assert not bad, ("private names used across modules (make them public and documented, "
                     "or move the code):\n" + "\n".join(bad))
    used = {(name, what) for name, (_, private, _) in info.items() for _, what in private}
    assert not ALLOWED_PRIVATE - used, f"allowed uses gone (remove them): {ALLOWED_PRIVATE - used}"


def _reads_gate_rows(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id in ("gate_def", "GATES"):
            return True
        if isinstance(node, ast.Attribute) and node.attr in ("gate_def", "GATES", "rows"):
            return True
    return False


def _plain_lru_cache(dec: ast.AST) -> bool:
    target = dec.func if isinstance(dec, ast.Call) else dec
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name in ("lru_cache", "cache")


def test_memos_of_gate_rows_follow_the_registry(graph):
    modules, _ = graph
    bad = []
    for name, tree in sorted(modules.items()):
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                    _plain_lru_cache(d) for d in node.decorator_list):
                if _reads_gate_rows(node) and (name, node.name) not in ALLOWED_GATE_MEMOS:
                    bad.append(f"qsym/{name}.py:{node.lineno} {node.name}")
    assert not bad, ("memos of gate rows with a plain lru_cache (a redefined gate would stay "
                     "stale): use qsym._gates.REGISTRY.memo\n" + "\n".join(bad))


def test_the_checks_see_violations():
    # the checks themselves: a private import, an import upwards, a memo of a row
    # (made-up module names: the real ones are renamed by /work/tools/privatize.py)
    tree = ast.parse("from .low import _x\nfrom . import high as hi\nimport qsym\n"
                     "def f():\n    from .mid import y\n    return hi._z\n")
    edges, private, _ = _imports("base", tree, {"low", "high", "mid"})
    assert set(edges) == {"low", "high", "mid", "__init__"}
    assert [w for _, w in private] == ["low._x", "high._z"]
    memo = ast.parse("@lru_cache(maxsize=None)\ndef g(name):\n    return gate_def(name)\n")
    assert _plain_lru_cache(memo.body[0].decorator_list[0]) and _reads_gate_rows(memo.body[0])
    hidden = ast.parse("if TYPE_CHECKING:\n    from .high import QNode\n")
    assert _imports("base", hidden, {"high"})[0] == {}


def test_the_design_table_is_this_order():
    text = (ROOT / "docs" / "design.md").read_text()
    section = text.split("## Every module, in import order", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*\d+\s*\|\s*`qsym/(\w+)\.py`", section, flags=re.M)
    assert rows == ORDER, "docs/design.md's module table and ORDER differ"


MAX_FUNCTION_LINES = 100  # a longer function is split into named steps


def _long_functions(modules: dict[str, ast.Module]) -> list[str]:
    return [f"qsym/{name}.py:{node.lineno} {node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for name, tree in sorted(modules.items()) for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.end_lineno - node.lineno + 1 >= MAX_FUNCTION_LINES]


def test_every_function_is_under_100_lines(graph):
    modules, _ = graph
    bad = _long_functions(modules)
    assert not bad, "functions of 100 lines or more (split them into named steps):\n" + \
        "\n".join(bad)


def test_the_length_check_sees_a_long_function():
    long = ast.parse("def f():\n" + "    x = 1\n" * 99 + "\ndef g():\n" + "    x = 1\n" * 98)
    assert _long_functions({"m": long}) == ["qsym/m.py:1 f (100 lines)"]
