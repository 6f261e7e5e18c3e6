"""Gate state has one owner (qsym._gates.REGISTRY): a gate defined again, or removed, is
never stale anywhere (compiled QNodes, the gradient's short path, rules, printed code,
exact derivatives, qml.check, qml.expectation, qml.compile, the disk cache in another
process).

Every expected number is written by hand from the definitions below: the gate
``U(t) = exp(-i t s X)`` followed by ``RY(b)`` on |0> measures ``<Z> = cos(2 s a) cos(b)``.
"""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _emit as emit, _gates as gates, _operations as operations, rules, _symbolic as symbolic

REPO = Path(__file__).resolve().parents[1]
NAME = "RegG"
X = np.array([0.54, 0.12])


@pytest.fixture(autouse=True)
def remove_user_gates():
    yield
    for name in list(qml._gates.GATES):
        if name not in qml._gates.BUILTIN_GATES:
            qml.undefine_gate(name)


def define(scale, name=NAME):
    """U(t) = exp(-i t scale X), as in the issue (scale 1/2: RX; scale 1: generator X)."""
    return qml.define_gate(name, 1, generator=[(scale, "X")])


def expected(scale, x=X):
    a, b = x
    w = 2 * scale
    value = np.cos(w * a) * np.cos(b)
    grad = np.array([-w * np.sin(w * a) * np.cos(b), -np.cos(w * a) * np.sin(b)])
    return value, grad


def reference_value(scale, x):
    """The circuit by hand-written matrices (not qsym's): for finite differences."""
    a, b = x
    c, s = np.cos(scale * a), np.sin(scale * a)
    u = np.array([[c, -1j * s], [-1j * s, c]])
    ry = np.array([[np.cos(b / 2), -np.sin(b / 2)], [np.sin(b / 2), np.cos(b / 2)]])
    psi = ry @ u @ np.array([1.0, 0.0])
    return float(abs(psi[0]) ** 2 - abs(psi[1]) ** 2)


def reference_grad(scale, x, h=1e-5):
    out = []
    for j in range(len(x)):
        e = np.zeros(len(x))
        e[j] = h
        out.append((reference_value(scale, x + e) - reference_value(scale, x - e)) / (2 * h))
    return np.array(out)


def circuit(x):
    getattr(qml, NAME)(x[0], wires=0)  # looked up at each trace, as users write qml.G
    qml.RY(x[1], wires=0)
    return qml.expval(qml.PauliZ(0))


DEV = qml.device("default.qubit", wires=1)


def _assert_definition(nodes, scale):
    value, grad = expected(scale)
    # the hand formula and the hand-written matrices agree (the reference is independent)
    np.testing.assert_allclose(reference_grad(scale, X), grad, atol=1e-8)
    for node in nodes:
        np.testing.assert_allclose(node(X), value, atol=1e-12)
        for _ in range(3):  # the third call takes the gradient's short path
            np.testing.assert_allclose(qml.grad(node, argnum=0)(X), grad, atol=1e-12)
        np.testing.assert_allclose(qml.jacobian(node, argnum=0)(X), grad, atol=1e-12)
    report = qml.check(nodes[0], X)
    np.testing.assert_allclose(report.exact[0], grad, atol=1e-12)
    np.testing.assert_allclose(report.finite_diff[0], grad, atol=1e-6)
    assert report.ok, str(report)
    a, b = sp.symbols("x[0] x[1]", real=True)
    formula = qml.expectation(nodes[0], X)
    w = sp.nsimplify(2 * scale)
    assert sp.simplify(formula - sp.cos(w * a) * sp.cos(b)) == 0, formula
    assert rules.rule_for_gate(NAME, 0).frequencies == (w,)
    np.testing.assert_allclose(
        gates.matrix(NAME, 0.3), [[np.cos(0.3 * scale), -1j * np.sin(0.3 * scale)],
                                  [-1j * np.sin(0.3 * scale), np.cos(0.3 * scale)]], atol=1e-14)


