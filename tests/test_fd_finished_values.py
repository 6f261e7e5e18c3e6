"""``diff_method="finite-diff"`` differences the FINISHED values a user sees (a variance, a
postselected ratio, a quantity of the state), as PennyLane's ``finite_diff`` differences
its shifted circuits' results: qsym differenced the compiled linear rows (moments,
projected rows and the kept norm, the state) and finished them by the chain rule, O(h)
apart from PennyLane's numbers (task fd56; qsym._shapes.finished_rows). And the steps are
PennyLane's: each gate angle (its tape parameter) alone, chained to the QNode's inputs by
the angles' exact derivatives (qsym stepped each input: qsym._shapes.parameter_differences).

The expected numbers are PennyLane 0.45.1's, computed in /work/plvenv and pasted (the
comment at each says so), together with hand differences of the values where the step
makes them readable. A large step (1e-2) makes the O(h) difference 1e-4..1e-2, against
rounding of 1e-13 here.
"""

import numpy as onp
import pytest

import qsym as qml
from qsym import numpy as np
from qsym import _shapes as shapes

KW = {"h": 1e-2, "approx_order": 1, "strategy": "forward"}
X = (0.4, 0.9, -0.6)


def _body(x):
    qml.RX(x[0], 0)
    qml.CNOT([0, 1])
    qml.RY(x[1], 1)
    qml.CRZ(x[2], [1, 0])


def _jacobian(device, measure, kw=KW, x=X, body=_body):
    @qml.qnode(device, diff_method="finite-diff", gradient_kwargs=kw)
    def c(v):
        body(v)
        return measure()

    return c, qml.jacobian(c)(np.array(x, requires_grad=True))


def test_postselected_probabilities_difference_the_renormalised_values():
    """The brief's reproducer: qsym's column 0 was 7e-7 off PennyLane's (the projected rows
    and the norm differenced, then ``(dr - f dN) / N``)."""
    x, h = (-0.333, -4.9), 1e-4

    def body(v):
        qml.IsingXX(v[0], [0, 2])
        qml.SingleExcitationPlus(v[1], [2, 3])
        qml.SISWAP([0, 1])
        qml.measure(0, postselect=0)

    c, jac = _jacobian(qml.device("default.qubit", wires=5), lambda: qml.probs([3, 1, 0]),
                       {"h": h, "approx_order": 1, "strategy": "backward"}, x, body)
    # PennyLane 0.45.1 (/work/plvenv), the same circuit and gradient_kwargs
    pl = onp.zeros((8, 2))
    pl[0] = [8.4024467741361519e-02, 1.1102230246251565e-12]
    pl[2] = [-4.9848035154342885e-02, -6.8401365863404728e-03]
    pl[6] = [-3.4176432586472197e-02, 6.8401365863317992e-03]
    onp.testing.assert_allclose(jac, pl, rtol=0, atol=1e-10)
    # the backward difference of the values themselves
    f0 = onp.asarray(c(np.array(x)))
    for j in range(2):
        moved = onp.array(x)
        moved[j] -= h
        onp.testing.assert_allclose(jac[:, j], (f0 - onp.asarray(c(np.array(moved)))) / h,
                                    rtol=0, atol=1e-10)


# PennyLane 0.45.1's Jacobians (/work/plvenv) of _body's circuit, finite-diff with KW
PL_JACOBIANS = {
    "postselected var": ("default.qubit",
                         lambda: (qml.measure(1, postselect=1), qml.var(qml.X(0)))[1],
                         [-0.5821583168209465, 0.28800115723770503, 0.4727621794612391]),
    "var of a Hamiltonian": ("default.qubit", lambda: qml.var(qml.Hamiltonian(
        [0.3, -1.2], [qml.Z(0), qml.X(0) @ qml.Y(1)])), [-1.3609460062441792, 0.0,
                                                        -0.09904944994292286]),
    "purity": ("default.qubit", lambda: qml.purity([0]),
               [-0.3427316413177506, 0.006433166505159793, -0.013038856297376]),
    "mutual_info": ("default.qubit", lambda: qml.mutual_info([0], [1]),
                    [1.1971615481632614, -0.022605449308110703, 0.04580168478729996]),
    "vn_entropy on default.mixed": ("default.mixed", lambda: qml.vn_entropy([1]),
                                    [0.5985807740816584, -0.011302724654066454,
                                     0.02290084239361667]),
    "var on default.mixed": ("default.mixed", lambda: qml.var(qml.Y(0)),
                             [-0.0033895213671697455, -0.0011236450718321578,
                              0.004481764008412714]),
}


