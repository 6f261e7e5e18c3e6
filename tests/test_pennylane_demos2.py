"""PennyLane behaviours met by a second round of PennyLane's demos run with the import
switched (issue #18): complex data arguments (a state vector for ``StatePrep``),
``qml.ControlledSequence`` and powers of templates in phase estimation, PennyLane's real
matrices of the Givens rotations and ``BlockEncode``, transforms nested on a circuit
function. Each is checked against hand-written NumPy references, never against qsym.
"""

import functools

import numpy as onp
import pytest

import qsym as qml

I2 = onp.eye(2)


def rx(t):
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    return onp.array([[c, -1j * s], [-1j * s, c]])


def dft(n):
    """The QFT on n qubits written out: omega**(j k) / sqrt(2**n)."""
    d = 2**n
    j, k = onp.meshgrid(onp.arange(d), onp.arange(d), indexing="ij")
    return onp.exp(2j * onp.pi * j * k / d) / onp.sqrt(d)


# --- complex arguments: data, as in PennyLane ------------------------------------------------
def test_complex_state_vector_argument_prepares_that_state():
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(state):
        qml.StatePrep(state, wires=[0, 1])
        return qml.expval(qml.PauliZ(0)), qml.expval(qml.PauliX(1))

    for v in (onp.array([0.6, 0.8j, 0, 0]), onp.array([0.3 + 0.4j, 0, 0.5, -0.5j]) / onp.sqrt(0.75)):
        v = v / onp.linalg.norm(v)
        z0 = onp.kron(onp.diag([1, -1]), I2)
        x1 = onp.kron(I2, onp.array([[0, 1], [1, 0]]))
        want = [onp.vdot(v, z0 @ v).real, onp.vdot(v, x1 @ v).real]
        assert onp.allclose(c(v), want, atol=1e-12)  # a new value traces again


def test_complex_argument_with_its_own_qnode_state_and_density_matrix():
    dev = qml.device("default.qubit", wires=["S", "B"])

    @qml.qnode(dev)
    def c(state):
        qml.StatePrep(state, wires=["S"])
        qml.CNOT(wires=["S", "B"])
        return qml.density_matrix(wires=["B"])

    psi = onp.array([1 / onp.sqrt(2) + 0.3j, 0.4 - 0.5j])
    psi = psi / onp.linalg.norm(psi)
    want = onp.diag(onp.abs(psi) ** 2)  # the CNOT copy decoheres B in the Z basis
    assert onp.allclose(c(psi), want, atol=1e-12)


def test_complex_gate_angle_is_refused_by_name():
    @qml.qnode(qml.device("default.qubit", wires=1))
    def c(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0))

    with pytest.raises(qml.GateError, match="complex"):
        c(0.3 + 0.1j)


# --- ControlledSequence and phase estimation of templates -----------------------------------
def test_controlled_sequence_of_a_gate_applies_its_powers():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def c(x):
        qml.Hadamard(1)
        qml.Hadamard(2)
        qml.ControlledSequence(qml.RX(x, wires=0), control=[1, 2])
        return qml.state()

    x = 0.37
    psi0 = onp.array([1, 0])
    want = onp.zeros(8, dtype=complex)
    for c1 in (0, 1):
        for c2 in (0, 1):  # the first control wire applies the highest power
            u = onp.linalg.matrix_power(rx(x), 2 * c1 + c2)
            want += onp.kron(u @ psi0, onp.kron(onp.eye(2)[c1], onp.eye(2)[c2])) / 2
    assert onp.allclose(c(x), want, atol=1e-12)


