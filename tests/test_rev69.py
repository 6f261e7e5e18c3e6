"""Stop 69's review (rev69, issue #18): defects found by trying to break this session's
PennyLane-surface changes. Every expected number is worked out by hand here."""
import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np


@pytest.mark.parametrize("method", ["parameter-shift", "adjoint", "finite-diff"])
@pytest.mark.parametrize("argnum", [[1], [0]])
def test_gradient_kwargs_argnum_holds_for_a_broadcast_argument(method, argnum):
    """gradient_kwargs' argnum with a broadcast (batched) gate parameter: the parameters it
    leaves out are constants, as without the batch. <Z0 X1> after RX(a) on 0, RY(b) on 1
    and CNOT(0, 1) is cos(a) sin(b): d/da = -sin(a) sin(b), d/db = cos(a) cos(b) (by hand).
    The broadcast tape's run passed every autograd box on, so parameter shift and adjoint
    differentiated the batched a that argnum=[1] leaves out (finite differences did not).
    The adjoint method ignores argnum, as PennyLane 0.45's (stop 70: its gradient transforms
    alone take gradient_kwargs): both derivatives."""
    kw = {"h": 1e-7} if method == "finite-diff" else {}

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=method,
               gradient_kwargs={"argnum": argnum, **kw})
    def circuit(a, b):
        qml.RX(a, wires=0)
        qml.RY(b, wires=1)
        qml.CNOT(wires=[0, 1])
        return qml.expval(qml.Z(0) @ qml.X(1))

    a0, b0 = onp.array([0.3, -1.1, 2.0]), 0.5
    a, b = np.array(a0, requires_grad=True), np.array(b0, requires_grad=True)
    assert onp.allclose(circuit(a, b), onp.cos(a0) * onp.sin(b0), atol=1e-12)
    if method == "finite-diff" and argnum == [0]:  # PennyLane's NotImplementedError there
        with pytest.raises(NotImplementedError, match="broadcasted parameters"):
            qml.jacobian(circuit)(a, b)
        return
    da, db = qml.jacobian(circuit)(a, b)
    every = method == "adjoint"
    want_da = (onp.diag(-onp.sin(a0) * onp.sin(b0)) if argnum == [0] or every
               else onp.zeros((3, 3)))
    want_db = onp.cos(a0) * onp.cos(b0) if argnum == [1] or every else onp.zeros(3)
    tol = 1e-5 if method == "finite-diff" else 1e-10
    assert onp.allclose(da, want_da, atol=tol) and onp.allclose(db, want_db, atol=tol), (da, db)
    # each element alone (no batch): the same restricted derivatives
    for k in range(3):
        g = qml.grad(circuit)(np.array(a0[k], requires_grad=True), b)
        assert onp.allclose(g, (want_da[k, k], want_db[k]), atol=tol), (k, g)


def test_a_derivative_exp_cannot_carry_is_refused_by_name(monkeypatch):
    """qml.evolve of non-commuting words with input coefficients carries the derivative by
    them on up to EXP_CARRIER_WIRES wires; past that (lowered to 1 here, so 2 wires are
    past it) the input is used by value and its derivative must be refused by name. The
    run on autograd's boxes met the traced time and raised an unclear TracingError
    ("cannot combine ArrayBox ... with a traced circuit input"). The value, and the
    derivative by the time alone, equal SciPy's expm and its central differences."""
    import scipy.linalg as sl

    from qsym import _opmath

    monkeypatch.setattr(_opmath, "EXP_CARRIER_WIRES", 1)

    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="parameter-shift")
    def circuit(x, t):
        qml.RY(1.2, wires=0)
        qml.evolve(qml.dot([x, 0.7], [qml.X(0), qml.Z(0) @ qml.Z(1)]), t)
        return qml.expval(qml.Y(0))

    X, Z, Y = (onp.array(m, dtype=complex) for m in ([[0, 1], [1, 0]], [[1, 0], [0, -1]],
                                                       [[0, -1j], [1j, 0]]))

    def reference(x, t):
        psi = onp.kron([onp.cos(0.6), onp.sin(0.6)], [1, 0]).astype(complex)
        psi = sl.expm(-1j * t * (x * onp.kron(X, onp.eye(2)) + 0.7 * onp.kron(Z, Z))) @ psi
        return float((psi.conj() @ onp.kron(Y, onp.eye(2)) @ psi).real)

    assert onp.isclose(circuit(np.array(0.3), np.array(0.5)), reference(0.3, 0.5), atol=1e-12)
    with pytest.raises(qml.DifferentiationError, match=r"differentiate by x.*more than 1 wires"):
        qml.grad(circuit)(np.array(0.3, requires_grad=True), np.array(0.5, requires_grad=True))
    dt = qml.grad(circuit, argnum=1)(np.array(0.3, requires_grad=False),
                                     np.array(0.5, requires_grad=True))
    want = (reference(0.3, 0.5 + 1e-6) - reference(0.3, 0.5 - 1e-6)) / 2e-6
    assert abs(want) > 0.1 and onp.isclose(dt, want, atol=1e-7), (dt, want)