def test_issue_16_reproducer_undefine_then_define_again():
    """MyG as RX, undefine, MyG with generator X: qml.check's exact Jacobian gave -0.435
    where finite differences gave -1.129 (the old derivative was memoized by name)."""
    define(0.5)
    ps = qml.QNode(circuit, DEV)
    adj = qml.QNode(circuit, DEV, diff_method="adjoint")
    _assert_definition([ps, adj], 0.5)
    qml.undefine_gate(NAME)
    define(1.0)
    _assert_definition([ps, adj], 1.0)  # the same QNode objects: traced and compiled again
    report = qml.check(ps, np.array([0.3, 0.2]))
    np.testing.assert_allclose(report.exact[0, 0], -2 * np.sin(0.6) * np.cos(0.2), atol=1e-12)


def test_define_again_replaces_and_the_same_definition_changes_nothing():
    first = define(0.5)
    node = qml.QNode(circuit, DEV)
    node(X)
    entry = node.compiled((X,), {})[0]
    generation = gates.REGISTRY.generation
    assert define(0.5) is first  # a cell run again unchanged: same class, nothing dropped
    assert gates.REGISTRY.generation == generation
    assert node.compiled((X,), {})[0] is entry
    second = define(1.0)  # no undefine_gate in between: replaces
    assert second is not first and qml._gates.GATES[NAME] is second._row
    assert gates.REGISTRY.generation == generation + 1
    assert gates.REGISTRY.version(NAME) >= 2
    _assert_definition([node], 1.0)
    assert node.compiled((X,), {})[0] is not entry


def test_a_refused_redefinition_leaves_the_old_gate_in_place():
    first = define(1.0)
    node = qml.QNode(circuit, DEV)
    node(X)
    entry = node.compiled((X,), {})[0]
    generation = gates.REGISTRY.generation
    with pytest.raises(qml.RuleError, match="no exact shift rule"):
        qml.define_gate(NAME, 1, matrix=lambda t: sp.diag(1, sp.exp(sp.I * t**2)))
    with pytest.raises(qml.GateError, match="must be 2x2"):
        qml.define_gate(NAME, 1, generator=np.eye(4))
    assert getattr(qml, NAME) is first and gates.REGISTRY.generation == generation
    assert node.compiled((X,), {})[0] is entry
    _assert_definition([node], 1.0)


def test_classes_of_an_old_definition_and_removed_gates_raise():
    old = define(0.5)
    define(1.0)
    with pytest.raises(qml.GateError, match="earlier definition"):
        old(0.1, wires=0)
    node = qml.QNode(circuit, DEV)
    np.testing.assert_allclose(node(X), expected(1.0)[0], atol=1e-12)
    qml.undefine_gate(NAME)
    with pytest.raises(qml.GateError, match="removed by qsym.undefine_gate"):
        node(X)  # traced again: the gate is gone
    with pytest.raises(qml.GateError, match="removed"):
        getattr(qml, NAME)
    assert not hasattr(qml, NAME)  # still an AttributeError for hasattr
    with pytest.raises(qml.GateError, match="removed"):
        old(0.1, wires=0)
    qml.undefine_gate(NAME)  # removing it twice does nothing
    with pytest.raises(AttributeError, match="define_gate"):
        qml.NeverDefinedGate  # noqa: B018


def test_user_gates_are_module_attributes_without_writes_into_the_namespaces():
    cls = define(0.5)
    assert qml.RegG is cls and operations.RegG is cls
    from qsym import RegG  # PEP 562 serves from-imports too

    assert RegG is cls
    assert NAME in dir(qml) and NAME in dir(operations) and "RX" in dir(qml)
    assert NAME not in vars(qml) and NAME not in vars(operations)
    assert qml.GATE_CLASSES[NAME] is cls
    qml.undefine_gate(NAME)
    assert NAME not in dir(qml) and NAME not in qml.GATE_CLASSES
    assert qml.RX is qml.GATE_CLASSES["RX"]  # qsym's own gates: unchanged


@pytest.mark.parametrize("name", ["grad", "numpy", "expval", "Operation", "cli", "RX"])
def test_names_that_qsym_uses_cannot_be_gates(name):
    before = getattr(qml, name, None)
    with pytest.raises(qml.GateError, match="exists already|module of qsym"):
        define(1.0, name)
    assert getattr(qml, name, None) is before
    assert name not in qml._gates.GATES or name in qml._gates.BUILTIN_GATES
    with pytest.raises(TypeError):
        qml._gates.GATES[name] = None  # the table is read-only: change it through the registry


