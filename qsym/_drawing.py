"""Drawings of circuits (``qml.draw`` as text, ``qml.draw_mpl`` with matplotlib) and numeric
gate matrices (``qml.matrix``).

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def c(x):
...     qml.RX(x, wires=0)
...     qml.CNOT(wires=[0, 1])
...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
>>> print(qml.draw(c)(0.5))
0: ──RX(0.50)─╭●─┤ ╭<Z@Z>
1: ───────────╰X─┤ ╰<Z@Z>
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Hashable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from ._ir import Circuit, evaluate, input_values
from ._plan import finite_difference_inputs
from ._shapes import fd_circuits, flat as _flat
from ._trace import OneRun, active_tape, without_carriers

# PennyLane's labels, and the controlled gates' (number of controls, target label)
from ._operations import CONTROLLED_LABELS as _CONTROLLED, LABELS as _LABELS, METHODS as _METHODS  # noqa: E402
from ._operations import OperatorRecord  # noqa: E402
from .errors import CustomMeasurementError, GateError, LevelError, TransformError, WireError  # noqa: E402
from .wires import order_list


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def _value(p, values):
    """A gate parameter's number: a traced expression at ``values`` (a list of them, one per
    parameter set of a broadcast call: the array of its values, or one number where they all
    agree); a recorded number as it is (an array where it is broadcast)."""
    if hasattr(p, "free_symbols"):
        if isinstance(values, list):
            batch = np.array([evaluate(p, v) for v in values])
            batched = getattr(values, "batched", None)
            if batched is not None:  # PennyLane's M<i>: a parameter of a batched input
                return batch if p.free_symbols & batched else float(batch[0])
            return float(batch[0]) if np.all(batch == batch[0]) else batch
        return evaluate(p, values)
    a = np.asarray(p)
    return a if a.ndim else float(np.real(a))


class _Sets(list):
    """The input values of each parameter set of a broadcast call; ``batched``: the
    symbols whose values come from a batch axis (None: decided by the values)."""

    batched = None


def _param_text(v, decimals, matrices) -> str:
    """PennyLane's text of one gate parameter in a label: a number to ``decimals`` (nothing
    where ``decimals`` is None), an array (a broadcast parameter) as ``M<i>``, its entry in
    the drawing's list of matrices (the first one ``allclose`` to it, else a new one)."""
    if np.ndim(v) == 0:
        return "" if decimals is None else _fmt(v, decimals)
    for i, M in enumerate(matrices):
        if np.shape(M) == np.shape(v) and np.allclose(M, v):
            return f"M{i}"
    matrices.append(v)
    return f"M{len(matrices) - 1}"


def _results(result) -> list:
    """The measurements a circuit function returned, as a list."""
    from ._operations import MeasurementProcess
    from ._shapes import tree_spec

    return tree_spec(result, lambda m: isinstance(m, MeasurementProcess))[1] or []


def _controls(op) -> tuple:
    """``(control wire indices, their values, label of the rest)`` of a gate."""
    name = op.name
    if name in _CONTROLLED:
        k, base = _CONTROLLED[name]
        return op.wires[:k], (1,) * k, base
    if name == "MultiControlledX":
        values = dict(op.hyper).get("control_values") or (1,) * (len(op.wires) - 1)
        return op.wires[:-1], tuple(values), "X"
    if name.startswith("C") and "_" in name and name[1 : name.index("_")].isdigit():
        k = int(name[1 : name.index("_")])  # qml.ctrl's C<k>_<gate> rows
        base = name[name.index("_") + 1 :].split("_")[0]
        return op.wires[:k], (1,) * k, _LABELS.get(base, base)
    return (), (), _LABELS.get(name, name)


def _op_label(op, base: str, values: dict, decimals, matrices: list, labels=None) -> str:
    own = _users_label(op, values, decimals, matrices, labels)
    if own is not None:
        return own
    if op.name == "QubitUnitary":
        U = np.array(dict(op.hyper)['U'], dtype=complex)
        return f"U(M{_matrix_index(U.real if not np.any(U.imag) else U, matrices)})"
    if op.name == "PauliRot":
        base = "R" + dict(op.hyper)["pauli_word"]
    if op.name == "QubitChannel":  # its Kraus matrices are its parameters (PennyLane's data)
        kraus = [np.asarray(K) for K in dict(op.hyper)["K_list"]]  # (as given: its dtype)
        return base + "(" + ",".join(f"M{_matrix_index(K, matrices)}" for K in kraus) + ")"
    texts = [t for p in op.params if (t := _param_text(_value(p, values), decimals, matrices))]
    return base + "(" + ",".join(texts) + ")" if texts else base


def _users_label(op, values, decimals, matrices, labels=None) -> str | None:
    """The label of a gate whose class's ``label`` method the user set
    (``qml.QubitUnitary.label = my_label``, as PennyLane's constant-depth MPS demo does):
    PennyLane's drawers call ``op.label(decimals=..., cache=...)`` of every operator, so the
    user's method draws it, called on the gate as an operator (a traced gate at the drawn
    values, on the user's wire ``labels``). None where the class's method is qsym's own.

    >>> import qsym as qml
    >>> def short(self, decimals=None, base_label=None, cache=None):
    ...     return f"U<{self.wires[0]}>"
    >>> saved, qml.QubitUnitary.label = qml.QubitUnitary.label, short
    >>> print(qml.draw(qml.qnode(qml.device("default.qubit"))(
    ...     lambda: (qml.QubitUnitary(qml.numpy.eye(2), wires="a"), qml.state())[1]))())
    a: ──U<a>─┤  State
    >>> qml.QubitUnitary.label = saved
    """
    from ._operations import GATE_CLASSES, Operation
    from ._trace import Tape, recording

    cls = GATE_CLASSES.get(op.name)
    method = getattr(cls, "label", None)
    if method is None or _qsyms_own(method):
        return None
    if not isinstance(op, Operation):  # a traced gate: its operator at the drawn values
        wires = [labels[w] for w in op.wires] if labels is not None else list(op.wires)
        with recording(Tape()):  # (made aside: no circuit records it)
            op = cls(*(_value(p, values) for p in op.params), wires=wires, **dict(op.hyper))
    return str(op.label(decimals=decimals, cache={"matrices": matrices})).replace("\n", "")


def _qsyms_own(function) -> bool:
    """Whether ``function`` is qsym's own: of a qsym module and written in a source file,
    not in a doctest or an ``exec`` run with a qsym module's globals (whose functions claim
    that module's name; their code's file is ``<doctest ...>``, ``<string>``)."""
    code = getattr(function, "__code__", None)
    module = getattr(function, "__module__", None) or ""
    return (module.split(".")[0] == "qsym"
            and not (code is not None and code.co_filename.startswith("<")))


def _layers(spans: list) -> list[list[int]]:
    """PennyLane's drawable layers: each item (its span of drawn rows, min..max) goes in
    the first layer after the last one occupying any row of its span."""
    layers: list[list[int]] = []
    top: dict[int, int] = {}
    for k, (lo, hi) in enumerate(spans):
        layer = max((top.get(r, -1) for r in range(lo, hi + 1)), default=-1) + 1
        while len(layers) <= layer:
            layers.append([])
        layers[layer].append(k)
        for r in range(lo, hi + 1):
            top[r] = layer
    return layers


def _group(strs: list, rows: list) -> None:
    """``╭``, ``├``, ``│``, ``╰`` over the span of a multi-row item (PennyLane's grouping)."""
    if len(rows) > 1:
        lo, hi = min(rows), max(rows)
        strs[lo], strs[hi] = "╭", "╰"
        for r in range(lo + 1, hi):
            strs[r] = "├" if r in rows else "│"


def _elbow(note, row_of):
    """``(rows, control values, closing)`` where PennyLane's drawer draws a box as an elbow
    (its ``_add_left_elbow`` / ``_add_right_elbow``): a ``TemporaryAND`` (``●``/``○`` on its
    two controls, ``⊕`` on its target, bracketed ``╭├╰``) or its adjoint (the same marks,
    closed by ``╮┤╯`` after them); None for any other drawn item."""
    if note is None or note[0] != "group" or note[4]:
        return None
    from ._opmath import AdjointOperation

    op, closing = note[2], False
    if ((isinstance(op, AdjointOperation) or getattr(type(op), "labels_an_adjoint", False))
            and getattr(type(op.base), "drawn_as_elbow", False)):
        op, closing = op.base, True
    if not getattr(type(op), "drawn_as_elbow", False):
        return None
    rows = [row_of.get(w) for w in note[3]]
    if len(rows) != 3 or None in rows:
        return None
    return rows, tuple(op.hyperparameters["control_values"]), closing


def _row_starts(labels, rows, n, show_wire_labels, continuation=False) -> list:
    """The start of each drawn row: its wire label (right-aligned), and ``··· `` on a
    continuation line (PennyLane's wrapping)."""
    prefix = "··· " if continuation else ""
    if not show_wire_labels:
        return [prefix] * n
    heads = [f"{labels[w]}: " + prefix for w in rows]
    width = max(len(t) for t in heads)
    return [t.rjust(width) for t in heads]


def _elbow_drawn(strs: list, note, row_of) -> bool:
    """Whether the item of annotation ``note`` is an elbow (:func:`_elbow`), then drawn into
    one layer's ``strs`` with PennyLane's marks."""
    elbow = _elbow(note, row_of)
    if elbow is None:
        return False
    rows, values, closing = elbow
    if not closing:
        _group(strs, rows)
    for r, mark in zip(rows, ("●" if values[0] else "○", "●" if values[1] else "○", "⊕")):
        strs[r] += mark
    if closing:
        lo, hi = min(rows), max(rows)
        for r in range(lo + 1, hi):  # (PennyLane's filler on the wires it does not act on)
            if r not in rows:
                strs[r] += "─"
        strs[lo] += "╮"
        strs[hi] += "╯"
        for r in range(lo + 1, hi):
            strs[r] += "┤" if r in rows else "│"
    return True


def _obs_label(obs, matrices, decimals=None) -> str | None:
    """PennyLane's label of a measured observable as written (``X``, ``Z@X``, ``𝓗(M0)``
    for a Hermitian matrix, a sum's ``𝓗`` with up to three parameters and a scalar product's
    ``2.00*Z`` to ``decimals``), or
    None to label it from its Pauli words."""
    from ._operations import (BasisStateProjector, Observable, Operation, SProd,
                              StateVectorProjector, Sum, UnmeasuredOperator)

    if isinstance(obs, UnmeasuredOperator):  # (a CV observable of default.gaussian: <n>)
        return obs.op.label(decimals=decimals, cache={"matrices": matrices}).replace("\n", "")
    if isinstance(obs, (Sum, SProd)):  # PennyLane's labels (coefficients to decimals)
        return obs.label(decimals=decimals, cache={"matrices": matrices}).replace("\n", "")
    if isinstance(obs, Operation):
        return _LABELS.get(obs.name, obs.name)
    if isinstance(obs, (BasisStateProjector, StateVectorProjector)):
        return obs.label(cache={"matrices": matrices})
    if isinstance(obs, Observable) and getattr(obs, "_adjoint_base", None) is not None:
        inner = _obs_label(obs._adjoint_base, matrices, decimals)  # qml.adjoint(Hermitian):
        return None if inner is None else f"{inner}†"  # PennyLane's 𝓗(M0)†
    if isinstance(obs, Observable) and getattr(obs, "_matrix", None) is not None:
        given = getattr(obs, "_given", None)  # shown as given, as PennyLane prints it
        return f"𝓗(M{_matrix_index(np.asarray(obs._matrix if given is None else given), matrices)})"
    if isinstance(obs, Observable) and getattr(obs, "_source", None):
        return _LABELS.get(obs._source, obs._source)  # a gate used as an observable
    if isinstance(obs, Observable) and len(obs.terms) == 1:
        (word, c), = obs.terms.items()
        letters = dict(word)
        order = getattr(obs, "_order", None) or [w for w, _ in word]
        if c == 1 and word:  # (an identity factor written in a product: its I, PennyLane's)
            return "@".join(letters.get(w, "I") for w in order
                            if w in letters or getattr(obs, "_order", None))
    return None


def _group_label(note, decimals, matrices) -> str:
    """The label of a box (an ``("group", key, labeller, ...)`` annotation): its
    template's PennyLane label, on one line."""
    return note[2].label(decimals=decimals, cache={"matrices": matrices}).replace("\n", "")


def _matrix_index(U, matrices) -> int:
    for i, M in enumerate(matrices):
        if M.shape == U.shape and np.array_equal(M, U):
            return i
    matrices.append(U)
    return len(matrices) - 1


# PennyLane's labels of the quantities of the state
_REDUCED_LABELS = {"density_matrix": "DensityMatrix", "vn_entropy": "vnentropy",
                   "mutual_info": "mutualinfo", "purity": "purity"}


def _measurement_label(m, circuit, note=None, matrices=None, decimals=None) -> str:
    if note is not None:
        obs = _obs_label(note, matrices, decimals)
        if obs is not None:
            return {"expval": f"<{obs}>", "var": f"Var[{obs}]", "probs": f"Probs[{obs}]",
                    "sample": f"Sample[{obs}]", "counts": f"Counts[{obs}]"}[m.kind]
    if m.label[1:2] == ("MeasurementValue",):  # a statistic of mid-circuit measurements
        return {"expval": "<None>", "var": "Var[None]", "sample": "Sample",
                "counts": "Counts"}.get(m.kind, m.kind)
    if m.kind == "state":
        return _REDUCED_LABELS[m.reduce[0]] if m.reduce else "State"
    if m.kind in ("probs", "sample", "counts") and not m.terms:
        return {"probs": "Probs", "sample": "Sample", "counts": "Counts"}[m.kind]
    if len(m.terms) == 1 and m.terms[0][0] == 1:
        obs = "@".join(p for _, p in m.terms[0][1]) or "I"
    else:
        obs = "𝓗"
    return {"expval": f"<{obs}>", "var": f"Var[{obs}]", "sample": f"Sample[{obs}]",
            "counts": f"Counts[{obs}]"}.get(m.kind, obs)


def _wireless(m) -> bool:
    """Whether the measurement ``m`` was written without wires or an observable
    (``qml.state()``, ``qml.probs()``, ``qml.sample()``): PennyLane's tape gives it no
    wires, so it is drawn on the wires the gates use, without a bracket."""
    written = getattr(m, "label", ())  # (name, observable, wires written, ...)
    return (m.kind == "state" and not m.reduce) or (
        len(written) > 2 and not written[1] and written[2] == 0)


