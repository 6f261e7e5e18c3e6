"""PennyLane's ``qml.fourier``: a function's Fourier coefficients and a QNode's frequency
spectrum per input.

An expectation value is a Fourier series in each gate parameter: ``coefficients`` samples
any periodic function on a grid and takes its discrete Fourier transform, and
``qnode_spectrum`` says which frequencies can appear, from the traced circuit (each gate
parameter's exact frequencies, from its proved shift rule, scaled by how the parameter
depends on the input, and joined over the gates the input enters).

>>> import qsym as qml
>>> from qsym import numpy as np
>>> @qml.qnode(qml.device("default.qubit", wires=1))
... def f(x):
...     qml.RX(x[0], wires=0)
...     qml.RY(2 * x[0], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> [float(v) for v in qml.fourier.qnode_spectrum(f)(np.array([0.3]))["x"][(0,)]]
[-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
"""

from __future__ import annotations

import inspect
from itertools import product as _product

import numpy as _onp
import sympy as _sp

from . import numpy as _qnp
from . import rules as _rules
from .errors import SpectrumError

__all__ = ["coefficients", "join_spectra", "qnode_spectrum", "circuit_spectrum", "mark",
           "get_spectrum", "format_nvec"]


def coefficients(f, n_inputs, degree, lowpass_filter=False, filter_threshold=None,
                 use_broadcasting=False):
    """The Fourier coefficients ``c_n`` of a ``2 pi``-periodic function ``f`` of
    ``n_inputs`` inputs, ``n_i = -degree_i ... degree_i``, as PennyLane's: ``f`` sampled at
    ``2 pi n / (2 d + 1)``, then the discrete Fourier transform (NumPy's ordering: ``c_0``
    first, negative frequencies last). ``lowpass_filter=True`` samples at
    ``filter_threshold`` (default twice the degree) and keeps the frequencies up to
    ``degree``; ``use_broadcasting=True`` passes the last input's grid as one array.

    >>> from qsym import numpy as np
    >>> c = coefficients(lambda x: 0.5 + np.cos(x[0]), 1, 1)
    >>> print(np.round(c, 12))
    [0.5+0.j 0.5+0.j 0.5+0.j]
    """
    if isinstance(degree, int):
        degree = (degree,) * n_inputs
    elif len(degree) != n_inputs:
        raise SpectrumError("If multiple degrees are provided, their number has to match "
                            f"n_inputs (n_inputs={n_inputs}, got {len(degree)}): give one "
                            "degree, or one per input")
    if not lowpass_filter:
        return _sampled_fft(f, degree, use_broadcasting)
    if filter_threshold is None:
        filter_threshold = tuple(2 * d for d in degree)
    elif isinstance(filter_threshold, int):
        filter_threshold = (filter_threshold,) * n_inputs
    elif len(filter_threshold) != n_inputs:
        raise SpectrumError("If multiple filter_thresholds are provided, their number has to "
                            f"match n_inputs (n_inputs={n_inputs}, got {len(filter_threshold)})"
                            ": give one threshold, or one per input")
    shifted = _onp.fft.fftshift(_sampled_fft(f, filter_threshold, use_broadcasting))
    for axis in range(n_inputs - 1, -1, -1):
        excess = filter_threshold[axis] - degree[axis]
        keep = list(range(excess, shifted.shape[axis] - excess))
        shifted = _onp.take(shifted, keep, axis=axis)
    return _onp.fft.fftn(_onp.fft.ifftn(_onp.fft.ifftshift(shifted)))


def _sampled_fft(f, degree, use_broadcasting):
    """``f`` on the grid ``2 pi n / (2 d + 1)`` and its normalized n-dimensional DFT."""
    degree = _onp.array(degree)
    k = 2 * degree + 1
    ranges = [_onp.arange(-d, d + 1) for d in degree]
    samples = _onp.zeros(shape=tuple(k))
    spacing = (2 * _onp.pi) / k
    for nvec in _product(*(ranges[:-1] if use_broadcasting else ranges)):
        if use_broadcasting:
            nvec = (*nvec, ranges[-1])
            point = [s * n for s, n in zip(spacing, nvec)]
        else:
            point = spacing * _onp.array(nvec)
        value = f(point)
        samples[nvec] = value if use_broadcasting else _onp.squeeze(value)
    return _onp.fft.fftn(samples) / samples.size


