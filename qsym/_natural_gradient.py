"""The metric tensor of a QNode and the quantum natural gradient optimizer.

:func:`metric_tensor` gives PennyLane's metric tensor (the real part of the quantum
geometric tensor, 1/4 of the Fubini-Study metric) of the circuit's state with respect to
the QNode's trainable arguments:

    g_ij = Re[<d_i psi|d_j psi> - <d_i psi|psi><psi|d_j psi>]

qsym computes every entry exactly from the traced circuit: each gate parameter's
derivative state comes from the gate's exact (sympy-differentiated) matrix, propagated
through the rest of the circuit, and the classical processing inside the circuit enters
by the chain rule (``J^T g J``), as in PennyLane. ``approx="block-diag"`` and ``"diag"``
keep PennyLane's blocks (its layers of commuting parametrized gates, with multi-parameter
gates decomposed as PennyLane decomposes them); within a block the numbers are those of
PennyLane's covariance method, since both are exact.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def circuit(w):
...     qml.RX(w[0], wires=0)
...     qml.RY(w[1], wires=0)
...     qml.CNOT(wires=[0, 1])
...     qml.RZ(w[2], wires=1)
...     qml.RZ(w[3], wires=0)
...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
>>> w = np.array([0.1, 0.2, 0.4, 0.5])
>>> print(np.round(qml.metric_tensor(circuit, approx="block-diag")(w), 4))
[[0.25   0.     0.     0.    ]
 [0.     0.2475 0.     0.    ]
 [0.     0.     0.0123 0.0123]
 [0.     0.     0.0123 0.0123]]
"""

from __future__ import annotations

import warnings

import numpy as np
import sympy as sp

from autograd.tracer import Box, getval

from ._autodiff import trainable_indices
from ._lambdify import lambdify
from .errors import (ArgumentError, DifferentiationError, QsymError, QuantumFunctionError,
                     WireError)
from ._gates import REGISTRY, gate_def, numeric_matrix_function
from ._ir import Op, apply_matrix
from ._operations import GATE_CLASSES, pauli_decomposition
from .optimize import GradientDescentOptimizer, requires_grad
from ._shapes import flat
from ._symbolic import matrix_derivative
from ._trace import Tape, recording
from .wires import Wires

_APPROX = (None, "block-diag", "diag")


def _decomposed(op: Op, inputs=frozenset(), depth: int = 0) -> list:
    """``op`` as PennyLane's approximations of the metric tensor see it (its
    ``expand_metric_tensor``): a gate with a trainable parameter (one depending on
    ``inputs``) whose generator single-qubit rotations do not diagonalize (multi-parameter
    gates, ``IsingXY``, ``SingleExcitation``, ``DoubleExcitation``, ...) replaced by its
    decomposition, nested; others unchanged. ``Rot``, ``U3``, ``U2``: PennyLane's
    decompositions written out.

    >>> t = sp.Symbol("t")
    >>> [(o.name, o.params) for o in _decomposed(Op("IsingXY", (0, 1), (t,)), {t})
    ...  if o.params]
    [('RY', (t/2,)), ('RX', (-t/2,))]
    >>> [o.name for o in _decomposed(Op("CRX", (0, 1), (t,)), {t})]   # (Z0 X1 - X1)/4
    ['CRX']
    """
    if op.name == "Rot":  # Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)
        phi, theta, omega = op.params
        return [Op("RZ", op.wires, (phi,)), Op("RY", op.wires, (theta,)),
                Op("RZ", op.wires, (omega,))]
    if op.name == "U3":  # U3(theta, phi, delta): Rot(delta, theta, -delta), P(delta), P(phi)
        theta, phi, delta = op.params
        return [Op("RZ", op.wires, (delta,)), Op("RY", op.wires, (theta,)),
                Op("RZ", op.wires, (-delta,)), Op("PhaseShift", op.wires, (delta,)),
                Op("PhaseShift", op.wires, (phi,))]
    if op.name == "U2":  # U2(phi, delta): Rot(delta, pi/2, -delta), P(delta), P(phi)
        phi, delta = op.params
        return [Op("RZ", op.wires, (delta,)), Op("RY", op.wires, (sp.pi / 2,)),
                Op("RZ", op.wires, (-delta,)), Op("PhaseShift", op.wires, (delta,)),
                Op("PhaseShift", op.wires, (phi,))]
    if depth >= _MAX_DEPTH or not _is_trainable(op, inputs) or not _expanded_by_pennylane(op):
        return [op]
    try:
        with recording(Tape()):
            parts = GATE_CLASSES[op.name](*op.params, wires=list(op.wires)).decomposition()
    except (QsymError, NotImplementedError, TypeError):
        return [op]  # no decomposition: its own block (PennyLane refuses its tapes)
    return [piece for part in parts for piece in _decomposed(
        Op(part.name, tuple(int(w) for w in part.wires),
           tuple(sp.sympify(getval(p)) for p in part.data)), inputs, depth + 1)]


