"""Constant gates' stored entries (issue #17): a built-in gate whose parameters are numbers
gets its entries from its gate code (the code its trainable path runs), not from sympy's
``lambdify``, whose first use in a process imports ``sympy.codegen``. The numbers: hand-
written matrices, and the bits of the same gate at a trainable parameter."""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import numpy as qnp
from qsym._gates import stored_entries
from qsym._ir import Op
from qsym._program import CONSTANT_CODE, constant_entries


def _op(name, wires, *params):
    return Op(name, tuple(wires), tuple(sp.Float(p) for p in params))


def _bits(a):
    return np.asarray(a, dtype=np.complex128).tobytes()


def test_the_gate_code_is_registered_by_import_qsym():
    assert len(CONSTANT_CODE) == 1


@pytest.mark.parametrize("name, wires, params, reference", [
    # stored entries: a dense matrix row by row, a diagonal's diagonal, a real matrix's
    ("RZ", [0], [0.3], [complex(math.cos(0.15), -math.sin(0.15)),
                        complex(math.cos(0.15), math.sin(0.15))]),
    ("RX", [0], [0.7], [complex(math.cos(0.35), 0), complex(0, -math.sin(0.35)),
                        complex(0, -math.sin(0.35)), complex(math.cos(0.35), 0)]),
    ("RY", [0], [-1.1], [math.cos(-0.55), -math.sin(-0.55), math.sin(-0.55), math.cos(-0.55)]),
    ("PhaseShift", [0], [0.4], [1, complex(math.cos(0.4), math.sin(0.4))]),
    ("Hadamard", [0], [], [math.sqrt(0.5), math.sqrt(0.5), math.sqrt(0.5), -math.sqrt(0.5)]),
    ("S", [0], [], [1, 1j]),
    ("T", [0], [], [1, complex(math.sqrt(0.5), math.sqrt(0.5))]),  # correctly rounded
    ("PauliY", [0], [], [0, complex(0, -1), complex(0, 1), 0]),
    ("CNOT", [0, 1], [], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]),
    ("CZ", [0, 1], [], [1, 1, 1, -1]),
    ("IsingXY", [0, 1], [0.2], [1, 0, 0, 0,
                                0, math.cos(0.1), complex(0, math.sin(0.1)), 0,
                                0, complex(0, math.sin(0.1)), math.cos(0.1), 0,
                                0, 0, 0, 1]),
])
def test_constant_entries_are_the_hand_written_matrices_bit_for_bit(name, wires, params,
                                                                    reference):
    got = constant_entries(_op(name, wires, *params))
    ref = np.array(reference, dtype=np.complex128)
    assert got.shape == ref.shape
    assert got.tobytes() == ref.tobytes(), (got, ref)


def test_constant_entries_equal_lambdifys_up_to_the_sign_of_zero_and_ts_last_bit():
    # the values lambdify gave before, for every parametrized gate of fixed size, at
    # random points: equal as numbers (only a zero's sign may differ, and T's exp(i pi/4),
    # whose imaginary part NumPy's exp rounds one unit below sqrt(1/2))
    from qsym._gates import GATES

    rng = np.random.default_rng(3)
    for name, row in sorted(GATES.items()):
        if not row.num_wires or name == "QubitUnitary":
            continue
        wires = list(range(row.num_wires))
        for _ in range(5):
            params = list(rng.uniform(-7, 7, row.num_params))
            ours = constant_entries(_op(name, wires, *params))
            theirs = stored_entries(name, params)
            if name == "T":
                np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-16)
            else:
                np.testing.assert_array_equal(ours, theirs, err_msg=name)


def _program(name, wires, value):
    from qsym._ir import Circuit, Measurement
    from qsym._plan import make_plan
    from qsym._program import lower

    a = sp.Symbol("a", real=True)
    op = Op(name, tuple(wires), (a if value is None else sp.Float(value),))
    z = Measurement("expval", ((sp.S(1), ((0, "Z"),)),))
    c = Circuit(len(wires), (Op("RX", (0,), (a,)), op), (z,), inputs=(a,))
    return lower(c, make_plan(c))


@pytest.mark.parametrize("name, wires", [("IsingYY", [0, 1]), ("IsingXY", [0, 1]),
                                         ("RZ", [0]), ("CRZ", [0, 1])])
def test_a_constant_gate_has_the_bits_of_the_same_gate_at_a_trainable_parameter(name, wires):
    # the trainable path computes a gate's entries in prepare (here the interpreter's, the
    # generated module's operations); lambdify gave some zeros the other sign (-0.0)
    from qsym._interp import namespace

    rng = np.random.default_rng(5)
    for value in [*rng.uniform(-7, 7, 12), -0.7, 2.5, 0.0]:
        const, train = _program(name, wires, float(value)), _program(name, wires, None)
        mats = namespace(train)["prepare"](np.array([float(value)]), np.zeros(0), 0)[0]
        k = 1  # the second op, after RX
        lo = const.op_off[k]
        n = len(const.mats0) - lo
        got = np.array(const.mats0[lo:lo + n], dtype=np.complex128)
        assert got.tobytes() == mats[train.op_off[k]:train.op_off[k] + n].tobytes(), value


def test_a_gate_of_ones_own_uses_lambdify_and_its_numbers():
    from qsym._gates import REGISTRY

    qml.define_gate("LatTwoGate", 1, generator=[[0.5, 0.0], [0.0, -0.5]])
    try:
        got = constant_entries(_op("LatTwoGate", [0], 0.3))
        assert _bits(got) == _bits(stored_entries("LatTwoGate", [0.3]))
        np.testing.assert_allclose(got.reshape(2, 2), np.diag([np.exp(-0.15j), np.exp(0.15j)]),
                                   rtol=0, atol=1e-15)
    finally:
        qml.undefine_gate("LatTwoGate")
    assert "LatTwoGate" not in REGISTRY.builtin


def test_a_number_the_gate_code_cannot_take_gives_nan_as_before():
    # math.cos(inf) raises where NumPy gives nan: lambdify's numbers, not an exception
    with np.errstate(invalid="ignore"):
        got = constant_entries(_op("RZ", [0], float("inf")))
        before = stored_entries("RZ", [float("inf")])
    assert np.isnan(got).all()
    assert _bits(got) == _bits(before)


def test_a_first_answer_with_constant_gates_does_not_import_sympys_code_printer(tmp_path):
    script = textwrap.dedent("""
        import sys
        import qsym as qml
        from qsym import numpy as np
        dev = qml.device("default.qubit", wires=2)

        @qml.qnode(dev, diff_method="parameter-shift")
        def circuit(p):
            qml.Hadamard(0)
            qml.T(1)
            qml.RZ(0.3, wires=0)
            qml.IsingXY(0.2, wires=[0, 1])
            qml.RX(p[0], wires=0)
            return qml.expval(qml.PauliZ(0))

        g = qml.grad(circuit)(np.array([0.54]))
        imported = "sympy.codegen" in sys.modules
        h = 1e-6
        fd = (circuit(np.array([0.54 + h])) - circuit(np.array([0.54 - h]))) / (2 * h)
        print(imported, float(g[0]), float(fd))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    imported, g, fd = out.stdout.split()
    assert imported == "False"
    assert abs(float(g) - float(fd)) < 1e-8 and abs(float(g)) > 1e-3
