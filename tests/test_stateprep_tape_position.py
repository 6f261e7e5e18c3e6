"""Issue #18 (stop 63): a ``StatePrep`` after gates on its wires in a *tape* (made by hand,
or rebound by ``bind_new_parameters``, as ``diff_method="spsa"`` rebinds the QNode's tape
for its shifted tapes) is applied as the tape orders it: PennyLane's device decomposes it
there into Möttönen's gates, which act on the current state. Before, a rebuilt
``StatePrep`` was applied as a matrix whose first column is the state (right only on
``|0>``): the oracle's spsa Jacobian of seed 6363 differed from PennyLane's.

Expected numbers are PennyLane 0.45.1's, computed in /work/plvenv (default.qubit)."""

import numpy
import qsym as qml

STATE = numpy.array([0.6, 0.8j])


def test_spsa_through_a_state_prep_after_gates_is_pennylanes():
    # PennyLane 0.45.1 (/work/plvenv): value 0.29581175405953886, spsa Jacobian
    # [0.55068637, 0.55068637] with sampler_rng=7 (the same circuit, the same directions)
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="spsa",
               gradient_kwargs={"sampler_rng": 7})
    def c(x):
        qml.RX(x[0], wires=0)
        qml.StatePrep(STATE, wires=0)
        qml.RY(x[1], wires=0)
        return qml.expval(qml.X(0))

    x = qml.numpy.array([0.4, 0.3], requires_grad=True)
    assert numpy.isclose(c(x), 0.29581175405953886, atol=1e-12)
    assert numpy.allclose(qml.jacobian(c)(x), [0.55068637, 0.55068637], atol=1e-7)


def test_hand_made_and_rebound_tapes_apply_it_where_it_stands():
    # PennyLane 0.45.1 (/work/plvenv) executes these two tapes to 0.29581175405953886 and
    # 0.4210512996688264
    t = qml.tape.QuantumScript([qml.RX(0.4, 0), qml.StatePrep(STATE, wires=0), qml.RY(0.3, 0)],
                               [qml.expval(qml.X(0))])
    t2 = t.bind_new_parameters([0.5, STATE, 0.2], [0, 1, 2])
    got = qml.execute([t, t2], qml.device("default.qubit"), diff_method=None)
    assert numpy.allclose(got, [0.29581175405953886, 0.4210512996688264], atol=1e-12)


def test_a_real_state_a_batch_and_an_embedding_after_gates_in_a_tape():
    # PennyLane 0.45.1 (/work/plvenv): a real 3-wire state after RX, CNOT (before, qsym
    # applied its one real matrix, a Householder reflection: 0.1127, 0.6836)
    # (0.21467713800583527, 0.6914767149681215); a batch of real states after RX (Möttönen's
    # gates, broadcast) [0.7685124513472856, 0.9209400471127274]; an AmplitudeEmbedding after
    # RX on one of its wires (-0.022867432445353844, -0.4487220227193543)
    v = numpy.array([0.3, -0.1, 0.5, 0.2, -0.4, 0.1, 0.6, 0.25])
    real = qml.tape.QuantumScript(
        [qml.RX(0.4, 0), qml.CNOT([0, 2]), qml.StatePrep(v / numpy.linalg.norm(v), wires=[0, 1, 2]),
         qml.RY(0.3, 1)], [qml.expval(qml.X(0) @ qml.Y(1)), qml.expval(qml.Z(2))])
    batch = qml.tape.QuantumScript(
        [qml.RX(0.4, 0), qml.StatePrep(numpy.array([[0.6, 0.8], [0.8, 0.6]]), wires=0),
         qml.RY(0.3, 0)], [qml.expval(qml.X(0))])
    embed = qml.tape.QuantumScript(
        [qml.RX(0.4, 0), qml.AmplitudeEmbedding(numpy.array([0.3, 0.1, 0.5, 0.2]), wires=[0, 1],
                                                normalize=True), qml.RY(0.3, 1)],
        [qml.expval(qml.X(0) @ qml.Y(1)), qml.expval(qml.Z(0))])
    (r,), (b,), (e,) = (qml.execute([t], qml.device("default.qubit"), diff_method=None)
                        for t in (real, batch, embed))
    assert numpy.allclose(r, [0.21467713800583527, 0.6914767149681215], atol=1e-12)
    assert numpy.allclose(b, [0.7685124513472856, 0.9209400471127274], atol=1e-12)
    assert numpy.allclose(e, [-0.022867432445353844, -0.4487220227193543], atol=1e-12)


def test_a_mottonen_prep_of_autograd_values_after_gates_keeps_its_derivative():
    # PennyLane 0.45.1 (/work/plvenv), parameter shift: d<X>/dx = -0.5364633324637306
    # + 0.7303651480370267j (a complex state of x after RX: its derivative through the
    # tape, which a tape-position rule must not drop to numbers)
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="parameter-shift")
    def c(x):
        qml.RX(0.4, wires=0)
        qml.MottonenStatePreparation(qml.numpy.array([qml.numpy.cos(x), 1j * qml.numpy.sin(x)]),
                                     wires=0)
        qml.RY(0.3, wires=0)
        return qml.expval(qml.X(0))

    g = qml.grad(c)(qml.numpy.array(0.7, requires_grad=True))
    assert numpy.isclose(g, -0.5364633324637306 + 0.7303651480370267j, atol=1e-9)