@pytest.mark.parametrize("name", sorted(PL_JACOBIANS))
def test_nonlinear_finishes_are_differenced_as_pennylane(name):
    device, measure, pl = PL_JACOBIANS[name]
    c, jac = _jacobian(qml.device(device, wires=3), measure)
    onp.testing.assert_allclose(jac, pl, rtol=0, atol=1e-10)
    # the forward difference of the values themselves (step 1e-2)
    f0 = float(c(np.array(X)))
    for j in range(3):
        moved = onp.array(X)
        moved[j] += 1e-2
        assert jac[j] == pytest.approx((float(c(np.array(moved))) - f0) / 1e-2, abs=1e-10)


def test_the_state_is_differenced_as_pennylane():
    """``qml.state()``'s Jacobian under finite-diff: differences of the states (was the exact
    state Jacobian, 1e-3 apart at h = 1e-2)."""
    c, _ = _jacobian(qml.device("default.qubit", wires=2), qml.state)
    jr = qml.jacobian(lambda v: qml.math.real(c(v)))(np.array(X, requires_grad=True))
    ji = qml.jacobian(lambda v: qml.math.imag(c(v)))(np.array(X, requires_grad=True))
    # PennyLane 0.45.1 (/work/plvenv): the same circuit, real and imaginary parts
    pl_real = [[-0.0905483592702816, -0.21424982347327814, 0.0],
               [-0.04178626864722035, 0.421030498557573, 0.062480089641120395],
               [0.0, 0.0, 0.0],
               [-0.13033138629113122, 0.012834616732450982, 0.08551638285555357]]
    pl_imag = [[0.0, 0.0, 0.0],
               [-0.012926007628513703, 0.13023999539507058, -0.20378429626299738],
               [0.21303868546934807, 0.08933722126635707, 0.0],
               [-0.4213259404793557, 0.04149082672544324, -0.026219249297324]]
    onp.testing.assert_allclose(jr, pl_real, rtol=0, atol=1e-10)
    onp.testing.assert_allclose(ji, pl_imag, rtol=0, atol=1e-10)


def test_a_reduced_state_steps_only_the_inputs_its_wires_see():
    """A gate on another, unentangled wire has derivative exactly 0 (not stepped: rounding
    divided by h), as PennyLane's finite_diff's zero gradient method."""
    def body(v):
        qml.RX(v[0], 0)
        qml.RY(v[1], 1)

    _, jac = _jacobian(qml.device("default.qubit", wires=2), lambda: qml.density_matrix([0]),
                       KW, (0.3, 0.8), body)
    assert not onp.any(jac[..., 1])
    # d/dx of [[cos^2 x/2, i sin x/2 cos x/2], ...] at RX: the forward differences by hand
    h, x = 1e-2, 0.3
    onp.testing.assert_allclose(jac[0, 0, 0], (onp.cos((x + h) / 2) ** 2 - onp.cos(x / 2) ** 2) / h,
                                atol=1e-12)


def test_a_zero_block_column_is_finished_too():
    """A state preparation's zero block (its exact columns, qsym.templates.zero_block_jacobian)
    among the finished rows of finite differences: var(H) of the amplitudes (0, 0, .6, -.8)
    is 1 - <H>^2 with <H> = (<X0> + <Z0>) / sqrt 2; by hand its gradient is
    d<X0> + d<Z0> = (1.2, -1.6, 0, 0)."""
    def body(f):
        qml.AmplitudeEmbedding(f, wires=[0, 1], normalize=True)

    _, jac = _jacobian(qml.device("default.qubit", wires=2), lambda: qml.var(qml.Hadamard(0)),
                       {"h": 1e-6}, (0.0, 0.0, 0.6, -0.8), body)
    onp.testing.assert_allclose(jac, [1.2, -1.6, 0.0, 0.0], atol=1e-6)