def join_spectra(spec1, spec2):
    """The frequencies of a product of two Fourier series with frequencies ``spec1`` and
    ``spec2`` (sets holding 0): every sum and absolute difference.

    >>> sorted(join_spectra({0, 1.0}, {0, 2.0}))
    [0, 1.0, 2.0, 3.0]
    """
    if spec1 == {0}:
        return spec2
    if spec2 == {0}:
        return spec1
    sums = {a + b for a in spec1 for b in spec2}
    return sums | {_onp.abs(a - b) for a in spec1 for b in spec2}


def _requested(qnode, encoding_args, argnum):
    """``{argument name: indices or ...}``, in the function's order (PennyLane's rules:
    every argument without a default when neither is given)."""
    return process_ids(encoding_args, argnum, qnode)[0]


def process_ids(encoding_args, argnum, qnode):
    """PennyLane's ``(encoding_args, argnum)`` of a QNode's spectrum request: the argument
    names (with the requested indices, or ``...`` for all) and their positions; by default
    every argument without a default.

    >>> import qsym as qml
    >>> node = qml.QNode(lambda x, y, z=1.0: qml.expval(qml.PauliZ(0)),
    ...                  qml.device("default.qubit", wires=1))
    >>> process_ids(None, None, node)
    ({'x': Ellipsis, 'y': Ellipsis}, [0, 1])
    >>> process_ids({"y": [(0,)]}, None, node)
    ({'y': [(0,)]}, [1])
    """
    params = inspect.signature(qnode.func).parameters
    names = list(params)
    if encoding_args is None:
        if argnum is None:
            chosen = {n: ... for n, p in params.items() if p.default is p.empty}
            return chosen, list(range(len(chosen)))
        if _onp.isscalar(argnum):
            return {names[argnum]: ...}, [argnum]
        nums = sorted(argnum)
        return {names[i]: ... for i in nums}, nums
    unknown = set(encoding_args) - set(names)
    if unknown:
        raise SpectrumError(f"Not all names in {set(encoding_args)} are known. Known "
                            f"arguments: {names} (qnode_spectrum's encoding_args)")
    if isinstance(encoding_args, set):
        chosen = {n: ... for n in names if n in encoding_args}
    else:
        chosen = {n: encoding_args[n] for n in names if n in encoding_args}
    return chosen, [names.index(n) for n in chosen]


def get_spectrum(op, decimals):
    """The frequencies a gate's single parameter gives (with 0), as a set: PennyLane's
    ``qml.fourier.utils.get_spectrum``, from qsym's proved shift rule of the gate.

    >>> import qsym as qml
    >>> sorted(float(w) for w in get_spectrum(qml.CRX(0.2, wires=[0, 1]), decimals=8))
    [0.0, 0.5, 1.0]
    """
    from ._gates import GATES

    if op.name not in GATES or len(op.parameters) != 1:
        raise SpectrumError(f"Operation {op.name} does not have a generator qsym knows (only "
                            "one-parameter gates of qsym's table have a spectrum)")
    return _gate_spectrum(op, 0, decimals)


def mark(op, marker):
    """Mark a gate as data-encoding for :func:`circuit_spectrum` (PennyLane's
    ``qml.fourier.mark``; qsym keeps the marker as the gate's ``id``, PennyLane's older
    spelling ``qml.RX(x, wires=0, id="x0")``, which works too). The gate is returned.

    >>> import qsym as qml
    >>> mark(qml.RX(0.3, wires=0), "x0").id
    'x0'
    """
    op.id = marker
    return op


