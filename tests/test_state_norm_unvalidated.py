"""``qml.StatePrep(v, normalize=False, validate_norm=False)`` with ``|v| != 1`` in a circuit.

PennyLane 0.45.1's ``default.qubit`` starts the simulation from the unnormalized ``v``
there (computed in /work/plvenv: ``v = [1, 1, 0, 0]``, ``RX(0.3)`` on wire 0, ``<Z0>`` is
1.9106729782512117, twice the normalized state's 0.9553364891256...; with shots it raises
"probabilities do not sum to 1"). qsym's gates prepare unit vectors only: it used to return
the normalized state's 0.955 silently; now every path refuses, with what to do. A state of
norm 1 is accepted as before.
"""

from __future__ import annotations

import math

import pytest

import qsym as qml
from qsym import numpy as np
from qsym.errors import GateError


def _node(method, device="default.qubit", shots=None, batch=False):
    def f(v, x):
        qml.StatePrep(v, wires=[0, 1], normalize=False, validate_norm=False)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    return qml.QNode(f, qml.device(device, wires=2), diff_method=method, shots=shots)


CASES = [("parameter-shift", "default.qubit", None), ("adjoint", "default.qubit", None),
         ("backprop", "default.qubit", None), ("finite-diff", "default.qubit", None),
         ("parameter-shift", "default.qubit", 100), ("parameter-shift", "default.mixed", None)]


@pytest.mark.parametrize("method,device,shots", CASES)
@pytest.mark.parametrize("trainable", [False, True])
def test_an_unnormalized_unvalidated_state_is_refused_on_every_path(method, device, shots,
                                                                    trainable):
    node = _node(method, device, shots)
    v = np.array([1.0, 1.0, 0.0, 0.0], requires_grad=trainable)
    x = np.array(0.3, requires_grad=True)
    with pytest.raises(GateError, match="validate_norm=False with a state of norm 1.41"):
        node(v, x)
    with pytest.raises(GateError, match="normalize=True"):
        qml.grad(node)(v, x)


def test_an_unnormalized_unvalidated_constant_state_and_a_batch_are_refused():
    def f(x):
        qml.StatePrep(np.array([1.0, 1.0, 0.0, 0.0]), wires=[0, 1], validate_norm=False)
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(f, qml.device("default.qubit", wires=2))
    with pytest.raises(GateError, match="validate_norm=False"):
        node(np.array(0.3, requires_grad=True))
    batch = np.array([[0.6, 0.8, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]], requires_grad=False)
    with pytest.raises(GateError, match="validate_norm=False"):
        _node("parameter-shift")(batch, np.array(0.3, requires_grad=True))


def test_a_unit_state_without_validation_is_the_normalized_answer():
    v = np.array([0.6, 0.8, 0.0, 0.0], requires_grad=False)
    x = np.array(0.3, requires_grad=True)
    node = _node("parameter-shift")
    # by hand: |psi> = 0.6|00> + 0.8|01>: wire 0 in |0>, <Z0> = cos x, d/dx = -sin x
    assert float(node(v, x)) == pytest.approx(math.cos(0.3), abs=1e-12)
    assert float(qml.grad(node, argnum=1)(v, x)) == pytest.approx(-math.sin(0.3), abs=1e-12)


def test_an_export_writes_the_unvalidated_norm_check():
    """An export runs the QNode's per-call checks as NumPy code (qsym._aot._checks_source):
    the unvalidated norm's check is one it writes (it was an ExportError: the kind was
    missing from the export's table), refusing |v| != 1 and passing a unit state."""
    import numpy as onp

    from qsym import _aot

    def f(v):
        qml.StatePrep(v, wires=0, validate_norm=False)
        return qml.expval(qml.PauliZ(0))

    node = qml.QNode(f, qml.device("default.qubit", wires=1))
    unit = onp.array([0.6, 0.8])
    assert node(unit) == pytest.approx(0.36 - 0.64, abs=1e-15)  # by hand
    namespace = {}
    exec(_aot._checks_source(qml.compile(node, unit).entry), namespace)
    namespace["_checks"](unit, onp.zeros(0), False)  # a unit state passes
    with pytest.raises(ValueError, match="validate_norm=False with a state of norm 1.44"):
        namespace["_checks"](onp.array([1.2, 0.8]), onp.zeros(0), False)