def test_every_memo_keyed_by_gate_name_follows_a_redefinition():
    for scale in (0.5, 1.0, 0.5):
        define(scale)
        w = 2 * scale
        # printed matrix code (module-level memo and disk record), run at t = 0.3
        out = np.zeros(4, dtype=complex)
        exec("\n".join(emit.gate_body(NAME)), {"math": math, "out": out, "off": 0, "p0": 0.3})
        c, s = np.cos(0.3 * scale), np.sin(0.3 * scale)
        np.testing.assert_allclose(out, [c, -1j * s, -1j * s, c], atol=1e-14)
        # exact derivative used by qml.check
        variant = (NAME, None, ())
        d = symbolic.matrix_derivative(variant, 0)(0.3)
        np.testing.assert_allclose(d[0, 0], -scale * np.sin(0.3 * scale), atol=1e-14)
        # numeric matrix used by the reference interpreter
        np.testing.assert_allclose(gates.numeric_matrix_function(NAME)(0.3)[1, 1],
                                   np.cos(0.3 * scale), atol=1e-14)
        assert rules.rule_for_gate(NAME, 0).frequencies == (sp.nsimplify(w),)
        qml.undefine_gate(NAME)


def _rx_then_hadamard(t):
    """``U(t) = RX(t) H``: its inverse ``H RX(-t)`` is not ``U(-t) = RX(-t) H``."""
    h = sp.Matrix([[1, 1], [1, -1]]) / sp.sqrt(2)
    c, s = sp.cos(t / 2), sp.sin(t / 2)
    return sp.Matrix([[c, -sp.I * s], [-sp.I * s, c]]) * h


def test_adjoint_of_a_user_gate_follows_a_redefinition():
    # qml.adjoint remembered per gate name whether U(-t) is U(t)^dagger: after a redefinition
    # with a gate for which it is not, it applied U(-t) (<Y> = sin(0.3) instead of 0)
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(t):
        qml.Hadamard(0)
        qml.adjoint(getattr(qml, NAME))(t, wires=0)
        return qml.expval(qml.PauliY(0))

    define(0.5)  # RX: adjoint RX(-t) on |+> leaves <Y> = 0
    assert circuit(0.3) == pytest.approx(0.0, abs=1e-12)
    qml.undefine_gate(NAME)
    qml.define_gate(NAME, 1, matrix=_rx_then_hadamard)
    # U(t)^dagger |+> = H RX(-t) |+> = |0> up to a phase: <Y> = 0, or a refusal by name;
    # never the value of U(-t) |+> = RX(-t) |0>, whose <Y> is sin(t)
    try:
        value = circuit(0.3)
    except qml.GateError as exc:
        assert NAME in str(exc)
    else:
        assert value == pytest.approx(0.0, abs=1e-12)


def test_define_undefine_define_keeps_the_namespaces_coherent():
    for scale in (0.5, 1.0, 0.25):
        cls = define(scale)
        assert qml.RegG is cls and operations.RegG is cls and qml.GATE_CLASSES[NAME] is cls
        assert cls._row is qml._gates.GATES[NAME]
        assert NAME not in vars(qml) and NAME not in vars(operations)
        np.testing.assert_allclose(qml.RegG(0.3, wires=0).matrix()[0, 1],
                                   -1j * np.sin(0.3 * scale), atol=1e-14)
        qml.undefine_gate(NAME)
        for module in (qml, operations):
            with pytest.raises(qml.GateError, match="removed"):
                getattr(module, NAME)
            assert NAME not in dir(module)
        with pytest.raises(qml.GateError, match="removed"):
            cls(0.1, wires=0)  # the old class refuses


def test_every_name_keyed_memo_is_cleared_by_the_registry():
    # each memo made with REGISTRY.memo is emptied by a definition
    memos = [gates.numeric_matrix_function, gates.definition_key, rules._rule_for_gate,
             symbolic.matrix_derivative, qml._opmath._negation_is_inverse]
    define(0.5)
    gates.numeric_matrix_function(NAME)
    gates.definition_key(NAME)
    rules.rule_for_gate(NAME, 0)
    symbolic.matrix_derivative((NAME, None, ()), 0)
    qml._opmath._negation_is_inverse(NAME, None, ())
    assert all(m.cache_info().currsize > 0 for m in memos)
    qml.undefine_gate(NAME)
    assert [m.cache_info().currsize for m in memos] == [0] * len(memos)


