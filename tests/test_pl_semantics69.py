"""PennyLane 0.45.1's semantics left from stop 68 (issue #18): ``qml.evolve`` / ``qml.exp`` of
non-commuting Pauli words whose coefficients are circuit inputs. Every expected number is
worked out independently here (SciPy's ``expm`` of the written matrices, central
differences of it) or was printed by PennyLane 0.45.1 in /work/plvenv (the same code with
``import pennylane as qml``)."""
import functools

import numpy as onp
import pytest
import scipy.linalg as sl

import qsym as qml
from qsym import numpy as np

_X = onp.array([[0, 1], [1, 0]], dtype=complex)
_Y = onp.array([[0, -1j], [1j, 0]])
_Z = onp.diag([1.0, -1.0]).astype(complex)
_I = onp.eye(2)


def _kron(*ms):
    return functools.reduce(onp.kron, [onp.asarray(m) for m in ms])


def _reference(x, t):
    """<Z0 X1 + Y0> after RY(0.4) on 0, CNOT(0, 1), exp(-i t (x X0 + 0.7 Z0 Z1)) on
    |00>: written matrices and SciPy's expm (wire 0 the most significant)."""
    c, s = onp.cos(0.2), onp.sin(0.2)
    psi = onp.eye(4)[[0, 1, 3, 2]] @ _kron([c, s], [1, 0]).astype(complex)
    psi = sl.expm(-1j * t * (x * _kron(_X, _I) + 0.7 * _kron(_Z, _Z))) @ psi
    return float((psi.conj() @ (_kron(_Z, _X) + _kron(_Y, _I)) @ psi).real)


def _central(f, x, t, h=1e-6):
    return ((f(x + h, t) - f(x - h, t)) / (2 * h), (f(x, t + h) - f(x, t - h)) / (2 * h))


def _evolution(form, x, t):
    if form == "sum":
        qml.evolve(x * qml.X(0) + 0.7 * qml.Z(0) @ qml.Z(1), t)
        return
    H = qml.dot([x, 0.7], [qml.X(0), qml.Z(0) @ qml.Z(1)])
    if form == "evolve":
        qml.evolve(H, t)
    else:
        qml.exp(H, -1j * t)


def _node(form, diff_method="best", **kw):
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method=diff_method, **kw)
    def circuit(x, t):
        qml.RY(0.4, 0)
        qml.CNOT([0, 1])
        _evolution(form, x, t)
        return qml.expval(qml.Z(0) @ qml.X(1) + qml.Y(0))
    return circuit


@pytest.mark.parametrize("form", ["evolve", "sum", "exp"])
def test_exponential_of_noncommuting_words_with_input_coefficients(form):
    """PennyLane applies the matrix (value -0.2503715303616202 at floats 0.3, 0.5, printed by
    PennyLane 0.45.1; it cannot differentiate by x); qsym was refusing with a GateError. Now
    the value, and the gradient by both inputs by every method, equal SciPy's expm and its
    central differences."""
    assert onp.isclose(_node(form)(0.3, 0.5), -0.2503715303616202, atol=1e-12)
    x, t = np.array(0.3, requires_grad=True), np.array(0.5, requires_grad=True)
    want = _central(_reference, 0.3, 0.5)
    for method in ("best", "parameter-shift", "adjoint"):
        node = _node(form, method)
        assert onp.isclose(node(x, t), _reference(0.3, 0.5), atol=1e-12)
        assert onp.allclose(qml.grad(node)(x, t), want, atol=1e-7), method