def test_finished_rows_read_back_unchanged_and_their_jacobian_is_the_chain_rule():
    post = (("var", 0, 2, ()), ("probs", 2, 3, (2,)), ("var", 5, 3, ()), ("expval", 8, 1, ()))
    rng = onp.random.default_rng(5)
    rows = onp.concatenate([[1.0, 0.3], [0.2, 0.4, 0.5], [0.4, 0.1, 0.5], [0.7]])
    jac = rng.normal(size=(9, 2))
    values, jacs = shapes.measurements(post, rows, jac)
    fin = shapes.finished_rows(post, rows)
    again, _ = shapes.measurements(post, fin, onp.zeros_like(jac))
    for a, b in zip(values, again):
        assert onp.array_equal(a, b)
    # by hand: var = 1 - 0.09; the postselected probs (0.2, 0.4) / 0.5; var (0.4 - 0.01)/0.5
    assert fin.tolist() == [1.0 - 0.3 ** 2, 0.0, 0.4, 0.8, 1.0, 0.4 / 0.5 - (0.1 / 0.5) ** 2,
                            0.0, 1.0, 0.7]
    assert shapes.live_rows(post, 9).tolist() == [True, False, True, True, False, True, False,
                                                 False, True]
    fj = shapes.finished_jacobian(post, rows, jac)
    _, jacs2 = shapes.measurements(post, fin, fj)
    for a, b in zip(jacs, jacs2):
        onp.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_finite_diff_steps_the_gate_angles_as_pennylane():
    """``RX(2 x0) RY(x0 x1)``, ``<Z> = cos(t1) cos(t2)`` of the angles ``t1 = 2 x0``,
    ``t2 = x0 x1``: PennyLane's forward differences in the angles (its tape's parameters),
    times their exact derivatives (2, x1; x0), as autograd chains them. qsym stepped each
    QNode input by h, O(h) apart where an input is read by several gates or through
    classical processing (qsym._shapes.parameter_differences)."""
    x0, x1, h = 0.4, 0.9, 1e-2

    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="finite-diff",
               gradient_kwargs={"h": h})
    def c(x):
        qml.RX(2 * x[0], 0)
        qml.RY(x[0] * x[1], 0)
        return qml.expval(qml.Z(0))

    def f(t1, t2):
        return onp.cos(t1) * onp.cos(t2)

    t1, t2 = 2 * x0, x0 * x1
    d1, d2 = (f(t1 + h, t2) - f(t1, t2)) / h, (f(t1, t2 + h) - f(t1, t2)) / h
    hand = [2 * d1 + x1 * d2, x0 * d2]
    # PennyLane 0.45.1 (/work/plvenv), the same circuit: equal to the hand formula
    pl = [-1.573059735473391, -0.09947517286242213]
    onp.testing.assert_allclose(hand, pl, atol=1e-12)
    onp.testing.assert_allclose(qml.jacobian(c)(np.array([x0, x1], requires_grad=True)), pl,
                                atol=1e-10)


def _processed(x):
    qml.RX(x[0], 0)
    qml.CNOT([0, 1])
    qml.RY(x[1], 1)
    qml.CRZ(x[2] * x[0], [1, 0])
    qml.RX(x[1] ** 2, 1)