_MAX_DEPTH = 10  # nested decompositions followed before a gate is kept as it is


def _is_trainable(op: Op, inputs) -> bool:
    return any(sp.sympify(e).free_symbols & inputs for e in op.params)


def _expanded_by_pennylane(op: Op) -> bool:
    """Whether PennyLane's ``expand_metric_tensor`` decomposes a gate of ``op``'s name:
    several parameters, or a generator :func:`generator_terms` cannot measure."""
    key = (op.name, len(op.wires), len(op.params))
    known = _EXPANDED.get(key)
    if known is None:
        cls = GATE_CLASSES.get(op.name)
        if cls is None or not op.wires:
            known = False  # not a table gate's class, or a global phase: applied as it is
        else:
            try:
                probe = cls(*[0.3] * len(op.params), wires=list(range(len(op.wires))))
            except (QsymError, TypeError, ValueError):
                probe = None
            known = probe is not None and generator_terms(probe) is None
        _EXPANDED[key] = known
    return known


_EXPANDED: dict = {}


def generator_terms(op):
    """The generator ``G`` of a one-parameter gate (``U(t) = exp(i t G)``) as Pauli words
    ``[(coeff, {wire: letter}), ...]`` if its words use one letter per wire (so that
    single-qubit rotations diagonalize it), else None (also for gates without a generator).

    >>> import qsym as qml
    >>> generator_terms(qml.RY(0.3, wires=1))
    [(-0.5, {1: 'Y'})]
    >>> sorted(generator_terms(qml.PhaseShift(0.3, wires=0)), key=str)   # (I - Z) / 2
    [(-0.5, {0: 'Z'}), (0.5, {})]
    >>> generator_terms(qml.IsingXY(0.3, wires=[0, 1])) is None   # XX + YY
    True
    """
    if len(op.data) != 1:
        return None
    try:
        gen = op.generator()
        wires = tuple(op.wires)
        matrix = np.asarray(gen.matrix(wire_order=list(wires)), dtype=complex)
    except (QsymError, AttributeError, NotImplementedError, TypeError):
        return None
    terms = [(float(np.real(c)), dict(word))
             for word, c in pauli_decomposition(matrix, wires).terms.items()]
    letters: dict = {}
    for _, word in terms:
        for w, p in word.items():
            if letters.setdefault(w, p) != p:
                return None
    return terms




def _pieces(ops, inputs) -> list:
    """``(op index, parameter position)`` of every gate parameter that depends on a
    trainable input, in circuit order (PennyLane's trainable tape parameters)."""
    inputs = set(inputs)
    out = []
    for k, op in enumerate(ops):
        for p, expr in enumerate(op.params):
            if sp.sympify(expr).free_symbols & inputs:
                out.append((k, p))
    return out


def gate_ancestors(ops) -> list:
    """``ancestors[k]``: the indices of the gates gate ``k`` depends on through shared
    wires (by any path), as PennyLane's circuit graph gives them (``ops``: anything with
    ``wires``, IR ops or operators).

    >>> gate_ancestors([Op("RX", (0,), (0.1,)), Op("RY", (1,), (0.2,)), Op("CNOT", (0, 1), ()),
    ...                 Op("RZ", (1,), (0.3,))])
    [set(), set(), {0, 1}, {0, 1, 2}]
    """
    last_on_wire: dict = {}
    ancestors: list = []
    for k, op in enumerate(ops):
        anc = set()
        for w in op.wires:
            j = last_on_wire.get(w)
            if j is not None:
                anc.add(j)
                anc |= ancestors[j]
        ancestors.append(anc)
        for w in op.wires:
            last_on_wire[w] = k
    return ancestors