def _layout(circuit: Circuit, x, d, wire_order, show_all_wires, annotations, on_device=None):
    """What :func:`draw_circuit` and :func:`draw_mpl` draw: the rows (wires shown, in
    order), the ops and measurements in PennyLane's layers, the parameter values; None if
    no wire is shown. ``on_device`` (the device's wires, at ``level="device"``): a measurement
    written without wires is on every one of them, as PennyLane's device preprocessing
    gives it them."""
    values = input_values(circuit, x, d)
    m_notes = None
    if annotations is not None:
        annotations, m_notes, *barriers = annotations
        circuit, annotations = _grouped(circuit, annotations, *barriers)
    labels = list(circuit.wire_labels) or list(range(circuit.num_wires))
    for op in circuit.ops:  # a barrier's wires are the tape's (drawn, though no gate acts there)
        if isinstance(op, _BarrierOp):
            labels += [w for w in op.labels if w not in labels]
            op.wires = tuple(labels.index(w) for w in op.labels)
    used = set()
    for op in circuit.ops:
        used.update(op.wires if op.name != "GlobalPhase" else ())
    if on_device is not None:  # the device's wires: those of a measurement without wires
        labels += [w for w in on_device if w not in labels]
    for m in circuit.measurements:
        if _wireless(m):  # state(), probs() of no wires: drawn on the wires used only
            if on_device is not None:
                used.update(labels.index(w) for w in on_device)
            continue
        used.update(w for part in m.reduce[1:] if isinstance(part, tuple) for w in part)
        used.update(m.wires)
    for note in m_notes or ():
        own = (getattr(note, "_mwires", None) or getattr(note, "_source_wires", None)
               or getattr(note, "wires", None) or ())
        used.update(labels.index(w) for w in own if w in labels)
    # wires of wire_order the circuit does not have: empty rows, shown with show_all_wires
    # (PennyLane's), else left out
    labels += [w for w in (wire_order or ()) if w not in labels]
    order = [labels.index(w) for w in wire_order] if wire_order is not None else []
    order += [i for i in range(len(labels)) if i not in order]
    rows = [i for i in order if show_all_wires or i in used]
    if not rows:
        return None
    row_of = {w: r for r, w in enumerate(rows)}
    n = len(rows)

    def span(ws):
        rs = [row_of[w] for w in ws if w in row_of]
        return (min(rs), max(rs)) if rs else (0, n - 1)

    ops = list(circuit.ops)
    op_spans = [span(op.wires if op.name != "GlobalPhase" else range(circuit.num_wires))
                for op in ops]
    meas = list(circuit.measurements)

    def m_wires(m):
        if on_device is not None and _wireless(m):
            return [labels.index(w) for w in on_device]
        if m.reduce:
            return [w for part in m.reduce[1:] if isinstance(part, tuple) for w in part]
        if m.kind == "state" or (m.kind in ("probs", "sample", "counts") and not m.terms):
            return list(m.on) if m.kind != "state" else list(range(circuit.num_wires))
        return list(dict.fromkeys(w for _, word in m.terms for w, _ in word))

    if m_notes:  # the observable's own wires where its Pauli words have none (Identity)
        def m_wires(m, _plain=m_wires, _notes=dict(zip(map(id, meas), m_notes))):
            note = _notes.get(id(m))
            own = (getattr(note, "_mwires", None) or getattr(note, "_source_wires", None)
                   or getattr(note, "wires", None))
            if m.kind in ("expval", "var") and own and (
                    not _plain(m) or getattr(note, "_order", None)):  # (identities written too)
                return [row_w for row_w in (labels.index(w) for w in own)]
            return _plain(m)

    m_spans = [span(m_wires(m)) for m in meas]
    op_layers = _layers(op_spans)
    m_layers = _layers(m_spans)
    return SimpleNamespace(on_device=on_device, values=values, circuit=circuit, annotations=annotations,
                           m_notes=m_notes, labels=labels, rows=rows, row_of=row_of, n=n,
                           ops=ops, meas=meas, m_wires=m_wires, op_layers=op_layers,
                           m_layers=m_layers)


def draw_circuit(circuit: Circuit, x=(), d=(), decimals=2, wire_order=None,
                 show_all_wires=False, max_length=100, show_matrices=True,
                 annotations=None, show_wire_labels=True, matrix_gap=True,
                 on_device=None, batch=None) -> str:
    """Draw a traced circuit with its parameters evaluated at inputs ``x`` and data ``d``,
    in PennyLane's text format (``qml.draw``): one row per wire, gates in layers, the
    measurements after ``┤``; ``decimals=None`` leaves parameters out; matrices of
    ``QubitUnitary`` gates are listed below as ``M0 = ...``.

    ``annotations`` (optional, one per op, see :func:`_annotations`): ``("group", key,
    labeller, wire indices, control indices, control values)`` draws the ops with the
    same key as one box (a template: its label, ``|Ψ⟩`` for a state preparation; dots on
    the control wires of a controlled one); ``("adjoint", original gate)`` labels an op as the adjoint of
    the original (``RX(0.50)†``). ``batch`` (``(xs, ds)``, one row per parameter set of a
    broadcast call): a parameter whose values differ between the sets is drawn ``M<i>``
    and its values listed below, as PennyLane draws a broadcast parameter."""
    lay = _layout(circuit, x, d, order_list(wire_order), show_all_wires, annotations, on_device)
    if lay is None:
        return ""
    if batch is not None:
        lay.values = _Sets(input_values(circuit, bx, bd) for bx, bd in zip(*batch[:2]))
        lay.values.batched = batch[2] if len(batch) > 2 else None
    values, circuit, annotations, m_notes = lay.values, lay.circuit, lay.annotations, lay.m_notes
    labels, rows, row_of, n, ops, meas = lay.labels, lay.rows, lay.row_of, lay.n, lay.ops, lay.meas
    m_wires, op_layers, m_layers = lay.m_wires, lay.op_layers, lay.m_layers
    matrices: list = []

    def start(continuation=False):
        return _row_starts(labels, rows, n, show_wire_labels, continuation)

    totals = start()
    finished: list[str] = []
    op_layers = op_layers or [[]]  # no gates: one empty layer before the ┤, as PennyLane
    all_layers = [(True, L) for L in op_layers] + [(False, L) for L in m_layers]
    last_op_layer = len(op_layers) - 1
    for i, (is_op, layer) in enumerate(all_layers):
        fill = "─" if is_op else " "
        strs = [fill] * n
        for k in layer:
            if is_op:
                op = ops[k]
                if isinstance(op, _BarrierOp):  # PennyLane's ||, bracketed if it has wires
                    rs = [row_of[w] for w in op.wires if w in row_of] or range(n)
                    if op.wires:
                        _group(strs, rs)
                    for r in rs:
                        strs[r] += op.control_marks(row_of).get(r) or op.drawn_text(decimals)
                    continue
                ws = op.wires if op.name != "GlobalPhase" else tuple(rows_w for rows_w in rows)
                rs = [row_of[w] for w in ws if w in row_of]
                note = annotations[k] if annotations is not None else None
                if _elbow_drawn(strs, note, row_of):  # (PennyLane's TemporaryAND marks)
                    continue
                _group(strs, rs)
                ctrl_w, ctrl_v, base = _controls(op)
                if note is not None and note[0] == "group":
                    ctrl_w, ctrl_v, label = note[4], note[5], _group_label(note, decimals, matrices)
                elif note is not None and note[0] == "adjoint":
                    ctrl_w, ctrl_v, label = _adjoint_drawn(note[1], ctrl_w, ctrl_v, decimals,
                                                           matrices)
                else:
                    label = _noted_label(op, base, values, decimals, matrices, note, ctrl_w, labels)
                for w, v in zip(ctrl_w, ctrl_v):
                    if w in row_of:
                        strs[row_of[w]] += "●" if v else "○"
                for w in ws:
                    if w not in ctrl_w and w in row_of:
                        strs[row_of[w]] += label
            else:
                m = meas[k]
                rs = [row_of[w] for w in m_wires(m) if w in row_of]
                if on_device is not None or not _wireless(m):
                    _group(strs, rs)  # PennyLane groups measurements with wires only
                label = _measurement_label(m, circuit, m_notes[k] if m_notes else None, matrices,
                                           decimals)
                for r in rs:
                    strs[r] += label
        cw = max(len(s) for s in strs)
        strs = [s.ljust(cw, fill) for s in strs]
        # PennyLane's wrapping: a line that would pass max_length (keeping room for the
        # " ···" that ends a wrapped line) continues below, after "··· "
        limit = max_length - 4 if i < len(all_layers) - 1 else max_length
        if len(totals[0]) + cw > limit - 1:  # (the first layer too: PennyLane's)
            finished += [t + " ···" for t in totals]
            finished[-1] += "\n"
            totals = start(continuation=True)
        totals = [fill.join([t, s]) for t, s in zip(totals, strs)]
        if is_op and i == last_op_layer:
            totals = [t + "─┤" for t in totals]
    out = "\n".join(finished + totals)
    if show_matrices and matrices:
        if matrix_gap:  # a QNode's drawing: a blank line before them (a function's: none)
            out += "\n"
        for i, M in enumerate(matrices):
            out += f"\nM{i} = \n{M}"
    return out


class _Box:
    """A drawn op standing for the ops of one box (a template)."""

    def __init__(self, wires):
        self.name, self.wires, self.params, self.hyper = "|Ψ⟩", tuple(wires), (), ()


class _BarrierOp:
    """A drawn ``qml.Barrier`` (``||``) on the wires labelled ``labels`` (none: every drawn
    wire, without a bracket, as PennyLane draws a barrier made without wires); ``wires``,
    their indices among the drawing's wires, are set by :func:`_layout`."""

    def __init__(self, labels, text="||", source=None):
        self.name, self.labels, self.params, self.hyper = "Barrier", tuple(labels), (), ()
        self.wires, self.text = (), text  # (a qml.Snapshot's: |Snap|, drawn as a barrier)
        self.source = source  # (a gate-less operator: its label at the drawing's decimals)

    def drawn_text(self, decimals) -> str:
        """The text on each of its wires: a barrier's or snapshot's own; an operator that
        applies no gate (a ``Pow`` to the 0th power) its label, as PennyLane's."""
        if self.source is None:
            return self.text
        return self.source.label(decimals=decimals).replace("\n", "")

    def control_marks(self, row_of) -> dict:
        """``{row: "●" or "○"}`` (``row_of``: wire index -> row): the control dots of a
        gate-less operator made by ``qml.ctrl`` (``C(H**0)``: dots, its label on the target,
        as PennyLane draws it)."""
        if self.source is None:
            return {}
        on = dict(zip(*_object_controls(self.source)))
        return {row_of[w]: "●" if on[lab] else "○" for lab, w in zip(self.labels, self.wires)
                if lab in on and w in row_of}


def _grouped(circuit, annotations, barriers=()):
    """The circuit's ops with each run of one group replaced by a single box, and the
    barriers (``(index of the op they precede, _BarrierOp)``) in their places."""
    from dataclasses import replace

    ops, notes, seen = [], [], set()
    barriers = list(barriers)
    for k, (op, note) in enumerate(zip(circuit.ops, annotations)):
        while barriers and barriers[0][0] <= k:
            ops.append(barriers.pop(0)[1])
            notes.append(None)
        if note is not None and note[0] == "skip":
            continue
        if note is not None and note[0] == "group":
            if note[1] in seen:
                continue
            seen.add(note[1])
            ops.append(_Box(note[3]))
        else:
            ops.append(op)
        notes.append(note)
    for _, barrier in barriers:  # after the last gate
        ops.append(barrier)
        notes.append(None)
    return replace(circuit, ops=tuple(ops)), notes


def _annotations(qnode, circuit, args, kwargs, level=None, run=None):
    """Per op of ``circuit``: what PennyLane would draw in its place, from a numeric run of
    the circuit function (the gates record where they came from: the templates' boxes,
    :func:`qsym.templates.draw_groups`; at ``level="device"`` only the boxes of templates
    ``default.qubit`` applies as matrices); None if the run does not give the traced gates.
    ``run``: the run of :func:`_numeric_run`, if made already."""
    from ._trace import rewritten
    from .templates import draw_groups

    run = _numeric_run(qnode, args, kwargs) if run is None else run
    if run is None:
        return None  # (a drawing without annotations)
    items, result, stamp = run[:3]
    try:  # mid-circuit measurements deferred, as the traced circuit has them
        items, result = rewritten(items, result, getattr(qnode.device, "wires", None))
    except Exception:  # noqa: BLE001  (a drawing without annotations)
        return None
    results = list(result) if isinstance(result, (tuple, list)) else [result]
    if len(results) != len(circuit.measurements):
        return None
    m_notes = []
    for m in results:  # the observable as written: probs(op=X) is Probs[X], Hermitian 𝓗(M0)
        m_notes.append(getattr(m, "op", None) if getattr(m, "diag", ()) or hasattr(m, "op")
                       else getattr(m, "measured_obs", None))
    if not _same_gates(items, circuit):
        return None
    index = {w: i for i, w in enumerate(circuit.wire_labels or range(circuit.num_wires))}
    out = []
    for op in items:
        group = next((g for g in draw_groups(op, stamp)
                      if level != "device" or _device_draws(g[1])), None)
        orig = getattr(op, "_adjoint_of", None)
        if group is not None and any(w not in index for w in (*group[2], *group[3])):
            group = None  # (a group on wires the drawing does not have: drawn gate by gate)
        if group is not None:
            key, labeller, wires, controls, values = group
            out.append(("group", key, labeller, tuple(index[w] for w in wires),
                        tuple(index[w] for w in controls), values))
        elif orig is not None:
            out.append(("adjoint", orig))
        elif isinstance(getattr(op, "id", None), str) and _table_gate(op):
            out.append(("id", op))  # PennyLane's label shows the (deprecated) id: RX(0.30,"a")
        else:
            out.append(None)
    # PennyLane's barriers (not at level="device": its preprocessing removes them), where
    # the recording has them among the traced gates
    barriers = []
    if len(run) > 4 and len(items) == len(run[0]):
        for pos, barrier in _drawn_marks(run[4], level):
            own = isinstance(barrier, Snapshot) or getattr(barrier, "name", None) == "Barrier"
            barriers.append((pos, _BarrierOp(tuple(barrier.wires), barrier.label(),
                                             None if own else barrier)))
    # the rest are probs(op=...)'s basis changes: PennyLane draws Probs[X] instead
    return out + [("skip",)] * (len(circuit.ops) - len(items)), m_notes, barriers


def _same_gates(items, circuit) -> bool:
    """Whether the recorded ``items`` of a numeric run are the traced ``circuit``'s first
    gates, name by name (the rest: basis changes of ``probs(op=...)``)."""
    return len(items) <= len(circuit.ops) and all(
        getattr(a, "name", None) == b.name for a, b in zip(items, circuit.ops))


def _device_draws(labeller) -> bool:
    """Whether a box is kept at ``level="device"``: the template's ``device_draws()``
    where it has one (a state preparation: only where it opens the circuit), else whether
    ``default.qubit`` applies it whole (``device_applies()``)."""
    draws = getattr(labeller, "device_draws", None)
    return draws() if draws is not None else labeller.device_applies()