def test_disk_keys_hold_the_exact_matrix_not_the_name():
    a_row = define(0.5)._row
    b_row = define(1.0)._row
    assert rules._disk_key(a_row, 0, None, None, ()) != rules._disk_key(b_row, 0, None, None, ())
    p = sp.symbols("p0:1", real=True)
    assert emit._gate_body_key(a_row, a_row.sympy_matrix(p), None, a_row.structure, []) != (
        emit._gate_body_key(b_row, b_row.sympy_matrix(p), None, b_row.structure, []))


def test_compiled_circuits_of_an_old_definition_refuse_to_run(tmp_path):
    define(0.5)
    node = qml.QNode(circuit, DEV)
    compiled = qml.compile(node, X)
    np.testing.assert_allclose(compiled.grad(X), expected(0.5)[1], atol=1e-12)
    exported = compiled.export(tmp_path / "regg_old.py")
    define(1.0)
    with pytest.raises(qml.ExportError, match="earlier definition of RegG"):
        compiled.grad(X)
    with pytest.raises(qml.ExportError, match="compile again"):
        compiled.export(tmp_path / "never_written.py")
    again = qml.compile(node, X)
    np.testing.assert_allclose(again.grad(X), expected(1.0)[1], atol=1e-12)
    # the circuit hash (exports record it; qml.load checks it) holds the gate's matrix,
    # not only its name: the old definition's export is refused for the new circuit
    assert again.circuit_hash != compiled.circuit_hash
    again.export(tmp_path / "regg_new.py")
    with pytest.raises(qml.ExportError, match="not the file expected"):
        qml.load(exported, expected_hash=again.export_sha256)
    assert not (tmp_path / "never_written.py").exists()


_PROCESS = r"""
import json, sys
import numpy as np
import qsym as qml
out = []
for scale in json.loads(sys.argv[1]):
    qml.define_gate("DiskRegG", 1, generator=[(scale, "X")])
    dev = qml.device("default.qubit", wires=1)
    def f(x):
        qml.DiskRegG(x[0], wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.PauliZ(0))
    x = np.array([0.54, 0.12])
    row = {"scale": scale}
    for method in ("parameter-shift", "adjoint"):
        node = qml.QNode(f, dev, diff_method=method)
        row[method] = [float(node(x))] + qml.grad(node, argnum=0)(x).tolist()
    row["exact"] = qml.check(node, x).exact[0].tolist()
    row["freq"] = str(qml.rules.rule_for_gate("DiskRegG", 0).frequencies)
    out.append(row)
    qml.undefine_gate("DiskRegG")
print("RESULT " + json.dumps(out))
"""


