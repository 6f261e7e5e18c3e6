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
    # mod=0 or below: a ZeroDivisionError (k % mod) or a negative modulus, as PennyLane's
    (lambda: qml.Adder(1, [0, 1], 0, [5, 6]), "mod must be a positive integer"),
    (lambda: qml.PhaseAdder(1, [0, 1], -3, [5]), "mod must be a positive integer"),
    (lambda: qml.Multiplier(1, [0, 1], 0, [2, 3, 4, 5]), "mod must be a positive integer"),
    (lambda: qml.OutAdder([0], [1], [2, 3], 0, [6, 7]), "mod must be a positive integer"),
    (lambda: qml.OutMultiplier([0], [1], [2, 3], -1, [6, 7]), "mod must be a positive integer"),
    (lambda: qml.ModExp([0], [1, 2], 2, 0, [3, 4, 5, 6]), "mod must be a positive integer"),
    (lambda: qml.OutPoly(lambda x: x, [[0]], [1, 2], mod=0, work_wires=[3, 4]),
     "mod must be a positive integer"),
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


@pytest.mark.parametrize("nx, ny", [(1, 1), (2, 1), (1, 3), (2, 2), (3, 2), (2, 3)])
def test_semi_adder_adds_into_y(nx, ny):
    # |x>|y>|0> -> |x>|(x + y) mod 2**ny>|0> for every x, y (Python's integers say where)
    x, y = list(range(nx)), list(range(nx, nx + ny))
    work = list(range(nx + ny, nx + 2 * ny - 1))
    op = qml.SemiAdder(x, y, work or None)
    assert op.wires == qml.wires.Wires(x + y + work)
    nw = len(work)
    assert_sends(op, [(index((a, nx), (b, ny), (0, nw)), index((a, nx), ((a + b) % 2 ** ny, ny), (0, nw)))
                      for a in range(2 ** nx) for b in range(2 ** ny)])


def test_semi_adder_decomposition_is_pennylanes():
    # arXiv:1709.06648, figure 1 (five-bit registers): 4 ANDs, 4 uncomputed, 21 CNOTs
    names = [op.name for op in qml.SemiAdder(range(5), range(5, 10), range(10, 14)).decomposition()]
    assert (names.count("TemporaryAND"), names.count("Adjoint(TemporaryAND)"),
            names.count("CNOT"), len(names)) == (4, 4, 21, 29)


@pytest.mark.parametrize("values", [(1,), (0,), (1, 0)])
def test_controlled_semi_adder_rule(values):
    # PennyLane's C(SemiAdder) rule: y += x only when the controls hold their values
    from types import SimpleNamespace
    from qsym._trace import Tape, recording
    from qsym.templates.subroutines.arithmetic.semi_adder import _controlled_semi_adder

    x, y, work = [0, 1], [2, 3], [4]
    controls = list(range(5, 5 + len(values)))
    base = qml.SemiAdder(x, y, work)
    assert qml.list_decomps("C(SemiAdder)")[0]._func is _controlled_semi_adder
    with recording(Tape()) as tape:
        _controlled_semi_adder(base, controls, list(values))
    op = SimpleNamespace(wires=x + y + work + controls, table_gates=tape.items)
    k = len(values)
    pairs = []
    for a in range(4):
        for b in range(4):
            for c in range(2 ** k):
                on = c == int("".join(map(str, values)), 2)
                out = (a + b) % 4 if on else b
                pairs.append((index((a, 2), (b, 2), (0, 1), (c, k)), index((a, 2), (out, 2), (0, 1), (c, k))))
    assert_sends(op, pairs)


def test_semi_adder_checks_and_qnode():
    with pytest.raises(ArgumentError, match="At least 2 work_wires"):
        qml.SemiAdder([0, 1, 2], [3, 4, 5], [6])
    with pytest.raises(ArgumentError, match="work_wires should be included in y_wires"):
        qml.SemiAdder([0], [1, 2], [2])
    with pytest.raises(ArgumentError, match="needs at least 1 work_wires"):
        qml.SemiAdder([0], [1, 2], None)
    dev = qml.device("default.qubit")

    @qml.set_shots(1)
    @qml.qnode(dev)
    def circuit():
        qml.BasisEmbedding(3, wires=["x0", "x1"])
        qml.BasisEmbedding(6, wires=["y0", "y1", "y2"])
        qml.SemiAdder(["x0", "x1"], ["y0", "y1", "y2"], ["w0", "w1"])
        return qml.sample(wires=["y0", "y1", "y2", "w0", "w1"])

    assert list(circuit()[0]) == [0, 0, 1, 0, 0]  # 3 + 6 = 9 = 1 mod 8


def test_polynomial_coefficients_reproduce_the_function():
    from qsym.templates.subroutines.arithmetic.out_poly import _get_polynomial
    f = lambda x, y: 3 * x ** 2 * y - 2 * x + 5  # noqa: E731
    coeffs = _get_polynomial(f, 13, 2, 2)
    for x in range(4):
        for y in range(4):
            bits = [(x >> 1) & 1, x & 1, (y >> 1) & 1, y & 1]
            value = sum(c * all(b for b, m in zip(bits, mask) if m) for mask, c in coeffs.items())
            assert value % 13 == f(x, y) % 13
    assert _get_polynomial(lambda x, y: x ** 2 * y, 16, 2, 2)[(1, 1, 1, 0)] == 8  # PennyLane's example