# PennyLane 0.45.1's Jacobians (/work/plvenv) of _processed's circuit (inputs read twice and
# through products and powers), finite-diff with KW: each gate angle stepped alone
PL_PROCESSED = {
    "var": ("default.qubit", lambda: qml.var(qml.X(0) @ qml.Z(1)),
            [-0.2741822072508904, -0.2591501923582995, -0.024294920525931296]),
    # (not PennyLane's finite_diff here: its light cone leaves out RX(x1**2) on the
    # postselected wire 1, whose angle changes the renormalised value, and gives 0.34366
    # for x1; these are PennyLane 0.45.1's VALUES of the circuit with its four angles as
    # arguments, each angle stepped forward by h alone and chained by hand: d/dx1 = df/da1
    # + 2 x1 df/da3; without the a3 term they give PennyLane's finite_diff exactly)
    "postselected var": ("default.qubit",
                         lambda: (qml.measure(1, postselect=1), qml.var(qml.X(0)))[1],
                         [-0.5447239544520932, -0.05905464265543392, -0.09223988744266443]),
    "var of a Hamiltonian": ("default.qubit", lambda: qml.var(qml.Hamiltonian(
        [0.3, -1.2], [qml.Z(0), qml.X(0) @ qml.Y(1)])),
        [-0.9806769295890305, 0.6626126285141876, 0.055206975082455756]),
    "purity": ("default.qubit", lambda: qml.purity([0]),
               [-0.3557031748176098, 0.0010556678744944037, -0.0021666075354564995]),
    "mutual_info": ("default.qubit", lambda: qml.mutual_info([0], [1]),
                    [1.2281006882708478, -0.0036666110118876993, 0.007524384249866234]),
    "purity on default.mixed": ("default.mixed", lambda: qml.purity([0]),
                                [-0.35570317481767644, 0.0010556678744055858,
                                 -0.0021666075354564995]),
    "vn_entropy on default.mixed": ("default.mixed", lambda: qml.vn_entropy([0]),
                                    [0.614050344135379, -0.001833305505835603,
                                     0.003762192125018604]),
}


@pytest.mark.parametrize("name", sorted(PL_PROCESSED))
def test_classical_processing_is_chained_after_the_angles_differences(name):
    device, measure, pl = PL_PROCESSED[name]
    _, jac = _jacobian(qml.device(device, wires=3), measure, body=_processed)
    onp.testing.assert_allclose(jac, pl, rtol=0, atol=1e-10)


def test_an_adjoint_steps_its_own_parameter():
    """``qml.adjoint(qml.RX(x))`` is ``RX(-x)`` in qsym; PennyLane's tape parameter is ``x``,
    stepped forward, so the angle is stepped by ``-h`` (a forward difference in x, not a
    backward one: qsym._plan.negated_angle). After adjoint(RX(x)) adjoint(Rot(y, x, y)),
    PennyLane 0.45.1 (/work/plvenv) gives the numbers below (qsym stepped the angles
    -x, -y forward: -1.27203, 0.39586)."""
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="finite-diff",
               gradient_kwargs={"h": 1e-2})
    def c(v):
        qml.adjoint(qml.RX(v[0], 0))
        qml.adjoint(qml.Rot(v[1], v[0], v[1], 0))
        return qml.expval(qml.Z(0))

    x = np.array([0.7, -0.3], requires_grad=True)
    jac = qml.jacobian(c)(x)
    # PennyLane 0.45.1 (/work/plvenv)
    onp.testing.assert_allclose(jac, [-1.2812720999005378, 0.39708695340117117], atol=1e-10)
    # each tape parameter stepped forward alone (x is read by two gates): the values of
    # the circuit with the four parameters apart, differenced by hand
    @qml.qnode(qml.device("default.qubit", wires=1))
    def apart(a, b, y1, y2):
        qml.adjoint(qml.RX(a, 0))
        qml.adjoint(qml.Rot(y1, b, y2, 0))
        return qml.expval(qml.Z(0))

    h, v0 = 1e-2, float(apart(0.7, 0.7, -0.3, -0.3))
    hand = [(float(apart(0.7 + h, 0.7, -0.3, -0.3)) - v0) / h
            + (float(apart(0.7, 0.7 + h, -0.3, -0.3)) - v0) / h,
            (float(apart(0.7, 0.7, -0.3 + h, -0.3)) - v0) / h
            + (float(apart(0.7, 0.7, -0.3, -0.3 + h)) - v0) / h]
    onp.testing.assert_allclose(jac, hand, atol=1e-12)


