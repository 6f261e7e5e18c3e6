"""PennyLane's semantics that earlier demo rounds of issue #18 left (stop 60): the complex
Jacobian of ``qml.state()`` on every path, ``qml.grad`` of a complex number refused,
the gradient's type where a hybrid function's chain rule multiplies by the argument
tensor, a circuit function's prints once per trace, ``sparse_matrix()`` without rounding
residues, and ``Sum.terms()`` coefficients of PennyLane's types. References are
independent of qsym: values derived by hand, finite differences, and (where marked)
what PennyLane 0.45.1 printed for the same code in /work/plvenv (a throwaway script),
never qsym's own output.
"""

import sys
import threading

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np

dev1 = qml.device("default.qubit", wires=1)


@qml.qnode(dev1)
def _state_by_value(x):
    # the angle is the larger eigenvalue of [[x, 1], [1, -x]], sqrt(1 + x^2): numpy.linalg
    # of the input, so the input is used by its number (the by-value path)
    qml.RX(np.linalg.eigh(np.array([[x, 1.0], [1.0, -x]]))[0][1], wires=0)
    return qml.state()


def test_jacobian_of_a_state_used_by_value_is_complex():
    """The state RX(t)|0> = [cos(t/2), -i sin(t/2)] with t = sqrt(1 + x^2): its derivative
    by x is complex; on the by-value path (the function run on autograd's boxes) only its
    real part came back ([-0.0716, 0]). PennyLane 0.45.1 raises a ValueError here
    (autograd's reshape); qsym gives the whole Jacobian, as its QNode path does."""
    x = np.array(0.3, requires_grad=True)
    jac = qml.jacobian(_state_by_value)(x)
    t, dt = onp.sqrt(1 + 0.3**2), 0.3 / onp.sqrt(1 + 0.3**2)
    want = onp.array([-onp.sin(t / 2) / 2, -0.5j * onp.cos(t / 2)]) * dt  # by hand
    onp.testing.assert_allclose(jac, want, atol=1e-12)
    assert onp.iscomplexobj(jac)
    h = 1e-6  # and by central differences of the values
    fd = (onp.asarray(_state_by_value(0.3 + h)) - onp.asarray(_state_by_value(0.3 - h))) / (2 * h)
    onp.testing.assert_allclose(jac, fd, atol=1e-8)


def test_jacobian_of_a_complex_hybrid_function_and_grad_refuses_one():
    """d/dx exp(ix) = i exp(ix) (it came back as its real part, -sin x); a hybrid of a
    QNode state gives the QNode's own complex Jacobian; ``qml.grad`` of a complex number
    is refused as PennyLane's autograd refuses it (TypeError "Grad only applies to real
    scalar-output functions"), where qsym returned Re(df/dx)."""
    x = np.array(0.3, requires_grad=True)
    jac = qml.jacobian(lambda x: np.exp(1j * x))(x)
    onp.testing.assert_allclose(jac, 1j * onp.exp(0.3j), atol=1e-14)

    @qml.qnode(dev1)
    def state(x):
        qml.RX(x, wires=0)
        return qml.state()

    hybrid = qml.jacobian(lambda x: 2.0 * state(x))(x)
    want = 2.0 * onp.array([-onp.sin(0.15) / 2, -0.5j * onp.cos(0.15)])  # by hand
    onp.testing.assert_allclose(hybrid, want, atol=1e-12)
    with pytest.raises(TypeError, match="real scalar-output"):
        qml.grad(lambda x: np.exp(1j * x))(x)


dev2 = qml.device("default.qubit", wires=2)


@qml.qnode(dev2)
def _two(x):
    qml.RX(x[0], wires=0)
    qml.RY(x[1], wires=1)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.Z(0) @ qml.Z(1))