def _run_differs(run, circuit, level) -> bool:
    """Whether ``qml.draw`` draws the numeric ``run`` as recorded: its gates are not the
    traced ``circuit``'s (a state preparation of a circuit input is traced as its gates,
    run on numbers as one matrix), so the traced gates cannot take its boxes."""
    return (run is not None and not run[3] and not _same_gates(run[0], circuit))


def _device_or_level_text(qnode, args, kwargs, level, wire_order, options) -> str | None:
    """A QNode's drawing decided before qsym's trace: a device's own tape
    (:func:`_own_tape_text`) or a level past the user's (:func:`_past_user_level`)."""
    return (_own_tape_text(qnode, args, kwargs, wire_order, *options)
            or _past_user_level(qnode, args, kwargs, level, wire_order, *options))


def _own_tape_text(qnode, args, kwargs, wire_order, show_all_wires, decimals, max_length,
                   show_matrices, show_wire_labels) -> str | None:
    """The drawing of a QNode on a device that runs QNodes itself (``default.gaussian``):
    the tape its ``qnode_tape`` records, in the device's wire order unless given; None
    for any other device."""
    if getattr(qnode.device, "qnode_tape", None) is None:
        return None
    order = list(qnode.device.wires) if wire_order is None else wire_order
    return tape_text(qnode.device.qnode_tape(qnode, args, kwargs), order,
                     show_all_wires=show_all_wires, decimals=decimals, max_length=max_length,
                     show_matrices=show_matrices, show_wire_labels=show_wire_labels)


def _numeric_run(qnode, args, kwargs):
    """``(items, result, stamp, deferred)``: the circuit function run on the numbers and
    recorded (templates mark their boxes, :func:`qsym.templates.draw_groups`), mid-circuit
    measurements not deferred (``deferred``: a function under ``qml.defer_measurements``
    was run); None if the run fails."""
    from ._trace import Tape, recording
    from .templates import drawing_run

    tape = Tape()
    tape.drawn_only, tape.barriers = True, []
    try:
        with drawing_run() as stamp, recording(tape):
            result = qnode.func(*args, **kwargs)
        tape.apply_pending()
    except Exception:  # noqa: BLE001  (drawn from the traced circuit, or its error)
        return None
    return (list(tape.items), result, stamp, bool(getattr(tape, "defers_measurements", False)),
            list(tape.barriers))


def _nested_tape(items):
    """The first ``qml.tape.QuantumTape`` a drawing run recorded, opened inside the circuit
    function (PennyLane draws each as a ``Tape:i`` box and the tape below it), or None."""
    return next((op for op in items if hasattr(op, "operations")
                 and hasattr(op, "measurements") and hasattr(op, "draw")), None)


def _nested_text(run, device, wire_order, options) -> str:
    """A drawing run that opened tapes, drawn as a tape (``qml.drawer.tape_text``: each
    nested tape a ``Tape:i`` box, drawn below); the device's wire order if it has wires."""
    show_all_wires, decimals, max_length, show_matrices, _ = options
    dev_wires = getattr(device, "wires", None)
    if wire_order is None and dev_wires is not None:
        wire_order = list(dev_wires)
    return type(_nested_tape(run[0]))(run[0], _results(run[1])).draw(
        wire_order, show_all_wires=show_all_wires, decimals=decimals,
        max_length=max_length, show_matrices=show_matrices)


def _drawn_marks(marks, level) -> list:
    """The barriers, snapshots, gate-less powers and templates of a drawing run
    (``(position, op)``) drawn at ``level``: at ``"device"`` all but the barriers (PennyLane's
    preprocessing removes barriers; ``default.qubit`` applies ``H**0`` by its matrix) and the
    templates its preprocessing decomposes (a ``BasisState`` of zeros after the first
    operation: into no gate)."""
    return [(pos, op) for pos, op in marks
            if level != "device" or getattr(op, "name", None) != "Barrier"
            and (not hasattr(op, "device_applies") or _device_draws(op))]


def _with_barriers(items, barriers) -> list:
    """The recorded ``items`` with each ``qml.Barrier`` of the run (``(number of items
    before it, barrier)``) in its place: PennyLane's tape holds it, and draws it ``||``."""
    out, k = [], 0
    for pos, barrier in barriers:
        out.extend(items[k:pos])
        k = max(k, pos)
        out.append(barrier)
    return out + list(items[k:])


# --- mid-circuit measurements: the recorded circuit with PennyLane's classical wires ---------
# A circuit with qml.measure / qml.cond / statistics of measurement values is drawn as
# PennyLane draws its tape (pennylane/drawer/tape_text.py): from the recording before the
# deferral, so no copy wire or controlled branch shows; a measurement used later gets a
# classical wire (═) below the quantum ones, from the measurement (╚) to the conditions that
# read it (╩, ╬ where the wire goes on, ╝/╣ at its last use) or to the statistic (╡).
_MCM_STAT_LABELS = {"expval": "<MCM>", "var": "Var[MCM]", "probs": "Probs[MCM]",
                    "sample": "Sample[MCM]", "counts": "Counts[MCM]"}


def _mcm_present(items, results) -> bool:
    from ._mcm import Conditional, MidMeasure, PauliMeasure

    return any(isinstance(o, (MidMeasure, PauliMeasure, Conditional)) for o in items) or any(
        getattr(m, "mv", None) is not None for m in results)


def _gate_item(gate, stamp, level, decimals, matrices):
    """``(box key or None, wires, control wires, control values, label)`` of a recorded gate:
    the outermost box it is drawn in (a template, a controlled or adjoint one), else itself."""
    from .templates import draw_groups

    group = next((g for g in draw_groups(gate, stamp)
                  if level != "device" or _device_draws(g[1])), None)
    if group is not None:
        key, labeller, wires, controls, values = group
        label = labeller.label(decimals=decimals, cache={"matrices": matrices}).replace("\n", "")
        return key, tuple(wires), tuple(controls), tuple(values), label
    if not _table_gate(gate):  # a tape's operator: a template, Controlled, Adjoint, ...
        ctrl_w, ctrl_v = _object_controls(gate)
        label = gate.label(decimals=decimals, cache={"matrices": matrices}).replace("\n", "")
        return None, tuple(gate.wires), ctrl_w, ctrl_v, label
    ctrl_w, ctrl_v, base = _controls(gate)
    orig = getattr(gate, "_adjoint_of", None)
    if orig is not None:
        ctrl_w, ctrl_v, label = _adjoint_drawn(orig, ctrl_w, ctrl_v, decimals, matrices)
    else:
        label = _op_label(gate, base, {}, decimals, matrices)
    return None, tuple(gate.wires), tuple(ctrl_w), tuple(ctrl_v), label


def _noted_label(op, base, values, decimals, matrices, note, ctrl_w, labels=None) -> str:
    """The label of a gate drawn as itself; its (deprecated) id added where the recorded
    operator has one and no control dots are drawn (PennyLane's ``Operator.label``)."""
    label = _op_label(op, base, values, decimals, matrices, labels)
    if note is not None and note[0] == "id" and not ctrl_w:
        label = _with_id(label, base, note[1])
    return label


def _with_id(label: str, base: str, op) -> str:
    """``label`` with the operator's ``id`` as PennyLane's ``Operator.label`` writes it
    after the parameters (``RX(0.30,"a")``, ``RX("a")`` without them), where the
    operator's class shows its id in its label (PennyLane's own ``label`` of some classes
    does not).

    >>> import warnings, qsym as qml
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     _with_id("RX(0.30)", "RX", qml.RX(0.3, wires=0, id="a"))
    'RX(0.30,"a")'
    >>> [str(w.message)[:47] for w in seen]  # the id's, then the label's (PennyLane's)
    ["The 'id' argument is deprecated and will be rem", "Using 'id' to add a custom label to your operat"]
    """
    import warnings

    tag = f'"{op.id}"'
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        shows = tag in op.label()
    for w in seen:  # PennyLane's label warns that an id as a label is deprecated (its
        if "custom label" in str(w.message):  # drawer calls it); the id's own, not again
            warnings.warn(w.message, w.category, stacklevel=2)
    if not shows:
        return label
    return label[:-1] + "," + tag + ")" if label != base and label.endswith(")") \
        else f"{label}({tag})"


def _adjoint_drawn(orig, ctrl_w, ctrl_v, decimals, matrices) -> tuple:
    """``(control wires, control values, label)`` of the adjoint of the gate ``orig``
    (drawn with the dots ``ctrl_w``, ``ctrl_v``): PennyLane's ``Adjoint`` has no control
    dots, so the adjoint of a controlled gate carries its label on every wire, in
    parentheses when longer than one letter (``(RX(0.30))†``, ``X†``). The adjoint of an
    adjoint (``qml.adjoint`` of a function that applies ``qml.adjoint(f)``) is PennyLane's
    ``Adjoint(Adjoint(op))``: the inner label bracketed with a second dagger (``(H†)†``,
    ``((Rϕ(0.30))†)†``), no dots."""
    inner = getattr(orig, "_adjoint_of", None)
    if inner is not None:
        _, _, label = _adjoint_drawn(inner, (), (), decimals, matrices)
        return (), (), f"({label})†"
    o_ctrl, _, o_base = _controls(orig)
    label = _op_label(orig, o_base, {}, decimals, matrices)
    if o_ctrl:
        return (), (), (f"({label})" if len(label) > 1 else label) + "†"
    return ctrl_w, ctrl_v, label + "†"


def _table_gate(op) -> bool:
    from ._operations import GATE_CLASSES

    return type(op) is GATE_CLASSES.get(getattr(op, "name", None))


def _object_controls(op) -> tuple:
    """``(control wires, values)`` of an operator that is not a table gate: PennyLane's
    ``unwrap_controls`` (a ``Controlled``'s controls, then its base's own), or the dots a
    template draws (``draw_controls``)."""
    wires = getattr(op, "control_wires", None)
    if not wires or not hasattr(op, "base") or not hasattr(op, "control_values"):
        dots = getattr(op, "draw_controls", None)
        return tuple(tuple(x) for x in dots()) if dots is not None else ((), ())
    values = tuple(int(bool(v)) for v in (op.control_values or [1] * len(wires)))
    base = op.base
    if _table_gate(base):
        more_w, more_v, _ = _controls(base)
    else:
        more_w, more_v = _object_controls(base)
    return tuple(wires) + tuple(more_w), values + tuple(more_v)


def _mcm_ops(items, stamp, level, decimals, matrices) -> list:
    """The drawn objects of a recording: ``SimpleNamespace(kind, wires, ...)``, kind "op"
    (a gate or a box), "mid" (a :class:`qsym._mcm.MidMeasure`) or "cond" (a gate or box
    applied on a condition: ``mcms``, the measurements it reads)."""
    from ._mcm import Conditional, MidMeasure, PauliMeasure

    out, seen = [], set()
    for op in items:
        box = _measuring_box(op, stamp, level)
        if box is not None:  # a subroutine returning its measurements: one box
            if box[0] not in seen:
                seen.add(box[0])
                label = box[1].label(decimals=decimals, cache={"matrices": matrices})
                out.append(SimpleNamespace(kind="op", obj=box[1], wires=tuple(box[2]),
                                           controls=(), values=(), label=label))
            continue
        if isinstance(op, (MidMeasure, PauliMeasure)):  # a Pauli product's letter per wire
            labels = ([op.label(wire=w) for w in op.wires] if isinstance(op, PauliMeasure)
                      else [op.label(decimals=decimals)])
            out.append(SimpleNamespace(kind="mid", mcm=op, obj=op, wires=tuple(op.wires),
                                       controls=(), values=(), label=labels))
            continue
        cond = op.meas_val if isinstance(op, Conditional) else None
        gate = op.base if cond is not None else op
        if not hasattr(gate, "wires"):
            continue
        key, wires, controls, values, label = _gate_item(gate, stamp, level, decimals, matrices)
        if key is not None:  # a box: drawn once, at its first gate
            if (key, id(cond)) in seen:
                continue
            seen.add((key, id(cond)))
        out.append(SimpleNamespace(kind="op" if cond is None else "cond", obj=op, wires=wires,
                                   controls=controls, values=values, label=label,
                                   mcms=tuple(cond.measurements) if cond is not None else ()))
    return out


def _measuring_box(op, stamp, level):
    """``(key, operator, wires)`` of the box a recorded gate or mid-circuit measurement is
    drawn in when that box is an operator returning mid-circuit measurements (a
    ``qml.templates.Subroutine``'s, PennyLane draws it whole, its classical wires starting
    at it); None otherwise."""
    from .templates import draw_groups

    for key, labeller, wires, _, _ in draw_groups(op, stamp):
        applies = getattr(labeller, "device_applies", lambda: False)
        if subroutine_measurements(labeller) and (level != "device" or applies()):
            return key, labeller, wires
    return None


def _mp_label(mp, note, matrices, decimals=None) -> str:
    """PennyLane's label of a terminal measurement (``<Z@Z>``, ``Probs``, ``State``, ...)
    from the measurement as written."""
    if mp.reduce:
        return _REDUCED_LABELS[mp.reduce[0]]
    if not mp.kind:  # a measurement class of the user's own: PennyLane draws its str
        return str(mp)
    if mp.kind == "state":
        return "State"
    obs = None if note is None else _obs_label(note, matrices, decimals)
    if obs is None and note is not None:
        terms = list(getattr(note, "terms", {}).items())
        obs = "I" if len(terms) == 1 and terms[0][1] == 1 and not terms[0][0] else "𝓗"
    if obs is None:
        return {"probs": "Probs", "sample": "Sample", "counts": "Counts"}.get(mp.kind, mp.kind)
    return {"expval": f"<{obs}>", "var": f"Var[{obs}]", "probs": f"Probs[{obs}]",
            "sample": f"Sample[{obs}]", "counts": f"Counts[{obs}]"}.get(mp.kind, obs)


def _mcm_measurements(results, matrices, decimals=None) -> list:
    """The drawn terminal measurements: kind "stat" (a statistic of measurement values:
    ``mcms``, drawn on their classical wires; ``<PPM>``, ... of a Pauli product measurement)
    or "meas" (``wires``; none: every wire)."""
    from ._mcm import PauliMeasure

    out = []
    for mp in results:
        mv = getattr(mp, "mv", None)
        if mv is not None:
            mcms = [v.measurements[0] for v in mv] if isinstance(mv, list) else mv.measurements
            out.append(SimpleNamespace(kind="stat", obj=mp, wires=tuple(mp.wires),
                                       mcms=tuple(mcms), label=_MCM_STAT_LABELS[mp.kind].replace(
                                           "MCM", "PPM" if isinstance(mcms[0], PauliMeasure)
                                           else "MCM")))
            continue
        note = (getattr(mp, "op", None) if getattr(mp, "diag", ()) or hasattr(mp, "op")
                else getattr(mp, "measured_obs", None))
        wires = mp.raw_wires or (getattr(note, "_mwires", None) or getattr(note, "_source_wires", None)
                             or getattr(note, "wires", None) or ())
        out.append(SimpleNamespace(kind="meas", obj=mp, wires=tuple(wires), mcms=(),
                                   label=_mp_label(mp, note, matrices, decimals)))
    return out