def _layers(ops, pieces) -> list:
    """PennyLane's parametrized layers: walking the trainable parameters in order, a new
    layer starts when a parameter's gate depends (through shared wires, via any gates) on
    a gate of the current layer. Returns the layer index of each piece."""
    ancestors = gate_ancestors(ops)
    layer_of = []
    current: list = []
    index = 0
    for k, _ in pieces:
        if any(j in ancestors[k] for j in current):
            index += 1
            current = []
        current.append(k)
        layer_of.append(index)
    return layer_of


def _gate_metric(num_wires: int, ops, pieces, params, layers=None) -> np.ndarray:
    """``Re[<d_i psi|d_j psi> - <d_i psi|psi><psi|d_j psi>]`` over the pieces, from exact
    gate-matrix derivatives (NumPy statevector, ``O(P G 2^n)``). With ``layers`` (the
    approximations) only the entries of pieces in one layer, the others 0: each derivative
    state is carried to its layer's last gate only (the gates after it are common to the
    states and cancel), so a decomposed gate's many pieces cost little."""
    n = num_wires
    mats = [numeric_matrix_function(*op.variant)(*params[k]) for k, op in enumerate(ops)]
    state = np.zeros((2,) * n, dtype=complex)
    state[(0,) * n] = 1.0
    before = []
    for k, op in enumerate(ops):
        before.append(state)
        state = apply_matrix(state, mats[k], op.wires)
    before.append(state)  # before[k + 1]: the state after gate k
    if layers is None:
        groups = [(list(range(len(pieces))), len(ops) - 1)]
    else:
        groups = []
        for layer in dict.fromkeys(int(v) for v in layers):
            cols = [c for c in range(len(pieces)) if int(layers[c]) == layer]
            groups.append((cols, max(pieces[c][0] for c in cols)))
    Q = np.zeros((len(pieces), len(pieces)))
    for cols, end in groups:
        psi = before[end + 1].reshape(-1)
        D = np.empty((psi.size, len(cols)), dtype=complex)
        for i, c in enumerate(cols):
            k, p = pieces[c]
            dmat = matrix_derivative(ops[k].variant, p)(*params[k])
            phi = apply_matrix(before[k], dmat, ops[k].wires)
            for j in range(k + 1, end + 1):
                phi = apply_matrix(phi, mats[j], ops[j].wires)
            D[:, i] = phi.reshape(-1)
        a = psi.conj() @ D  # <psi|d_j psi>
        Q[np.ix_(cols, cols)] = (D.conj().T @ D - np.outer(a.conj(), a)).real
    return Q


def _autograd_modules() -> list:
    """``lambdify``'s extra namespace: ``autograd.numpy``'s names (boxes pass through)."""
    import autograd.numpy as anp
    return ({k: getattr(anp, k) for k in dir(anp) if not k.startswith("_")},)


@REGISTRY.memo(maxsize=512)
def _autograd_matrix(variant: tuple, pos=None):
    """An autograd-traceable function of a gate's parameters: its exact matrix (``pos``
    None) or the matrix's derivative by parameter ``pos``, from the table's sympy matrix.

    >>> import autograd, autograd.numpy as anp
    >>> f = lambda t: anp.real(_autograd_matrix(("RX", None, ()))(t)[0][0])   # cos(t/2)
    >>> bool(np.isclose(autograd.grad(f)(0.6), -np.sin(0.3) / 2))
    True
    """
    name, nw, hyper = variant
    row = gate_def(name)
    syms = sp.symbols(f"p0:{row.num_params}", real=True)
    m = row.sympy_matrix(syms, nw, hyper)
    if pos is not None:
        m = sp.diff(m, syms[pos])
    return lambdify(syms, m, extra=_autograd_modules())