def circuit_spectrum(qnode, encoding_gates=None, decimals=8):
    """``circuit_spectrum(qnode)(*args)``: the frequencies of the gates marked with an id
    (``id="x0"`` or :func:`mark`), joined per id, ``{id: [-w, ..., 0, ..., w]}``, as
    PennyLane's (the ids in ``encoding_gates`` only, an absent one with ``[]``). The
    marked gates must have one parameter.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def f(x):
    ...     qml.RX(x, wires=0, id="x")
    ...     qml.RY(x, wires=1, id="x")
    ...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    >>> [float(w) for w in circuit_spectrum(f)(0.4)["x"]]
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    from .workflow import construct_tape

    def wrapper(*args, **kwargs):
        freqs = {}
        for op in construct_tape(qnode)(*args, **kwargs).operations:
            marker = getattr(op, "id", None)
            if marker is None or (encoding_gates is not None and marker not in encoding_gates):
                continue
            if len(op.parameters) != 1:
                raise SpectrumError("Can only consider one-parameter gates as data-encoding "
                                    f"gates; got {op.name}.")
            spec = get_spectrum(op, decimals=decimals)
            freqs[marker] = join_spectra(freqs[marker], spec) if marker in freqs else spec
        out = {m: [-f for f in sorted(spec)[:0:-1]] + sorted(spec) for m, spec in freqs.items()}
        for m in set(encoding_gates or ()).difference(out):
            out[m] = []
        return out

    return wrapper


def format_nvec(nvec):
    """A frequency vector as PennyLane's Fourier plots label it: an int as is, a tuple as
    its signed entries joined by spaces.

    >>> format_nvec(3), format_nvec((2, -1))
    ('3', ' 2 -1')
    """
    if isinstance(nvec, int):
        return str(nvec)
    return " ".join(f"{n: }" for n in nvec)


def _gate_spectrum(op, position, decimals):
    """PennyLane's spectrum of one gate parameter: the rounded differences of its
    generator's eigenvalues (its frequencies, and 0.0 when an eigenvalue repeats), and 0."""
    freqs = list(_rules.rule_for_op(op, position).numeric_frequencies())
    if _degenerate(op, position):
        freqs.insert(0, 0.0)
    return set(_onp.round(_onp.array(freqs, dtype=float), decimals=decimals)) | {0}


def _degenerate(op, position) -> bool:
    """Whether the gate's generator for this parameter has a repeated eigenvalue: fewer
    distinct exponents ``exp(i l t)`` in its matrix than its dimension."""
    from ._gates import gate_def, rule_variant

    row = gate_def(op.name)
    num_wires = None if row.num_wires else len(op.wires)
    num_wires, hyper = rule_variant(op.name, num_wires, tuple(getattr(op, "hyper", ())))
    t = _sp.Symbol("t", real=True)
    params = [_sp.Symbol(f"p{i}", real=True) for i in range(row.num_params)]
    params[position] = t
    U = _rules.exact_matrix(op.name, params, num_wires=num_wires, hyper=hyper)
    return U.shape[0] > len(_rules.parameter_spectrum(U, t))


def _slope(expr, sym, op, fixed):
    """The constant derivative of a gate parameter by an input (linear preprocessing):
    the other inputs whose spectrum is not asked are fixed at their values (``fixed``)."""
    d = _sp.diff(expr, sym)
    if d.free_symbols:
        d = d.subs({s: fixed[s] for s in d.free_symbols if s in fixed})
    if d.free_symbols:
        raise SpectrumError(
            "The Jacobian of the classical preprocessing in the provided QNode is not "
            f"constant; only linear classical preprocessing is supported ({op.name}'s "
            f"parameter {expr} in {sym})")
    return float(d)


def _labels(name, shape):
    """``{index: symbol name}`` of an argument's elements (qsym's traced names)."""
    if shape == ():
        return {(): name}
    return {idx: f"{name}[{', '.join(map(str, idx))}]" for idx in _onp.ndindex(*shape)}


def _spectra_of(circuit, name, shape, wanted, decimals, fixed):
    """``{index: sorted spectrum with negatives}`` of one argument."""
    indices = set(_onp.ndindex(*shape)) if wanted is Ellipsis else set(map(tuple, wanted))
    labels = _labels(name, shape)
    symbols = {str(s): s for op in circuit.ops for p in op.params
               for s in getattr(p, "free_symbols", ())}
    spectra = {idx: {0} for idx in indices}
    atol = 10 ** (-decimals) if decimals is not None else 1e-10
    for op in circuit.ops:
        for position, expr in enumerate(op.params):
            for idx in indices:
                sym = symbols.get(labels.get(idx))
                if sym is None or sym not in getattr(expr, "free_symbols", ()):
                    continue
                scale = abs(round(_slope(expr, sym, op, fixed), decimals))
                if scale <= atol:
                    continue
                scaled = [scale * f for f in _gate_spectrum(op, position, decimals)]
                spectra[idx] = join_spectra(spectra[idx], scaled)
    return {idx: [-f for f in sorted(s)[:0:-1]] + sorted(s) for idx, s in spectra.items()}


def _fixed_values(circuit, bound, requested):
    """The values of the traced inputs whose spectrum is not asked (they are constants of
    the preprocessing, as in PennyLane's Jacobian by the requested arguments only)."""
    by_label = {}
    for name, value in bound.items():
        if name in requested:
            continue
        try:
            arr = _onp.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        for idx, label in _labels(name, arr.shape).items():
            by_label[label] = float(arr[idx])
    return {s: by_label[str(s)] for op in circuit.ops for p in op.params
            for s in getattr(p, "free_symbols", ()) if str(s) in by_label}