# PennyLane 0.45.1's Jacobians (/work/plvenv), finite-diff with h = 1e-2, of inputs
# reaching the gates through templates, a channel, ctrl and adjoint
def _sel(x):
    weights = qml.math.reshape(qml.math.stack([x[0], x[1], x[2], x[1], x[0], 2 * x[2]]),
                               (1, 2, 3))
    qml.StronglyEntanglingLayers(weights, wires=[0, 1])
    return qml.var(qml.Z(0) @ qml.X(1))


def _amplitudes(x):
    qml.AmplitudeEmbedding(qml.math.stack([x[0], x[1], x[2], 0.3]), wires=[0, 1], normalize=True)
    return qml.expval(qml.Z(0) @ qml.X(1))


def _channel(x):
    qml.RX(x[0], 0)
    qml.DepolarizingChannel(x[2] ** 2 / 4, 0)
    qml.RY(x[1], 0)
    return qml.var(qml.Z(0))


def _ctrl_adjoint(x):
    qml.RX(x[0], 0)
    qml.ctrl(qml.RY(x[1] * 2, 1), 0)
    qml.adjoint(qml.RZ(x[2], 1))
    qml.IsingXX(x[0] + x[1], [0, 1])
    return qml.var(qml.Y(1))


PL_WRAPPED = {
    "StronglyEntanglingLayers": ("default.qubit", 2, _sel,
                                 [0.3027267658543775, -0.5614170148288578, -0.48325488219403967]),
    "AmplitudeEmbedding": ("default.qubit", 2, _amplitudes,
                           [0.8461416709350472, -0.4038894154701181, 0.22012516069745333]),
    "DepolarizingChannel": ("default.mixed", 1, _channel,
                            [0.2167229189634634, 0.6382484114100251, -0.2290249229445096]),
    "ctrl and adjoint": ("default.qubit", 2, _ctrl_adjoint,
                         [-0.00010610343099681785, 0.0002708558869968236, 9.814371325633786e-05]),
}


@pytest.mark.parametrize("name", sorted(PL_WRAPPED))
def test_templates_channels_and_wrappers_are_stepped_as_pennylane(name):
    device, wires, body, pl = PL_WRAPPED[name]

    @qml.qnode(qml.device(device, wires=wires), diff_method="finite-diff",
               gradient_kwargs={"h": 1e-2})
    def c(v):
        return body(v)

    jac = qml.jacobian(c)(np.array([0.4, 0.9, -0.6], requires_grad=True))
    onp.testing.assert_allclose(jac, pl, rtol=0, atol=1e-10)


@pytest.mark.xfail(strict=True, reason="an observable coefficient read through classical "
                   "processing: qsym steps the input in the coefficients ((x+h)^2 - x^2) / h, "
                   "PennyLane steps the coefficient (its tape parameter) and chains 2x: "
                   "O(h) apart; found by task fd56, not fixed (docs/differentiation.md)")
def test_a_processed_coefficient_is_stepped_as_pennylane():
    @qml.qnode(qml.device("default.qubit", wires=2), diff_method="finite-diff",
               gradient_kwargs={"h": 1e-2})
    def c(x):
        qml.RX(x[0], 0)
        qml.CNOT([0, 1])
        qml.RY(x[1], 1)
        return qml.expval(qml.Hamiltonian([x[2] ** 2, x[2]], [qml.Z(0), qml.X(0) @ qml.Y(1)]))

    jac = qml.jacobian(c)(np.array([0.4, 0.9, -0.6], requires_grad=True))
    # PennyLane 0.45.1 (/work/plvenv); the coefficients' column is exact there (linear in
    # each coefficient): 2 x2 <Z0> + <X0 Y1>
    onp.testing.assert_allclose(jac, [0.40961297784027906, 0.0, -1.4946915351121093],
                                atol=1e-10)
