"""Issue #18 (stop 70, pl70b): PennyLane 0.45.1 semantics its own test files in transforms/,
workflow/, devices/, drawer/, math/, optimize/, pauli/, fourier/, kernels/, resource/, tape/
and the top-level test_*.py reach.

Expected values are PennyLane 0.45.1's behaviour (run in /work/plvenv, said so where used)
or worked out by hand.
"""

import copy

import pytest

import qsym as qml


# --- a shadow measurement made outside the circuit, then qml.apply'd -------------------
@pytest.mark.parametrize("make, shape", [
    (lambda: qml.classical_shadow([1]), (2, 100, 1)),
    (lambda: qml.shadow_expval(qml.PauliZ(0)), ()),
    (lambda: qml.shadow_expval([qml.PauliZ(0), qml.PauliZ(1)]), (2,)),
])
@pytest.mark.parametrize("device", ["null.qubit", "default.qubit"])
def test_applied_shadow_measurement_is_recorded_once(make, shape, device):
    """PennyLane 0.45.1 (its devices/test_null_qubit.py::test_measurement_shape_matches_
    default_qubit[mp15..mp18], printed in /work/plvenv): qml.apply of a classical_shadow /
    shadow_expval made outside the circuit gives shape (2, 100, 1) / () / (2,) at 100 shots
    on null.qubit and default.qubit alike. qsym's copy of a shadow measurement recorded
    itself on the tape as well as being recorded by qml.apply: null.qubit refused the
    circuit ("All measurements must be returned in the order they are measured")."""
    mp = make()

    def circuit(x):
        qml.RX(x, 0)
        qml.CNOT([0, 1])
        return qml.apply(mp)

    res = qml.set_shots(qml.QNode(circuit, qml.device(device)), shots=100)(1.1)
    assert qml.math.shape(res) == shape


@pytest.mark.parametrize("make", [lambda: qml.classical_shadow([0]),
                                  lambda: qml.shadow_expval(qml.X(0), k=2, seed=3)])
def test_copy_of_shadow_measurement_records_nothing(make):
    """PennyLane 0.45.1: copy.copy of a measurement inside a recording context queues
    nothing; qml.apply queues one copy (tape.measurements has one entry)."""
    mp = make()
    with qml.tape.QuantumTape() as tape:
        new = copy.copy(mp)
    assert tape.measurements == []
    assert new is not mp and type(new) is type(mp) and new.seed == mp.seed
    assert new.hash == mp.hash
    with qml.tape.QuantumTape() as tape:
        qml.RX(0.1, 0)
        qml.apply(mp)
    assert len(tape.measurements) == 1


# --- matrix observables on more than 8 wires: measured when their Pauli sum is small ----
def _ring(n, x, offset=0.1):
    return [qml.RX(offset + x * i, wires=i) for i in range(n)]


def test_hermitian_on_nine_wires_with_few_words_is_measured():
    """PennyLane 0.45.1's devices/default_qubit/test_default_qubit.py::TestSumOfTermsDiffer-
    entiability::test_autograd_backprop[hermitian] measures qml.Hermitian(H.matrix()) of
    H = 2.5 Z..Z + 6.2 Y..Y on 10 wires (qsym refused any Hermitian on more than 8 wires).
    By hand, after RX(a_i) on |0>: <Z_i> = cos a_i, <Y_i> = -sin a_i, so on 9 wires (odd)
    <H> = 2.5 prod cos a_i - 6.2 prod sin a_i, a_i = 0.1 + x i; its x-derivative is the
    analytic formula's, differentiated by autograd (no circuit)."""
    from qsym import numpy as pnp

    n = 9
    H = (2.5 * qml.prod(*(qml.Z(i) for i in range(n)))
         + 6.2 * qml.prod(*(qml.Y(i) for i in range(n))))
    herm = qml.Hermitian(H.matrix(), wires=range(n))
    assert len(herm.terms) == 2

    def f(x):
        return qml.device("default.qubit").execute(
            qml.tape.QuantumScript(_ring(n, x), [qml.expval(herm)]))

    def by_hand(x):
        a = 0.1 + x * pnp.arange(n)
        return 2.5 * pnp.prod(pnp.cos(a)) - 6.2 * pnp.prod(pnp.sin(a))

    x = pnp.array(0.52)
    assert abs(f(x) - by_hand(x)) < 1e-12
    assert abs(qml.grad(f)(x) - qml.grad(by_hand)(x)) < 1e-12

    sparse = pytest.importorskip("scipy.sparse")  # the same matrix as a SparseHamiltonian
    sh = qml.SparseHamiltonian(sparse.csr_matrix(H.matrix()), wires=range(n))
    tape = qml.tape.QuantumScript(_ring(n, 0.52), [qml.expval(sh)])
    assert abs(qml.device("default.qubit").execute(tape) - by_hand(0.52)) < 1e-12