@pytest.mark.parametrize("mod, work, const", [(None, [], -1), (7, [6, 7], 0), (7, [6, 7], -1)])
def test_out_poly_adds_the_polynomial(mod, work, const):
    # |x>|y>|b> -> |x>|y>|(b + f(x, y)) mod mod>; as in PennyLane, with a mod other than
    # 2**n a constant term is added before the reduction, so b starts at 0 then
    f = lambda x, y: x ** 2 + 3 * y + const  # noqa: E731
    op = qml.OutPoly(f, [[0, 1], [2]], [3, 4, 5], mod=mod, work_wires=work)
    m = mod or 8
    nw = len(work)
    starts = range(m) if mod is None or const == 0 else [0]
    assert_sends(op, [(index((x, 2), (y, 1), (b, 3), (0, nw)),
                       index((x, 2), (y, 1), ((b + f(x, y)) % m, 3), (0, nw)))
                      for x in range(4) for y in range(2) for b in starts])


def test_out_poly_decomposition_and_checks():
    ops = qml.OutPoly(lambda x, y: x + y, [[0, 1], [2]], [3]).decomposition()
    expected = [qml.QFT(wires=[3]), qml.ctrl(qml.PhaseAdder(1, x_wires=[3]), control=[2]),
                qml.ctrl(qml.PhaseAdder(1, x_wires=[3]), control=[1]),
                qml.adjoint(qml.QFT(wires=[3]))]
    assert len(ops) == len(expected)
    for a, b in zip(ops, expected):
        qml.assert_equal(a, b)
    with pytest.raises(ArgumentError, match="mod must be an integer"):
        qml.OutPoly(lambda x: x, [[0]], [1, 2], mod=3.5, work_wires=[3, 4])
    with pytest.raises(ArgumentError, match="two work wires"):
        qml.OutPoly(lambda x: x, [[0]], [1, 2], mod=3)
    with pytest.raises(ArgumentError, match="integer coefficients"):
        qml.OutPoly(lambda x: 2.5 * x, [[0]], [1, 2])
    with pytest.raises(ArgumentError, match="None of the wires"):
        qml.OutPoly(lambda x: x, [[0]], [0, 2])


def test_sum_sort_orders_summands_by_smallest_wire_label_then_size_then_text():
    """Sum._sort (PennyLane's, used to print and compare sums canonically): by the smallest
    wire label as a string ("1" < "5" < "a" < "ba" < "c"), then the number of wires, then
    the printed form; a tuple is accepted; a summand on no wires comes first."""
    ops = (qml.X(3), qml.X(5), qml.Toffoli([2, 3, 4]), qml.CNOT([2, 5]), qml.Z("ba"),
           qml.RX(1, 5), qml.Y(0), qml.CRX(1, [0, 2]), qml.Z(3), qml.Toffoli([1, "c", "ab"]),
           qml.CRY(1, [1, 2]), qml.X("d"), qml.GlobalPhase(0.3))
    expected = ["GlobalPhase(0.3, wires=[])", "Y(0)", "CRX(1, wires=[0, 2])",
                "CRY(1, wires=[1, 2])", "Toffoli(wires=[1, 'c', 'ab'])", "CNOT(wires=[2, 5])",
                "Toffoli(wires=[2, 3, 4])", "X(3)", "Z(3)", "RX(1, wires=[5])", "X(5)",
                "Z('ba')", "X('d')"]
    assert [repr(o) for o in qml.ops.Sum._sort(ops)] == expected
    # wire_map: the labels compared after relabelling (0 -> "z" moves Y(0) to the end)
    mapped = qml.ops.Sum._sort([qml.Y(0), qml.X(1)], wire_map={0: "z", 1: 1})
    assert [repr(o) for o in mapped] == ["X(1)", "Y(0)"]


def test_prod_sort_moves_factors_only_past_factors_on_other_wires():
    """Prod._sort (PennyLane's insertion sort): a factor moves before the factors it shares
    no wire with and whose smallest label is larger; factors on a common wire keep their
    order, since they need not commute (X(2) before Y(2), RX(1, 5) before X(5))."""
    ops = [qml.X(3), qml.X(5), qml.Toffoli([2, 3, 4]), qml.CNOT([2, 5]), qml.Z("ba"),
           qml.RX(1, 5), qml.Y(0), qml.CRX(1, [0, 2]), qml.Z(3), qml.Toffoli([1, "c", "ab"]),
           qml.CRY(1, [1, 2]), qml.X("d")]
    out = qml.ops.Prod._sort(ops)
    assert sorted(map(repr, out)) == sorted(map(repr, ops))
    pos = {repr(o): i for i, o in enumerate(out)}
    # every pair on a common wire keeps its order from the input
    for i, a in enumerate(ops):
        for b in ops[i + 1:]:
            if set(a.wires) & set(b.wires):
                assert pos[repr(a)] < pos[repr(b)], (a, b)
    assert [repr(o) for o in qml.ops.Prod._sort([qml.X(2), qml.Z(0), qml.Y(2), qml.X(1)])] \
        == ["Z(0)", "X(1)", "X(2)", "Y(2)"]
    # the sorted product is the same operator (only factors on disjoint wires swapped)
    small = [qml.X(2), qml.CNOT([0, 2]), qml.Z(1), qml.RY(0.3, 0), qml.Y(2), qml.Hadamard(1)]
    moved = qml.ops.Prod._sort(small)
    assert [repr(o) for o in moved] != [repr(o) for o in small]
    assert np.allclose(qml.matrix(qml.prod(*moved), wire_order=[0, 1, 2]),
                       qml.matrix(qml.prod(*small), wire_order=[0, 1, 2]))