def _apply_autograd(state, mat, wires):
    """:func:`qsym._ir.apply_matrix` with ``autograd.numpy`` (differentiable)."""
    import autograd.numpy as anp
    k = len(wires)
    out = anp.tensordot(anp.reshape(mat, (2,) * (2 * k)), state,
                        axes=(list(range(k, 2 * k)), list(wires)))
    return anp.moveaxis(out, list(range(k)), list(wires))


def _gate_metric_autograd(num_wires: int, ops, pieces, params):
    """:func:`_gate_metric` traced by autograd: the same formula, the gate matrices and
    their derivatives from the exact sympy matrices evaluated on the (boxed) parameters,
    so ``qml.jacobian`` of the metric tensor is exact."""
    import autograd.numpy as anp

    def matrix(k, pos=None):
        op = ops[k]
        if not op.params:
            return numeric_matrix_function(*op.variant)()
        return anp.array(_autograd_matrix(op.variant, pos)(*params[k]), dtype=complex)

    state = np.zeros((2,) * num_wires, dtype=complex)
    state[(0,) * num_wires] = 1.0
    mats, before = [matrix(k) for k in range(len(ops))], []
    for k, op in enumerate(ops):
        before.append(state)
        state = _apply_autograd(state, mats[k], op.wires)
    psi = anp.reshape(state, (-1,))
    cols = []
    for k, p in pieces:
        phi = _apply_autograd(before[k], matrix(k, p), ops[k].wires)
        for j in range(k + 1, len(ops)):
            phi = _apply_autograd(phi, mats[j], ops[j].wires)
        cols.append(anp.reshape(phi, (-1,)))
    D = anp.stack(cols, axis=1)
    a = anp.dot(anp.conj(psi), D)
    return anp.real(anp.dot(anp.conj(D).T, D) - anp.outer(anp.conj(a), a))