def _process(scales):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO)] + ([env["PYTHONPATH"]]
                                                      if env.get("PYTHONPATH") else []))
    proc = subprocess.run([sys.executable, "-c", _PROCESS, json.dumps(scales)], env=env,
                          capture_output=True, text=True, timeout=600)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise AssertionError(f"exit {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


def test_a_second_process_never_reads_the_old_definitions_records():
    """Process 1 defines the gate one way (its rule, printed code and modules go to the
    shared cache folder); process 2 defines the same name another way, then the first way
    again in the same process: each gets its own definition's numbers."""
    first = _process([0.5])
    second = _process([1.0, 0.5])
    for row in first + second:
        value, grad = expected(row["scale"])
        for method in ("parameter-shift", "adjoint"):
            np.testing.assert_allclose(row[method], [value, *grad], atol=1e-12)
        np.testing.assert_allclose(row["exact"], grad, atol=1e-12)
        assert row["freq"] == str((sp.nsimplify(2 * row["scale"]),))


def test_a_gate_redefined_while_a_signature_compiles_is_not_kept_stale(monkeypatch):
    """Another thread defines the gate again between tracing and loading the module: the
    signature built with the old definition is built again, never kept."""
    from qsym import _stages as stages

    define(0.5)
    node = qml.QNode(circuit, DEV)
    real = stages.make_module  # the build's last stage (the interpreter's module or the text's)
    loads = []

    def load_and_redefine(*args, **kwargs):
        loads.append(args)
        if len(loads) == 1:
            define(1.0)  # after the old definition was traced and planned
        return real(*args, **kwargs)

    monkeypatch.setattr(stages, "make_module", load_and_redefine)
    np.testing.assert_allclose(node(X), expected(1.0)[0], atol=1e-12)
    assert len(loads) == 2
    np.testing.assert_allclose(qml.grad(node, argnum=0)(X), expected(1.0)[1], atol=1e-12)
    # the second build was kept: the gradient emits its full module from that build's
    # trace (a value call writes no gradient code), with the new definition (the numbers)
    assert len(loads) == 3


def test_controlled_rows_of_a_user_gate_follow_its_redefinition():
    """qml.ctrl of a gate of your own makes a table row (C1_<gate>); defining the gate
    again must not leave that row, or a QNode compiled with it, on the old definition."""
    import numpy as onp

    qml.define_gate("RegCtl", 1, generator=[[0, 0.5], [0.5, 0]])  # RX
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c(t):
        qml.PauliX(wires=0)
        qml.Hadamard(wires=1)
        qml.ctrl(qml.RegCtl, control=0)(t, wires=1)
        return qml.expval(qml.PauliX(1))

    try:
        t = 0.7
        # control on: RX(t) H|0> -> <X> = 1 (H|0> is the +1 eigenstate of X, RX keeps it)
        assert abs(float(c(t)) - 1.0) < 1e-12
        qml.undefine_gate("RegCtl")
        qml.define_gate("RegCtl", 1, generator=[[0.5, 0], [0, -0.5]])  # RZ
        # control on: RZ(t) H|0> -> <X> = cos(t)
        assert abs(float(c(t)) - onp.cos(t)) < 1e-12
        assert abs(float(qml.grad(c, argnum=0)(t)) + onp.sin(t)) < 1e-9
    finally:
        qml.undefine_gate("RegCtl")


def test_a_set_shots_copy_follows_a_redefinition():
    """qml.set_shots copies a QNode (sharing its compiled signatures): the copy's own short
    paths must not keep the old definition."""
    define(0.5)
    node = qml.QNode(circuit, DEV)
    exact = qml.set_shots(node, shots=None)
    np.testing.assert_allclose(qml.grad(exact, argnum=0)(X), expected(0.5)[1], atol=1e-12)
    define(1.0)
    np.testing.assert_allclose(exact(X), expected(1.0)[0], atol=1e-12)
    np.testing.assert_allclose(qml.grad(exact, argnum=0)(X), expected(1.0)[1], atol=1e-12)


def test_controlled_phase_shifts_control_wire_and_values_and_pauli_rot_label():
    """PennyLane's attributes: CPhaseShift00/01/10 list their first wire as the control wire
    (ControlledPhaseShift and CRX do too, RX none); 00 and 01 control it on "0" (10 on 1,
    so it has no control_values, like every other table gate); PauliRot's label is "R"
    followed by its Pauli word."""
    from qsym.wires import Wires

    for name in ("CPhaseShift00", "CPhaseShift01", "CPhaseShift10", "ControlledPhaseShift"):
        assert getattr(qml, name)(1.234, wires=("a", 1)).control_wires == Wires(["a"]), name
    assert qml.CRX(0.1, wires=[3, 2]).control_wires == Wires([3])
    assert qml.RX(0.1, wires=0).control_wires == Wires([])
    assert qml.CPhaseShift00(1.2, wires=[0, 1]).control_values == "0"
    assert qml.CPhaseShift01(1.2, wires=[0, 1]).control_values == "0"
    for op in (qml.CPhaseShift10(1.2, wires=[0, 1]), qml.RX(0.1, wires=0)):
        assert not hasattr(op, "control_values")
    op = qml.PauliRot(1.234, "XYZ", wires=[0, 1, 2])
    assert op.label() == "RXYZ" and op.label(decimals=2) == "RXYZ\n(1.23)"
    assert op.label(base_label="P") == "P"