_MP_NAMES = {"var": "VarianceMP", "state": "StateMP", "sample": "SampleMP",
             "counts": "CountsMP", "density_matrix": "DensityMatrixMP",
             "vn_entropy": "VnEntropyMP", "mutual_info": "MutualInfoMP", "purity": "PurityMP"}


def qnode_spectrum(qnode, encoding_args=None, argnum=None, decimals=8, validation_kwargs=None):
    """``qnode_spectrum(qnode)(*args)``: the frequencies each input element can give the
    QNode's expectation values, ``{argument name: {index: [-w ..., 0, ... w]}}`` (index
    ``()`` for a scalar), as PennyLane's. ``encoding_args`` (a set of names, or
    ``{name: [indices]}``) or ``argnum`` choose the inputs; by default every argument
    without a default. Each gate parameter's frequencies come from its proved shift rule
    (:mod:`qsym.rules`), scaled by the parameter's slope in the input (the preprocessing
    must be linear: :class:`qsym.errors.SpectrumError` otherwise), and joined over the
    gates the input enters. ``validation_kwargs`` is accepted (the slopes are exact).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def g(a, b):
    ...     qml.CRX(a, wires=[0, 1])
    ...     qml.RX(0.5 * b, wires=0)
    ...     return qml.expval(qml.PauliZ(1))
    >>> spec = qml.fourier.qnode_spectrum(g)(np.array(0.1), np.array(0.2))
    >>> [float(w) for w in spec["a"][()]], [float(w) for w in spec["b"][()]]
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [-0.5, 0.0, 0.5])
    """
    del validation_kwargs  # PennyLane's numerical linearity check: the slopes here are exact
    requested = _requested(qnode, encoding_args, argnum)

    def wrapper(*args, **kwargs):
        if getattr(qnode, "interface", "auto") == "auto" and not all(
                isinstance(a, _qnp.tensor) for a in args):
            raise SpectrumError(
                "qnode_spectrum requires an automatic differentiation library to validate "
                "classical processing in the QNode. Only pure numpy arguments were provided "
                "(PennyLane's rule): pass qsym.numpy arrays, or make the QNode with "
                "interface='autograd'")
        circuit = qnode.circuit(*args, **kwargs)
        for m in circuit.measurements:
            if m.kind not in ("expval", "probs"):
                kind = _MP_NAMES.get(m.kind, m.kind)
                raise SpectrumError(f"The measurement {kind} is not supported as it likely "
                                    "does not admit a Fourier spectrum: measure qml.expval or "
                                    "qml.probs")
        sig = inspect.signature(qnode.func)
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        fixed = _fixed_values(circuit, bound.arguments, requested)
        return {name: _spectra_of(circuit, name, _onp.shape(bound.arguments.get(name, 0.0)),
                                  wanted, decimals, fixed)
                for name, wanted in requested.items()}

    return wrapper


# PennyLane's module paths: qml.fourier.qnode_spectrum.qnode_spectrum, qml.fourier.utils
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

for _name, _names in (("qnode_spectrum", {"qnode_spectrum": qnode_spectrum,
                                          "_process_ids": process_ids}),
                      ("utils", {"join_spectra": join_spectra, "get_spectrum": get_spectrum,
                                 "format_nvec": format_nvec}),
                      ("coefficients", {"coefficients": coefficients}),
                      ("circuit_spectrum", {"circuit_spectrum": circuit_spectrum}),
                      ("mark", {"mark": mark})):
    _path = _types.ModuleType(f"{__name__}.{_name}", f"PennyLane's path qml.fourier.{_name}")
    _path.__dict__.update(_names)
    _sys.modules.setdefault(_path.__name__, _path)

_MISSING = {
    "reconstruct": "sample the QNode at shifted points and interpolate (the spectrum is "
                   "qml.fourier.qnode_spectrum's)",
    "visualize": "plot qml.fourier.coefficients with matplotlib",
}


def __getattr__(name):
    if name in _MISSING:
        raise AttributeError(f"qml.fourier.{name} is not supported by qsym: {_MISSING[name]}")
    raise AttributeError(f"module 'qsym.fourier' has no attribute {name!r}")