class _MetricTensor:
    def __init__(self, qnode, argnum, approx, hybrid, aux_wire=None, device_wires=None):
        self.qnode = qnode
        self.argnum = argnum
        self.approx = approx
        self.hybrid = hybrid
        self.aux = (aux_wire, device_wires)
        self._memo: dict = {}
        self.__doc__ = f"The metric tensor of {getattr(qnode, '__name__', 'a QNode')}."

    def _prepared(self, entry):
        """Per compiled signature: the (decomposed) ops, the trainable pieces, their layers
        and NumPy functions for the gate parameters and their classical Jacobian."""
        memo = self._memo.get(id(entry))
        if memo is not None and memo[0] is entry:
            return memo[1]
        circuit = entry.circuit
        if self.approx is None:
            ops = list(circuit.ops)
        else:
            ops = [piece for op in circuit.ops
                   for piece in _decomposed(op, frozenset(circuit.inputs))]
            inputs = set(circuit.inputs)
            multi = sorted({op.name for op in ops if len(op.params) > 1 and any(
                sp.sympify(e).free_symbols & inputs for e in op.params)})
            if multi:
                raise DifferentiationError(
                    f"qml.metric_tensor(approx={self.approx!r}) needs PennyLane's "
                    f"decomposition of {', '.join(multi)} into one-parameter gates, which "
                    "qsym does not have; use approx=None (the full tensor, exact)"
                )
        pieces = _pieces(ops, circuit.inputs)
        layers = np.array(_layers(ops, pieces)) if pieces else np.zeros(0, dtype=int)
        syms = tuple(circuit.inputs) + tuple(circuit.data)
        exprs = [sp.sympify(p) for op in ops for p in op.params]
        params_fn = lambdify(syms, exprs)
        jac = [[sp.diff(sp.sympify(ops[k].params[p]), s) for s in circuit.inputs]
               for k, p in pieces]
        jac_fn = lambdify(syms, jac)
        ag = (lambdify(syms, exprs, extra=_autograd_modules()),
              lambdify(syms, jac, extra=_autograd_modules()))
        data = (ops, pieces, layers, params_fn, jac_fn, ag)
        self._memo[id(entry)] = (entry, data)
        return data

    def __call__(self, *args, **kwargs):
        qnode = self.qnode
        if qnode.current_shots():
            raise DifferentiationError(
                "qml.metric_tensor is computed exactly from the state; it is not available "
                "with finite shots: use a device or QNode with shots=None"
            )
        boxed = tuple(i for i, a in enumerate(args) if isinstance(a, Box))
        if boxed:  # under qml.jacobian: the boxed arguments are the trainable ones
            plain = [getval(a) for a in args]
            entry, xs, ds = qnode.compiled(plain, kwargs, diff=boxed)
        else:  # PennyLane's trainable arguments: requires_grad tensors, not floats or lists
            diff = trainable_indices(args, getattr(qnode, "static_positions", ()))
            entry, xs, ds = qnode.compiled(args, kwargs, diff=diff)
        if entry.broadcast:
            raise DifferentiationError(
                "qml.metric_tensor of a broadcast QNode is not supported: call it once per "
                "parameter set"
            )
        ops, pieces, layers, params_fn, jac_fn, ag = self._prepared(entry)
        if self.approx is None and self.aux[0] is not None:
            self._check_aux_wire(entry.circuit, layers)
        if not pieces and self.hybrid and not len(flat(xs)):
            raise QuantumFunctionError(
                "No trainable parameters. (qml.metric_tensor of a QNode is with respect to its "
                "trainable arguments: qsym.numpy arrays with requires_grad=True, not floats, "
                "lists or plain NumPy arrays; hybrid=False gives the tensor over the gate "
                "parameters)")
        if not pieces:
            warnings.warn(
                "Attempted to compute the metric tensor of a QNode with no trainable "
                "parameters. If this is unintended, mark the trainable arguments (qsym.numpy "
                "arrays with requires_grad=True).", UserWarning, stacklevel=2)
            return ()
        c = entry.circuit  # (d may end with matrix data: qsym._ir.matrix_data)
        n_values = len(c.inputs) + len(c.data)
        if boxed:
            import autograd.numpy as anp
            values = anp.concatenate([anp.reshape(args[i], (-1,)) for i in boxed]
                                     + [flat(ds)])[:n_values]
            if len(flat(xs)) != sum(int(np.size(getval(args[i]))) for i in boxed):
                raise DifferentiationError(
                    "qml.metric_tensor under qml.jacobian: give the differentiated values as "
                    "positional arguments")
            params_fn, jac_fn = ag
        else:
            values = np.concatenate([flat(xs), flat(ds)])[:n_values]
        flat_params = list(params_fn(*values))
        params, at = [], 0
        for op in ops:
            params.append(flat_params[at:at + len(op.params)])
            at += len(op.params)
        if boxed:
            g = _gate_metric_autograd(entry.circuit.num_wires, ops, pieces, params)
        else:
            params = [np.asarray(p, dtype=float) for p in params]
            g = _gate_metric(entry.circuit.num_wires, ops, pieces, params,
                             None if self.approx is None else layers)
        return self._finish(g, layers, len(pieces), entry, jac_fn(*values))

    def _check_aux_wire(self, circuit, layers) -> None:
        """PennyLane's errors for an ``aux_wire`` the circuit uses or the device lacks,
        where PennyLane would use it: the full tensor over more than one layer of the
        parameters ``argnum`` keeps (qsym needs no auxiliary wire: the tensor is computed
        from the state)."""
        kept = range(len(layers)) if self.argnum is None else (
            [self.argnum] if isinstance(self.argnum, int) else list(self.argnum))
        if len({int(layers[i]) for i in kept if 0 <= i < len(layers)}) <= 1:
            return
        labels = circuit.wire_labels or tuple(range(circuit.num_wires))
        used = Wires(list(dict.fromkeys(labels[w] for op in circuit.ops for w in op.wires)))
        aux, device_wires = self.aux
        if device_wires is None:
            device_wires = getattr(self.qnode.device, "wires", None)
        get_aux_wire(aux, _WiresOf(used), None if not device_wires else Wires(device_wires))

    def _finish(self, g, layers, n, entry, jac):
        """The approximation's and ``argnum``'s zeros (masks: autograd boxes pass), then
        ``J^T g J`` per trainable argument (``hybrid``)."""
        import autograd.numpy as anp
        if self.approx == "block-diag":
            g = g * (layers[:, None] == layers[None, :])
        elif self.approx == "diag":
            g = g * np.eye(n)
        if self.argnum is not None:
            chosen = (self.argnum,) if isinstance(self.argnum, int) else tuple(self.argnum)
            if any(not isinstance(i, int) or not 0 <= i < n for i in chosen):
                raise ArgumentError(
                    f"argnum {self.argnum!r} names tape parameters the circuit does not "
                    f"have: it has {n} trainable gate parameter(s), numbered from 0 "
                    "in circuit order"
                )
            mask = np.zeros(n, dtype=bool)
            mask[list(chosen)] = True
            g = g * (mask[:, None] & mask[None, :])
        if not self.hybrid:
            return g
        J = anp.reshape(anp.array(jac, dtype=float), (n, -1))
        if (len(entry.blocks) == 1 and tuple(entry.blocks[0][2]) == () and n == 1
                and np.allclose(getval(J), 1.0)):
            # PennyLane's shortcut (``_contract_metric_tensor_with_cjac``): one trainable
            # scalar that is the circuit's one gate parameter (a classical Jacobian equal to
            # the identity) gives the tape's tensor, shape (1, 1), not a scalar
            return g
        out = []
        for start, size, shape in entry.blocks:
            Ja = J[:, start:start + size]
            out.append(anp.reshape(anp.dot(anp.dot(Ja.T, g), Ja), tuple(shape) + tuple(shape)))
        return out[0] if len(out) == 1 else tuple(out)