def test_an_unvalidated_state_is_made_outside_a_circuit_and_refused_where_applied():
    """PennyLane 0.45.1 (plvenv) constructs StatePrep([1, 1], validate_norm=False) and its
    state_vector() is [1, 1]; qml.matrix of it raises (Möttönen's norm check). qsym raised
    at construction; now it constructs, and refuses where the gates are used."""
    import numpy as onp

    op = qml.StatePrep(onp.array([1.0, 1.0]), wires=0, validate_norm=False)
    assert op.state_vector().tolist() == [1.0, 1.0]
    dev = qml.device("default.qubit", wires=1)
    tape = qml.tape.QuantumScript([op], [qml.expval(qml.PauliZ(0))])
    for use in (lambda: qml.execute([tape], dev),
                lambda: qml.QNode(lambda: (qml.apply(op), qml.expval(qml.PauliZ(0)))[1], dev)(),
                lambda: qml.matrix(op)):
        with pytest.raises(GateError, match="validate_norm=False with a state of norm 1.41"):
            use()


@pytest.mark.parametrize("validate", [True, False])
def test_a_norm_within_numpys_relative_tolerance_is_not_prepared_normalized_silently(validate):
    """np.isclose(norm, 1, atol=1e-10) adds 1e-5 relative: a state of norm 1 + 8e-8 (and a
    complex64 unit vector, norm 1 + 2.4e-8 in double precision) was prepared normalized.
    PennyLane 0.45.1 (plvenv) starts the circuit from the vector as given: for
    [0.6, 0.8000001] its qml.state() is [0.6, 0.8000001], its <Z> -0.28000016000001005
    (|v|^2 times the normalized state's). qsym prepares unit vectors: refused, with what to
    do; the vector normalized in double precision gives PennyLane's normalized answer."""
    import numpy as onp

    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def c(v):
        qml.StatePrep(v, wires=0, validate_norm=validate)
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(dev)
    def constant():
        qml.StatePrep(onp.array([0.6, 0.8000001]), wires=0, validate_norm=validate)
        return qml.expval(qml.PauliZ(0))

    match = "double precision" if validate else "validate_norm=False"
    for v in (onp.array([0.6, 0.8000001]), onp.array([0.6, 0.8], dtype=onp.complex64)):
        with pytest.raises(GateError, match=match):
            c(v)
    with pytest.raises(GateError, match=match):
        constant()
    v = onp.array([0.6, 0.8], dtype=onp.complex64).astype(complex)
    a, b = float(onp.float32(0.6)), float(onp.float32(0.8))  # by hand, the float32 numbers
    assert c(v / onp.linalg.norm(v)) == pytest.approx((a * a - b * b) / (a * a + b * b), abs=1e-15)


def test_a_norm_within_pennylanes_tolerance_after_other_gates_is_normalized_as_pennylane():
    """Not first, PennyLane applies Möttönen's gates, which prepare the normalized state
    (PennyLane 0.45.1, plvenv: H(0), then StatePrep([0.6, 0.8000001], wires=1): <Z1> is
    -0.2800001151999888, the normalized state's; by hand (0.36 - 0.8000001**2) / N with
    N = 0.36 + 0.8000001**2)."""
    import numpy as onp

    @qml.qnode(qml.device("default.qubit", wires=2))
    def c():
        qml.Hadamard(0)
        qml.StatePrep(onp.array([0.6, 0.8000001]), wires=1)
        return qml.expval(qml.PauliZ(1))

    n = 0.36 + 0.8000001**2
    assert c() == pytest.approx((0.36 - 0.8000001**2) / n, abs=1e-12)
