"""PennyLane's arithmetic templates: every basis input below ``mod`` goes to the basis state
Python's integer arithmetic says (the work wires back to 0), read from the templates'
unitaries column by column; one QNode run; PennyLane's checks and its operator interface."""

import pickle

import numpy as np
import pytest

import qsym as qml
from qsym.errors import ArgumentError, MatrixUndefinedError


def index(*registers):
    """The basis index of registers given as (value, n_wires), first wire most significant."""
    out = 0
    for value, n in registers:
        out = (out << n) | value
    return out


def assert_maps(u, pairs):
    """Each (input index, output index): the column of u is that basis state (any phase)."""
    for i, o in pairs:
        assert np.isclose(abs(u[o, i]), 1.0, atol=1e-9), (i, o, np.round(np.abs(u[:, i]), 3))


def assert_sends(op, pairs):
    """assert_maps on the columns of op's unitary that pairs reads: the template's table
    gates applied (each its own small matrix, on its wires' axes) to those basis states."""
    order, n = list(op.wires), len(op.wires)
    states = np.eye(2 ** n, dtype=complex)[:, [i for i, _ in pairs]].reshape((2,) * n + (-1,))
    for g in op.table_gates:
        axes = [order.index(w) for w in g.wires]
        m = np.asarray(g.matrix(), dtype=complex).reshape((2,) * (2 * len(axes)))
        states = np.moveaxis(np.tensordot(m, states, axes=(range(len(axes), 2 * len(axes)), axes)),
                             range(len(axes)), axes)
    assert_maps(states.reshape(2 ** n, -1), [(k, o) for k, (_, o) in enumerate(pairs)])


@pytest.mark.parametrize("mod", [5, 16])
def test_phase_adder_adds_in_the_fourier_basis(mod):
    # four x wires: for mod < 2**4 the first is the overflow bit Beauregard's reduction reads
    # (Adder provides it), so the values below mod fit in the other three
    x, work = [0, 1, 2, 3], [4]
    qft = qml.QFT(wires=x).matrix(wire_order=x + work)
    for k in (0, 3, 6):
        u = qft.conj().T @ qml.PhaseAdder(k, x, mod, work).matrix(wire_order=x + work) @ qft
        assert_maps(u, [(index((v, 4), (0, 1)), index(((v + k) % mod, 4), (0, 1)))
                        for v in range(min(mod, 8))])


@pytest.mark.parametrize("mod, work", [(5, [3, 4]), (7, [3, 4]), (8, [])])
def test_adder(mod, work):
    for k in (1, 4, 9):
        u = qml.Adder(k, [0, 1, 2], mod, work).matrix()
        assert_maps(u, [(index((v, 3), (0, len(work))), index(((v + k) % mod, 3), (0, len(work))))
                        for v in range(mod)])


@pytest.mark.parametrize("k, mod", [(2, 3), (3, 4)])
def test_multiplier(k, mod):
    work = [2, 3, 4, 5] if mod != 4 else [2, 3]
    assert_sends(qml.Multiplier(k, [0, 1], mod, work), [(index((v, 2), (0, len(work))), index((v * k % mod, 2), (0, len(work))))
                    for v in range(mod)])


@pytest.mark.parametrize("template, op", [(qml.OutAdder, lambda x, y, b: b + x + y),
                                          (qml.OutMultiplier, lambda x, y, b: b + x * y)])
def test_out_adder_and_multiplier(template, op):
    mod = 3  # output on two wires: two work wires
    pairs = [(index((x, 2), (y, 2), (b, 2), (0, 2)), index((x, 2), (y, 2), (op(x, y, b) % mod, 2), (0, 2)))
             for x in range(4) for y in range(4) for b in range(mod)]
    assert_sends(template([0, 1], [2, 3], [4, 5], mod, [6, 7]), pairs)


def test_mod_exp():
    base, mod = 2, 3
    pairs = [(index((x, 2), (b, 2), (0, 4)), index((x, 2), (b * base ** x % mod, 2), (0, 4)))
             for x in range(4) for b in (1, 2)]
    assert_sends(qml.ModExp([0, 1], [2, 3], base, mod, [4, 5, 6, 7]), pairs)


def test_an_adder_runs_in_a_qnode():
    dev = qml.device("default.qubit", wires=["a", "b", "c", "w0", "w1"])

    @qml.set_shots(1)
    @qml.qnode(dev)
    def circuit():
        qml.BasisEmbedding(5, wires=["a", "b", "c"])
        qml.Adder(4, ["a", "b", "c"], 7, ["w0", "w1"])
        return qml.sample(wires=["a", "b", "c", "w0", "w1"])

    assert list(circuit()[0]) == [0, 1, 0, 0, 0]  # (5 + 4) mod 7 = 2, work wires 0


