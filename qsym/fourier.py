"""PennyLane's ``qml.fourier``: a function's Fourier coefficients and a QNode's frequency
spectrum per input.

An expectation value is a Fourier series in each gate parameter: ``coefficients`` samples
any periodic function on a grid and takes its discrete Fourier transform, and
``qnode_spectrum`` says which frequencies can appear, from the traced circuit (each gate
parameter's exact frequencies, from its proved shift rule, scaled by how the parameter
depends on the input, and joined over the gates the input enters). ``visualize`` plots
coefficients on matplotlib axes (``qsym/_fourier_plots.py``).

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

import functools
import inspect
import warnings
from itertools import product as _product

import numpy as _onp
import sympy as _sp

from . import numpy as _qnp
from . import rules as _rules
from ._fourier_plots import format_nvec, visualize
from ._labelled_ops import MarkedOp, mark
from .errors import SpectrumError
from .exceptions import PennyLaneDeprecationWarning

__all__ = ["coefficients", "join_spectra", "qnode_spectrum", "circuit_spectrum", "mark",
           "get_spectrum", "format_nvec", "reconstruct"]


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

    if op.name in GATES and len(op.parameters) == 1:
        return _gate_spectrum(op, 0, decimals)
    return _generator_spectrum(op, decimals)


def _generator_spectrum(op, decimals):
    """The spectrum of an operation outside qsym's table (a user's class) from its
    ``generator()``: the rounded differences of the generator's eigenvalues, and 0; one
    without a generator raises PennyLane's ``GeneratorUndefinedError``."""
    from ._opmath import generator

    if len(op.parameters) != 1:
        raise SpectrumError(f"Operation {op.name} has {len(op.parameters)} parameters: a "
                            "spectrum is that of a gate of one parameter")
    gen = generator(op, format="observable")  # GeneratorUndefinedError without one
    evals = _onp.linalg.eigvalsh(_onp.asarray(gen.matrix(wire_order=op.wires)))
    diffs = [b - a for i, a in enumerate(evals) for b in evals[i + 1:]]
    return set(_onp.round(_onp.array(diffs, dtype=float), decimals=decimals)) | {0}


