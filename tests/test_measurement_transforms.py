"""The measurement-rewriting transforms (``qml.transforms.diagonalize_measurements``): the
rewritten tapes executed give the statistics of the originals, computed here from a state
vector built with hand-written gate matrices (not qsym's); the gates and observables of
both of PennyLane's paths written out by hand."""

from functools import reduce

import numpy as onp
import pytest

import qsym as qml
from qsym.measurements import ExpectationMP, VarianceMP
from qsym.transforms.diagonalize_measurements import (
    _check_if_diagonalizing, _diagonalize_observable, diagonalize_measurements,
    null_postprocessing)

# hand-written matrices
I2 = onp.eye(2)
X = onp.array([[0, 1], [1, 0]], dtype=complex)
Y = onp.array([[0, -1j], [1j, 0]])
Z = onp.diag([1.0, -1.0]).astype(complex)
HAD = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)


def rx(t):
    return onp.array([[onp.cos(t / 2), -1j * onp.sin(t / 2)], [-1j * onp.sin(t / 2), onp.cos(t / 2)]])


def ry(t):
    return onp.array([[onp.cos(t / 2), -onp.sin(t / 2)], [onp.sin(t / 2), onp.cos(t / 2)]])


def on(n, mats: dict):
    """The tensor product over wires 0..n-1 (wire 0 most significant), identity elsewhere."""
    return reduce(onp.kron, [mats.get(w, I2) for w in range(n)])


def state(a, b, c):
    """RY(a) on 0, RX(b) on 1, RY(c) on 2, then CNOT(0, 2), from |000>."""
    psi = on(3, {0: ry(a), 1: rx(b), 2: ry(c)})[:, 0]
    cnot02 = onp.zeros((8, 8))
    for i in range(8):
        b0, b1, b2 = (i >> 2) & 1, (i >> 1) & 1, i & 1
        cnot02[(b0 << 2) | (b1 << 1) | (b2 ^ b0), i] = 1
    return cnot02 @ psi


def circuit_ops(a, b, c):
    return [qml.RY(a, 0), qml.RX(b, 1), qml.RY(c, 2), qml.CNOT([0, 2])]


def ev(psi, M):
    return float(onp.real(psi.conj() @ M @ psi))


DEV = qml.device("default.qubit", wires=3)


@pytest.mark.parametrize("supported", [(qml.Z,), (qml.Z, qml.X), (qml.X, qml.Y, qml.Z)])
def test_diagonalized_tape_gives_the_original_statistics(supported):
    a, b, c = 0.7, -1.1, 0.4
    psi = state(a, b, c)
    H = (on(3, {0: X}) + 2 * on(3, {1: Y}) + 0.5 * on(3, {0: X, 2: Z}))
    expected = [ev(psi, on(3, {0: X})), ev(psi, H @ H) - ev(psi, H) ** 2,
                ev(psi, on(3, {1: Y, 2: Z}))]
    measurements = [qml.expval(qml.X(0)),
                    qml.var(qml.X(0) + 2 * qml.Y(1) + 0.5 * qml.X(0) @ qml.Z(2)),
                    qml.expval(qml.Y(1) @ qml.Z(2))]
    tape = qml.tape.QuantumScript(circuit_ops(a, b, c), measurements)
    (new,), fn = diagonalize_measurements(tape, supported_base_obs=supported)
    assert fn is null_postprocessing
    assert (len(new.operations) == 4) == (qml.Y in supported)  # (nothing left to rotate)
    got = fn(qml.execute([new], DEV))
    assert onp.allclose(got, expected, atol=1e-12)


def test_to_eigvals_gives_the_original_statistics_and_probabilities():
    a, b, c = 0.3, 0.9, -0.5
    psi = state(a, b, c)
    H = on(3, {1: X}) + on(3, {2: Y})
    tape = qml.tape.QuantumScript(circuit_ops(a, b, c),
                                  [qml.expval(qml.X(1) + qml.Y(2)), qml.var(qml.X(1) + qml.Y(2))])
    (new,), _ = diagonalize_measurements(tape, to_eigvals=True)
    assert [type(m) for m in new.measurements] == [ExpectationMP, VarianceMP]
    assert new.measurements[0].measured_obs is None and list(new.measurements[0].wires) == [1, 2]
    # X(1) + Y(2) read as Z(1) + Z(2): +2 on |00>, 0 on |01> and |10>, -2 on |11>
    assert onp.allclose(new.measurements[0].eigvals(), [2.0, 0.0, 0.0, -2.0])
    got = qml.execute([new], DEV)[0]
    assert onp.allclose(got, [ev(psi, H), ev(psi, H @ H) - ev(psi, H) ** 2], atol=1e-12)