def _mcm_layers(drawn, row_of, n, bit_map) -> list:
    """PennyLane's ``drawable_layers``: each object in the first layer after the last one
    occupying what it occupies (its rows from the first to the last; a measurement read
    later, or a condition, down to the last row; a statistic: its classical wires)."""
    layers, top, bit_top = [], {}, {}
    for it in drawn:
        rows = [row_of[w] for w in it.wires if w in row_of]
        if it.kind == "stat":
            bits = [bit_map[m] for m in it.mcms]
            span, tops = range(min(bits), max(bits) + 1), bit_top
        else:
            if not rows:  # GlobalPhase, Identity(), a measurement of every wire
                span = range(n)
            elif it.kind == "cond" or (it.kind == "mid" and it.mcm in bit_map) or any(
                    m in bit_map for m in subroutine_measurements(it.obj)):
                span = range(min(rows), n)
            else:
                span = range(min(rows), max(rows) + 1)
            tops = top
        layer = max((tops.get(r, -1) for r in span), default=-1) + 1
        while len(layers) <= layer:
            layers.append([])
        layers[layer].append(it)
        for r in span:
            tops[r] = layer
    return layers or [[]]


def _measurement_wires(obj) -> tuple:
    """The wires of an operation or a terminal measurement (its observable's)."""
    wires = getattr(obj, "wires", None)
    if not wires and getattr(obj, "kind", None) is not None:  # a measurement of an observable
        note = getattr(obj, "op", None) or getattr(obj, "measured_obs", None)
        wires = (getattr(note, "_mwires", None) or getattr(note, "_source_wires", None)
                 or getattr(note, "wires", None))
    return tuple(wires or ())


def _objects(tape) -> list:
    if hasattr(tape, "operations") and hasattr(tape, "measurements"):
        return list(tape.operations) + list(tape.measurements)
    return list(tape)


def default_wire_map(tape) -> tuple:
    """PennyLane's ``qml.drawer.utils.default_wire_map``: ``(full, used)``, the wire labels of
    a tape (or a list of operations and measurements) -> 0, 1, ... in order of use; ``full``
    adds the work wires after them.

    >>> import qsym as qml
    >>> qml.drawer.utils.default_wire_map([qml.PauliX(0), qml.CNOT(wires=["a", 0])])
    ({0: 0, 'a': 1}, {0: 0, 'a': 1})
    """
    objs = _objects(tape)
    used = list(dict.fromkeys(w for o in objs for w in _measurement_wires(o)))
    work = [w for o in objs for w in (getattr(o, "work_wires", None) or ()) if w not in used]
    full = used + list(dict.fromkeys(work))
    return {w: i for i, w in enumerate(full)}, {w: i for i, w in enumerate(used)}


def convert_wire_order(tape, wire_order=None, show_all_wires=False) -> tuple:
    """PennyLane's ``qml.drawer.utils.convert_wire_order``: :func:`default_wire_map` with the
    wires of ``wire_order`` first (those the tape does not use only with
    ``show_all_wires``).

    >>> import qsym as qml
    >>> qml.drawer.utils.convert_wire_order([qml.PauliX(0), qml.PauliX(1)], [1, 5])
    ({1: 0, 0: 1}, {1: 0, 0: 1})
    """
    wire_order = order_list(wire_order)
    full, used = default_wire_map(tape)
    if wire_order is None:
        return full, used
    maps = []
    for known in (full, used):
        order = order_list(wire_order) + [w for w in known if w not in wire_order]
        if not show_all_wires:
            order = [w for w in order if w in known]
        maps.append({w: i for i, w in enumerate(order)})
    return maps[0], maps[1]


def unwrap_controls(op) -> tuple:
    """PennyLane's ``qml.drawer.utils.unwrap_controls``: ``(control wires, control values,
    base)`` of an operation, nested controls unwrapped (values None when there is none).

    >>> import qsym as qml
    >>> cw, cv, base = qml.drawer.utils.unwrap_controls(qml.Toffoli(wires=["a", "b", "c"]))
    >>> cw, cv, base.name
    (Wires(['a', 'b']), [True, True], 'PauliX')
    """
    from .wires import Wires

    wires, values = ((_controls(op)[:2]) if _table_gate(op) else _object_controls(op))
    base = op
    while getattr(base, "base", None) is not None and (
            getattr(base, "control_wires", None) or (_table_gate(base) and _controls(base)[0])):
        base = base.base
    return Wires(list(wires)), ([bool(v) for v in values] if len(wires) else None), base


def default_bit_map(tape) -> dict:
    """PennyLane's ``qml.drawer.utils.default_bit_map``: each mid-circuit measurement that a
    condition or a statistic reads -> its classical wire, 0, 1, ... in the order of the
    measurements.

    >>> import qsym as qml
    >>> m0, m1 = qml.measure(0), qml.measure(1)
    >>> bits = qml.drawer.utils.default_bit_map(m0.measurements + m1.measurements
    ...                                         + [qml.expval(m1)])
    >>> list(bits.values()), list(bits) == m1.measurements
    ([0], True)
    """
    from ._mcm import Conditional, MidMeasure, PauliMeasure

    made, read = {}, {}
    for o in _objects(tape):
        for m in subroutine_measurements(o):  # the measurements a subroutine returns
            made.setdefault(m, len(made))
        if isinstance(o, (MidMeasure, PauliMeasure)):
            made.setdefault(o, len(made))
        elif isinstance(o, Conditional):
            read.update((m, None) for m in o.meas_val.measurements)
        elif getattr(o, "mv", None) is not None:
            mv = o.mv
            read.update((m, None) for m in (
                [v.measurements[0] for v in mv] if isinstance(mv, list) else mv.measurements))
    ordered = sorted(read, key=lambda m: made.get(m, len(made)))
    return {m: i for i, m in enumerate(ordered)}


def _last_wire(wires):
    """PennyLane's ``max(op.wires)`` (the last wire when the labels do not compare)."""
    wires = list(wires)
    try:
        return max(wires)
    except TypeError:  # labels that do not compare
        return wires[-1]


def subroutine_measurements(obj) -> list:
    """The mid-circuit measurements behind the measurement values a subroutine operator
    (``qml.templates.Subroutine``) returns, in its output's order; ``[]`` for other objects.

    >>> import qsym as qml
    >>> f = qml.templates.Subroutine(lambda wires: [qml.measure(w) for w in wires])
    >>> [m.wires[0] for m in subroutine_measurements(f.operator((0, 1)))]
    [0, 1]
    """
    from ._mcm import MeasurementValue
    from ._template_core import SubroutineOp

    if not isinstance(obj, SubroutineOp):
        return []
    found, todo = [], [obj.output]
    while todo:
        leaf = todo.pop(0)
        if isinstance(leaf, MeasurementValue):
            found += list(leaf.measurements)
        elif isinstance(leaf, dict):
            todo[:0] = list(leaf.values())
        elif isinstance(leaf, (list, tuple)):
            todo[:0] = list(leaf)
    return found


def _reads(obj, bit_map, wire_map=None) -> tuple:
    """``(the measurements of bit_map obj reads, the wire it joins or None)`` (the wire's
    position in ``wire_map`` when given)."""
    from ._mcm import Conditional, MidMeasure, PauliMeasure

    def last(wires):
        return _last_wire(wires) if wire_map is None else max(wire_map[w] for w in wires)

    made = subroutine_measurements(obj)
    if made:
        return [m for m in made if m in bit_map], last(obj.wires)
    if isinstance(obj, (MidMeasure, PauliMeasure)):
        return ([obj], last(obj.wires[:1])) if obj in bit_map else ([], None)
    if isinstance(obj, Conditional):
        return list(obj.meas_val.measurements), last(obj.wires)
    mv = getattr(obj, "mv", None)
    if mv is None:
        return [], None
    return ([v.measurements[0] for v in mv] if isinstance(mv, list) else list(mv.measurements)), None


def cwire_connections(layers, bit_map, wire_map=None) -> tuple:
    """PennyLane's ``qml.drawer.utils.cwire_connections``: ``(bit map, layers, wires)`` of the
    classical wires of drawn ``layers`` (lists of operations and measurements): each
    classical wire's uses, one list per measurement on it (the layers it is read in; the
    measured wire and the last wire of each condition), a classical wire used again once
    free (the new bit map says which). With ``wire_map`` (label -> position) the wires are
    positions (a condition's last by position).

    >>> import qsym as qml
    >>> m = qml.measure(0)
    >>> cond = qml.ops.Conditional(m, qml.PauliX(1))
    >>> qml.drawer.utils.cwire_connections([m.measurements, [cond]], {m.measurements[0]: 0})[1:]
    ({0: [[0, 1]]}, {0: [[0, 1]]})
    """
    if not bit_map:
        return bit_map, {}, {}
    used = {b: [] for b in bit_map.values()}
    joined = {b: [] for b in bit_map.values()}
    for i, layer in enumerate(layers):
        for obj in layer:
            reads, wire = _reads(obj, bit_map, wire_map)
            for m in reads:
                used[bit_map[m]].append(i)
                if wire is not None:
                    joined[bit_map[m]].append(wire)
    ends, new_of = [-1] * len(bit_map), {}
    for old, lays in used.items():
        new = next(k for k, e in enumerate(ends) if e < min(lays))
        new_of[old], ends[new] = new, max(lays)
    stretches: dict = {}
    wires: dict = {}
    for old in used:
        stretches.setdefault(new_of[old], []).append(used[old])
        wires.setdefault(new_of[old], []).append(joined[old])
    return {m: new_of[b] for m, b in bit_map.items()}, stretches, wires


class _McmText:
    """The strings of one drawing with classical wires (PennyLane's ``_Config`` and
    ``_add_obj``): rows ``0..n-1`` the wires, ``n..`` the classical wires."""

    def __init__(self, labels, bit_map, stretches, num_op_layers, show_wire_labels):
        self.labels, self.bit_map, self.stretches = labels, bit_map, stretches
        self.row_of = {w: r for r, w in enumerate(labels)}
        self.n, self.nb = len(labels), len(stretches)
        self.num_op_layers, self.show_wire_labels, self.cur = num_op_layers, show_wire_labels, 0

    def wire_fill(self) -> str:
        return "─" if self.cur < self.num_op_layers else " "

    def bit_fill(self, b, next_layer=False) -> str:
        if self.cur >= self.num_op_layers:
            return " "
        layer = self.cur + 1 if next_layer else self.cur
        return "═" if any(s[0] < layer <= s[-1] for s in self.stretches[b]) else " "

    def ends_here(self, b) -> bool:
        return any(self.cur == s[-1] for s in self.stretches[b])

    def start(self, continuation=False) -> tuple:
        prefix = "··· " if continuation else ""
        if not self.show_wire_labels:
            return [prefix] * self.n, [prefix] * self.nb
        heads = [f"{w}: " + prefix for w in self.labels]
        width = max(len(t) for t in heads)
        return [t.rjust(width) for t in heads], [" " * width] * self.nb

    def add_op(self, it, strs) -> None:
        bits = [self.n + self.bit_map[m] for m in subroutine_measurements(it.obj)
                if m in self.bit_map]
        if bits:  # a subroutine's measurements: ║ down from it, ╠ / ╚ on their wires
            for b in bits:
                strs[b] += "╚" if b == max(bits) else "╠"
            for w in range(max(self.row_of[w] for w in it.wires) + 1, self.n):
                strs[w] += "║"
            for b in range(self.n, max(bits)):
                if b not in bits:
                    strs[b] += "║"
        rows = [self.row_of[w] for w in it.wires] or list(range(self.n))
        if it.wires or not (getattr(it.obj, "name", None) == "Barrier"
                            or isinstance(it.obj, Snapshot)):  # (PennyLane's _add_op: a
            _group(strs, rows)  # barrier or snapshot without wires has no bracket)
        for w, v in zip(it.controls, it.values):
            strs[self.row_of[w]] += "●" if v else "○"
        for r in ([self.row_of[w] for w in it.wires if w not in it.controls] or rows):
            strs[r] += it.label

    def add_mid(self, it, strs) -> None:
        r = self.row_of[it.wires[0]]
        if it.mcm in self.bit_map:
            b = self.n + self.bit_map[it.mcm]
            strs[b] += " ╚"
            for w in range(r + 1, self.n):
                strs[w] += "─║"
            for k in range(self.n, b):
                strs[k] += (" " if strs[k][-1] == " " else "═") + "║"
        _group(strs, [self.row_of[w] for w in it.wires])
        for w, label in zip(it.wires, it.label):
            strs[self.row_of[w]] += label

    def add_cond(self, it, strs) -> None:
        bits = [self.bit_map[m] for m in it.mcms]
        max_w, max_b = max(self.row_of[w] for w in it.wires), max(bits)
        strs[self.n + max_b] = "═" + ("╝" if self.ends_here(max_b) else "╩")
        for w in range(max_w + 1, self.n):
            strs[w] = "─║"
        for b in range(max_b):
            if b in bits:
                strs[self.n + b] = "═" + ("╣" if self.ends_here(b) else "╬")
            else:
                strs[self.n + b] = (" " if strs[self.n + b][-1] == " " else "═") + "║"
        self.add_op(it, strs)

    def add_stat(self, it, strs) -> None:
        bits = [self.bit_map[m] for m in it.mcms]
        if len(it.mcms) > 1:
            lo, hi = min(bits), max(bits)
            strs[self.n + lo], strs[self.n + hi] = "╭", "╰"
            for b in range(lo + 1, hi):
                strs[self.n + b] = "├" if b in bits else "│"
        for b in bits:
            strs[self.n + b] += it.label

    def add_meas(self, it, strs) -> None:
        rows = [self.row_of[w] for w in it.wires if w in self.row_of]
        _group(strs, rows)
        for r in rows or range(self.n):
            strs[r] += it.label

    def layer(self, items) -> list:
        """The strings of the current layer, justified (PennyLane's ``_left_justify``)."""
        strs = [self.wire_fill()] * self.n + [self.bit_fill(b) for b in range(self.nb)]
        for it in items:
            getattr(self, "add_" + it.kind)(it, strs)
        width = max(len(s) for s in strs)
        return ([s.ljust(width, self.wire_fill()) for s in strs[:self.n]]
                + [s.ljust(width, self.bit_fill(b, next_layer=True))
                   for b, s in enumerate(strs[self.n:])])


