"""Executors: how a compiled signature runs, chosen by tables keyed by kind and method.

Each executor ``(node, entry, x, d) -> (result, circuits run)`` runs a compiled signature
at the flat inputs ``x`` and data ``d``; :func:`execute` is the one place that calls one,
turns a refusal of the compiled code into :class:`~qsym.errors.ArgumentError`
(:func:`raise_nonfinite`) and records the run on the device. The tables and where a new
backend goes: docs/design.md, "The QNode's stages and executors".
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from . import _ir as ir, _kernels as kernels, _mixed as mixed, _second_order as second_order, templates, _tiers as tiers
from . import _shots as shots_mod
from .errors import AnalyticSampleError, ArgumentError, DeviceError, DifferentiationError, GateError, MeasurementError, QsymError
from ._plan import finite_difference_inputs, negated_angle, state_cone, state_difference_inputs
from ._shapes import fd_circuits, flat, measurements, parameter_differences
from ._shots import refuse
from ._gates import numeric_matrix_function
from ._trace import without_carriers

NO_SHADOW_GRADIENT = (
    "qml.classical_shadow has no derivative, and qml.shadow_expval is differentiated alone "
    "(the only measurement of its circuit), by parameter shift with a new shadow per "
    "shifted circuit (PennyLane's); for an exact derivative differentiate qml.expval of "
    "the same observable, the quantity the shadow estimates")


class ShadowDerivative(DifferentiationError):
    """The compiled derivative of a ``qml.shadow_expval``: the caller differentiates it on
    its tape path instead (parameter shift, a new shadow per shifted circuit)."""
NEEDS_SHOTS = (
    "qml.sample and qml.counts need finite shots: create the device with "
    "qml.device(..., shots=N) or the QNode with shots=N"
)
# PennyLane 0.45.1 differentiates qml.sample(obs) shot by shot (each shot's sample of every
# shifted circuit, combined by the shift rule: an array of per-shot derivatives whose mean
# estimates d<obs>); qsym does not yet (docs/pennylane.md, "Results and inspection")
NO_GRADIENT = (
    "qml.jacobian of qml.sample is not supported by qsym (PennyLane differentiates each "
    "shot's sample by the parameter-shift rule; the mean of those per-shot derivatives "
    "estimates the derivative of qml.expval of the same observable), and qml.counts has no "
    "gradient: differentiate qml.expval, qml.var or qml.probs (with shots, sampled by "
    "parameter shift)"
)
STATE_WITH_SHOTS = (
    "qml.state() is not available with finite shots (a sampled device has no state to "
    "return); use shots=None, or qml.sample / qml.probs"
)


def execute(node, entry, executor, x, d, arrays):
    """``executor``'s result at ``x``, ``d``; the device records the circuits it ran (if
    not None). ``arrays``: ``(xs, ds)``, the arguments' arrays, for the error message.

    ``x`` and ``d`` reach the compiled code as plain ndarrays: a subclass (a trainable
    ``qsym.numpy.tensor`` on grad's short path) sends numba's dispatcher down its slow
    typing path, about 3 us a call against 0.4 us for the seed's whole kernel call (a
    view costs 0.1 us, and only where it is needed)."""
    if type(x) is not np.ndarray:
        x = x.view(np.ndarray)
    if type(d) is not np.ndarray:
        d = d.view(np.ndarray)
    diff = False  # a derivative with per-call checks (a mark among them: unnormalized_prep)
    if entry.broadcast:  # its element's checks, per batch element
        checks = entry.element.checks
        if checks:
            diff = executor is not broadcast_values
            X, D = entry.inputs(x, d)
            for b in range(X.shape[0]):
                for check in checks:
                    if diff or not check.derivative:
                        check(X[b], D[b])
    else:
        checks = entry.checks
        if checks:
            diff = executor not in VALUES.values()
            for check in checks:
                if diff or not check.derivative:
                    check(x, d)
    try:
        result, runs = executor(node, entry, x, d)
    except ValueError as exc:
        raise_nonfinite(entry.circuit, *arrays, exc)
    if runs is not None:
        count(node, entry, executor, result, runs)
    if diff and unnormalized_prep(node, entry):
        if entry.broadcast:
            raise DifferentiationError(UNNORMALIZED_BATCH)
        result = templates.unnormalized_rows(entry, x, d, result)
    return result


UNNORMALIZED_BATCH = (
    "the derivative of a batch of state vectors prepared first in the circuit "
    "(qml.StatePrep, qml.AmplitudeEmbedding) by PennyLane's backpropagation (the "
    "unnormalized amplitudes) is not supported; differentiate one state at a time, or use "
    "diff_method='parameter-shift' (the derivative of the normalized state)")


def unnormalized_prep(node, entry) -> bool:
    """Whether ``entry``'s first operation is a state preparation of traced amplitudes
    that PennyLane would differentiate unnormalized (its backpropagation without shots,
    :func:`pl_backpropagates`; :class:`qsym.templates.UnnormalizedPrep`)."""
    checks = entry.element.checks if entry.broadcast else entry.checks
    return (bool(checks) and any(isinstance(getattr(c, "test", None), templates.UnnormalizedPrep)
                                 for c in checks)
            and pl_backpropagates(node) and not node.current_shots())


# True until the process's first answer (count tells qsym._tiers, whose kernel warm-up
# waits for it); read by grad's short path, written here only
waiting_for_first_answer = True


def count(node, entry, executor, result, runs) -> None:
    """The device's counters and Tracker records for one run of ``executor`` that ran
    ``runs`` circuits: changed here only (grad's short path, ``qsym._runtime._short_path``,
    calls this, or adds the same two counts itself when there is nothing else to do)."""
    global waiting_for_first_answer
    if waiting_for_first_answer:
        waiting_for_first_answer = False
        tiers.first_answer()
    dev = node.device
    if runs > 1 and not getattr(entry, "broadcast", False) and executor not in VALUES.values() \
            and pl_best_is_adjoint(node, entry):
        runs = 1  # PennyLane's adjoint derivative: one pass of the circuit (qsym's: shifts)
    dev.num_executions += runs
    dev.num_calls += 1
    if dev.trackers:
        info = tracker_info(node, entry, executor, result, runs)
        if not _whole_shot_vector(node, info):
            return
        for tracker in dev.trackers:
            tracker.record(runs, **info)


def _whole_shot_vector(node, info) -> bool:
    """PennyLane's tracker records a circuit with a shot vector once, after its last
    count: ``results`` the tuple of every count's results, ``shots`` all of them (its
    ``get_num_shots_and_executions``). While ``node`` evaluates a count of a shot vector
    (:meth:`qsym._runtime.QNode.shot_vector_position`), this keeps the count's results
    and says whether to record now (at the last count, with ``info`` made whole)."""
    position = node.shot_vector_position()
    if position is None or info.get("how") != "values":
        return True
    counts, k = position
    kept = node.shot_stash.setdefault("tracker results", [])
    kept.append(info["results"])
    if k < len(counts) - 1:
        return False
    info["results"] = tuple(kept)
    info["shots_each"] = sum(counts)
    del node.shot_stash["tracker results"]
    return True


def tracker_info(node, entry, executor, result, runs):
    """What a :class:`qsym.devices.Tracker` records besides the counts: the circuit, its
    resources, the value's ``results``, with finite shots the shots per circuit, and
    ``how`` it ran (``"values"``, ``"device"``: an adjoint derivative, ``"shifts"``: the
    value circuit and shifted or stepped ones; PennyLane's backprop, which qsym computes
    by the adjoint method, is recorded as an evaluation, as PennyLane records it)."""
    from .resource import circuit_resources

    circuit = getattr(entry, "circuit", None) or entry.element.circuit
    # (the gates PennyLane's tape has: not those only carrying a derivative)
    info = {"resources": circuit_resources(without_carriers(circuit)), "circuit": circuit,
            "size": entry.size if entry.broadcast else None}
    if executor in VALUES.values() or executor is broadcast_values:
        # PennyLane's adjoint method under autograd computes the derivative with the values
        # (grad_on_execution): its tracker records a device derivative for an evaluation
        info["how"] = "device" if derivative_on_execution(node, entry) else "values"
        values = list(result)
    else:
        out = result[0]
        if entry.broadcast:
            values = list(out)
        else:
            values = list(out if entry.simple else measurements(entry.post, out)[0])
        shots = node.current_shots()
        if pl_backpropagates(node) and not shots:
            info["how"] = "values"
        elif (node.method == "adjoint" or pl_best_is_adjoint(node, entry)) and not shots:
            # (grad_on_execution=False: PennyLane runs the value, then the derivative)
            info["how"] = "device" if getattr(node, "grad_on_execution", "best") is not False \
                else "value_then_device"
        else:
            info["how"] = "shifts"
            if executor is sampled_shift and getattr(node, "backward_pass", False):
                info["how"] = "shifted"  # (the value circuit drawn by the forward pass)
            if executor in (shift, sampled_shift, batch_shift):
                info["expval_circuits"] = var_expval_circuits(
                    getattr(entry, "plan", None) or entry.element.plan)
    info["results"] = values[0] if len(values) == 1 else tuple(values)
    if (info["how"] == "values" and not node.current_shots()
            and not isinstance(info["results"], tuple) and np.ndim(info["results"]) == 0
            and (executor not in VALUES.values() or getattr(node, "_autograd_args", False))):
        # PennyLane's exact evaluations with trainable tensors record a 0-d tensor (not
        # summed into totals), others a float
        info["results"] = np.asarray(info["results"])
    shots = node.configured_shots()
    if shots:
        info["shots_each"] = int(node.current_shots())
        # PennyLane's one-shot method samples each mid-circuit measurement besides the
        # measurements (dynamic_one_shot): its device counts that group's circuit and shots
        info["mcm_samples"] = bool(
            getattr(circuit, "mid_measured", False) and hasattr(node, "deferral_options")
            and node.deferral_options()["method"] == "one-shot")
    return info


def derivative_on_execution(node, entry) -> bool:
    """Whether PennyLane 0.45 evaluates the QNode ``node`` (its signature ``entry``) by
    ``execute_and_compute_derivatives``: the adjoint method (``diff_method="adjoint"``,
    or PennyLane's ``"best"`` resolving to it), no shots, and the last call's interface
    autograd (``interface="autograd"``, or ``"auto"`` with a ``qml.numpy`` tensor among the
    arguments, trainable or not). Its ``qml.Tracker`` then records a device derivative,
    not a batch of executions.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev, diff_method="adjoint")
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> with qml.Tracker(dev) as t:
    ...     _ = c(qml.numpy.array(0.3))
    ...     _ = c(0.3)
    >>> t.totals["execute_and_derivative_batches"], t.totals["batches"]
    (1, 1)
    """
    return (getattr(node, "_autograd_interface", False) and not node.current_shots()
            and getattr(node, "grad_on_execution", "best") is not False
            and not pl_backpropagates(node)
            and (node.method == "adjoint" or pl_best_is_adjoint(node, entry)))


def var_expval_circuits(plan) -> int:
    """How many of a parameter-shift gradient's circuits (after the value circuit) PennyLane
    runs with each variance measured as its expectation value (``var_param_shift``'s
    ``<A>`` tape and its shifted tapes: :attr:`~qsym._plan.GradientPlan.executions` less
    the value circuit, the unshifted one, and the derivatives qsym knows are 0,
    :attr:`~qsym._plan.GradientPlan.idle_runs`); its ``<A^2>`` tapes and a Conditional's
    finite differences keep the variance. 0 without a variance (or where none of those
    runs: a variance whose trainable parameters are all a Conditional's).

    >>> import types
    >>> var_expval_circuits(types.SimpleNamespace(var_runs=1, executions=5, idle_runs=0))
    5
    >>> var_expval_circuits(types.SimpleNamespace(var_runs=0, executions=5, idle_runs=0))
    0
    """
    return plan.executions + plan.idle_runs if plan.var_runs else 0


def pl_backpropagates(node) -> bool:
    """Whether PennyLane would differentiate the QNode ``node`` by backpropagation
    (``default.qubit`` or ``default.mixed``, no shots, ``diff_method`` ``"best"``,
    ``"backprop"`` or not given): what decides its results' and gradients' types.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> [pl_backpropagates(qml.QNode(lambda: qml.state(), dev, diff_method=m))
    ...  for m in ("best", "adjoint")]
    [True, False]
    """
    return bool(node.pl_backprop and node.device.name in ("default.qubit", "default.mixed")
                and not node.configured_shots() and not pl_best_is_adjoint(node))


def pl_best_is_adjoint(node, entry=None) -> bool:
    """Whether PennyLane's ``"best"`` (``diff_method`` ``"best"`` or not given) resolves to
    the adjoint method for the QNode ``node`` (its signature ``entry``, default the last
    one run), without shots: on ``default.qubit`` with ``max_workers`` (no
    backpropagation through its pool of workers); on ``lightning.qubit`` (which does not
    backpropagate) when every measurement is an expectation value (what its adjoint
    method takes; else parameter shift). PennyLane then runs and records it as
    ``diff_method="adjoint"``.

    >>> import qsym as qml
    >>> f = lambda: qml.expval(qml.Z(0))
    >>> [pl_best_is_adjoint(qml.QNode(f, qml.device("default.qubit", wires=1, max_workers=w)))
    ...  for w in (None, 2)]
    [False, True]
    >>> pl_best_is_adjoint(qml.QNode(f, qml.device("lightning.qubit", wires=1)))
    True
    """
    if not (node.pl_backprop and node.resolved_method == "best" and not node.configured_shots()):
        return False
    name = node.device.name
    if name == "lightning.qubit":
        post = getattr(entry if entry is not None else getattr(node, "_last", None), "post", None)
        return post is None or all(p[0] == "expval" for p in post)
    return bool(name == "default.qubit" and getattr(node.device, "_max_workers", None))


def kind_of(node, entry) -> str:
    """The kind of executor that runs ``entry`` for ``node`` now."""
    if node.current_shots():
        return "sampled"
    return "state" if entry.is_state else "exact"


# --- values: (node, entry, x, d) -> (per-measurement values, circuits run) ---------------
def without_shots(node, entry) -> AnalyticSampleError:
    """The error for a sample or counts measured without shots: PennyLane's DeviceError
    words ("Measurement sample not accepted for analytic simulation on ..."), and
    qsym's advice."""
    drawn = next((m for m in entry.circuit.measurements if m.kind in ("sample", "counts")), None)
    what = "qml.sample/qml.counts" if drawn is None else measured_as(drawn)
    return AnalyticSampleError(
        f"Measurement {what} not accepted for analytic simulation on {node.device.name}: "
        + NEEDS_SHOTS)


def measured_as(m) -> str:
    """``sample`` / ``counts(PauliZ)``-like words for a sample or counts measurement (its
    observable's label when it has one)."""
    name, obs = (m.label or (m.kind, ""))[:2]
    return f"{name}({obs})" if obs else name


def exact_values(node, entry, x, d):
    """The compiled values (the rows themselves when every measurement is an expval)."""
    if entry.drawn:
        shadow = next((m for m in entry.circuit.measurements if m.shadow), None)
        if shadow is not None:  # PennyLane's DeviceError and words
            name = {"classical_shadow": "ClassicalShadowMP"}.get(shadow.shadow[0], "ShadowExpvalMP")
            raise DeviceError(
                f"Measurement {name} not accepted for analytic simulation on default.qubit "
                "(qsym: a classical shadow is sampled; give the QNode shots, e.g. "
                "@qml.set_shots(1000))")
        raise without_shots(node, entry)
    out = entry.value(x, d)
    values = out if entry.simple else measurements(entry.post, out)[0]
    if entry.has_state:  # qml.state() beside other measurements: the state in its place
        values = with_state(entry, values, state(entry, x, d))
    return values, 1


def with_state(entry, values, psi, dpsi=None):
    """``values`` (per measurement, ``None`` where a ``qml.state()`` is) with the state
    vector ``psi`` (a copy each) in those places, or the quantity of it a reduced state
    measurement asks for (``qml.density_matrix``, ``qml.vn_entropy``, ...:
    :func:`qsym._ir.reduce_state`). With ``dpsi`` (the state's Jacobian), the Jacobians
    of those instead."""
    c = entry.circuit
    out = []
    mixed = getattr(entry, "mixed", False)  # psi is a density matrix (qsym._mixed)
    for (kind, *_), m, v in zip(entry.post, c.measurements, values):
        if kind != "state":
            out.append(v)
        elif mixed:
            out.append(entry.quantity(m, psi, dpsi))
        elif m.reduce:
            out.append(ir.reduce_state(m, psi, c.num_wires, dpsi))
        else:
            out.append((psi if dpsi is None else dpsi).copy())
    return out


def state(entry, x, d):
    """The state vector of ``entry`` at ``x``, ``d`` (its ``prepare`` on the current tier,
    ``PROGRAM``); on ``default.mixed`` the density matrix."""
    if getattr(entry, "mixed", False):
        return entry.density(x, d)
    return state_of(entry, entry.prepare(x, d, 0).mats)


def state_of(entry, mats):
    """The state vector of ``entry``'s circuit with the gate matrices ``mats``."""
    module = entry.module
    # (the kernel's twin until its compiled code is loaded or compiled: the same bits; a
    # twin's call noted for the circuit's background compile, issue #17)
    k = getattr(entry, "sampling_kernels", None) or getattr(entry, "value_kernels", kernels)
    psi = k.program_state(*module.PROGRAM, mats)
    # numba returns an equal but not NumPy's own complex128 dtype object: PennyLane code
    # tests ``state.dtype is np.dtype("complex128")``
    return psi if psi.dtype is _C128 else psi.view(_C128)


_C128 = np.dtype(np.complex128)


def state_values(node, entry, x, d):
    """``qml.state()``, once per ``qml.state()`` returned: one execution of the circuit
    (PennyLane's ``default.qubit`` counts it, as any circuit it simulates)."""
    return with_state(entry, [None] * len(entry.post), state(entry, x, d)), 1


def sampled_values(node, entry, x, d):
    """Every measurement estimated from ``shots`` samples (:class:`qsym._shots.Sampler`)."""
    if entry.has_state:
        reduced = [m.reduce[0] for m in entry.circuit.measurements if m.reduce]
        if reduced:  # PennyLane's DeviceError and words
            label = {"vn_entropy": "vnentropy", "mutual_info": "mutualinfo",
                     "density_matrix": "state"}.get(reduced[0], reduced[0])
            raise DeviceError(
                f"Measurement {label} not accepted with finite shots on default.qubit "
                f"(qsym: qml.{reduced[0]} is computed from the state, which finite shots do "
                "not give; use shots=None)")
        raise MeasurementError(STATE_WITH_SHOTS)
    position = node.shot_vector_position()
    drawable = shots_mod.drawable(position[0] if position else node.current_shots())
    if getattr(entry, "mixed", False):
        if entry.groups is not None and drawable:  # default.mixed's draws (qsym._mixed)
            return drawn_as_pennylane(node, entry, [(x, d)])[0], 1
        return entry.sampled_values(x, d, node.current_shots(), node.device.rng,
                                    measurements), 1
    sampler = entry.sampler()
    if sampler.groups is not None and drawable:
        return drawn_as_pennylane(node, sampler, [(x, d)])[0], 1
    return sampler.values(x, d, node.current_shots(), node.device.rng), 1


def drawn_as_pennylane(node, sampler, inputs):
    """The values of each ``(x, d)`` of a batch for the count of the shots being
    evaluated, drawn as PennyLane draws them (``sampler.batch_values``: a
    :class:`qsym._shots.Sampler`, or a ``default.mixed`` entry):
    a shot vector is drawn whole at its first count (each group all its shots, state by
    state) and its other counts' values are kept for their calls."""
    position = node.shot_vector_position()
    if position is None:
        per = sampler.batch_values(inputs, [node.current_shots()], node.device.rng)
        return [p[0] for p in per]
    counts, k = position
    key = id(sampler)
    if k == 0 or key not in node.shot_stash:
        node.shot_stash[key] = sampler.batch_values(inputs, counts, node.device.rng)
    return [p[k] for p in node.shot_stash[key]]


VALUES = {"exact": exact_values, "state": state_values, "sampled": sampled_values}


def batch_exact_values(node, element, X, D):
    """Every row of a batch in one compiled call."""
    if element.drawn:
        raise without_shots(node, element)
    if element.has_state:  # one state per row
        rows = [exact_values(node, element, X[b], D[b])[0] for b in range(X.shape[0])]
        return rows, X.shape[0]
    out = element.batch_value(X, D)
    return [measurements(element.post, row)[0] for row in out], X.shape[0]


def batch_sampled_values(node, element, X, D):
    """A batch drawn as PennyLane draws a broadcast tape: each group of measurements for
    every parameter set in turn (:func:`drawn_as_pennylane`); otherwise row by row."""
    position = node.shot_vector_position()
    if not element.has_state and shots_mod.drawable(
            [c * X.shape[0] for c in (position[0] if position else [node.current_shots()])]):
        sampler = element if getattr(element, "mixed", False) else element.sampler()
        if sampler.groups is not None:
            return drawn_as_pennylane(node, sampler, list(zip(X, D))), X.shape[0]
    return [sampled_values(node, element, X[b], D[b])[0] for b in range(X.shape[0])], X.shape[0]


BATCHED_VALUES = {"exact": batch_exact_values, "sampled": batch_sampled_values}


def broadcast_values(node, entry, x, d):
    """A broadcast signature's values, one array per measurement, batch first."""
    el = entry.element
    X, D = entry.inputs(x, d)
    kind = kind_of(node, el)
    batched = BATCHED_VALUES.get(kind)
    if batched is not None:
        per, runs = batched(node, el, X, D)
    else:
        rows = [VALUES[kind](node, el, X[b], D[b]) for b in range(entry.size)]
        per = [r[0] for r in rows]
        runs = entry.size  # a state counts here (one circuit per element)
    return entry.stack(per), runs


# --- Jacobians: (node, entry, x, d) -> ((rows, jac[row, input]), circuits run) -----------
def shift(node, entry, x, d):
    """Parameter shift: the value circuit and one per shift term."""
    return entry.value_and_grad(x, d), entry.plan.counted_executions


def adjoint(node, entry, x, d):
    """The adjoint method: one forward and one backward sweep (counted as one circuit)."""
    return entry.value_and_grad_adjoint(x, d), 1


def finite_diff(node, entry, x, d):
    """Finite differences of order ``node.approx_order`` with step ``node.h`` and
    ``node.strategy`` (PennyLane's; counted as PennyLane counts: :func:`fd_circuits`)."""
    columns, count = fd_inputs(entry)
    return (entry.value_and_grad_fd(x, d, node.h, node.approx_order, node.strategy, columns),
            fd_circuits(node.approx_order, node.strategy, count))


def fd_inputs(entry) -> tuple:
    """The inputs a finite-difference gradient of ``entry`` steps and the parameters it
    counts (:func:`qsym._plan.finite_difference_inputs`), found once per signature."""
    held = getattr(entry, "fd_inputs", None)
    if held is None:
        held = finite_difference_inputs(entry.circuit)
        try:
            entry.fd_inputs = held
        except AttributeError:  # (an entry kind without the field: found again next time)
            pass
    return held


def sampled_shift(node, entry, x, d):
    """Parameter shift with every shifted circuit sampled (what runs on hardware)."""
    if getattr(entry, "mixed", False):
        mixed.refuse_shot_gradient()
    sampler = entry.sampler()
    forward = not getattr(node, "backward_pass", False)
    # (autograd's backward pass: its forward pass drew and counted the value circuit; the
    # shifted circuits are PennyLane's second batch, tracker_info's "shifted")
    return (sampler.parameter_shift(x, d, node.current_shots(), node.device.rng, forward),
            entry.plan.counted_executions - (not forward))


def sampled_adjoint(node, entry, x, d):
    """``"best"`` samples by parameter shift; the adjoint method needs the exact state."""
    if getattr(entry, "mixed", False):
        mixed.refuse_shot_gradient()
    if node.resolved_method == "best":
        return sampled_shift(node, entry, x, d)
    refuse(node.resolved_method, node.device.name)


def sampled_finite_diff(node, entry, x, d):
    """Finite differences of sampled values (warns: the noise is divided by ``h``)."""
    if getattr(entry, "mixed", False):
        mixed.refuse_shot_gradient()
    out = entry.sampler().finite_differences(x, d, node.current_shots(), node.device.rng,
                                                 node.h, node.approx_order, node.strategy)
    return out, fd_circuits(node.approx_order, node.strategy, fd_inputs(entry)[1])


JACOBIANS = {
    ("exact", "parameter-shift"): shift,
    ("exact", "adjoint"): adjoint,
    ("exact", "finite-diff"): finite_diff,
    ("sampled", "parameter-shift"): sampled_shift,
    ("sampled", "adjoint"): sampled_adjoint,
    ("sampled", "finite-diff"): sampled_finite_diff,
}


def batch_shift(node, element, X, D):
    return element.batch_value_and_grad(X, D), X.shape[0] * element.plan.counted_executions


def batch_adjoint(node, element, X, D):
    return element.batch_value_and_grad_adjoint(X, D), X.shape[0]


BATCHED_JACOBIANS = {
    ("exact", "parameter-shift"): batch_shift,
    ("exact", "adjoint"): batch_adjoint,
}


def broadcast_jacobian(node, entry, x, d):
    """Values and Jacobians (by the whole arguments), one array per measurement, batch
    first."""
    el = entry.element
    X, D = entry.inputs(x, d)
    key = ("sampled" if node.current_shots() else "exact", node.method)
    batched = BATCHED_JACOBIANS.get(key)
    if batched is not None:
        (out, jac), runs = batched(node, el, X, D)
    else:
        rows = [JACOBIANS[key](node, el, X[b], D[b]) for b in range(entry.size)]
        out = np.stack([r[0][0] for r in rows])
        jac = np.stack([r[0][1] for r in rows])
        runs = sum(r[1] for r in rows)
    full = entry.scatter(jac)
    per = [measurements(el.post, out[b], full[b]) for b in range(entry.size)]
    return (entry.stack([p[0] for p in per]), entry.stack([p[1] for p in per])), runs


# the exact Jacobian executors a short path may run directly: (entry point, circuits run)
# (grad's short path, qsym._runtime._short_path: the entry point, then count's counters)
DIRECT = {shift: ("value_and_grad", None), adjoint: ("value_and_grad_adjoint", 1)}


def jacobian_executor(node, entry):
    """The Jacobian executor for ``entry`` now (samples and counts have none)."""
    if entry.drawn:
        if any(m.shadow[:1] == ("shadow_expval",) for m in entry.circuit.measurements):
            raise ShadowDerivative(NO_SHADOW_GRADIENT)
        if any(m.shadow for m in entry.circuit.measurements):
            raise DifferentiationError(NO_SHADOW_GRADIENT)
        raise DifferentiationError(NO_GRADIENT)
    if entry.broadcast:
        return broadcast_jacobian
    if node.resolved_method == "hadamard" and not node.current_shots():
        return hadamard
    return JACOBIANS["sampled" if node.current_shots() else "exact", node.method]


def hadamard(node, entry, x, d):
    """``diff_method="hadamard"`` where nothing observes its circuits (no shots, no
    ``qml.Tracker``: else the QNode runs PennyLane's tapes): the Hadamard test is exact on
    a simulator, so its Jacobian is the compiled exact one (parameter shift's); the device
    counts the circuits PennyLane's Hadamard gradient runs, the value circuit and one per
    test (``entry.hadamard_runs``, set by the check of :mod:`qsym.gradients` on the
    QNode's tape, ``qsym._runtime.DERIVATIVE_CHECKS``)."""
    result, runs = shift(node, entry, x, d)
    return result, getattr(entry, "hadamard_runs", runs)


def values_executor(node, entry):
    """The value executor for ``entry`` now."""
    if entry.broadcast:
        return broadcast_values
    return VALUES["sampled" if node.current_shots() else "state" if entry.is_state else "exact"]


# --- a QNode's Jacobian at its arguments: (node, entry, xs, ds) -> (values, jac) ----------
def rows_jacobian(node, entry, xs, ds):
    """The compiled rows and their Jacobian, by the QNode's ``diff_method``
    (:func:`jacobian_executor`; a zero block of a state preparation's inputs:
    :func:`qsym.templates.zero_block_jacobian`)."""
    executor = jacobian_executor(node, entry)
    try:
        return execute(node, entry, executor, flat(xs), flat(ds), (xs, ds))
    except templates.ZeroBlock as exc:  # a zero block of a state preparation's inputs
        result = templates.zero_block_jacobian(node, entry, executor, flat(xs), flat(ds), exc)
        if unnormalized_prep(node, entry):
            result = templates.unnormalized_rows(entry, flat(xs), flat(ds), result)
        return result


def state_jacobian(node, entry, xs, ds):
    """``(values, jacs)`` per measurement of a signature that returns ``qml.state()``:
    the state's Jacobian is complex, ``(2**n, inputs)``, exact (the reference
    interpreter's forward mode, :func:`qsym._ir.state_jacobian`: what PennyLane's
    backprop differentiates), the other measurements' by ``diff_method``
    (:func:`rows_jacobian`). Not with finite shots or broadcasting
    (:class:`~qsym.errors.DifferentiationError`)."""
    if node.current_shots():
        raise DifferentiationError(STATE_WITH_SHOTS)
    if entry.broadcast:
        raise DifferentiationError(
            "the derivative of qml.state() for a batch of parameter sets is not "
            "supported; differentiate one parameter set at a time")
    x, d = flat(xs), flat(ds)
    if node.method == "finite-diff":  # the values differenced, as every finite difference
        return fd_state_jacobian(node, entry, xs, ds)
    try:
        _, dpsi = (entry.density_jacobian(x, d) if getattr(entry, "mixed", False)
                   else ir.state_jacobian(entry.circuit, x, d))
    except GateError as exc:
        raise DifferentiationError(str(exc)) from None
    if not np.all(np.isfinite(dpsi)):
        raise DifferentiationError(
            "qml.state() is not differentiable at these inputs (a state preparation's "
            "angles are singular here); differentiate probs, expval or var instead")
    if entry.is_state:
        values = jacs = [None] * len(entry.post)
    else:
        values, jacs = measurements(entry.post, *rows_jacobian(node, entry, xs, ds))
    psi = state(entry, x, d)
    if unnormalized_prep(node, entry):  # PennyLane's backprop: the unnormalized amplitudes
        dpsi = templates.unnormalized_state(entry, x, d, psi, dpsi,
                                            getattr(entry, "mixed", False))
    values = with_state(entry, values, psi)
    return values, with_state(entry, jacs, psi, dpsi)


def fd_state_jacobian(node, entry, xs, ds):
    """:func:`state_jacobian` with ``diff_method="finite-diff"``: the Jacobians of
    ``qml.state()`` and its quantities (``qml.density_matrix``, ``qml.purity``,
    ``qml.vn_entropy``, ``qml.mutual_info``, ...) are finite differences of their values
    (PennyLane's ``finite_diff`` differences its shifted circuits' results; the exact
    state Jacobian chained through a nonlinear quantity would differ from it by O(h)), the
    other measurements' as :func:`rows_jacobian` makes them."""
    x, d = flat(xs), flat(ds)
    blank = [None] * len(entry.post)
    at = [i for i, (kind, *_) in enumerate(entry.post) if kind == "state"]
    columns, negated, steps = state_difference_facts(entry)
    try:
        c = entry.circuit
        if getattr(entry, "mixed", False):
            chain, _, moved = entry.fd_steps(x, d, columns, state=True)
            dim = 2 ** entry.n

            def psi_at(step):
                return moved(step)[0].reshape(dim, dim)
        else:
            chain, psi_at = ir_state_steps(c, x, d, columns, steps)

        def quantities(step):
            got = with_state(entry, blank, psi_at(step))
            return np.concatenate([np.ravel(got[i]) for i in at])

        _, jac = parameter_differences(quantities, x.shape[0], chain, node.h,
                                       node.approx_order, node.strategy, negated=negated)
    except ValueError as exc:
        raise_nonfinite(entry.circuit, xs, ds, exc)
    if entry.is_state:
        out, jacs = [None] * len(entry.post), [None] * len(entry.post)
    else:
        out, jacs = measurements(entry.post, *rows_jacobian(node, entry, xs, ds))
    psi = state(entry, x, d)
    out = with_state(entry, out, psi)
    first = 0
    for i in at:
        shape, real = np.shape(out[i]), not np.iscomplexobj(out[i])
        size = int(np.prod(shape))
        block = jac[first : first + size].reshape(shape + (x.shape[0],))
        jacs[i] = block.real.copy() if real else block
        first += size
    return out, jacs


def state_difference_facts(entry) -> tuple:
    """``(columns, negated, steps)`` of :func:`fd_state_jacobian` for ``entry``, derived
    once per signature (sympy: no sympy calculus on the call path): the inputs it steps
    (:func:`qsym._plan.state_difference_inputs`), the ``(op, position)`` slots whose angle
    is a negated parameter (:func:`qsym._plan.negated_angle`), and :func:`state_steps`."""
    held = getattr(entry, "fd_state_facts", None)
    if held is None:
        c = entry.circuit
        columns = state_difference_inputs(c)
        negated = frozenset((k, pos) for k, op in enumerate(c.ops)
                            for pos, p in enumerate(op.params) if negated_angle(p))
        held = (columns, negated, state_steps(c, columns))
        try:
            entry.fd_state_facts = held
        except AttributeError:  # (an entry kind without the field: found again next time)
            pass
    return held


def state_steps(c, columns) -> tuple:
    """``((op, position), input, d theta / d x as a sympy expression)`` for the ``columns``
    inputs and the slots of the ops that can influence a state measurement's wires
    (:func:`qsym._plan.state_cone`), in op order: the chain of :func:`ir_state_steps`."""
    column = {s: j for j, s in enumerate(c.inputs)}
    wanted, cone = set(columns), state_cone(c)
    out = []
    for k, op in enumerate(c.ops):
        if not cone[k]:
            continue
        for pos, p in enumerate(op.params):
            p = sp.sympify(p)
            free = sorted((s for s in p.free_symbols if s in column and column[s] in wanted),
                          key=column.get)
            out.extend(((k, pos), column[s], sp.diff(p, s)) for s in free)
    return tuple(out)


def ir_state_steps(c, x, d, columns, steps=None) -> tuple:
    """``(chain, psi_at)`` of a finite difference of the state in the gate parameters
    (:func:`qsym._shapes.parameter_differences`), by the reference interpreter (as the
    exact state Jacobian, :func:`qsym._ir.state_jacobian`): ``chain`` holds ``((op,
    position), input, d theta / d x)`` for the ``columns`` inputs and the ops that can
    influence a state measurement's wires (:func:`qsym._plan.state_cone`); ``psi_at(step)``
    is the final state with ``step`` (``None`` or ``("slot", (op, position), t)``)."""
    values = ir.input_values(c, x, d)
    pars = [[ir.evaluate(p, values) for p in op.params] for op in c.ops]
    steps = state_steps(c, columns) if steps is None else steps
    chain = [(slot, j, ir.evaluate(slope, values)) for slot, j, slope in steps]

    def psi_at(step):
        psi = np.zeros((2,) * c.num_wires, dtype=complex)
        psi[(0,) * c.num_wires] = 1.0
        for k, op in enumerate(c.ops):
            q = pars[k]
            if step is not None and step[1][0] == k:
                q = list(q)
                q[step[1][1]] += step[2]
            psi = ir.apply_matrix(psi, numeric_matrix_function(*op.variant)(*q), op.wires)
        return psi.reshape(-1)

    return chain, psi_at


def state_hessian(node, entry, xs, ds):
    """``(values, jacs, hessians)`` per measurement of a signature that returns
    ``qml.state()``: the state's Hessian is complex, ``(2**n, inputs, inputs)``, exact
    (:func:`qsym._ir.state_hessian`, second-order forward mode; what PennyLane's backprop
    differentiates twice), the other measurements' by second-order parameter shift
    (:func:`exact_hessian`). Only the plain state: a quantity of it (``qml.density_matrix``,
    ``qml.vn_entropy``, ...) or a postselected state raises
    :class:`~qsym.errors.DifferentiationError`, as do shots and broadcasting (the
    callers refuse those first)."""
    c = entry.circuit
    if any(m.reduce or m.post for m in c.measurements if m.kind == "state"):
        raise DifferentiationError(
            "second derivatives of a quantity of the state (qml.density_matrix, qml.purity, "
            "qml.vn_entropy, qml.mutual_info) or of a postselected qml.state() are not "
            "supported; differentiate qml.state() itself twice, or expval, var or probs")
    x, d = flat(xs), flat(ds)
    try:
        psi, dpsi, d2psi = ir.state_hessian(c, x, d)
    except GateError as exc:
        raise DifferentiationError(str(exc)) from None
    if not (np.all(np.isfinite(dpsi)) and np.all(np.isfinite(d2psi))):
        raise DifferentiationError(
            "qml.state() is not twice differentiable at these inputs (a state preparation's "
            "angles are singular here); differentiate probs, expval or var instead")
    if unnormalized_prep(node, entry):  # PennyLane's backprop: the unnormalized amplitudes
        dpsi, d2psi = templates.unnormalized_state2(entry, x, d, psi, dpsi, d2psi)
    if entry.is_state:
        values = jacs = hessians = [None] * len(entry.post)
    else:
        out, jac, hess = execute(node, entry, exact_hessian, x, d, (xs, ds))
        values, jacs, hessians = second_order.measurements2(entry.post, out, jac, hess)
    return (with_state(entry, values, psi), with_state(entry, jacs, psi, dpsi),
            with_state(entry, hessians, psi, d2psi))


def exact_hessian(node, entry, x, d):
    """Rows, Jacobian and Hessian by second-order parameter shift."""
    shifted = sum(1 for t in entry.plan.terms if not t.zero)
    return second_order.rows_hessian(entry, x, d), entry.plan.executions * (1 + shifted)


def sampled_hessian(node, entry, x, d):
    """Rows, Jacobian and Hessian by second-order parameter shift with every circuit
    sampled with the QNode's current shots (PennyLane's parameter shift of its sampled
    parameter-shift Jacobian): ``(1 + shifted terms)**2`` circuits."""
    if getattr(entry, "mixed", False):
        mixed.refuse_shot_gradient()
    gradient = second_order.sampled_gate_gradient(entry, node.current_shots(), node.device.rng)
    shifted = sum(1 for t in entry.plan.terms if not t.zero)
    return (second_order.rows_hessian(entry, x, d, gradient),
            entry.plan.executions * (1 + shifted) ** 2)


def raise_nonfinite(circuit, xs, ds, exc):
    """The compiled code refused a NaN or infinite input: say which argument had it.
    qsym's own errors (``ArgumentError`` is a ``ValueError`` too) are raised as they are."""
    if isinstance(exc, QsymError):
        raise exc
    for kind, arrays in (("differentiated argument", xs), ("data argument", ds)):
        for k, a in enumerate(arrays):
            arr = np.asarray(a, dtype=float)
            if not np.all(np.isfinite(arr)):
                bad = "NaN" if np.isnan(arr).any() else "infinite"
                raise ArgumentError(
                    f"{kind} number {k} contains {bad} values ({arr!r}); circuit inputs must "
                    "be finite"
                ) from None
    if "gate parameter" in str(exc):
        x, d = flat(xs), flat(ds)
        values = ir.input_values(circuit, x, d)
        for k, op in enumerate(circuit.ops):
            for p in op.params:
                v = complex(sp.sympify(p).xreplace(values).evalf())
                if not (np.isfinite(v) and v.imag == 0):
                    raise ArgumentError(
                        f"op {k}, {op.name}({p}), has a non-real or non-finite parameter ({v}) "
                        "at these inputs (e.g. sqrt or log of a negative number): check the "
                        "classical processing in the circuit"
                    ) from None
        # finite at the inputs: finite differences stepped out of the domain
        raise ArgumentError(
            "a gate parameter is not finite at a point finite differences evaluate next to "
            "these inputs (x +- h): the classical processing in the circuit is undefined "
            "there (e.g. arcsin beyond 1, sqrt or log below 0); use diff_method="
            "'parameter-shift' or 'adjoint' (exact, evaluated at the inputs only)"
        ) from None
    raise exc