def test_matrix_observable_with_too_many_words_or_wires_is_refused():
    """A dense Hermitian on 9 wires has ~4^9 Pauli words (more than the 4^8 a dense 8-wire
    one has, the most qsym measures): a MeasurementError naming the count, made before the
    words are; a Projector on 12 wires: refused without building its 2^24-entry matrix."""
    import numpy as onp

    from qsym.errors import MeasurementError

    rng = onp.random.default_rng(7)
    A = rng.normal(size=(2**9, 2**9))
    with pytest.raises(MeasurementError, match=r"Hermitian on 9 wires is a sum of \d+ Pauli"):
        qml.Hermitian(A + A.T, wires=range(9))
    v = onp.zeros(2**12)
    v[0] = 1.0
    with pytest.raises(MeasurementError, match="Projector on 12 wires"):
        qml.Projector(v, wires=range(12))


def test_projector_state_vector_on_nine_wires():
    """Projector(|0..0> as a state vector) on 9 wires: 2^9 Z-words (refused before); by
    hand <P> = prod cos^2(a_i / 2) after RX(a_i) on each wire."""
    import numpy as onp

    n = 9
    v = onp.zeros(2**n)
    v[0] = 1.0

    @qml.qnode(qml.device("default.qubit", wires=n))
    def c(x):
        _ring(n, x)
        return qml.expval(qml.Projector(v, wires=range(n)))

    a = 0.1 + 0.3 * onp.arange(n)
    assert abs(c(0.3) - onp.prod(onp.cos(a / 2) ** 2)) < 1e-12


# --- qml.draw of a circuit function that opens QuantumTapes ------------------------------
def test_draw_nested_tapes_as_pennylane():
    """PennyLane 0.45.1 (its drawer/test_tape_text.py::test_nested_tapes; the text below
    printed by PennyLane in /work/plvenv): each tape opened inside the function is a
    ``Tape:i`` box, drawn below, the top level's first, then each tape's nested ones
    depth first. qsym's qml.draw traced the function and failed on the tape object."""

    def circ():
        with qml.tape.QuantumTape():
            qml.PauliX(0)
            with qml.tape.QuantumTape():
                qml.PauliY(0)
        with qml.tape.QuantumTape():
            qml.PauliZ(0)
            with qml.tape.QuantumTape():
                qml.PauliX(0)
        return qml.expval(qml.PauliZ(0))

    assert qml.draw(circ)() == (
        "0: ──Tape:0──Tape:1─┤  <Z>\n\n"
        "Tape:0\n0: ──X──Tape:2─┤  \n\n"
        "Tape:2\n0: ──Y─┤  \n\n"
        "Tape:1\n0: ──Z──Tape:3─┤  \n\n"
        "Tape:3\n0: ──X─┤  ")

    @qml.qnode(qml.device("default.qubit", wires=2))
    def node(x):
        qml.RX(x, 1)
        with qml.tape.QuantumTape():
            qml.PauliX(0)
            qml.CNOT([0, 1])
        return qml.expval(qml.PauliZ(0)), qml.probs(wires=1)

    assert qml.draw(node, decimals=2)(0.5) == (  # the device's wire order (PennyLane's)
        "0: ───────────╭Tape:0─┤  <Z>  \n"
        "1: ──RX(0.50)─╰Tape:0─┤  Probs\n\n"
        "Tape:0\n0: ──X─╭●─┤  \n1: ────╰X─┤  ")


# --- a user's device class (on qml.devices.Device) with wires=0 --------------------------
def test_users_device_class_with_no_wires():
    """PennyLane 0.45.1 (its devices/test_device_api.py::TestMinimalDevice::
    test_wires_can_be_provided[0-expected1], printed in /work/plvenv): a device class of
    the user's own made with wires=0 has Wires([]) and repr '<MinimalDevice device at
    0x...>'. qsym's simulators still need a wire (a DeviceError saying so)."""
    from qsym.errors import DeviceError

    class MinimalDevice(qml.devices.Device):
        def execute(self, circuits, execution_config=None):
            return (0,)

    dev = MinimalDevice(wires=0)
    assert dev.wires == qml.wires.Wires([]) and len(dev.wires) == 0
    assert repr(dev) == f"<MinimalDevice device at {hex(id(dev))}>"
    with pytest.raises(DeviceError, match="at least one wire"):
        qml.device("default.qubit", wires=0)