def metric_tensor(qnode, argnum=None, approx=None, allow_nonunitary=True, aux_wire=None,
                  device_wires=None, hybrid=True):
    """A function of the QNode's arguments returning its metric tensor (PennyLane's).

    Args:
        qnode: a QNode.
        argnum: ``None`` (all), or the indices of the trainable gate parameters (in circuit
            order, after PennyLane's decompositions) to keep; the others' rows and columns
            are zero.
        approx: ``None`` (the full tensor), ``"block-diag"`` (PennyLane's layers of
            commuting gates) or ``"diag"``.
        allow_nonunitary, aux_wire, device_wires: accepted for PennyLane compatibility.
            PennyLane uses them for the Hadamard tests of the full tensor; qsym computes
            every entry exactly from the state and needs no auxiliary wire.
        hybrid: ``True``: with respect to the QNode's trainable arguments (one array of
            shape ``arg.shape + arg.shape`` per argument, a tuple for several); ``False``:
            with respect to the gate parameters (one matrix).

    Returns:
        A function with the QNode's signature.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def c(x, y):
    ...     qml.RX(2 * x, wires=0)
    ...     qml.RY(y, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> [round(float(v), 8) for v in qml.metric_tensor(c)(np.array(0.5), np.array(0.6))]
    [1.0, 0.07298165]
    """
    from ._runtime import QNode

    if approx not in _APPROX:  # checked first: a tape given too gets this error
        raise ArgumentError(
            f"Unknown value {approx!r} for keyword argument approx. Valid values are "
            "'diag', 'block-diag' and None."
        )
    if not isinstance(qnode, QNode):
        raise ArgumentError(
            f"qml.metric_tensor needs a QNode, got {type(qnode).__name__}; for a cost "
            "function of several QNodes, give the optimizer a metric_tensor_fn"
        )
    del allow_nonunitary
    return _MetricTensor(qnode, argnum, approx, hybrid, aux_wire, device_wires)


class _WiresOf:
    """The wires a circuit uses, as :func:`_get_aux_wire` reads a tape's."""

    def __init__(self, wires):
        self.wires = wires
        self.num_wires = len(wires)