def test_the_two_paths_write_pennylanes_gates():
    # all Pauli words, all diagonalized: one RY(-pi/2) per X wire, RX(pi/2) per Y wire
    tape = qml.tape.QuantumScript([], [qml.expval(qml.X(1) + qml.Y(2))])
    (new,), _ = diagonalize_measurements(tape)
    assert new.operations == [qml.RY(-onp.pi / 2, 1), qml.RX(onp.pi / 2, 2)]
    assert new.measurements == [qml.expval(qml.Z(1) + qml.Z(2))]
    # a Hadamard: each observable's own diagonalizing gates
    tape = qml.tape.QuantumScript([], [qml.expval(qml.X(0) + qml.Hadamard(1))])
    (new,), _ = diagonalize_measurements(tape)
    assert new.operations == [qml.Hadamard(0), qml.RY(-onp.pi / 4, 1)]
    # observables sharing wires that are not all Pauli words: the same, once per observable
    tape = qml.tape.QuantumScript([], [qml.expval(qml.X(0)), qml.var(qml.X(1) + qml.Y(2)),
                                       qml.sample(qml.X(0) @ qml.Y(2))])
    (new,), _ = diagonalize_measurements(tape)
    assert new.operations == [qml.Hadamard(0), qml.Hadamard(1), qml.Z(2), qml.S(2), qml.Hadamard(2)]
    assert new.measurements[2] == qml.sample(qml.Z(0) @ qml.Z(2))


def test_supported_observables_are_kept():
    tape = qml.tape.QuantumScript([], [qml.expval(qml.X(0)),
                                       qml.counts(qml.X(0) @ (2.3 * qml.Y(2)), all_outcomes=True)])
    (new,), _ = diagonalize_measurements(tape, supported_base_obs=[qml.X, qml.Z])
    assert new.operations == [qml.Z(2), qml.S(2), qml.Hadamard(2)]
    assert new.measurements[0] == qml.expval(qml.X(0))
    assert new.measurements[1].measured_obs == qml.X(0) @ (2.3 * qml.Z(2))
    assert new.measurements[1].all_outcomes  # (kept)


def test_visited_observables_and_identity():
    visited = ({qml.Y(3)}, {3})
    gates, new, visited = _diagonalize_observable(qml.X(0) + qml.Y(3) + 2 * qml.Identity(), visited)
    assert gates == [qml.Hadamard(0)] and new == qml.Z(0) + qml.Z(3) + 2 * qml.Identity()
    assert visited == ({qml.Y(3), qml.X(0)}, {3, 0})
    assert _check_if_diagonalizing(qml.X(0), visited, True) == (False, visited)
    with pytest.raises(ValueError, match="Expected measurements on the same wire to commute"):
        _check_if_diagonalizing(qml.Y(0), visited, True)


@pytest.mark.parametrize("measurements", [
    [qml.expval(qml.X(0)), qml.var(qml.Z(0) + qml.Y(2))],
    [qml.expval(qml.X(0)), qml.probs(wires=[0, 1])],
])
def test_non_commuting_measurements_raise(measurements):
    with pytest.raises(ValueError, match="Expected measurements on the same wire to commute"):
        diagonalize_measurements(qml.tape.QuantumScript([], measurements))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="Supported base observables must be a subset of"):
        diagonalize_measurements(qml.tape.QuantumScript([], []), supported_base_obs=["PauliX"])
    with pytest.raises(ValueError, match="Using to_eigvals=True requires diagonalizing all"):
        diagonalize_measurements(qml.tape.QuantumScript([], []),
                                 supported_base_obs=[qml.X, qml.Z], to_eigvals=True)


def test_qnode_and_gradient():
    dev = qml.device("default.qubit", wires=2)

    @diagonalize_measurements
    @qml.qnode(dev)
    def circuit(x):
        qml.RY(x, 0)
        qml.RX(0.3, 1)
        return qml.expval(qml.X(0) @ qml.Y(1))

    x = qml.numpy.array(0.8, requires_grad=True)
    # <X> of RY(x)|0> is sin(x); <Y> of RX(0.3)|0> is -sin(0.3)
    assert onp.isclose(circuit(x), -onp.sin(0.8) * onp.sin(0.3))
    assert onp.isclose(qml.grad(circuit)(x), -onp.cos(0.8) * onp.sin(0.3))
    tape = qml.workflow.construct_tape(circuit)(x)
    assert tape.operations[-2:] == [qml.RY(-onp.pi / 2, 0), qml.RX(onp.pi / 2, 1)]


def test_sum_and_product_operands_by_index():
    S = qml.X(0) + 2 * qml.Z(1)
    assert S[1] == 2 * qml.Z(1) and (qml.X(0) @ qml.Y(1))[1] == qml.Y(1)


def test_eigvals_of_a_qubit_wise_commuting_sum():
    # X(0) + X(0) Y(2) + 2 I read in the rotated basis: signs (s0, s2) -> s0 + s0 s2 + 2
    vals = qml.expval(qml.X(0) + qml.X(0) @ qml.Y(2) + 2 * qml.Identity()).eigvals()
    assert onp.allclose(vals, [4, 2, 0, 2])