@pytest.mark.parametrize("make, message", [
    (lambda: qml.PhaseAdder(1, [0, 1, 2], 9, [3]), "enough x_wires"),
    (lambda: qml.PhaseAdder(1, [0, 1, 2], 7, None), "one work wire"),
    (lambda: qml.PhaseAdder(2.5, [0, 1, 2], 7, [3]), "must be integers"),
    (lambda: qml.Adder(1, [0, 1, 2], 7, [3]), "two work wires"),
    (lambda: qml.Adder(1, [0, 1, 2], 7, [2, 3]), "work_wires should be included in x_wires"),
    (lambda: qml.Multiplier(2, [0, 1], 4, [2, 3]), "no inverse modulo"),
    (lambda: qml.Multiplier(3, [0, 1], 4, []), "Work wires must be specified"),
    (lambda: qml.OutAdder([0, 1], [1, 2], [3, 4]), "y_wires should be included in x_wires"),
    (lambda: qml.ModExp([0], [1, 2], 2, 4, [3, 4]), "no inverse modulo"),
])
def test_bad_input_is_refused_by_name(make, message):
    with pytest.raises(ArgumentError, match=message):
        make()


def test_pennylane_operator_interface():
    op = qml.Adder(9, [0, 1, 2], 7, [3, 4])
    assert op.hyperparameters == {"k": 9, "mod": 7, "work_wires": qml.wires.Wires([3, 4]),
                                  "x_wires": qml.wires.Wires([0, 1, 2])}
    assert qml.PhaseAdder(9, [0, 1, 2], 7, [3]).hyperparameters["k"] == 2  # reduced, as PennyLane
    assert op.data == () and op.wires == qml.wires.Wires([0, 1, 2, 3, 4])
    again = type(op)._unflatten(*op._flatten())
    assert qml.equal(again, op) and qml.equal(pickle.loads(pickle.dumps(op)), op)
    mapped = op.map_wires({0: "a", 3: "w"})
    assert mapped.hyperparameters["x_wires"] == qml.wires.Wires(["a", 1, 2])
    assert np.allclose(mapped.matrix(), op.matrix())
    qml.ops.functions.assert_valid(qml.PhaseAdder(6, [1, 2, 3, 4], 11, 0))
    with pytest.raises(MatrixUndefinedError, match="work wire"):
        qml.PhaseAdder(6, [1, 2, 3, 4], 11, 0).matrix()


def test_pennylane_module_paths():
    from qsym.templates.subroutines.arithmetic.phase_adder import _add_k_fourier
    assert [op.parameters[0] for op in _add_k_fourier(2, wires=[0, 1])] == [2 * np.pi, np.pi]
    assert qml.templates.subroutines.arithmetic.Adder is qml.Adder


@pytest.mark.parametrize("values", [(1, 1), (0, 1), (1, 0), (0, 0)])
def test_temporary_and_is_a_toffoli_on_a_clean_target(values):
    op = qml.TemporaryAND(wires=[0, 1, 2], control_values=values)
    u = op.matrix()
    for a in (0, 1):
        for b in (0, 1):
            fire = int((a, b) == tuple(values))
            assert_maps(u, [(index((a, 1), (b, 1), (0, 1)), index((a, 1), (b, 1), (fire, 1)))])
    # its adjoint clears a target that holds the AND: the same columns, read back
    assert np.allclose(qml.matrix(qml.adjoint(op)), u.conj().T)
    for rule in qml.list_decomps(qml.TemporaryAND):  # its gates; a Toffoli: equal on |.., 0>
        m = qml.matrix(rule, wire_order=[0, 1, 2])([0, 1, 2], control_values=values)
        assert np.allclose(np.abs(m[:, ::2]), np.abs(u[:, ::2]))


@pytest.mark.parametrize("rule_index", [0, 1])
def test_adjoint_temporary_and_rules_uncompute(rule_index):
    rule = qml.list_decomps("Adjoint(TemporaryAND)")[rule_index]
    dev = qml.device("default.qubit", wires=4)  # the measured wire is reset: one more, deferred
    state = np.array([0.3, 0.5j, -0.6, 0.1 + 0.2j])
    state = state / np.linalg.norm(state)

    @qml.qnode(dev)
    def circuit():
        qml.StatePrep(state, wires=[0, 1])
        op = qml.TemporaryAND(wires=[0, 1, 2], control_values=(0, 1))
        rule([0, 1, 2], base=op)
        qml.adjoint(qml.StatePrep)(state, wires=[0, 1])
        return qml.probs(wires=[0, 1, 2])

    assert np.allclose(circuit(), np.eye(8)[0])


def test_decomposition_rules_are_checked():
    from qsym.ops.functions.assert_valid import _test_decomposition_rule
    for cls, op in ((qml.Adder, qml.Adder(3, [0, 1, 2], 7, [3, 4])),
                    (qml.PhaseAdder, qml.PhaseAdder(3, [0, 1, 2], 7, [3]))):
        (rule,) = qml.list_decomps(cls)
        _test_decomposition_rule(op, rule)
    with pytest.raises(AssertionError):  # SWAP's rule is not a CZ
        _test_decomposition_rule(qml.CZ(wires=[0, 1]), qml.list_decomps(qml.SWAP)[0])
