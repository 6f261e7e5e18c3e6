"""qsym's lambdify (NumPy's module object, not its name): the same bits as sympy's
``modules="numpy"``, and a first answer that does not load NumPy's lazy submodules."""

import ast
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy as sp

from qsym._gates import GATES
from qsym._lambdify import lambdify
from conftest import qsym_modules_naming

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "qsym"


@pytest.mark.parametrize("name", sorted(n for n, r in GATES.items() if r.num_wires
                                        and r.num_wires <= 3 and not r.hyper))
def test_every_gate_matrix_has_the_bits_of_sympys_numpy_string_form(name):
    row = GATES[name]
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    mat = row.sympy_matrix(syms)
    ours, theirs = lambdify(syms, mat), sp.lambdify(syms, mat, modules="numpy")
    rng = np.random.default_rng(7)
    for params in [(0.0,) * len(syms), tuple(rng.uniform(-7, 7, len(syms))), (np.pi,) * len(syms)]:
        a, b = np.asarray(ours(*params), dtype=complex), np.asarray(theirs(*params), dtype=complex)
        assert a.shape == b.shape == (2 ** row.num_wires,) * 2
        assert a.tobytes() == b.tobytes()


def test_code_printed_with_numpys_name_finds_it():
    # the string form's namespace binds ``numpy`` too (its "import numpy"): code a printer
    # writes with the module's name (qsym._second_order's exact derivatives) runs the same
    from sympy.printing.numpy import NumPyPrinter

    x = sp.Symbol("x", real=True)
    expr = sp.sin(x) + sp.Piecewise((x**2, x > 0), (-x, True))
    kw = dict(printer=NumPyPrinter({"fully_qualified_modules": True}))
    ours, theirs = lambdify([x], expr, **kw), sp.lambdify([x], expr, modules="numpy", **kw)
    import inspect
    assert "numpy.sin" in inspect.getsource(ours)
    for v in (-2.0, 0.0, 3.0):
        assert ours(v) == theirs(v) == np.sin(v) + (v * v if v > 0 else -v)


def test_extra_namespaces_take_precedence_as_in_sympy():
    x = sp.Symbol("x", real=True)
    f = lambdify([x], sp.cos(x) + sp.sqrt(x), extra=({"cos": lambda v: 100.0},))
    assert f(4.0) == 102.0


def test_a_first_answer_with_a_constant_gate_loads_no_lazy_numpy_submodule(tmp_path):
    # sympy's modules="numpy" runs `from numpy import *`, which loads numpy.f2py, testing, ...
    script = textwrap.dedent("""
        import sys
        import qsym as qml
        from qsym import numpy as np
        dev = qml.device("default.qubit", wires=2)

        @qml.qnode(dev)
        def circuit(p):
            qml.RX(p[0], wires=0)
            qml.RZ(0.3183, wires=0)
            qml.CRY(1.234, wires=[0, 1])
            return qml.expval(qml.PauliZ(0) @ qml.PauliX(1))

        lazy = ("numpy.f2py", "numpy.testing", "numpy.ma", "numpy.ctypeslib", "numpy.rec")
        before = {m for m in lazy if m in sys.modules}
        g = qml.grad(circuit)(np.array([0.54]))
        print(repr(sorted({m for m in lazy if m in sys.modules} - before)))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_no_module_passes_numpys_name_to_sympys_lambdify():
    found = []
    for path, tree in qsym_modules_naming("lambdify"):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "lambdify" and path.name != "_lambdify.py"):
                found.append(f"{path.name}:{node.lineno}")
    assert found == [], f"call qsym._lambdify.lambdify instead of sympy's: {found}"