def _mcm_text(layers, num_op_layers, text: _McmText, max_length) -> str:
    """The lines of a drawing with classical wires, wrapped at ``max_length`` as PennyLane's
    ``tape_text`` wraps them."""
    finished: list = []
    wires, bits = text.start()
    for i, layer in enumerate(layers):
        text.cur = i
        strs = text.layer(layer)
        limit = max_length - 4 if i < len(layers) - 1 else max_length
        if len(wires[0]) + len(strs[0]) > limit - 1:
            finished += [t + " ···" for t in wires] + bits
            finished[-1] += "\n"
            wires, bits = text.start(continuation=True)
        wires = [text.wire_fill().join([t, s]) for t, s in zip(wires, strs)]
        bits = [text.bit_fill(b).join([t, s]) for b, (t, s) in enumerate(zip(bits, strs[text.n:]))]
        if i == num_op_layers - 1:
            wires = [t + "─┤" for t in wires]
            bits = [t + ("═╡" if text.stretches[b][-1][-1] >= num_op_layers else "  ")
                    for b, t in enumerate(bits)]
    return "\n".join(finished + wires + bits)


def _mcm_rows(drawn, wire_order, show_all_wires, sort_wires=True) -> list:
    """The wire labels drawn, top to bottom: ``wire_order`` (None: the wires in order of
    use, sorted where they sort if ``sort_wires``), then the others used; unused ones with
    ``show_all_wires``."""
    used: list = []
    for it in drawn:
        used += [w for w in it.wires if w not in used]
    if wire_order is None and not sort_wires:
        wire_order = used
    elif wire_order is None:
        try:
            wire_order = sorted(used)
        except TypeError:
            wire_order = used
    labels = order_list(wire_order) + [w for w in used if w not in wire_order]
    return labels if show_all_wires else [w for w in labels if w in used]


def draw_recording(items, results, wire_order=None, show_all_wires=False, decimals=2,
                   max_length=100, show_matrices=True, show_wire_labels=True, stamp=None,
                   level=None, matrix_gap=True, sort_wires=True, matrices=None) -> str:
    """PennyLane's text drawing of a recorded circuit with mid-circuit measurements:
    ``items`` the recorded operations (gates, :class:`qsym._mcm.MidMeasure` drawn
    ``┤↗├``, ``┤↗₀├``/``┤↗₁├`` postselected, ``│0⟩`` reset; :class:`qsym._mcm.Conditional`
    drawn as its gate joined to the classical wires of its condition), ``results`` the
    terminal measurements (statistics of measurement values drawn on their classical
    wires: ``<MCM>``, ``Sample[MCM]``, ...). ``qml.draw`` uses it for such circuits,
    :func:`tape_text` for tapes. ``matrices``: the list the ``M0``, ``M1``, ... matrices are
    taken from and added to (a drawing cache's ``"matrices"``).

    >>> import qsym as qml
    >>> from qsym._trace import Tape, recording
    >>> tape = Tape()
    >>> with recording(tape):
    ...     _ = qml.Hadamard(0)
    ...     m = qml.measure(0)
    ...     qml.cond(m, qml.PauliX)(wires=1)
    >>> print(draw_recording(tape.items, [qml.expval(m)]))  # doctest: +NORMALIZE_WHITESPACE
    0: ──H──┤↗├────┤       
    1: ──────║───X─┤       
             ╚═══╩═╡  <MCM>
    """
    wire_order = order_list(wire_order)
    matrices = [] if matrices is None else matrices
    ops = _mcm_ops(items, stamp, level, decimals, matrices)
    ms = _mcm_measurements(results, matrices, decimals)
    labels = _mcm_rows(ops + ms, wire_order, show_all_wires, sort_wires)
    if not labels:
        return ""
    row_of = {w: r for r, w in enumerate(labels)}
    bit_map = default_bit_map([it.obj for it in ops + ms])
    op_layers = _mcm_layers(ops, row_of, len(labels), bit_map)
    layers = op_layers + _mcm_layers(ms, row_of, len(labels), bit_map)
    bit_map, stretches, _ = cwire_connections([[it.obj for it in L] for L in layers], bit_map)
    text = _McmText(labels, bit_map, stretches, len(op_layers), show_wire_labels)
    out = _mcm_text(layers, len(op_layers), text, max_length)
    if show_matrices and matrices:
        out += "\n" if matrix_gap else ""
        out += "".join(f"\nM{i} = \n{M}" for i, M in enumerate(matrices))
    return out


def tape_text(tape, wire_order=None, *, show_all_wires=False, decimals=None, max_length=100,
              show_matrices=True, show_wire_labels=True, cache=None) -> str:
    """PennyLane's ``qml.drawer.tape_text``: the text drawing of a tape
    (``qml.tape.QuantumScript``): its operations in PennyLane's layers (templates and
    ``Controlled``/``Adjoint`` operators as PennyLane labels them, mid-circuit
    measurements with their classical wires), its measurements after ``┤``; the wires in
    the tape's order unless ``wire_order`` says otherwise. ``decimals=None`` (the
    default) leaves parameters out; ``cache={"matrices": [...]}`` numbers the matrices
    ``M0``, ``M1``, ... after those it holds (and adds the new ones to it).

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RX(1.234, wires="a"), qml.CNOT(wires=["a", 0])],
    ...                               [qml.expval(qml.PauliZ(0))])
    >>> print(qml.drawer.tape_text(tape, decimals=2))
    a: ──RX(1.23)─╭●─┤
    0: ───────────╰X─┤  <Z>
    """
    wire_order = order_list(wire_order)
    matrices = cache.setdefault("matrices", []) if isinstance(cache, dict) else []
    if isinstance(cache, dict):
        cache.setdefault("tape_offset", 0)
    return draw_recording(list(tape.operations), list(tape.measurements), wire_order,
                          show_all_wires, decimals, max_length, show_matrices,
                          show_wire_labels, matrix_gap=False, sort_wires=False,
                          matrices=matrices)


def drawable(fn: Any) -> tuple[Any, Callable[[], bool]]:
    """What ``qml.draw`` / ``qml.draw_mpl`` draw: a QNode as it is; a plain quantum
    function (PennyLane draws those too, with no device) as a QNode of its own on
    ``default.qubit`` with the wires it uses, in order of use. Also returns whether the
    function returned no measurement (its drawing then ends at ``┤`` with none, as
    PennyLane's).

    >>> import qsym as qml
    >>> def f(x):
    ...     qml.RX(x, wires="a")
    ...     qml.CNOT(wires=["a", "b"])
    >>> print(qml.draw(f)(0.3))
    a: ──RX(0.30)─╭●─┤  
    b: ───────────╰X─┤  
    """
    import functools

    from ._runtime import QNode

    if isinstance(fn, QNode) or not callable(fn):
        return fn, lambda: False
    from .devices import device
    from ._operations import probs
    from ._trace import active_tape
    from .wires import DynamicWire

    bare = [False]

    @functools.wraps(fn)
    def circuit(*args, **kwargs):
        out = fn(*args, **kwargs)
        # PennyLane draws what a quantum function queued: what it returned besides
        # measurements (None, the operators of ``op.decomposition()``, ...) is not drawn
        bare[0] = not _holds_measurement(out)
        if not bare[0]:
            return out
        # a stand-in measurement on a wire the function used, left out of the drawing (not
        # a dynamically allocated one: deallocated, it cannot be measured)
        wires = [w for op in active_tape().items for w in getattr(op, "wires", ())
                 if not isinstance(w, DynamicWire)]
        return probs(wires=wires[:1]) if wires else probs()

    return QNode(circuit, device("default.qubit")), lambda: bare[0]


def _holds_measurement(obj: Any) -> bool:
    """Whether a quantum function's returned value holds a measurement (in tuples, lists,
    dicts): a plain function returning anything else is drawn with no measurement."""
    from ._trace import Measured

    if isinstance(obj, Measured):
        return True
    if isinstance(obj, (tuple, list)):
        return any(_holds_measurement(o) for o in obj)
    if isinstance(obj, dict):
        return any(_holds_measurement(o) for o in obj.values())
    return False


def _without_measurements(circuit: Circuit) -> Circuit:
    """The circuit with no measurement (a quantum function's, drawn as PennyLane does)."""
    import dataclasses

    return dataclasses.replace(circuit, measurements=())


def _tapes_text(tapes, wire_order, show_all_wires, decimals, max_length, show_matrices,
                show_wire_labels) -> str:
    """PennyLane's drawing of several tapes (a transform that splits a QNode's circuit, a
    gradient transform's tapes): each tape's :func:`tape_text`, separated by blank lines,
    in the device's wire order (else the first tape's wires, sorted where they can be), the
    matrices numbered across the tapes and printed once, after them."""
    if not wire_order and tapes:
        try:
            wire_order = sorted(tapes[0].wires)
        except TypeError:
            wire_order = list(tapes[0].wires)
    cache = {"tape_offset": 0, "matrices": []}
    res = [tape_text(t, wire_order=wire_order, show_all_wires=show_all_wires,
                     decimals=decimals, show_matrices=False, show_wire_labels=show_wire_labels,
                     max_length=max_length, cache=cache) for t in tapes]
    text = "\n\n".join(res)
    if show_matrices and cache["matrices"]:
        text += "\n" + "".join(f"\nM{i} = \n{m}" for i, m in enumerate(cache["matrices"]))
    return text



def _gradient_tapes(gradient_tapes, wire_order, args, kwargs) -> tuple:
    """A gradient transform's tapes at these arguments and the wire order they are drawn
    in (given, else the device's)."""
    tapes, dev_wires = gradient_tapes(*args, **kwargs)
    return tapes, wire_order or dev_wires


def _final_gradient_tapes(qnode):
    """The function giving a gradient transform's tapes of a QNode (``gradient_tapes(*args,
    **kwargs) -> (tapes, device wires)``) when ``qnode`` is one (its pipeline's last
    transform has a ``qnode_tapes``: ``qml.gradients.param_shift(qnode)``), else None."""
    own = getattr(qnode, "gradient_tapes", None)
    if callable(own):
        return own
    pipeline = getattr(qnode, "pipeline", None)
    if not pipeline:
        return None
    last = pipeline[-1]
    hook = getattr(getattr(last, "transform_object", None), "qnode_tapes", None)
    return hook(qnode, last.args, last.kwargs) if hook is not None else None



def _transformed_drawing(qnode, args, kwargs, level, wire_order, *options) -> str:
    """``qml.draw`` of a transformed QNode: its one tape at ``level`` drawn as a QNode (with
    ``level="device"`` its mid-circuit measurements deferred), or each of several tapes
    (:func:`_tapes_text`) when a transform splits the circuit or its tape measures nothing."""
    tapes = qnode.pipeline.level_tapes(qnode, args, kwargs, level)
    if len(tapes) != 1 or not tapes[0].measurements:  # (one measuring nothing: drawn as a
        return _tapes_text(  # tape, as PennyLane's; there is no circuit to run)
            tapes, wire_order or getattr(qnode.device, "wires", None), *options)
    node = qnode.pipeline.tape_qnode(qnode, args, kwargs, level, tapes)
    if level == "device":  # (and the templates default.qubit decomposes drawn as their gates)
        node.defers_measurements = (True, True)
        return draw(node, wire_order, *options, level="device")()
    return draw(node, wire_order, *options, level="top")()  # (the tape: transformed already)


# qml.draw's view of PennyLane's levels past the user's transforms (the gradient method's
# expansion, the device's transforms): ``DRAWN_LEVELS["drawn_level"](qnode, level, args,
# kwargs)``, installed by qsym._resolution (above this module), which builds those tapes
DRAWN_LEVELS: dict = {}


def _past_user_level(qnode, args, kwargs, level, wire_order, *options):
    """``qml.draw`` at a level past the user's transforms where it draws something else
    than the user's tapes (``qsym._resolution.drawn_level``): the text, or None."""
    hook = DRAWN_LEVELS.get("drawn_level")
    picked = hook(qnode, level, args, kwargs) if hook is not None else None
    if picked is None:
        return None
    if picked == "device":  # (an int level that reaches the end of the pipeline)
        return draw(qnode, wire_order, *options, level="device")(*args, **kwargs)
    tapes, node = picked
    if node is None:  # several tapes, or one measuring nothing: drawn as tapes
        return _tapes_text(tapes, wire_order or getattr(qnode.device, "wires", None), *options)
    return draw(node, wire_order, *options, level="top")()


def _function_level(level):
    """The level ``qml.draw`` draws a quantum function (not a QNode) at: it has no
    transforms, so a ``level`` other than ``"gradient"``, ``"top"`` or 0 is ignored with
    PennyLane's ``UserWarning``."""
    if level not in {"gradient", 0, "top"}:
        import warnings

        warnings.warn("When the input to qp.draw is not a QNode, the level argument is "
                      "ignored.", UserWarning, stacklevel=3)
    return "gradient"


_BUILTIN_LEVELS = ("top", "user", "gradient", "device")


def _draw_arguments(qnode, is_qnode, wire_order, level, decimals) -> list | None:
    """``qml.draw``'s checked arguments: its ``wire_order`` as a list (:func:`order_list`);
    ``decimals`` None or a whole number >= 0 (-1 was Python's bare "Format specifier
    missing precision"); a QNode's ``level`` (:func:`check_level`; a quantum function's is
    ignored with a warning, as PennyLane's)."""
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(
            decimals, numbers.Integral) or decimals < 0):
        from .errors import ArgumentError

        raise ArgumentError(f"qml.draw: decimals must be None (no parameters drawn) or a whole "
                            f"number >= 0 of decimal places, got {decimals!r}")
    if is_qnode:
        check_level(qnode, level)
    return order_list(wire_order)


def validate_level(level) -> None:
    """PennyLane 0.45.1's ``_validate_level`` of ``construct_batch`` (so of ``qml.draw``,
    ``qml.draw_mpl``, ``construct_tape``): a level is an int, a str or a slice; None and
    bools are refused (``qml.specs`` reads None as ``"gradient"`` before).

    >>> validate_level(None)
    Traceback (most recent call last):
    ...
    qsym.errors.LevelError: level None not recognized. Acceptable types are int, str, and slice.
    """
    if isinstance(level, (int, slice, str)) and not isinstance(level, bool):
        return
    raise LevelError(f"level {level} not recognized. Acceptable types are int, str, and slice.")


def check_level(qnode, level) -> None:
    """A ``level`` a QNode without transforms has (PennyLane 0.45.1's ``LevelError``, as
    :func:`qsym._transform.level_slice` says it for a transformed one): ``qml.draw`` and
    ``qml.specs`` drew and counted the whole circuit at ``level="foo"``, and drew at
    ``level=None``."""
    validate_level(level)
    if getattr(qnode, "pipeline", None):
        return  # (its transforms' levels: checked where its tapes are made)
    if isinstance(level, str) and level not in _BUILTIN_LEVELS:
        raise LevelError(
            f"Level {level} not found in transform program. Builtin options are 'top', "
            "'user', 'device', and 'gradient'. Custom levels are [].")


def _shown(circuit):
    """``circuit`` without the gates that only carry a derivative (the rotations by zero
    after a ``QubitUnitary`` of a matrix of the inputs: PennyLane draws the matrix alone)."""
    return without_carriers(circuit)