def get_aux_wire(aux_wire, tape, device_wires):
    """PennyLane's ``_get_aux_wire`` (``qml.gradients.metric_tensor._get_aux_wire``): the wire of the
    Hadamard tests of the full metric tensor: ``aux_wire`` (its first label) if the tape
    does not use it and the device (``device_wires``, or None) has it, else a
    :class:`~qsym.errors.WireError` in PennyLane's words; without one, the first device
    wire the tape leaves free, or the first integer label it does not use.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.2, 0), qml.RY(0.1, 2)], [qml.expval(qml.Z(0))])
    >>> get_aux_wire(None, t, None), get_aux_wire("aux", t, None)
    (1, 'aux')
    """
    if aux_wire is not None:
        aux_wire = Wires(aux_wire)[0]
        if aux_wire in tape.wires:
            raise WireError("The requested auxiliary wire is already in use by the circuit.")
        if device_wires is None or aux_wire in device_wires:
            return aux_wire
        raise WireError("The requested auxiliary wire does not exist on the used device.")
    if device_wires is not None:
        if len(device_wires) == len(tape.wires):
            raise WireError("The device has no free wire for the auxiliary wire.")
        return next(w for w in device_wires if w not in tape.wires)
    for aux in range(tape.num_wires):
        if aux not in tape.wires:
            return aux
    return tape.num_wires


def adjoint_metric_tensor(qnode):
    """The full metric tensor (PennyLane's ``qml.adjoint_metric_tensor``): the same exact
    numbers as ``metric_tensor(qnode, approx=None)``.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> from qsym import numpy as np
    >>> g = qml.adjoint_metric_tensor(circuit)(np.array([0.54, 0.12]))
    >>> print(np.round(g, 6))  # diag(1/4, cos(0.54)^2 / 4)
    [[0.25     0.      ]
     [0.       0.183916]]
    """
    return metric_tensor(qnode, approx=None)