def test_controlled_sequence_of_a_template_repeats_the_whole_template():
    dev = qml.device("default.qubit", wires=4)

    @qml.qnode(dev)
    def c():
        qml.Hadamard(0)
        qml.RY(0.4, wires=1)
        qml.Hadamard(2)
        qml.Hadamard(3)
        qml.ControlledSequence(qml.QFT(wires=[0, 1]), control=[2, 3])
        return qml.state()

    h = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    ry = onp.array([[onp.cos(0.2), -onp.sin(0.2)], [onp.sin(0.2), onp.cos(0.2)]])
    psi = onp.kron(h @ [1, 0], ry @ [1, 0])
    want = onp.zeros(16, dtype=complex)
    for c1 in (0, 1):
        for c2 in (0, 1):
            u = onp.linalg.matrix_power(dft(2), 2 * c1 + c2)
            want += onp.kron(u @ psi, onp.kron(onp.eye(2)[c1], onp.eye(2)[c2])) / 2
    assert onp.allclose(c(), want, atol=1e-12)


def test_phase_estimation_of_a_template_finds_its_eigenphase():
    # QFT on 2 qubits has eigenvalues in {1, -1, i, -i}; |v> an eigenvector of eigenvalue i
    w, v = onp.linalg.eig(dft(2))
    k = int(onp.argmin(abs(w - 1j)))
    dev = qml.device("default.qubit", wires=5)

    @qml.qnode(dev)
    def c():
        qml.StatePrep(v[:, k], wires=[0, 1])
        qml.QuantumPhaseEstimation(qml.QFT(wires=[0, 1]), estimation_wires=[2, 3, 4])
        return qml.probs(wires=[2, 3, 4])

    want = onp.zeros(8)
    want[2] = 1.0  # phase 1/4 of a turn: 0.010 in binary
    assert onp.allclose(c(), want, atol=1e-10)


# --- PennyLane's matrix dtypes ---------------------------------------------------------------
def test_givens_rotation_matrices_are_real_as_pennylanes():
    t = 0.5
    c, s = onp.cos(t / 2), onp.sin(t / 2)
    want = onp.array([[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1]])
    m = qml.matrix(qml.SingleExcitation(t, wires=[0, 1]))
    assert m.dtype == onp.float64 and onp.allclose(m, want)
    assert qml.matrix(qml.DoubleExcitation(t, wires=[0, 1, 2, 3])).dtype == onp.float64
    assert qml.matrix(qml.OrbitalRotation(t, wires=[0, 1, 2, 3])).dtype == onp.float64
    assert qml.matrix(qml.RY(t, wires=0)).dtype == onp.complex128  # PennyLane's too


def test_block_encode_matrix_follows_the_dtype_of_a():
    a = onp.array([[0.1, 0.2], [0.3, 0.4]])
    m = qml.BlockEncode(a, wires=[0, 1]).matrix()
    assert m.dtype == onp.float64
    assert onp.allclose(m[:2, :2], a) and onp.allclose(m @ m.T, onp.eye(4))
    assert qml.BlockEncode(a * 1j, wires=[0, 1]).matrix().dtype == onp.complex128


# --- transforms nested on a circuit function inside a QNode ---------------------------------
def test_nested_transforms_on_a_circuit_function_keep_its_value():
    dev = qml.device("default.qubit", wires=3)

    def circuit(angles):
        qml.Hadamard(wires=2)
        qml.RX(angles[0], 0)
        qml.CNOT(wires=[2, 1])
        qml.RZ(angles[1], wires=2)
        qml.CNOT(wires=[2, 1])
        qml.RZ(-angles[1], wires=2)
        return qml.expval(qml.PauliZ(wires=0))

    @qml.qnode(dev)
    @functools.partial(qml.transforms.merge_rotations, atol=1e-8)
    @qml.transforms.cancel_inverses
    @functools.partial(qml.transforms.commute_controlled, direction="right")
    def nested(angles):
        return circuit(angles)

    for a in ([0.1, 0.3, 0.5], [0.7, -1.1, 0.2]):
        assert abs(nested(a) - onp.cos(a[0])) < 1e-12  # before: a TracingError
    ops = [op.name for op in qml.workflow.construct_tape(nested)([0.7, -1.1, 0.2]).operations]
    assert "CNOT" not in ops  # the two CNOTs met after commuting and cancelled