def test_a_zero_input_coefficient_keeps_the_gradient():
    """At x = 0 a run on numbers leaves the X word out (the merged sum drops a zero term):
    the gates recorded follow it, and the derivative by x (not zero there) is still carried."""
    node = _node("evolve", "parameter-shift")
    x, t = np.array(0.0, requires_grad=True), np.array(0.5, requires_grad=True)
    assert onp.isclose(node(x, t), _reference(0.0, 0.5), atol=1e-12)
    assert onp.allclose(qml.grad(node)(x, t), _central(_reference, 0.0, 0.5), atol=1e-7)
    assert abs(_central(_reference, 0.0, 0.5)[0]) > 0.5  # (a derivative that can fail)
    # the same QNode at another value of x (a different set of gates) then back again
    assert onp.isclose(node(np.array(0.8), t), _reference(0.8, 0.5), atol=1e-12)


def test_adjoint_and_ctrl_of_the_exponential():
    """qml.adjoint and qml.ctrl of it: the inverse, and the controlled matrix (SciPy)."""
    @qml.qnode(qml.device("default.qubit", wires=3), diff_method="parameter-shift")
    def circuit(x, t):
        qml.RY(0.4, 0)
        qml.RX(0.9, 2)
        qml.adjoint(qml.evolve)(qml.dot([x, 0.7], [qml.X(0), qml.Z(0) @ qml.Z(1)]), t)
        qml.ctrl(qml.evolve, 2)(qml.dot([x, 0.5], [qml.X(1), qml.Y(0) @ qml.Z(1)]), t)
        return qml.expval(qml.Z(0) @ qml.X(1) + qml.Y(1))

    def reference(x, t):
        psi = _kron([onp.cos(0.2), onp.sin(0.2)], [1, 0],
                    [onp.cos(0.45), -1j * onp.sin(0.45)]).astype(complex)
        U1 = sl.expm(1j * t * (x * _kron(_X, _I) + 0.7 * _kron(_Z, _Z)))
        U2 = sl.expm(-1j * t * (x * _kron(_I, _X) + 0.5 * _kron(_Y, _Z)))
        psi = _kron(U1, _I) @ psi
        ctrl = _kron(onp.eye(4), onp.diag([1, 0])) + onp.einsum(
            "ij,kl->ikjl", U2, onp.diag([0, 1])).reshape(8, 8)
        psi = ctrl @ psi
        O = _kron(_Z, _X, _I) + _kron(_I, _Y, _I)
        return float((psi.conj() @ O @ psi).real)

    x, t = np.array(0.3, requires_grad=True), np.array(0.6, requires_grad=True)
    assert onp.isclose(circuit(x, t), reference(0.3, 0.6), atol=1e-12)
    assert onp.allclose(qml.grad(circuit)(x, t), _central(reference, 0.3, 0.6), atol=1e-7)


def test_traced_once_it_is_refused_and_second_derivatives_are_refused():
    """trace='once' cannot follow the matrix (no closed form in x): a TracingError naming x;
    the Hessian by x is refused (first derivatives are exact, not second ones)."""
    with pytest.raises(qml.TracingError, match="do not commute.*circuit inputs x"):
        _node("evolve", trace="once")(0.3, 0.5)
    node = _node("evolve", "parameter-shift")
    x, t = np.array(0.3, requires_grad=True), np.array(0.5, requires_grad=True)
    with pytest.raises(qml.DifferentiationError, match="second derivatives by x"):
        qml.jacobian(qml.grad(node))(x, t)


def test_execution_configs_default_executor_backend_is_pennylanes():
    """PennyLane 0.45.1: ``ExecutionConfig().executor_backend`` is
    ``pennylane.concurrency.executors.native.multiproc.MPPoolExec`` (its __post_init__ sets
    ``get_executor(ExecBackends.MP_Pool)`` for None); qsym's was None. A backend given
    stays; the field stays frozen and survives dataclasses.replace."""
    import dataclasses

    from qsym.concurrency.executors import ExecBackends, get_executor
    from qsym.concurrency.executors.native.multiproc import MPPoolExec

    config = qml.devices.ExecutionConfig()
    assert config.executor_backend is MPPoolExec
    assert qml.devices.ExecutionConfig(executor_backend=None).executor_backend is MPPoolExec
    threads = get_executor(ExecBackends.CF_ThreadPool)
    given = qml.devices.ExecutionConfig(executor_backend=threads)
    assert given.executor_backend is threads and given != config
    assert dataclasses.replace(given, interface="autograd").executor_backend is threads
    assert "executor_backend=<class " in repr(config)
    with pytest.raises(dataclasses.FrozenInstanceError, match="executor_backend"):
        config.executor_backend = None