@pytest.mark.parametrize("name, fun, kind", [
    # PennyLane 0.45.1's types for the same functions (printed in /work/plvenv): autograd's
    # boxes wrap the argument tensor, so a vjp multiplying by it (np.sin's g * cos(x),
    # x**2's 2 g x) gives a tensor; a QNode's vjp or np.sum's gives a plain array
    ("qnode plus sum of squares", lambda x: _two(x) + np.sum(x**2), "tensor"),
    ("numpy only", lambda x: np.sum(np.sin(x)), "tensor"),
    ("qnode plus sum", lambda x: _two(x) + np.sum(x), "ndarray"),
    ("qnode scaled", lambda x: 2 * _two(x), "ndarray"),
    ("sum", lambda x: np.sum(x), "ndarray"),
])
def test_gradient_of_a_hybrid_function_has_pennylanes_type(name, fun, kind):
    x = np.array([0.3, 0.2], requires_grad=True)
    g = qml.grad(fun)(x)
    assert type(g).__name__ == kind, name
    if name == "numpy only":
        onp.testing.assert_allclose(g, onp.cos([0.3, 0.2]), atol=1e-15)
    if name == "qnode plus sum of squares":  # <ZZ> = cos(x1) (CNOT maps Z0 Z1 to Z1)
        onp.testing.assert_allclose(g, [0.6, 0.4 - onp.sin(0.2)], atol=1e-12)


def test_a_circuit_functions_print_appears_once_per_trace(capsys):
    """The trace prints; the replays that check it (at the call's numbers, and at zero)
    are silent, so a first call prints once, as PennyLane's one run per call (qsym printed
    three times: the trace and its two replays); a compiled signature runs no Python."""
    @qml.qnode(dev1)
    def c(x):
        print("circuit runs")
        qml.RX(x, wires=0)
        return qml.expval(qml.Z(0))

    c(np.array(0.3))
    assert capsys.readouterr().out.count("circuit runs") == 1

    @qml.qnode(dev1)
    def drawn(x):  # traced at every call (a draw from NumPy's generator)
        print("per call")
        qml.RX(x * np.random.uniform(), wires=0)
        return qml.expval(qml.Z(0))

    drawn(0.3)
    capsys.readouterr()
    drawn(0.3)  # the per-call trace prints, its replay does not
    assert capsys.readouterr().out.count("per call") == 1


def test_silenced_drops_this_threads_writes_only(capsys):
    from qsym._trace import silenced

    def other():
        print("other thread")

    with silenced():
        print("replay")
        sys.stderr.write("replay warning\n")
        t = threading.Thread(target=other)
        t.start()
        t.join()
    print("after")
    out = capsys.readouterr()
    assert out.out == "other thread\nafter\n" and out.err == ""