# --- drawing a plain quantum function; qml.math.dm_from_state_vector --------------------------
def test_draw_of_a_quantum_function_without_a_device():
    def f(x):
        qml.RX(x, wires="a")
        qml.CNOT(wires=["a", "b"])
        qml.Hadamard(2)

    # PennyLane 0.45.1's text, written out: wires in order of use, no measurement column
    want = "a: ──RX(0.30)─╭●─┤  \nb: ───────────╰X─┤  \n2: ──H───────────┤  "
    assert qml.draw(f)(0.3) == want

    def g(x):
        qml.RX(x, wires=0)
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=[1])

    assert qml.draw(g)(0.3) == "0: ──RX(0.30)─┤  <Z>  \n1: ───────────┤  Probs"


def test_draw_mpl_of_a_quantum_function_with_mid_circuit_measurements():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")

    def teleport(state):
        qml.StatePrep(state, wires=["S"])
        qml.Hadamard(wires="A")
        qml.CNOT(wires=["A", "B"])
        qml.CNOT(wires=["S", "A"])
        qml.Hadamard(wires="S")
        m0 = qml.measure("S")
        m1 = qml.measure("A")
        qml.cond(m1, qml.PauliX)("B")
        qml.cond(m0, qml.PauliZ)("B")

    fig, ax = qml.draw_mpl(teleport)(onp.array([0.6, 0.8j]))
    labels = {t.get_text() for t in ax.texts}
    assert {"S", "A", "B", "H"} <= labels


def test_dm_from_state_vector_is_the_outer_product():
    psi = onp.array([0.6, 0.8j])
    want = onp.array([[0.36, -0.48j], [0.48j, 0.64]])
    assert onp.allclose(qml.math.dm_from_state_vector(psi), want)
    batch = onp.array([[1, 0], [0, 1j]])
    assert onp.allclose(qml.math.dm_from_state_vector(batch), [onp.diag([1, 0]), onp.diag([0, 1])])
    with pytest.raises(ValueError):
        qml.math.dm_from_state_vector(onp.array([1.0, 1.0]), check_state=True)


def test_compile_to_a_basis_set_drops_global_phases_as_pennylane():
    t = qml.tape.QuantumScript([qml.Hadamard(0), qml.CY(wires=[0, 1])])
    (out,), _ = qml.compile(t, basis_set=["CNOT", "RX", "RY", "RZ"])
    names = {op.name for op in out.operations}
    assert names <= {"CNOT", "RX", "RY", "RZ"}  # no GlobalPhase left (PennyLane's: none)
    h = onp.array([[1, 1], [1, -1]]) / onp.sqrt(2)
    cy = onp.eye(4, dtype=complex)
    cy[2:, 2:] = [[0, -1j], [1j, 0]]
    want = cy @ onp.kron(h, I2)
    got = qml.matrix(out, wire_order=[0, 1])
    phase = got[0, 0] / want[0, 0]
    assert abs(abs(phase) - 1) < 1e-12 and onp.allclose(got, phase * want)


# --- qml.pauli measurement grouping -----------------------------------------------------------
PAULI = {"I": onp.eye(2), "X": onp.array([[0, 1], [1, 0]]), "Y": onp.array([[0, -1j], [1j, 0]]),
         "Z": onp.diag([1, -1])}


def word_matrix(letters):
    m = onp.eye(1)
    for p in letters:
        m = onp.kron(m, PAULI[p])
    return m


def qwc(a, b):  # the definition, on letter strings over the same wires
    return all(x == "I" or y == "I" or x == y for x, y in zip(a, b))