def draw(qnode: Any, wire_order: Sequence[Hashable] | None = None,
         show_all_wires: bool = False, decimals: int | None = 2, max_length: int = 100,
         show_matrices: bool = True, show_wire_labels: bool = True,
         level: Any = "gradient") -> Callable[..., str]:
    """``qml.draw``: a function of the QNode's arguments that returns PennyLane's text
    drawing of the circuit: templates as boxes with PennyLane's labels (``|Ψ⟩``,
    ``QFT``, ``StronglyEntanglingLayers(M0)``; controlled ones with control dots, adjoint
    ones with ``†``), other gates as qsym runs them; of a transformed QNode, the tape its
    transforms make up to ``level`` (``"top"``: none; ``"user"``: all of them; default
    ``"gradient"``: then the expansion of the QNode's gradient method, trainable
    templates as their gates; an int or a slice of PennyLane's whole pipeline, the
    device's transforms too: ``qml.workflow.get_compile_pipeline``); with
    ``level="device"`` the templates ``default.qubit`` decomposes as their gates. A
    quantum function (not a QNode) has no transforms: a ``level`` other than
    ``"gradient"``, ``"top"`` or 0 is ignored with a ``UserWarning``, as PennyLane's.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def c(x, y):
    ...     qml.RX(x, wires=0)
    ...     qml.RY(y, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> print(qml.draw(c)(0.54, 0.12))
    0: ──RX(0.54)──RY(0.12)─┤  <Z>
    >>> print(qml.draw(c, decimals=None)(0.54, 0.12))
    0: ──RX──RY─┤  <Z>
    """

    from ._runtime import QNode
    wire_order = _draw_arguments(qnode, isinstance(qnode, QNode), wire_order, level, decimals)
    options = (show_all_wires, decimals, max_length, show_matrices, show_wire_labels)
    grad = _final_gradient_tapes(qnode)
    if grad is not None:  # a gradient transform of a QNode
        return lambda *args, **kwargs: _tapes_text(
            *_gradient_tapes(grad, wire_order, args, kwargs), *options)
    plain = callable(qnode) and not isinstance(qnode, QNode)  # a quantum function
    level = _function_level(level) if plain else level
    qnode, bare = drawable(qnode)

    def drawer(*args, **kwargs):
        past = None if plain else _device_or_level_text(qnode, args, kwargs, level, wire_order,
                                                        options)
        if past is not None:  # (a device's own tape; PennyLane's gradient expansion, ...)
            return past
        if getattr(qnode, "pipeline", None):  # a transformed QNode: its tapes at ``level``
            return _transformed_drawing(qnode, args, kwargs, level, wire_order, *options)
        runs = OneRun(qnode.func)  # PennyLane records the circuit once
        run = _numeric_run(qnode, args, kwargs)

        def recorded():  # the run drawn as recorded (PennyLane's tape drawing)
            dev_wires = None if plain else getattr(qnode.device, "wires", None)
            items = _with_barriers(run[0], _drawn_marks(run[4], level))
            return draw_recording(
                items, [] if bare() else _results(run[1]),
                list(dev_wires) if wire_order is None and dev_wires is not None else wire_order,
                show_all_wires, decimals, max_length, show_matrices, show_wire_labels,
                run[2], level, matrix_gap=not plain)

        if (run is not None and not getattr(qnode, "defers_measurements", None)
                and not run[3] and level != "device"  # (those: the deferred circuit)
                and _mcm_present(run[0], _results(run[1]))):  # PennyLane's classical wires
            return recorded()
        if run is not None and _nested_tape(run[0]) is not None:  # PennyLane's Tape:i boxes
            return _nested_text(run, None if plain else qnode.device, wire_order, options)
        runs.again()  # the trace sees the numeric run's random draws
        try:
            entry, xs, ds = qnode.compiled(args, kwargs)
        except CustomMeasurementError:  # a measurement class of the user's own: the run
            if run is None:
                raise
            return recorded()
        finally:
            runs.done()
        drawn = _shown(entry.circuit)
        circuit = _without_measurements(drawn) if bare() else drawn
        order = wire_order
        if order is None and (plain or getattr(qnode.device, "wires", None) is None):
            order = _sorted_wires(circuit, run, level)
        notes = _annotations(qnode, drawn, args, kwargs, level, run)
        if notes is None and _run_differs(run, circuit, level):
            return recorded()
        opts = dict(decimals=decimals, wire_order=order, show_all_wires=show_all_wires,
                    max_length=max_length, show_matrices=show_matrices,
                    show_wire_labels=show_wire_labels, matrix_gap=not plain,
                    annotations=notes,  # at level="device" the device's wires (PennyLane's)
                    on_device=tuple(qnode.device.wires) if level == "device" and not plain
                    and getattr(qnode.device, "wires", None) is not None else None)
        if entry.broadcast:  # every parameter set: a broadcast parameter drawn as M<i>
            x, d = entry.inputs(_flat(xs), _flat(ds))
            text = draw_circuit(circuit, x[0], d[0], batch=(x, d, _batched(entry, circuit)),
                                **opts)
        else:
            text = draw_circuit(circuit, _flat(xs), _flat(ds), **opts)
        if bare():  # PennyLane's rows end "┤  " with no measurement after them
            text = "\n".join(r + "  " if r.endswith("┤") else r for r in text.split("\n"))
        return text

    return drawer


def _batched(entry, circuit):
    """The symbols of a broadcast signature's drawn ``circuit`` that come from a batch
    (:meth:`qsym._broadcast.Broadcast.batched_symbols`), None for another entry."""
    return entry.batched_symbols(circuit) if hasattr(entry, "batched_symbols") else None


def _sorted_wires(circuit, run, level):
    """The drawn wires sorted, as PennyLane draws them when no device fixes their order (a
    barrier's wires among them); None where labels do not compare."""
    barred = [w for _, b in (_drawn_marks(run[4], level) if run is not None else ())
              for w in b.wires]
    try:
        return sorted(dict.fromkeys([*(circuit.wire_labels or range(circuit.num_wires)), *barred]))
    except TypeError:
        return None


def circuit_depth(circuit: Circuit) -> int:
    """The number of layers: each op goes one layer after the last op on any of its wires."""
    level = [0] * circuit.num_wires
    for op in circuit.ops:
        d = max(level[w] for w in op.wires) + 1
        for w in op.wires:
            level[w] = d
    return max(level, default=0)


def _transformed_specs(qnode, args, kwargs, level, compute_depth):
    """``qml.specs`` of a QNode with transforms: of its tapes at ``level`` (several:
    PennyLane's list of resources, one per tape; one: the specs of a QNode replaying it)."""
    from .resource import CircuitSpecs
    import dataclasses

    batch = TAPE_RESOURCES["batch"](qnode, args, kwargs, compute_depth is not False, level)
    if batch is None and isinstance(level, (int, slice)) and not isinstance(level, bool):
        # the one tape of PennyLane's slices of the whole pipeline (construct_batch's)
        batch = TAPE_RESOURCES["count"](qnode, args, kwargs, compute_depth is not False,
                                        level)[0]
    if batch is not None:  # several tapes there: PennyLane's list, one per tape
        wires = qnode.device.wires
        return CircuitSpecs(
            device_name=qnode.device.name,
            num_device_wires=None if wires is None else len(wires),
            shots=_as_shots(qnode.configured_shots()), level=level, resources=batch)
    # the tape is at ``level`` already: a marker's name is not the new QNode's (no
    # transforms), which counts it as its "user" level (no device decomposition)
    inner = "user" if isinstance(level, str) and level not in _BUILTIN_LEVELS else level
    out = specs(qnode.pipeline.tape_qnode(qnode, args, kwargs, level), inner, compute_depth)()
    return out if inner == level else dataclasses.replace(out, level=level)

def specs(qnode: Any, level: Any = None, compute_depth: bool | None = None) -> Callable[..., Any]:
    """``qml.specs``: a function of the QNode's arguments returning PennyLane 0.45.1's
    :class:`~qsym.resource.CircuitSpecs` of the QNode's tape: the device, its wires, the
    shots, the ``level`` (default ``"gradient"``: the tape after the user's transforms, a
    template, ``Adjoint(...)``, ``C(...)`` one operator each; ``"device"``: the tape the
    device's ``preprocess_transforms()`` make, templates as the gates the device runs) and
    its :class:`~qsym.resource.SpecsResources` (gates by name and size, measurements by
    PennyLane's labels, wires used, depth; ``compute_depth=False``: None).

    qsym's own counts (of the circuit it compiles) are read through the same
    ``specs[key]`` (``specs.qsym``):
    ``executions`` (the circuits one gradient runs with each method),
    ``num_trainable_inputs``, ``num_trainable_gate_params``, ``num_pruned_gate_params``.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     qml.CRX(x[1], wires=[0, 1])
    ...     return qml.expval(qml.PauliZ(1))
    >>> info = qml.specs(c)(np.array([0.1, 0.2]))
    >>> print(info)
    Device: default.qubit
    Device wires: 2
    Shots: Shots(total=None)
    Level: gradient
    <BLANKLINE>
    Wire allocations: 2
    Total gates: 2
    Gate counts:
    - RX: 1
    - CRX: 1
    Measurements:
    - expval(PauliZ): 1
    Depth: 2
    >>> info.resources.gate_types, info["resources"]["depth"], info["num_trainable_inputs"]
    ({'RX': 1, 'CRX': 1}, 2, 2)
    >>> info["executions"]  # 1 + 2 (RX) + 4 (CRX); adjoint: one pass; 1 + 1 + 1 per parameter
    {'parameter-shift': 7, 'adjoint': 1, 'finite-diff': 4}
    """
    from ._runtime import QNode
    from ._shots import Shots
    import dataclasses

    from .errors import ArgumentError, MeasurementError
    from .resource import CircuitSpecs, circuit_resources

    if not isinstance(qnode, QNode):
        raise ArgumentError(f"qp.specs can only be applied to a QNode or qjit'd QNode; got "
                            f"{qnode!r}: decorate the circuit function with @qml.qnode(dev)")
    level = "gradient" if level is None else level  # (PennyLane's specs)
    check_level(qnode, level)

    def report(*args, **kwargs):
        if getattr(qnode, "pipeline", None):  # a transformed QNode: its tape at ``level``
            return _transformed_specs(qnode, args, kwargs, level, compute_depth)
        runs = OneRun(qnode.func)  # PennyLane records the tape once
        counted = TAPE_RESOURCES["count"](qnode, args, kwargs, compute_depth is not False,
                                          level)
        if counted is not None and not counted[1]:
            try:
                entry, bare = _compiled_once(qnode, args, kwargs, runs)
            except CustomMeasurementError:  # a measurement class of the user's own: the
                counted = (counted[0], True)  # tape's counts (qsym compiles no circuit)
        if counted is not None and counted[1]:  # mid-circuit measurements: the tape's only
            wires = qnode.device.wires
            return CircuitSpecs(
                device_name=qnode.device.name,
                num_device_wires=None if wires is None else len(wires),
                shots=_as_shots(qnode.configured_shots()),
                level="gradient" if level is None else level, resources=counted[0])
        if counted is None:
            entry, bare = _compiled_once(qnode, args, kwargs, runs)
        c = entry.circuit
        resources = (circuit_resources(_shown(c), depth=compute_depth is not False)
                     if counted is None else counted[0])  # (the tape's: PennyLane's counts)
        if bare:  # the stand-in measurement is not counted (PennyLane counts none)
            resources = dataclasses.replace(resources, measurements={})
        wires = qnode.device.wires
        return CircuitSpecs(
            device_name=qnode.device.name,
            num_device_wires=None if wires is None else len(wires),
            shots=_as_shots(qnode.configured_shots()),
            level="gradient" if level is None else level,
            resources=resources,
            qsym=_compiled_counts(qnode, entry),
        )

    return report


def _compiled_once(qnode, args, kwargs, runs):
    """``(entry, bare)``: the QNode compiled at these arguments, traced from the random state
    its tape was recorded from (``runs``, a :class:`qsym._trace.OneRun`); ``bare``: the
    function returns no measurement (a stand-in measured: its gates)."""
    from .errors import MeasurementError

    runs.again()
    try:
        return qnode.compiled(args, kwargs)[0], False
    except MeasurementError:  # a function that returns no measurement: its gates
        stand_in, was_bare = _stand_in_measured(qnode)
        runs.again()
        entry = stand_in.compiled(args, kwargs)[0]  # (raises again if not bare)
        return entry, was_bare()
    finally:
        runs.done()


def _compiled_counts(qnode, entry) -> dict:
    """``specs.qsym``: the counts of the circuit qsym compiled (its trainable inputs and
    gate parameters, those pruned, the circuits one gradient runs with each method)."""
    c = entry.circuit
    return {
        "num_trainable_inputs": len(c.inputs),
        "num_trainable_gate_params": len(entry.plan.diff_slots),
        "num_pruned_gate_params": len(entry.plan.pruned),
        "executions": {
            "parameter-shift": entry.plan.executions,
            "adjoint": 1,
            "finite-diff": fd_circuits(qnode.approx_order, qnode.strategy,
                                        finite_difference_inputs(c)[1]),
        },
    }


# qml.specs counts the QNode's tape, as PennyLane (templates and Adjoint/C(...) operators
# whole; mid-circuit measurements as recorded, where qsym's compiled circuit has them
# deferred): qsym._resource_paths puts here under "count"
# ``(qnode, args, kwargs, compute_depth, level) -> (SpecsResources, has mid-circuit
# measurements)`` of the QNode's tape at ``level``, or None (the compiled circuit's counts);
# under "batch", of a transformed QNode, ``-> [SpecsResources, ...]`` one per tape where
# its transforms make several tapes at ``level``, else None
TAPE_RESOURCES: dict = {}


def _as_shots(shots):
    from ._shots import Shots

    return shots if isinstance(shots, Shots) else Shots(shots)


def _stand_in_measured(qnode):
    """``(QNode, bare)``: ``qnode`` with its function returning ``qml.probs()`` (of no
    wires: it adds none to the counts) where it returns no measurement, and a function
    telling whether the last call did; what ``qml.specs`` counts of a circuit function
    that returns nothing (PennyLane records its tape without running it)."""
    import functools

    from ._operations import probs

    bare = [False]

    @functools.wraps(qnode.func)
    def circuit(*args, **kwargs):
        out = qnode.func(*args, **kwargs)
        bare[0] = out is None or (isinstance(out, (tuple, list)) and not out)
        return probs() if bare[0] else out

    return qnode.update(func=circuit), lambda: bare[0]