def test_sparse_matrix_drops_the_rounding_residues_of_cancelling_terms():
    """0.1 I + 0.2 Z(0) - 0.3 Z(1): on |00> the sum 0.1 + 0.2 - 0.3 is 5.6e-17, rounding,
    which PennyLane drops (its words of one sparse structure summed, entries below 1e-16
    cut): the diagonal [0, 0.6, -0.4, 0.2] by hand, 3 stored entries (qsym stored 4; the
    LiH Hamiltonian in 2 of 5 orbitals stored 11776 entries where PennyLane 0.45.1 stores
    11264). 0.7 (X Y - Y X) cancels exactly at (0, 3) and (3, 0), not at (1, 2), (2, 1)."""
    H = qml.Hamiltonian([0.1, 0.2, -0.3, 0.7, -0.7],
                        [qml.I(0), qml.Z(0), qml.Z(1), qml.X(0) @ qml.Y(1), qml.Y(0) @ qml.X(1)])
    S = H.sparse_matrix()
    assert S.nnz == 5  # PennyLane 0.45.1: 5
    onp.testing.assert_allclose(S.diagonal(), [0.0, 0.6, -0.4, 0.2], atol=1e-15)
    diagonal = (0.1 * qml.I(0) + 0.2 * qml.Z(0) - 0.3 * qml.Z(1)).sparse_matrix(wire_order=[0, 1])
    assert diagonal.nnz == 3  # PennyLane 0.45.1: 3
    dense = onp.zeros((4, 4), dtype=complex)  # the matrices by hand, summed
    x, y, z = onp.array([[0, 1], [1, 0]]), onp.array([[0, -1j], [1j, 0]]), onp.diag([1, -1])
    for c, m in [(0.1, onp.eye(4)), (0.2, onp.kron(z, onp.eye(2))), (-0.3, onp.kron(onp.eye(2), z)),
                 (0.7, onp.kron(x, y)), (-0.7, onp.kron(y, x))]:
        dense += c * m
    onp.testing.assert_allclose(S.toarray(), dense, atol=1e-15)
    big = qml.Hamiltonian([0.5, -0.25, 0.125], [qml.X(0) @ qml.Z(2), qml.Y(1), qml.Z(0) @ qml.Z(1)])
    want = 0.5 * onp.kron(onp.kron(x, onp.eye(2)), z) - 0.25 * onp.kron(onp.kron(onp.eye(2), y),
                                                                        onp.eye(2))
    want = want + 0.125 * onp.kron(onp.kron(z, z), onp.eye(2))
    onp.testing.assert_allclose(big.sparse_matrix(wire_order=[0, 1, 2]).toarray(), want, atol=1e-15)
    assert big.sparse_matrix(wire_order=[2, 1, 0]).nnz == onp.count_nonzero(want)


@pytest.mark.parametrize("make, want", [
    # PennyLane 0.45.1's terms() coefficients for the same operators (printed in
    # /work/plvenv): its Pauli sentences are built by NumPy's dot for a scalar multiple
    # (np.float64), Python's 0.0 + c for a sum, 0.0 + factor * c1 * c2 for a product
    (lambda: 0.5 * qml.X(0) + qml.Z(1), [("float64", 0.5), ("float", 1.0)]),
    (lambda: 2 * qml.X(0) + qml.Z(1), [("float64", 2.0), ("float", 1.0)]),
    (lambda: qml.dot([0.5, 0.25], [qml.X(0), qml.Z(1)]), [("float64", 0.5), ("float64", 0.25)]),
    (lambda: qml.X(0) + qml.Z(1), [("float", 1.0), ("float", 1.0)]),
    (lambda: onp.complex128(0.5j) * qml.X(0) + qml.Z(1), [("complex128", 0.5j), ("float", 1.0)]),
    (lambda: 0.5 * qml.X(0) + 0.25 * qml.X(0), [("float64", 0.75)]),
    (lambda: qml.X(0) - qml.X(0), [("float64", 0.0)]),  # kept, as PennyLane keeps it
    (lambda: (qml.X(0) + qml.Z(0)) @ (0.5 * qml.Y(1)), [("float64", 0.5), ("float64", 0.5)]),
    (lambda: 0.5 * (qml.X(0) + 0.5 * qml.Z(1)), [("float", 0.5), ("float64", 0.25)]),
    (lambda: qml.X(0) / 2 + qml.Z(1), [("float64", 0.5), ("float", 1.0)]),
    (lambda: np.array(0.5) * qml.X(0) + qml.Z(1), [("tensor", 0.5), ("float", 1.0)]),
])
def test_sum_terms_coefficients_have_pennylanes_types(make, want):
    coeffs, ops = make().terms()
    assert [(type(c).__name__, complex(c)) for c in coeffs] == [(k, complex(v)) for k, v in want]
    assert len(ops) == len(coeffs)


def test_a_cancelled_word_is_listed_with_its_zero():
    coeffs, ops = (qml.X(0) + 0.5 * qml.Z(1) - qml.X(0)).terms()
    assert list(map(float, coeffs)) == [0.0, 0.5] and ops == [qml.X(0), qml.Z(1)]  # PennyLane's