# --- sign_expand ------------------------------------------------------------------------------
def test_sign_expand_gives_the_expectation_value_of_an_asymmetric_spectrum():
    # H = X0 Z2 + 5 Z2 - 2 X0 (eigenvalues -8, -4, 4, 6: not symmetric about 0) on
    # H(0) X(2)|000>: X0 = +1, Z2 = -1, so <H> = -1 - 5 - 2 = -8 (PennyLane 0.45 gives -7)
    H = qml.Hamiltonian([1, 3, -2, 1, 1], [qml.X(0) @ qml.Z(2), qml.Z(2), qml.X(0), qml.Z(2),
                                           qml.Z(2)])
    tape = qml.tape.QuantumScript([qml.Hadamard(0), qml.X(2)], [qml.expval(H)], shots=None)
    tapes, fn = qml.transforms.sign_expand(tape)
    assert len(tapes) == 3 and all(t.shots == tape.shots for t in tapes)
    assert onp.isclose(fn(qml.execute(tapes, DEV)), -8.0)


def test_sign_expand_terms_sum_to_the_operator_and_the_estimator_variance():
    a, b, c = 0.4, 1.2, -0.3
    psi = state(a, b, c)
    Hm = on(3, {0: X, 2: Z}) + on(3, {1: Z}) + 0.5 * on(3, {0: X})
    H = qml.X(0) @ qml.Z(2) + qml.Z(1) + 0.5 * qml.X(0)
    tape = qml.tape.QuantumScript(circuit_ops(a, b, c), [qml.expval(H)])
    tapes, fn = qml.transforms.sign_expand(tape)
    assert onp.isclose(fn(qml.execute(tapes, DEV)), ev(psi, Hm))
    # each tape measures gap * Xi on H's wires: with the offset they add up to H
    from qsym._splitting import xi_decomposition
    gaps, _, offset, terms = xi_decomposition(H)
    order = list(H.wires)  # [0, 2, 1]
    perm = onp.transpose(Hm.reshape([2] * 6), [0, 2, 1, 3, 5, 4]).reshape(8, 8)
    assert order == [0, 2, 1] and onp.allclose(offset * onp.eye(8) + sum(terms), perm)
    # the variance: PennyLane's estimator variance, the terms' variances summed times their number
    tapes, fn = qml.transforms.sign_expand(qml.tape.QuantumScript(circuit_ops(a, b, c), [qml.var(H)]))
    variances = [ev(psi, T @ T) - ev(psi, T) ** 2 for T in
                 [onp.transpose(t.reshape([2] * 6), [0, 2, 1, 3, 5, 4]).reshape(8, 8) for t in terms]]
    assert onp.isclose(fn(qml.execute(tapes, DEV)), sum(variances) * len(variances))


def test_sign_expand_refusals():
    with pytest.raises(ValueError, match="Passed tape must end in"):
        qml.transforms.sign_expand(qml.tape.QuantumScript([], [qml.expval(qml.Z(0))]))
    with pytest.raises(ValueError, match="Passed hamiltonian must be jointly measurable"):
        qml.transforms.sign_expand(qml.tape.QuantumScript([], [qml.expval(qml.Z(0) + qml.X(0))]))
    with pytest.raises(ValueError, match="circuit=True"):  # no stored phases for J=3
        qml.transforms.sign_expand(qml.tape.QuantumScript([], [qml.expval(qml.Z(0) + qml.Z(1))]),
                                   circuit=True, J=3)


def test_probabilities_of_an_observable_are_rotated_too():
    # probs(op=X(0)) reads wire 0 in X's eigenbasis: with Y(0) measured too they do not commute
    a, b, c = 0.7, 0.2, 0.0
    psi = state(a, b, c)
    plus = onp.kron(HAD, onp.eye(4))
    p = onp.abs(plus @ psi) ** 2
    tape = qml.tape.QuantumScript(circuit_ops(a, b, c),
                                  [qml.probs(op=qml.X(0)), qml.expval(qml.X(0) @ qml.Y(1))])
    (new,), _ = diagonalize_measurements(tape)
    assert new.operations[-2:] == [qml.RY(-onp.pi / 2, 0), qml.RX(onp.pi / 2, 1)]
    got = qml.execute([new], DEV)[0]
    assert onp.allclose(got[0], [p[:4].sum(), p[4:].sum()])
    assert onp.isclose(got[1], ev(psi, on(3, {0: X, 1: Y})))
    with pytest.raises(ValueError, match="Expected measurements on the same wire to commute"):
        diagonalize_measurements(qml.tape.QuantumScript(
            [], [qml.probs(op=qml.X(0)), qml.expval(qml.Y(0))]))