def matrix(op, wire_order=None):
    """The numeric matrix of a gate created outside a circuit, of an observable (a sum of
    Pauli words, on ``wire_order``), of a tape's gates, of a quantum function's or of a
    QNode's circuit (``qml.matrix``).

    Of a QNode, ``qml.matrix(qnode)`` is a function of the QNode's arguments returning the
    unitary of its gates (measurements left out), wire 0 of ``wire_order`` the most
    significant bit; the default order is the device's wires. As PennyLane 0.45,
    ``wire_order`` is required (``ValueError``, a ``WireError``) for a QNode whose device was
    made without ``wires=``, a quantum function or an operator class acting on more than
    one wire, and a tape, a list of operators, a ``PauliWord`` or a ``PauliSentence`` on
    more than one wire (or none); a ``wire_order`` that misses a wire of the circuit raises
    PennyLane's ``TransformError``, and one with more wires puts the identity on them.

    >>> import qsym as qml
    >>> qml.matrix(qml.RZ(np.pi, wires=0)).round(12)
    array([[0.-1.j, 0.+0.j],
           [0.+0.j, 0.+1.j]])
    >>> qml.matrix(qml.X(0) @ qml.Z(1), wire_order=[1, 0]).real
    array([[ 0.,  1.,  0.,  0.],
           [ 1.,  0.,  0.,  0.],
           [ 0.,  0.,  0., -1.],
           [ 0.,  0., -1.,  0.]])
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def bell():
    ...     qml.Hadamard(wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.state()
    >>> (qml.matrix(bell)() * np.sqrt(2)).real.round(12) + 0.0
    array([[ 1.,  0.,  1.,  0.],
           [ 0.,  1.,  0.,  1.],
           [ 0.,  1.,  0., -1.],
           [ 1.,  0., -1.,  0.]])
    >>> qml.matrix(lambda: qml.CNOT(wires=[0, 1]))
    Traceback (most recent call last):
        ...
    qsym.errors.WireError: wire_order is required by qml.matrix() for quantum functions. (give wire_order=[...], the wires in the order of the matrix's tensor factors)
    """
    wire_order = order_list(wire_order)
    from ._operations import GateSequence, Observable, Operation, Prod, SProd, Sum
    from ._opmath import Exp, QueuingManager
    from ._runtime import QNode

    if isinstance(op, QNode):
        if wire_order is None and op.device.wires is None:
            _wire_order_required("QNodes if the device does not have wires specified")
        if op.pipeline:  # a transformed QNode: its one tape
            return lambda *a, **k: matrix(op.pipeline.tape_qnode(op, a, k), wire_order)()
        return _qnode_matrix(op, wire_order)
    if hasattr(op, "operations") and hasattr(op, "measurements"):  # a tape
        return _like_parameters(_sequence_matrix(op.operations, wire_order, list(op.wires)),
                                op.operations)
    if isinstance(op, (list, tuple)):  # operators applied in order (PennyLane: as a tape)
        return _like_parameters(_sequence_matrix(op, wire_order), op)
    if isinstance(op, (Operation, GateSequence, Exp, Observable, Prod, Sum, SProd)):
        _not_applied(op, QueuingManager)
        _check_covers(getattr(op, "wires", ()), wire_order)
    if isinstance(op, (Prod, Sum, SProd)):  # (in its parameters' interface, as a gate's)
        return _like_parameters(_own_or_decomposed(op, wire_order), [op])
    if isinstance(op, Observable):  # (PennyLane's: a plain array, Hermitian's too)
        return _own_or_decomposed(op, wire_order)
    if hasattr(op, "to_mat") and not callable(op):  # a PauliWord / PauliSentence
        if wire_order is None and len(op.wires) > 1:
            _wire_order_required("PauliWords or PauliSentences with more than one wire")
        return op.to_mat(wire_order=wire_order)
    if callable(op) and not isinstance(op, Operation):  # a function, or an operator class
        if wire_order is None and getattr(op, "num_wires", 0) != 1:
            _wire_order_required("quantum functions")
        return _qfunc_matrix(op, wire_order)  # (qml.matrix(qml.QSVT)(UA, projectors))
    if not isinstance(op, (Operation, GateSequence, Exp)) and hasattr(op, "decomposition") \
            and hasattr(op, "wires"):  # an operator record (qml.Snapshot): its gates'
        _check_covers(op.wires, wire_order)
        return _sequence_matrix(op.decomposition(), wire_order or list(op.wires))
    if not isinstance(op, (Operation, GateSequence, Exp)):
        raise TransformError(
            "Input is not an Operator, tape, QNode, or quantum function (qml.matrix takes a "
            f"gate, e.g. qml.RX(0.1, wires=0), an observable, a tape, a QNode or a quantum "
            f"function; got {op!r})")
    return _like_parameters(_own_or_decomposed(op, wire_order), [op])


def _wire_order_required(what: str) -> None:
    """PennyLane 0.45's ``ValueError`` of ``qml.matrix`` without ``wire_order`` where the
    order of the wires is not determined (a ``WireError``, which is a ``ValueError``)."""
    raise WireError(f"wire_order is required by qml.matrix() for {what}. (give "
                    "wire_order=[...], the wires in the order of the matrix's tensor factors)")


def _check_covers(wires, wire_order) -> None:
    """PennyLane's ``TransformError`` when ``wire_order`` misses one of ``wires`` (the
    circuit's or the operator's)."""
    wires = list(wires)
    if wire_order is not None and not all(w in order_list(wire_order) for w in wires):
        raise TransformError(f"Wires in circuit {wires} are inconsistent with those in "
                             f"wire_order {order_list(wire_order)}")


def _not_applied(op, queuing) -> None:
    """``op``, made in a circuit to have its matrix, is not applied there (PennyLane's
    ``qml.matrix`` takes its operator off the queue): off the tape, and a product of gates
    made as a statement is not applied where it was made either (its gates are used)."""
    queuing.remove(op)
    tape = active_tape()
    if tape is None:
        return
    try:
        gates = tuple(getattr(op, "table_gates", ()))
    except GateError:  # an operator of your own: no gates recorded
        gates = ()
    tape.used(op, gates)


def _like_parameters(U, ops):
    """PennyLane's ``qml.matrix`` computes in its operators' parameters' interface: a
    ``qsym.numpy`` tensor when a parameter is one (trainable when one is), a plain array
    otherwise; autograd's values (under ``qml.grad``) are left as they are.

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> type(matrix(qml.RX(pnp.array(0.5), wires=0))).__name__, type(matrix(qml.RX(0.5, 0))).__name__
    ('tensor', 'ndarray')
    """
    from .numpy import tensor

    if type(U) is not np.ndarray:
        return U
    # (a symbolic operator's data holds its operands' parameters, as PennyLane's)
    found = [p for o in ops for p in (getattr(o, "data", ()) or ()) if isinstance(p, tensor)]
    if not found:
        return U
    return tensor(U, requires_grad=any(p.requires_grad for p in found))


# PennyLane's message of qml.matrix for an operator without any of the three
_MATRIX_UNDEFINED = ("Operator must define a matrix, sparse matrix, or decomposition for use "
                     "with qp.matrix.")


def _own_or_decomposed(op, wire_order) -> np.ndarray:
    """``op``'s matrix; an operator without one (``MatrixUndefinedError``: e.g.
    ``qml.change_op_basis``) that has a decomposition: its gates' (PennyLane's
    ``qml.matrix``, which expands such an operator)."""
    from .errors import MatrixUndefinedError

    try:
        return op.matrix(wire_order=wire_order)
    except MatrixUndefinedError as exc:
        if getattr(op, "sparse_given", None) is not None:  # a QubitUnitary given sparse
            return op.sparse_matrix(wire_order=wire_order).toarray()
        if not getattr(op, "has_decomposition", False):
            if str(exc).startswith(_MATRIX_UNDEFINED):
                raise
            raise MatrixUndefinedError(f"{_MATRIX_UNDEFINED} ({exc})") from exc
    return _gates_matrix(op.decomposition(), op.wires if wire_order is None else wire_order)


def _sequence_matrix(ops, wire_order, wires=None) -> np.ndarray:
    """``qml.matrix([op, ...], wire_order)``: the unitary of the operators applied in order
    (of a tape's operations: ``wires`` are the tape's, its measurements' included); as
    PennyLane, ``wire_order`` may be left out only when they act on one wire, and must hold
    every wire they act on."""
    if wires is None:
        wires = list(dict.fromkeys(w for o in ops for w in getattr(o, "wires", ())))
    if wire_order is None:
        if len(wires) != 1:
            _wire_order_required("tapes or sequences of operators "
                                 + ("without wires" if not wires else "with more than one wire"))
        wire_order = wires
    _check_covers(wires, wire_order)
    return _gates_matrix(ops, wire_order)


def _gates_matrix(ops, wire_order) -> np.ndarray:
    """The unitary of ``ops`` applied in order on ``wire_order`` (a tape's matrix; gates
    on no wire, ``GlobalPhase``, are their phase)."""
    order = order_list(wire_order)
    U = np.eye(2 ** len(order), dtype=complex)
    for o in ops:
        if len(o.wires) == 0:
            U = np.asarray(o.matrix())[0, 0] * U
        else:
            U = _gate_on(o, order, U)
    return U


# from this many wires on, qml.matrix of a sequence applies each gate's own matrix to the
# product so far (O(4^n 2^k) a gate on k wires) instead of multiplying by the gate's matrix
# expanded to all n wires (O(8^n)): 9 wires, 770 gates, one BLAS thread: 18 s of CPU -> 0.5 s
_APPLY_FROM_WIRES = 6


def _gate_on(op, order, U):
    """``matrix(op, wire_order=order) @ U``; on many wires (``_APPLY_FROM_WIRES``), for a
    plain NumPy product and a gate on fewer wires whose own matrix is a plain 2-D array,
    that matrix applied to ``U``'s slices of the gate's wires (the same product, summed
    without the expanded matrix's zeros)."""
    n = len(order)
    wires = order_list(op.wires)
    k = len(wires)
    if (n < _APPLY_FROM_WIRES or k >= n or type(U) is not np.ndarray or U.ndim != 2
            or len(set(wires)) != k or not set(wires) <= set(order)):
        return matrix(op, wire_order=order) @ U
    small = matrix(op, wire_order=wires)
    if type(small) is not np.ndarray or small.shape != (2 ** k, 2 ** k):
        return matrix(op, wire_order=order) @ U  # (broadcast, autograd values, ...)
    pos = [order.index(w) for w in wires]
    T = U.reshape((2,) * n + (U.shape[1],))
    out = np.zeros(T.shape, dtype=np.result_type(small, U))
    rows = []  # the slices of T (and of out) where the gate's wires hold the bits of r
    for r in range(2 ** k):
        index = [slice(None)] * (n + 1)
        for j, p in enumerate(pos):
            index[p] = (r >> (k - 1 - j)) & 1
        rows.append(tuple(index))
    for r in range(2 ** k):  # (elementwise, no BLAS: its threads spin on a loaded machine)
        target = out[rows[r]]
        for c in range(2 ** k):
            if small[r, c] != 0:
                target += small[r, c] * T[rows[c]]
    return out.reshape(U.shape)


def _qfunc_matrix(fn, wire_order):
    """``qml.matrix(qfunc, wire_order=...)``: a function of ``qfunc``'s arguments returning
    the unitary of the operators it queues, run on numbers (PennyLane's matrix of a quantum
    function: the operators of its tape, measurements left out; an operator made by
    arithmetic, ``qml.Z(0) @ qml.Y(1) - x * qml.X(1)``, is one operator), wire 0 of
    ``wire_order`` the most significant bit; without ``wire_order`` (an operator class on
    one wire, ``qml.matrix(qml.Hadamard)(wires=0)``) the tape's wires."""
    from ._operations import MeasurementProcess
    from ._opmath import QueuingManager
    from ._trace import QueueLog, aside_tape, recording

    def unitary(*args, **kwargs):
        for leaf in _operator_leaves((args, kwargs)):  # (PennyLane's: off the caller's queue)
            QueuingManager.remove(leaf)
        tape = aside_tape()  # outside a circuit: gates may hold autograd values (qml.grad)
        tape.log = QueueLog()  # PennyLane's queue: what the function makes, as made
        with recording(tape):
            fn(*args, **kwargs)
        tape.apply_pending()
        ops = [o for o in tape.log if not isinstance(o, MeasurementProcess)]
        wires = list(dict.fromkeys(w for o in tape.log for w in (getattr(o, "wires", None) or ())))
        return _like_parameters(_sequence_matrix(ops, wire_order, wires), ops)

    return unitary


def _operator_leaves(tree):
    """The operators in nested lists, tuples and dicts of arguments (PennyLane's leaves of
    a transformed quantum function's arguments that are operators)."""
    if isinstance(tree, (list, tuple)):
        return [x for t in tree for x in _operator_leaves(t)]
    if isinstance(tree, dict):
        return _operator_leaves(list(tree.values()))
    return [tree] if hasattr(tree, "wires") and hasattr(tree, "name") else []


def _qnode_matrix(qnode, wire_order):
    """``qml.matrix(qnode, wire_order)``: a function of the QNode's arguments returning the
    unitary of its gates on ``wire_order`` (default: the device's wires), which must hold
    every wire the circuit acts on or measures (PennyLane's ``TransformError``); wires of
    ``wire_order`` the circuit does not touch get the identity, device wires it does not
    touch may be left out."""
    from .errors import ArgumentError
    from ._ir import apply_matrix as _apply
    from ._gates import numeric_matrix_function
    from ._shapes import flat

    def unitary(*args, **kwargs):
        entry, xs, ds = qnode.compiled(args, kwargs)
        if entry.broadcast:
            raise ArgumentError(
                "qml.matrix of a broadcast QNode is not supported; call it once per "
                "parameter set"
            )
        c = entry.circuit
        labels = list(c.wire_labels)
        order = labels if wire_order is None else order_list(wire_order)
        _check_covers([labels[w] for w in _circuit_wires(c)], order)
        m = len(order)
        values = input_values(c, flat(xs), flat(ds))
        U = np.eye(2**m, dtype=complex).reshape((2,) * m + (2**m,))
        for o in c.ops:
            pars = [evaluate(p, values) for p in o.params]
            U = _apply(U, numeric_matrix_function(*o.variant)(*pars),
                       tuple(order.index(labels[w]) for w in o.wires))
        return U.reshape(2**m, 2**m)

    return unitary


def _circuit_wires(c) -> list:
    """The wire indices a traced circuit's gates act on and its measurements name, in order
    of first use (PennyLane's ``tape.wires``; a measurement of every wire, ``qml.state()``
    or ``qml.probs()``, names none)."""
    seen = {}
    for o in c.ops:
        seen.update(dict.fromkeys(o.wires))
    for meas in c.measurements:
        for _, word in meas.terms:
            seen.update(dict.fromkeys(w for w, _ in word))
        if len(meas.on) < c.num_wires:
            seen.update(dict.fromkeys(meas.on))
    return list(seen)


# --- qml.Snapshot / qml.snapshots ------------------------------------------------------------
import threading as _threading