def _reshape_and_regularize(tensor, lam):
    tensor = np.asarray(tensor, dtype=float)
    shape = tensor.shape
    size = 1 if shape == () else int(np.prod(shape[: len(shape) // 2]))
    return tensor.reshape(size, size) + lam * np.eye(size)


class QNGOptimizer(GradientDescentOptimizer):
    """Quantum natural gradient descent (PennyLane's ``QNGOptimizer``):
    ``x <- x - stepsize * pinv(g + lam I) @ grad``, with ``g`` the metric tensor
    (``approx="block-diag"`` by default), one block per trainable argument.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliX(0) + qml.PauliX(1))
    >>> opt = qml.QNGOptimizer(0.01)
    >>> print(np.round(opt.step(circuit, np.array([0.011, 0.012])), 8))
    [ 0.01100528 -0.02799954]
    """

    def __init__(self, stepsize=0.01, approx="block-diag", lam=0):
        super().__init__(stepsize)
        if approx not in _APPROX:
            raise ArgumentError(
                f"Unknown value {approx!r} for approx. Valid values are 'diag', "
                "'block-diag' and None."
            )
        self.approx = approx
        self.metric_tensor = None
        self.lam = lam

    def step_and_cost(self, qnode, *args, grad_fn=None, recompute_tensor=True,
                      metric_tensor_fn=None, **kwargs):
        """One step; returns ``(new arguments, objective value before the step)``."""
        from ._runtime import QNode

        if not isinstance(qnode, QNode) and metric_tensor_fn is None:
            raise ArgumentError(
                "The objective function must be encoded as a single QNode for the natural "
                "gradient to be automatically computed. Otherwise, metric_tensor_fn must be "
                "explicitly provided to the optimizer."
            )
        if recompute_tensor or self.metric_tensor is None:
            self.set_metric_tensor(qnode, *args, metric_tensor_fn=metric_tensor_fn, **kwargs)
        g, forward = self.compute_grad(qnode, args, kwargs, grad_fn=grad_fn)
        new = self.apply_grad(g, args)
        if forward is None:
            forward = qnode(*args, **kwargs)
        return (new[0] if len(new) == 1 else new), forward

    def set_metric_tensor(self, qnode, *args, metric_tensor_fn=None, **kwargs):
        """Compute the metric tensor of ``qnode`` at ``args`` (``metric_tensor_fn``'s if
        given), regularized by ``lam``, and keep it for :meth:`apply_grad` (what
        :meth:`step` does first; :func:`qsym.minimize` calls it at each step)."""
        if metric_tensor_fn is None:
            metric_tensor_fn = metric_tensor(qnode, approx=self.approx)
        mt = metric_tensor_fn(*args, **kwargs)
        if isinstance(mt, tuple):
            self.metric_tensor = tuple(_reshape_and_regularize(m, self.lam) for m in mt)
        else:
            self.metric_tensor = _reshape_and_regularize(mt, self.lam)

    def reset(self):
        """Forget the metric tensor (a new one is computed at the next step)."""
        self.metric_tensor = None

    def step(self, qnode, *args, grad_fn=None, recompute_tensor=True, metric_tensor_fn=None,
             **kwargs):
        """One step; returns the new arguments (one argument alone, several as a list)."""
        new, _ = self.step_and_cost(qnode, *args, grad_fn=grad_fn,
                                    recompute_tensor=recompute_tensor,
                                    metric_tensor_fn=metric_tensor_fn, **kwargs)
        return new

    def apply_grad(self, grad, args):
        """``x <- x - stepsize * pinv(g) @ grad`` for each trainable argument."""
        if self.metric_tensor is None:
            raise ArgumentError("QNGOptimizer.apply_grad needs a metric tensor: call step first")
        mts = self.metric_tensor if isinstance(self.metric_tensor, tuple) else (self.metric_tensor,)
        new = list(args)
        k = 0
        for i, arg in enumerate(args):
            if requires_grad(arg):
                g = np.asarray(grad[k], dtype=float)
                update = np.linalg.pinv(mts[k]) @ g.reshape(-1)
                a = arg if isinstance(arg, np.ndarray) else np.asarray(arg, dtype=float)
                new[i] = a - self.stepsize * update.reshape(g.shape)
                k += 1
        return new


class MomentumQNGOptimizer(QNGOptimizer):
    """Quantum natural gradient descent with momentum (PennyLane's
    ``MomentumQNGOptimizer``): ``a <- momentum * a + stepsize * pinv(g + lam I) @ grad``,
    ``x <- x - a``, one accumulation ``a`` per trainable argument (arXiv:2409.01978).
    ``momentum=0`` is :class:`QNGOptimizer`.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit(params):
    ...     qml.RX(params[0], wires=0)
    ...     qml.RY(params[1], wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> opt = qml.MomentumQNGOptimizer(stepsize=0.1, momentum=0.5)
    >>> x = np.array([0.5, 0.2])
    >>> for _ in range(2):
    ...     x = opt.step(circuit, x)
    >>> print(np.round(x, 6))  # by hand: metric diag(1/4, cos(x0)^2 / 4), grad of cos x0 cos x1
    [1.025257 0.48416 ]
    """

    def __init__(self, stepsize=0.01, momentum=0.9, approx="block-diag", lam=0):
        super().__init__(stepsize, approx, lam)
        self.momentum = momentum
        self.accumulation = None

    def reset(self):
        """Forget the metric tensor and the accumulated momentum."""
        self.metric_tensor = None
        self.accumulation = None

    def apply_grad(self, grad, args):
        """``a <- momentum * a + stepsize * pinv(g) @ grad``, ``x <- x - a`` for each
        trainable argument."""
        if self.metric_tensor is None:
            raise ArgumentError(
                "MomentumQNGOptimizer.apply_grad needs a metric tensor: call step first")
        mts = self.metric_tensor if isinstance(self.metric_tensor, tuple) else (self.metric_tensor,)
        if self.accumulation is None:
            self.accumulation = [np.zeros(np.shape(g)) for g in grad]
        new = list(args)
        k = 0
        for i, arg in enumerate(args):
            if requires_grad(arg):
                g = np.asarray(grad[k], dtype=float)
                update = (np.linalg.pinv(mts[k]) @ g.reshape(-1)).reshape(g.shape)
                self.accumulation[k] = self.momentum * self.accumulation[k] + self.stepsize * update
                a = arg if isinstance(arg, np.ndarray) else np.asarray(arg, dtype=float)
                new[i] = a - self.accumulation[k]
                k += 1
        return new

