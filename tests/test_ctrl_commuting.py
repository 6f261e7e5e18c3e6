"""``qml.ctrl`` of one-parameter gates whose generator is a sum of commuting Pauli words
(IsingXY, SingleExcitation(+-), DoubleExcitation, OrbitalRotation, FermionicSWAP) on many
controls (issue #18, stop 69): applied as the controlled Pauli rotations of its factors (the
kernels' ``"pauli"`` form under a control mask each), not as a ``2^n`` matrix printed by
sympy (8 wires 3.6 s, 10 wires over 200 s before), while ``qml.specs``, ``qml.Tracker`` and
``parameter_frequencies`` still see the one ``Controlled`` gate PennyLane applies.

References: PennyLane 0.45.1's numbers (default.qubit, parameter-shift; the circuit below
run in a PennyLane venv: value, ``qml.grad``, the Tracker's simulations, the
``Controlled``'s ``parameter_frequencies``; pasted), and a NumPy state vector with the
controlled matrix built from the gate's textbook matrix (written here) for 10 wires.
"""

import numpy as onp
import pytest
import sympy

import qsym as qml
from qsym import numpy as np

# gate: (value, gradient, Tracker simulations of the gradient, frequencies), PennyLane's
PL = {
    "IsingXY": (0.4114183623576702, [-0.0009301884339173311, -0.00023530112714556517], 9,
                (0.5, 1.0)),
    "SingleExcitationMinus": (0.41214468568625884,
                              [0.0016842584622595025, -9.199092630068212e-05], 9, (0.5, 1.0)),
    "DoubleExcitation": (0.41217665319538366, [-0.002502366720287346, -0.0017539253607847943],
                         9, (0.5, 1.0)),
}
TARGETS = {"IsingXY": 2, "SingleExcitationMinus": 2, "DoubleExcitation": 4}


def _node(gate, method):
    nt = TARGETS[gate]
    n = nt + 4
    dev = qml.device("default.qubit", wires=n)

    def body(x):
        for w in range(n):
            qml.RY(0.3 + 0.2 * w, wires=w)
            qml.RX(0.1 * w, wires=w)
        qml.ctrl(getattr(qml, gate), control=list(range(nt, n)),
                 control_values=[1, 0, 0, 1])(x[0], wires=list(range(nt)))
        qml.CNOT(wires=[0, n - 1])
        qml.ctrl(getattr(qml, gate), control=list(range(nt, n))[::-1])(2 * x[1],
                                                                       wires=list(range(nt)))
        return qml.expval(qml.PauliX(0) @ qml.PauliY(1) + 0.5 * qml.PauliZ(1))

    return qml.QNode(body, dev, diff_method=method), dev


@pytest.mark.parametrize("gate", sorted(PL))
def test_many_controlled_commuting_gates_as_pennylane(gate):
    """Values, parameter-shift gradients, the Tracker's circuits, specs and the
    frequencies equal PennyLane's; every gate applied with a parameter is a structured
    ``"pauli"`` form (no dense controlled matrix)."""
    from qsym._gates import storage

    node, dev = _node(gate, "parameter-shift")
    x = np.array([0.37, -0.81], requires_grad=True)
    value, grad, simulations, freqs = PL[gate]
    with qml.Tracker(dev) as tracker:
        g = qml.grad(node)(x)
    assert abs(node(x) - value) < 1e-12
    assert onp.allclose(g, grad, atol=1e-12)
    assert tracker.totals["simulations"] == simulations
    tape = qml.workflow.construct_tape(node)(x)
    controlled = [op for op in tape.operations if "C(" in op.name]
    assert len(controlled) == 2
    assert [tuple(op.parameter_frequencies[0]) for op in controlled] == [freqs, freqs]
    assert qml.specs(node)(x)["resources"].gate_types[f"4C({gate})"] == 2
    applied = [g for op in controlled for g in op.table_gates if g.num_params]
    assert applied and all(storage(g.name) == "pauli" for g in applied), [
        (g.name, storage(g.name)) for g in applied]


@pytest.mark.parametrize("method", ["adjoint", "finite-diff", "backprop"])
def test_every_method_gives_pennylanes_gradient(method):
    node, _ = _node("IsingXY", method)
    x = np.array([0.37, -0.81], requires_grad=True)
    value, grad, _, _ = PL["IsingXY"]
    assert abs(node(x) - value) < 1e-12
    assert onp.allclose(qml.grad(node)(x), grad, atol=1e-7 if method == "finite-diff" else 1e-12)


def _reference_ten_wires(t):
    """<X0 Y1> after H on every wire and IsingXY(t) on wires 0, 1 controlled by wires 2..9
    on 1, 0, 1, 0, ...: a NumPy state vector (the controlled matrix's one block)."""
    n = 10
    psi = onp.full(2**n, 2 ** (-n / 2), dtype=complex)
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    xy = onp.array([[1, 0, 0, 0], [0, c, 1j * s, 0], [0, 1j * s, c, 0], [0, 0, 0, 1]])
    psi = psi.reshape(4, 2 ** (n - 2))
    ctrl = int("".join(str((i + 1) % 2) for i in range(n - 2)), 2)
    psi[:, ctrl] = xy @ psi[:, ctrl]
    psi = psi.reshape(-1)
    xy_obs = onp.kron(onp.kron([[0, 1], [1, 0]], [[0, -1j], [1j, 0]]), onp.eye(2 ** (n - 2)))
    return float(onp.real(psi.conj() @ xy_obs @ psi))


def test_ten_wires_value_and_gradient_by_hand():
    dev = qml.device("default.qubit", wires=10)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(t):
        for w in range(10):
            qml.Hadamard(w)
        qml.ctrl(qml.IsingXY, control=list(range(2, 10)),
                 control_values=[(i + 1) % 2 for i in range(8)])(t, wires=[0, 1])
        return qml.expval(qml.PauliX(0) @ qml.PauliY(1))

    t = np.array(0.9, requires_grad=True)
    assert abs(circuit(t) - _reference_ten_wires(0.9)) < 1e-12
    fd = (_reference_ten_wires(0.9 + 1e-6) - _reference_ten_wires(0.9 - 1e-6)) / 2e-6
    assert abs(qml.grad(circuit)(t) - fd) < 1e-8


def test_a_controlled_rows_key_names_its_base_not_its_matrix(monkeypatch):
    """A qml.ctrl row's definition key (hashed into every cache key of a circuit that
    uses it) is made from its base's key and controls: its matrix of 4^(k+m) sympy
    entries is not printed (14 wires: minutes, at a first gradient's promotion check)."""
    from qsym import _gates, _opmath

    printed = []
    real = sympy.srepr
    monkeypatch.setattr(sympy, "srepr", lambda *a, **k: printed.append(1) or real(*a, **k))
    name = _opmath._controlled_row("PauliRot", 11, 2, (("pauli_word", "YX"),))
    key = _gates.definition_key(name)
    assert printed == [] and len(key) == 64
    other = _opmath._controlled_row("PauliRot", 11, 2, (("pauli_word", "XY"),))
    assert _gates.definition_key(other) != key