def test_are_pauli_words_qwc_follows_the_definition():
    assert qml.pauli.are_pauli_words_qwc([qml.X(0) @ qml.Y(1), qml.X(0) @ qml.Z(2)])
    assert not qml.pauli.are_pauli_words_qwc([qml.X(0) @ qml.Y(1), qml.Z(0)])
    assert not qml.pauli.are_pauli_words_qwc([qml.X(0), qml.Y(0), qml.Z(1) @ qml.Z(2)])
    assert qml.pauli.are_identical_pauli_words(qml.X(0) @ qml.Z(1), 3.0 * (qml.Z(1) @ qml.X(0)))


@pytest.mark.parametrize("grouping_type", ["qwc", "commuting", "anticommuting"])
@pytest.mark.parametrize("method", ["rlf", "lf"])
def test_group_observables_gives_valid_groups_covering_every_term(grouping_type, method):
    strings = ["XYI", "XIZ", "IYZ", "ZZZ", "YII", "IXX", "ZIZ", "XXY"]
    ops = [qml.pauli.string_to_pauli_word(s) for s in strings]
    groups, coeffs = qml.pauli.group_observables(ops, list(range(len(ops))), grouping_type, method)
    seen = sorted(int(c) for g in coeffs for c in g)
    assert seen == list(range(len(ops)))
    for g in coeffs:
        for i in g:
            for j in g:
                a, b = word_matrix(strings[int(i)]), word_matrix(strings[int(j)])
                commute = onp.allclose(a @ b, b @ a)
                if grouping_type == "qwc":
                    assert qwc(strings[int(i)], strings[int(j)])
                elif grouping_type == "commuting":
                    assert commute
                elif i != j:
                    assert not commute


def test_group_observables_rlf_is_pennylanes_order():
    # PennyLane 0.45.1's output, measured
    got = qml.pauli.group_observables([qml.Y(0), qml.X(0) @ qml.X(1), qml.Z(1)], method="rlf")
    assert [[qml.pauli.pauli_word_to_string(o) for o in g] for g in got] == [["XX"], ["Y", "Z"]]


def test_grouping_indices_index_the_terms_as_written():
    H = qml.Hamiltonian([1.0, 2.0, 3.0, 4.0], [qml.Z(0), qml.X(0), qml.Z(0), qml.X(1)],
                        grouping_type="qwc")
    flat = sorted(i for g in H.grouping_indices for i in g)
    assert flat == [0, 1, 2, 3]  # before: indices of the merged words (0 and 1 only)
    words = ["ZI", "XI", "ZI", "IX"]
    for g in H.grouping_indices:
        assert all(qwc(words[i], words[j]) for i in g for j in g)


def test_diagonalizing_gates_turn_each_word_into_its_z_word():
    words = ["XIZ", "XYI", "IYZ"]
    ops = [qml.pauli.string_to_pauli_word(s) for s in words]
    gates, diag = qml.pauli.diagonalize_qwc_pauli_words(ops)
    u = qml.matrix(qml.tape.QuantumScript(gates), wire_order=[0, 1, 2])
    for s, d in zip(words, diag):
        z = "".join("I" if p == "I" else "Z" for p in s)
        assert onp.allclose(u @ word_matrix(s) @ u.conj().T, word_matrix(z))
        assert qml.pauli.pauli_word_to_string(d, wire_map=[0, 1, 2]) == z
    with pytest.raises(ValueError):
        qml.pauli.diagonalize_qwc_pauli_words([qml.X(0), qml.Z(0)])


def test_registers_are_consecutive_wires_as_pennylanes():
    got = qml.registers({"alice": {"a1": 1, "a2": 2}, "bob": 2, "c": {"d": {"e": 1}, "f": 1}})
    # PennyLane 0.45.1's dict (measured): keys in this order, these wires
    want = {"a1": [0], "a2": [1, 2], "alice": [0, 1, 2], "bob": [3, 4], "e": [5], "d": [5],
            "f": [6], "c": [5, 6]}
    assert list(got) == list(want) and {k: list(v) for k, v in got.items()} == want
    for bad in ({"a": 0}, {"a": 1.5}, {"a": {}}):
        with pytest.raises(qml.WireError):
            qml.registers(bad)