# PennyLane 0.45.1's repr of op.pauli_rep (printed in /work/plvenv, newlines as spaces): a
# product's sentence multiplies its operands' in order, so a word's letters follow the
# product (X(1) @ Z(0)); a gate's (SWAP([1, 0])) follows its wires
PL_PAULI_REPS = [
    (lambda: qml.X(1) @ qml.Z(0), "1.0 * X(1) @ Z(0)"),
    (lambda: qml.prod(qml.Y(2), qml.X(1), qml.Z(0)), "1.0 * Y(2) @ X(1) @ Z(0)"),
    (lambda: qml.s_prod(0.5, qml.X(1) @ qml.Z(0)), "0.5 * X(1) @ Z(0)"),
    (lambda: qml.sum(qml.X(1) @ qml.Z(0), qml.Y(3) @ qml.Y(2)),
     "1.0 * X(1) @ Z(0) + 1.0 * Y(3) @ Y(2)"),
    (lambda: qml.dot([1.0, 2.0], [qml.X(1) @ qml.Z(0), qml.Z(1) @ qml.X(0)]),
     "1.0 * X(1) @ Z(0) + 2.0 * Z(1) @ X(0)"),
    (lambda: qml.X(0) @ qml.Y(0) @ qml.Z(2) @ qml.X(1), "1j * Z(0) @ Z(2) @ X(1)"),
    (lambda: qml.prod(qml.X(1) @ qml.Z(0), qml.Y(1)), "1j * Z(1) @ Z(0)"),
    (lambda: qml.prod(qml.sum(qml.X(1), qml.Z(0)), qml.sum(qml.Y(1), qml.Z(2))),
     "1j * Z(1) + 1.0 * X(1) @ Z(2) + 1.0 * Z(0) @ Y(1) + 1.0 * Z(0) @ Z(2)"),
    (lambda: qml.prod(qml.X(0), qml.X(0)), "1.0 * I"),
    (lambda: qml.X("b") @ qml.Z("a"), "1.0 * X(b) @ Z(a)"),
    (lambda: qml.SWAP([1, 0]), "0.5 * I + 0.5 * X(1) @ X(0) + 0.5 * Y(1) @ Y(0) + 0.5 * Z(1) @ Z(0)"),
    (lambda: qml.ISWAP([1, 0]),
     "0.5 * I + 0.5j * X(1) @ X(0) + 0.5j * Y(1) @ Y(0) + 0.5 * Z(1) @ Z(0)"),
]


@pytest.mark.parametrize("make, want", PL_PAULI_REPS)
def test_pauli_rep_words_in_pennylanes_order(make, want):
    assert repr(make().pauli_rep).replace("\n", " ") == want


def test_drawing_an_id_label_warns_as_pennylane():
    """PennyLane 0.45.1's qml.draw of an operator with an id shows it and warns twice: the
    id argument's deprecation where it is given, and its label's ("Using 'id' to add a
    custom label ... deprecated", from Operator.label); qsym warned only the first."""
    import warnings

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit(x):
        qml.RX(x, 0, id="lab")
        return qml.expval(qml.Z(0))

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert qml.draw(circuit)(0.3) == '0: ──RX(0.30,"lab")─┤  <Z>'
    labels = [w for w in seen if "custom label" in str(w.message)]
    assert len(labels) == 1 and labels[0].category is qml.exceptions.PennyLaneDeprecationWarning
    assert "pennylane.drawer.label" in str(labels[0].message)