_SNAPSHOT_MARKS = _threading.local()  # .marks: the list qml.snapshots is filling, if any


class Snapshot(OperatorRecord):
    """PennyLane's ``qml.Snapshot(tag=None, measurement=None, shots="workflow")``: marks a
    point of a circuit function where :func:`snapshots` records the state, or the
    ``measurement`` given (``qml.expval``, ``qml.var``, ``qml.probs``, ``qml.state``,
    ``qml.density_matrix``: taken out of the circuit's own measurements, as PennyLane
    does); a QNode's own evaluation ignores it.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c():
    ...     qml.Snapshot("start")
    ...     qml.PauliX(wires=0)
    ...     qml.Snapshot("z", measurement=qml.expval(qml.PauliZ(0)))
    ...     return qml.expval(qml.PauliZ(0))
    >>> float(c())
    -1.0
    >>> qml.Snapshot("z", measurement=qml.expval(qml.PauliZ(0)))
    <Snapshot: tag=z, measurement=expval(Z(0)), shots=workflow>
    """

    def __init__(self, tag=None, measurement=None, shots="workflow"):
        from ._opmath import QueuingManager
        from ._operations import MeasurementProcess, state

        if tag is not None and not isinstance(tag, (str, int)):
            raise ValueError("Snapshot tags can only be of type 'str'")
        if measurement is None:
            measurement = state()
        if not isinstance(measurement, MeasurementProcess):
            raise ValueError(f"The measurement {type(measurement).__name__} is not supported as "
                             f"it is not an instance of {MeasurementProcess}")
        QueuingManager.remove(measurement)
        from ._operations import DensityMatrixMP, StateMP

        exact = type(measurement) is StateMP or isinstance(measurement, DensityMatrixMP)
        if exact and shots == "workflow":
            shots = None  # a state is always exact (PennyLane's)
        if not isinstance(shots, str):
            from ._shots import Shots

            shots = Shots(shots)  # PennyLane's: a Shots object unless "workflow"
        self.hyperparameters = {"tag": tag, "measurement": measurement, "shots": shots}
        self.reapply()

    def reapply(self) -> None:
        """Where it is made, or applied by ``qml.apply``: inside :func:`snapshots` an item
        where the state is taken; in ``qml.draw``'s run a mark drawn ``|Snap|`` (on the
        wires of its measurement, else on every drawn wire), as PennyLane draws it."""
        tape = active_tape()
        marks = getattr(_SNAPSHOT_MARKS, "marks", None)
        if marks is not None:  # inside qml.snapshots: it is an item where the state is taken
            if tape is not None:
                tape.append(self)  # (qml.ctrl of a function passes it on to its caller's)
            marks.append(self)
        if tape is not None and getattr(tape, "barriers", None) is not None:
            tape.barriers.append((len(tape.items), self))

    @property
    def tag(self):
        """The snapshot's key in :func:`snapshots`' dict (None: its index)."""
        return self.hyperparameters["tag"]

    @property
    def measurement(self):
        """What the snapshot records (``qml.state()`` unless given)."""
        return self.hyperparameters["measurement"]

    @property
    def wires(self):
        """PennyLane's: the wires of its measurement (none for the whole state).

        >>> import qsym as qml
        >>> qml.Snapshot().wires, qml.Snapshot(measurement=qml.probs(wires=[1])).wires
        (Wires([]), Wires([1]))
        """
        return self.measurement.wires

    def __repr__(self):
        h = self.hyperparameters
        return f"<Snapshot: tag={self.tag}, measurement={h['measurement']}, shots={h['shots']}>"

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        return "|Snap|"

    def _copy(self, **changes) -> "Snapshot":
        """A snapshot with ``changes`` to its hyperparameters (not taken by a running
        :func:`snapshots`: a copy is not a point of the circuit)."""
        new = object.__new__(Snapshot)
        new.hyperparameters = {**self.hyperparameters, **changes}
        return new

    def update_tag(self, new_tag) -> "Snapshot":
        """PennyLane's: a copy with the tag ``new_tag``.

        >>> import qsym as qml
        >>> qml.Snapshot("a").update_tag("b").tag
        'b'
        """
        return self._copy(tag=new_tag)

    @staticmethod
    def compute_decomposition(*params, wires=None, **hyperparameters) -> list:
        """``[]``: a snapshot applies no gate (PennyLane's)."""
        return []

    def decomposition(self) -> list:
        """``[]`` (PennyLane's)."""
        return []

    def adjoint(self) -> "Snapshot":
        """The same snapshot (PennyLane's: it applies nothing)."""
        return self._copy()

    def _controlled(self, _wire) -> "Snapshot":
        return self._copy()

    def map_wires(self, wire_map: dict) -> "Snapshot":
        """PennyLane's: a copy whose measurement has its wires moved by ``wire_map``."""
        return self._copy(measurement=self.measurement.map_wires(wire_map))

    def _flatten(self):
        h = self.hyperparameters
        return (h["measurement"],), (h["tag"], h["shots"])

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(tag=metadata[0], measurement=data[0], shots=metadata[1])


def snapshot_value(m, state, order: list):
    """The exact value of the measurement ``m`` on ``state`` (over the wires ``order``, the
    first most significant), for ``qml.snapshots`` (:mod:`qsym.debugging`).

    >>> import qsym as qml
    >>> snapshot_value(qml.probs(wires=[1]), np.array([0, 1, 0, 0.]), [0, 1])
    array([0., 1.])
    """
    from .errors import MeasurementError
    from ._operations import (DensityMatrixMP, ExpectationMP, ProbabilityMP, StateMP,
                              VarianceMP)

    n = len(order)
    if isinstance(m, (ExpectationMP, VarianceMP)) and m.measured_obs is not None:
        o = matrix(m.measured_obs, wire_order=order)
        mean = float(np.real(np.vdot(state, o @ state)))
        if m.kind == "expval":
            return np.float64(mean)
        return np.float64(float(np.real(np.vdot(o @ state, o @ state))) - mean ** 2)
    if type(m) is StateMP and not m.wires:
        return state
    if isinstance(m, (ProbabilityMP, DensityMatrixMP)) and not getattr(m, "diag", ()):
        keep = [order.index(w) for w in (m.wires or order)]
        psi = state.reshape((2,) * n)
        rest = [i for i in range(n) if i not in keep]
        if m.kind == "probs":
            p = np.sum(np.abs(psi) ** 2, axis=tuple(rest)) if rest else np.abs(psi) ** 2
            return np.transpose(p, np.argsort(np.argsort(keep))).reshape(-1) if keep else p
        psi = np.transpose(psi, keep + rest).reshape(2 ** len(keep), -1)
        return psi @ psi.conj().T
    raise MeasurementError(
        f"qml.snapshots: a snapshot of {m!r} is not supported by qsym (an exact snapshot is "
        "an expval or var of an observable, probs of wires, state or density_matrix); take "
        "one of those (a sample or counts needs shots: qml.Snapshot(..., shots=N))")


def _snapshot_gate(op, order) -> np.ndarray:
    """The unitary of ``op`` before a snapshot; a channel, a mid-circuit measurement or a
    conditional gate (no unitary) is refused, not skipped."""
    from .errors import MeasurementError

    try:
        return matrix(op, wire_order=order)
    except (TypeError, ValueError, NotImplementedError) as exc:
        raise MeasurementError(
            f"qml.snapshots: {op!r} comes before a snapshot and has no unitary (a channel, a "
            "mid-circuit measurement or a conditional gate); qsym computes snapshots from the "
            "circuit's unitary gates, so take the snapshot before it") from exc


def tree_traversal(qnode) -> bool:
    """Whether ``qml.snapshots`` of ``qnode`` takes its snapshots per branch of its
    mid-circuit measurements (PennyLane's ``mcm_method="tree-traversal"``, without shots)."""
    options = getattr(qnode, "_init_args", None) or {}
    return options.get("mcm_method") == "tree-traversal" and not qnode.configured_shots()


def one_shot(qnode):
    """The shots of ``qnode`` when ``qml.snapshots`` takes its snapshots once per shot
    (PennyLane's ``mcm_method="one-shot"``: each shot a circuit of its own), else None."""
    options = getattr(qnode, "_init_args", None) or {}
    shots = qnode.configured_shots() if options.get("mcm_method") == "one-shot" else None
    if shots is None or not isinstance(shots, int):
        return None
    return shots


def _branch_snapshots(items, order, state, outcomes, taken, depth=0, rng=None) -> None:
    """PennyLane's tree traversal of the recorded ``items`` from ``state``: each
    mid-circuit measurement splits the state into its outcomes 0 then 1 (projected and
    normalized, reset to 0 where asked; a branch of probability 0 or not the postselected
    outcome is not followed), a ``qml.cond`` gate applies where its condition holds on the
    branch's ``outcomes``; ``taken`` gets ``(snapshot, state)`` in the order visited. With
    ``rng`` (PennyLane's one-shot), one outcome is drawn at each measurement by its
    probability (postselection not applied: the shot is dropped later, its snapshots kept)."""
    from ._mcm import Conditional, MidMeasure
    from .errors import MeasurementError

    for i, o in enumerate(items):
        if isinstance(o, Snapshot):
            taken.append((o, state))
        elif isinstance(o, Conditional):
            if o.meas_val.concretize(outcomes):
                state = _snapshot_gate(o.base, order) @ state
        elif isinstance(o, MidMeasure):
            if depth >= 16:
                raise MeasurementError("qml.snapshots: more than 16 mid-circuit measurements "
                                       "before a snapshot (2**16 branches); take it earlier")
            psi = state.reshape((2 ** order.index(o.wires[0]), 2, -1))
            drawn = None
            if rng is not None:
                p1 = float(np.vdot(psi[:, 1, :], psi[:, 1, :]).real)
                drawn = int(rng.random() < p1)
            for bit in (0, 1):
                if drawn is not None and bit != drawn:
                    continue
                if drawn is None and o.postselect is not None and bit != o.postselect:
                    continue
                branch = np.zeros_like(psi)
                branch[:, 0 if o.reset else bit, :] = psi[:, bit, :]
                p = float(np.vdot(branch, branch).real)
                if p > 1e-24:  # (PennyLane follows no branch of probability 0)
                    _branch_snapshots(items[i + 1:], order, branch.reshape(-1) / np.sqrt(p),
                                      {**outcomes, o: bit}, taken, depth + 1, rng)
            return
        else:
            state = _snapshot_gate(o, order) @ state


def rng_of(device):
    """The device's random stream (``dev.rng``); NumPy's global one when it has none (a seed
    drawn from it, so ``np.random.seed`` makes the draws reproducible)."""
    rng = getattr(device, "rng", None)
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(np.random.randint(2 ** 31))


def _deferred_items(qnode, items, result) -> list:
    """The recorded ``items`` as the snapshots see them: where PennyLane's device defers
    the mid-circuit measurements (``mcm_method="deferred"``, or none given without shots)
    PennyLane's deferred operations (the measured wires copied onto new ones by ``CNOT``,
    conditioned gates controlled by them), the snapshots in their places; else as they are
    (tree traversal and one-shot take them per branch or shot)."""
    from ._mcm import Conditional, MidMeasure, defer
    from ._operations import MeasurementProcess

    if (not any(isinstance(o, (MidMeasure, Conditional)) for o in items)
            or qnode.deferral_options()["method"] != "deferred"):
        return list(items)
    ms = [m for m in (result if isinstance(result, (list, tuple)) else [result])
          if isinstance(m, MeasurementProcess)]
    return list(defer(list(items), ms)[0])


def snapshot_states(qnode, args, kwargs) -> tuple:
    """``(order, marks)``: the wires the states are over (the device's, the first most
    significant) and, for each :class:`Snapshot` the QNode's function reaches,
    ``(tag, index, state, measurement, shots)`` with the exact state of the gates before it
    (index: its place among the snapshots), for ``qml.snapshots`` (:mod:`qsym.debugging`).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c():
    ...     qml.X(0)
    ...     qml.Snapshot("s", shots=5)
    ...     return qml.state()
    >>> order, marks = snapshot_states(c, (), {})
    >>> order, marks[0][0], marks[0][2].real, marks[0][4]
    ([0], 's', array([0., 1.]), Shots(total_shots=5, shot_vector=(ShotCopies(5 shots x 1),)))
    """
    from ._trace import Tape, recording

    tape, marks = Tape(), []
    _SNAPSHOT_MARKS.marks, _SNAPSHOT_MARKS.tape = marks, tape
    try:
        with recording(tape):
            result = qnode.func(*args, **kwargs)
    finally:
        _SNAPSHOT_MARKS.marks = _SNAPSHOT_MARKS.tape = None
    items = _deferred_items(qnode, tape.items, result)
    # every item but the snapshots acts on the state (a mid-circuit measurement too: it is
    # refused by _snapshot_gate, not skipped)
    gates = [(i, o) for i, o in enumerate(items) if not isinstance(o, Snapshot)]
    order = list(qnode.device.wires) if qnode.device.wires is not None else []
    for _, o in gates:
        order.extend(w for w in o.wires if w not in order)
    for mark in marks:  # a snapshot's measurement wires are the circuit's (PennyLane's)
        order.extend(w for w in mark.measurement.wires if w not in order)
    out = []
    place = {id(o): i for i, o in enumerate(items) if isinstance(o, Snapshot)}
    # indexed in the order the circuit takes them (qml.adjoint of a function reverses its)
    marks = sorted(marks, key=lambda snap: place.get(id(snap), -1))
    shots = one_shot(qnode)
    if tree_traversal(qnode) or shots:  # a value per branch (per shot) of the measurements
        index = {id(snap): k for k, snap in enumerate(marks)}
        state = np.zeros(2 ** len(order), dtype=complex)
        state[0] = 1.0
        taken: list = []
        if shots:
            rng = rng_of(qnode.device)
            for _ in range(shots):
                _branch_snapshots(tape.items, order, state, {}, taken, rng=rng)
        else:
            _branch_snapshots(tape.items, order, state, {}, taken)
        return order, [(snap.tag, index[id(snap)], psi, snap.measurement,
                        snap.hyperparameters["shots"]) for snap, psi in taken]
    for k, snap in enumerate(marks):
        tag, m, shots = snap.tag, snap.measurement, snap.hyperparameters["shots"]
        n = place.get(id(snap))
        if n is None:  # recorded where qsym rewrites the gates around it: not placed
            from .errors import MeasurementError

            raise MeasurementError(
                "qml.snapshots: a qml.Snapshot inside a template or an operator made of a "
                "function is not supported by qsym (the gates around it are rewritten after "
                "it is taken); take the snapshot outside it")
        state = np.zeros(2 ** len(order), dtype=complex)
        state[0] = 1.0
        for i, o in gates:
            if i < n:
                state = _snapshot_gate(o, order) @ state
        out.append((tag, k, state, m, shots))
    return order, out


_METHODS["matrix"] = matrix  # qml.eigvals of a QNode or function (qsym._opfunctions)