def circuit_spectrum(qnode, encoding_gates=None, decimals=8):
    """``circuit_spectrum(qnode)(*args)``: the frequencies of the gates marked with
    :func:`mark` (or, PennyLane's deprecated spelling, an ``id="x0"``), joined per marker,
    ``{marker: [-w, ..., 0, ..., w]}``, as PennyLane's (the markers in ``encoding_gates``
    only, an absent one with ``[]``). The marked gates must have one parameter.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def f(x):
    ...     mark(qml.RX(x, wires=0), "x")
    ...     mark(qml.RY(x, wires=1), "x")
    ...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
    >>> [float(w) for w in circuit_spectrum(f)(0.4)["x"]]
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    from .workflow import construct_tape

    def wrapper(*args, **kwargs):
        freqs = {}
        for op in construct_tape(qnode)(*args, **kwargs).operations:
            if isinstance(op, MarkedOp):
                op, marker = op.base, op.marker
            else:
                marker = getattr(op, "id", None)
                if marker is not None:
                    warnings.warn("Using 'id' with 'circuit_spectrum' is deprecated and will be "
                                  "removed in v0.46. Instead, please use "
                                  "'pennylane.fourier.mark' to add a marker to your operator. ",
                                  PennyLaneDeprecationWarning, stacklevel=2)
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


# --- reconstruct: a QNode as a function of one parameter, from a few evaluations ----------
_F0_IGNORED = ("The provided value of the function at zero will be ignored due to the "
               "provided shift values. This may lead to additional evaluations of the "
               "function to be reconstructed.")


def _reconstruct_equ(fun, num_frequency, x0=None, f0=None, interface=None):
    """The trigonometric polynomial of integer frequencies ``1..R`` (``R =
    num_frequency``) through ``fun`` at the ``2R + 1`` equidistant shifts ``2 pi k /
    (2R + 1)``, as a function of ``x`` (shifted by ``x0``): a sum of Dirichlet kernels
    (PennyLane's ``_reconstruct_equ``; ``f0`` is ``fun(0)`` if known; ``interface``: only
    NumPy and autograd, whose boxes it keeps, are supported).

    >>> import numpy as np
    >>> f = lambda x: 0.5 + np.cos(x) - 0.3 * np.sin(2 * x)
    >>> g = _reconstruct_equ(f, 2)
    >>> bool(np.isclose(g(0.7), f(0.7)))
    True
    """
    del interface
    if abs(int(num_frequency)) != num_frequency:
        raise ValueError(f"num_frequency must be a non-negative integer, got {num_frequency}")
    R = int(num_frequency)
    a, b = (R + 0.5) / _onp.pi, 0.5 / _onp.pi
    positive = _onp.arange(1, R + 1) / a
    shifts = _onp.concatenate([-positive[::-1], [0.0], positive])
    f0 = fun(0.0) if f0 is None else f0
    evals = _qnp.stack([fun(t) for t in shifts[:R]] + [f0] + [fun(t) for t in shifts[R + 1:]])
    x0 = 0.0 if x0 is None else x0

    def reconstruction(x):
        d = x - x0 - shifts
        return _qnp.tensordot(_qnp.sinc(a * d) / _qnp.sinc(b * d), evals, axes=[[0], [0]])

    return reconstruction


def _reconstruct_gen(fun, spectrum, shifts=None, x0=None, f0=None, interface=None):
    """The trigonometric polynomial of the frequencies ``spectrum`` (positive ones; any
    real values) through ``fun`` at ``shifts`` (default: ``2R + 1`` equidistant ones up
    to the largest frequency), by solving the linear system of its ``1, cos, sin``
    coefficients (PennyLane's ``_reconstruct_gen``; a condition number above ``1e8``
    warns).

    >>> import numpy as np
    >>> f = lambda x: 0.5 + np.cos(1.5 * x) - 0.3 * np.sin(2.2 * x)
    >>> g = _reconstruct_gen(f, [1.5, 2.2])
    >>> bool(np.isclose(g(0.7), f(0.7)))
    True
    """
    del interface
    spectrum = _onp.asarray(spectrum, dtype=float)
    spectrum = spectrum[spectrum > 0]
    need_f0 = True
    if shifts is None:
        R = spectrum.shape[0]
        shifts = _onp.arange(-R, R + 1) * 2 * _onp.pi / (_onp.max(spectrum) * (2 * R + 1)) * R
        zero = R
    else:
        shifts = _onp.asarray(shifts, dtype=float)
        hits = _onp.flatnonzero(_onp.isclose(shifts, 0.0))
        zero = int(hits[0]) if len(hits) else None
        need_f0 = zero is not None
    if f0 is not None and need_f0:
        shifts = _onp.concatenate([shifts[zero:zero + 1], shifts[:zero], shifts[zero + 1:]])
        evals = _qnp.stack([f0] + [fun(t) for t in shifts[1:]])
    else:
        if f0 is not None:
            warnings.warn(_F0_IGNORED)
        evals = _qnp.stack([fun(t) for t in shifts])
    C = _onp.hstack([_onp.ones((len(shifts), 1)), _onp.cos(_onp.outer(shifts, spectrum)),
                     _onp.sin(_onp.outer(shifts, spectrum))])
    cond = _onp.linalg.cond(C)
    if cond > 1e8:
        warnings.warn(f"The condition number of the Fourier transform matrix is very large: "
                      f"{cond}.", UserWarning)
    W = _qnp.linalg.solve(C, evals)
    R = (len(shifts) - 1) // 2
    a0, a, b = W[0], W[1:R + 1], W[R + 1:]
    x0 = 0.0 if x0 is None else x0

    def reconstruction(x):
        x = x - x0
        return (a0 + _qnp.tensordot(_qnp.cos(spectrum * x), a, axes=[[0], [0]])
                + _qnp.tensordot(_qnp.sin(spectrum * x), b, axes=[[0], [0]]))

    return reconstruction


def _parse_ids(ids, info: dict) -> dict:
    """``{argument name: parameter indices}`` of ``ids`` (None: all of ``info``; a name;
    names; or such a dict already)."""
    if ids is None:
        return {name: inner.keys() for name, inner in info.items()}
    if isinstance(ids, str):
        return {ids: info[ids].keys()}
    if not isinstance(ids, dict):
        return {name: info[name].keys() for name in ids}
    return ids


def _parse_shifts(shifts, R, arg_name, par_idx, atol, need_f0):
    """The shifts given for one parameter (or None) and whether ``f(0)`` is needed."""
    given = (shifts.get(arg_name) or {}).get(par_idx)
    if given is None:
        return None, True
    if len(given) != 2 * R + 1:
        raise ValueError(
            f"The number of provided shifts ({len(given)}) does not fit to the number of "
            f"frequencies (2R+1={2 * R + 1}) for parameter {par_idx} in argument {arg_name}.")
    if any(_onp.isclose(_onp.asarray(given, dtype=float), 0.0, rtol=0, atol=atol)):
        return given, True
    return given, need_f0


def _prepare_jobs(ids, nums_frequency, spectra, shifts, atol):
    """``(ids, reconstruction function, jobs, need_f0)`` of :func:`reconstruct`'s
    arguments: per argument name and parameter index, the keyword arguments of the
    reconstruction (None: the function is constant in that parameter)."""
    if nums_frequency is None:
        if spectra is None:
            raise ValueError("Either nums_frequency or spectra must be given.")
        ids = _parse_ids(ids, spectra)
        shifts = {} if shifts is None else shifts
        need_f0, jobs = False, {}
        for arg_name, indices in ids.items():
            jobs[arg_name] = {}
            for par_idx in indices:
                spectrum = spectra[arg_name][par_idx]
                R = len(spectrum) - 1
                these, need_f0 = _parse_shifts(shifts, R, arg_name, par_idx, atol, need_f0)
                jobs[arg_name][par_idx] = ({"shifts": these, "spectrum": spectrum} if R > 0
                                           else None)
        return ids, _reconstruct_gen, jobs, need_f0
    ids = _parse_ids(ids, nums_frequency)
    jobs = {arg_name: {par_idx: ({"num_frequency": nums_frequency[arg_name][par_idx]}
                                 if nums_frequency[arg_name][par_idx] > 0 else None)
                       for par_idx in indices}
            for arg_name, indices in ids.items()}
    return ids, _reconstruct_equ, jobs, True


def reconstruct(qnode, ids=None, nums_frequency=None, spectra=None, shifts=None):
    """PennyLane's ``qml.fourier.reconstruct``: the QNode (or any function) as a function
    of each chosen parameter alone, the others fixed, from ``2R + 1`` evaluations per
    parameter: a trigonometric polynomial through them, exact when the function is one of
    at most ``R`` frequencies in that parameter (each parameter of a Pauli rotation: R = 1).

    ``reconstruct(qnode, ids, nums_frequency=..., spectra=..., shifts=...)(*args)`` returns
    ``{argument name: {parameter index: f}}`` (index ``()`` of a scalar argument) with
    ``f(x)`` the function at the argument's value with that parameter set to ``x``. Give
    ``nums_frequency`` (``{name: {index: R}}``: integer frequencies ``1..R``, equidistant
    shifts and Dirichlet kernels) or ``spectra`` (``{name: {index: [0, w1, ...]}}``, e.g.
    from :func:`qnode_spectrum`; ``shifts`` optional, a linear solve); ``ids`` picks
    arguments (names, or ``{name: indices}``). The reconstructions are differentiable
    (``qml.grad`` of ``f``); ``f0=`` passes the value at the point if known.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit(x, y):
    ...     qml.RX(x, wires=0)
    ...     qml.RY(2 * y, wires=0)
    ...     return qml.expval(qml.PauliZ(0))
    >>> x, y = np.array(0.4), np.array(0.3)
    >>> rec = reconstruct(circuit, nums_frequency={"x": {(): 1}, "y": {(): 2}})(x, y)
    >>> bool(np.isclose(rec["y"][()](1.1), circuit(x, 1.1)))
    True
    """
    ids, recon_fn, jobs, need_f0 = _prepare_jobs(ids, nums_frequency, spectra, shifts, 1e-8)
    inner = getattr(qnode, "func", None)
    sign_fn = inner if callable(inner) and hasattr(qnode, "device") else qnode
    positions = {name: i for i, name in enumerate(inspect.signature(sign_fn).parameters)}

    @functools.wraps(qnode)
    def wrapper(*args, f0=None, **kwargs):
        if f0 is None and need_f0:
            f0 = qnode(*args, **kwargs)

        def constant(x):
            return f0

        out = {}
        for arg_name, inner_jobs in jobs.items():
            i = positions[arg_name]
            out[arg_name] = {}
            for par_idx, job in inner_jobs.items():
                if job is None:
                    out[arg_name][par_idx] = constant
                    continue
                if _onp.ndim(args[i]) == 0:
                    direction, x0 = 1.0, args[i]
                else:
                    direction = _onp.zeros(_onp.shape(args[i]))
                    direction[par_idx] = 1.0
                    x0 = args[i][par_idx]

                def univariate(x, i=i, direction=direction):
                    moved = args[:i] + (args[i] + direction * x,) + args[i + 1:]
                    return qnode(*moved, **kwargs)

                out[arg_name][par_idx] = recon_fn(univariate, **job, x0=x0, f0=f0)
        return out

    return wrapper


# PennyLane's module paths: qml.fourier.qnode_spectrum.qnode_spectrum, qml.fourier.utils, ...
import sys as _sys  # noqa: E402
import types as _types  # noqa: E402

for _name, _names in (("qnode_spectrum", {"qnode_spectrum": qnode_spectrum,
                                          "_process_ids": process_ids}),
                      ("utils", {"join_spectra": join_spectra, "get_spectrum": get_spectrum,
                                 "format_nvec": format_nvec}),
                      ("coefficients", {"coefficients": coefficients}),
                      ("circuit_spectrum", {"circuit_spectrum": circuit_spectrum}),
                      ("mark", {"mark": mark, "MarkedOp": MarkedOp}),
                      ("reconstruct", {"reconstruct": reconstruct,
                                       "_reconstruct_equ": _reconstruct_equ,
                                       "_reconstruct_gen": _reconstruct_gen,
                                       "_prepare_jobs": _prepare_jobs,
                                       "_parse_ids": _parse_ids,
                                       "_parse_shifts": _parse_shifts})):
    _path = _types.ModuleType(f"{__name__}.{_name}", f"PennyLane's path qml.fourier.{_name}")
    _path.__dict__.update(_names)
    _sys.modules.setdefault(_path.__name__, _path)
# qml.fourier.visualize (import pennylane.fourier.visualize): filled in on its first use
_sys.modules.setdefault(f"{__name__}.visualize", visualize)