def test_tapered_hamiltonians_terms_in_pennylanes_order():
    """qml.taper of HeH+ (the qubit tapering demo's molecule): PennyLane 0.45.1's terms, in
    its order (the words' first appearance in U H U, words of zero coefficient included;
    qsym's order was I, Z(0), X(0) @ Z(1), ...), and its coefficients."""
    geometry = np.array([[0.0, 0.0, -0.87818361], [0.0, 0.0, 0.87818362]], requires_grad=False)
    molecule = qml.qchem.Molecule(["He", "H"], geometry, charge=1)
    H, qubits = qml.qchem.molecular_hamiltonian(molecule)
    generators = qml.symmetry_generators(H)
    paulixops = qml.paulix_ops(generators, qubits)
    sector = qml.qchem.optimal_sector(H, generators, molecule.n_electrons)
    assert sector == [-1, -1]
    coeffs, ops = qml.taper(H, generators, paulixops, sector).terms()
    assert [repr(o) for o in ops] == ["I()", "Z(1)", "Z(0)", "Z(0) @ Z(1)", "X(0) @ Z(1)",
                                      "X(0)", "X(1)", "Z(0) @ X(1)", "Y(0) @ Y(1)"]
    assert onp.allclose(coeffs, [-1.9460392674, 0.5160925231, 0.5160925231, 0.1238556639,
                                 -0.1160863218, -0.1160863227, 0.1160863227, 0.1160863218,
                                 -0.1268302014], atol=2e-9)
    small = qml.taper(qml.Z(0) @ qml.Z(1) + 0.5 * qml.X(0) @ qml.X(1), [qml.Z(0) @ qml.Z(1)],
                      [qml.X(1)], [-1])
    assert repr(small) == "(\n    -0.9999999999999998 * I(0)\n  + -0.4999999999999999 * X(0)\n)"


def test_exponential_on_five_wires_carries_its_derivative():
    """Past 4 wires the carriers are the Pauli words the inputs move (not all 4^n): the
    gradient by both inputs still equals SciPy's expm's central differences."""
    @qml.qnode(qml.device("default.qubit", wires=5), diff_method="parameter-shift")
    def circuit(x, t):
        qml.evolve(qml.dot([x, 0.7], [qml.X(0) @ qml.X(4), qml.Z(0) @ qml.Z(1) @ qml.Z(2)
                                      @ qml.Z(3)]), t)
        return qml.expval(qml.Z(0))

    def reference(x, t):
        H = x * _kron(_X, _I, _I, _I, _X) + 0.7 * _kron(_Z, _Z, _Z, _Z, _I)
        psi = sl.expm(-1j * t * H)[:, 0]
        return float((psi.conj() @ _kron(_Z, _I, _I, _I, _I) @ psi).real)

    x, t = np.array(0.3, requires_grad=True), np.array(0.5, requires_grad=True)
    assert onp.isclose(circuit(x, t), reference(0.3, 0.5), atol=1e-12)
    assert onp.allclose(qml.grad(circuit)(x, t), _central(reference, 0.3, 0.5), atol=1e-7)


def test_pauli_rep_kept_once_follows_data_changes():
    """The sentence is made once per merged Pauli sum: new data is seen (by hand: the new
    coefficients), and a sentence changed in place by its reader is not the operator's."""
    H = qml.sum(qml.s_prod(0.5, qml.X(1) @ qml.Z(0)), qml.s_prod(0.25, qml.Z(1)))
    assert repr(H.pauli_rep).replace("\n", " ") == "0.5 * X(1) @ Z(0) + 0.25 * Z(1)"
    H.data = (0.7, 0.1)
    assert repr(H.pauli_rep).replace("\n", " ") == "0.7 * X(1) @ Z(0) + 0.1 * Z(1)"
    rep = H.pauli_rep
    rep[next(iter(rep))] = 99.0
    assert repr(H.pauli_rep).replace("\n", " ") == "0.7 * X(1) @ Z(0) + 0.1 * Z(1)"
