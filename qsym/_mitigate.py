"""PennyLane's zero-noise extrapolation (``qml.noise.mitigate_with_zne``, also in
``qml.transforms``): the circuit's gates folded (:func:`fold_global`: ``U (U^dagger U)^k``
and a partial fold, scaling the noise a device adds per gate), run at several scale
factors, and the results extrapolated to zero noise (:func:`richardson_extrapolate`,
:func:`poly_extrapolate`, :func:`exponential_extrapolate`: polynomial fits of the results
against the scale factors, differentiable by autograd).

>>> import qsym as qml
>>> from qsym import numpy as np
>>> noisy = qml.add_noise(qml.device("default.mixed", wires=1), qml.NoiseModel(
...     {qml.noise.wires_in([0]): qml.noise.partial_wires(qml.DepolarizingChannel, 0.01)}))
>>> @qml.noise.mitigate_with_zne(scale_factors=[1, 3, 5], folding=qml.noise.fold_global,
...                              extrapolate=qml.noise.richardson_extrapolate)
... @qml.qnode(noisy)
... def circuit(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.Z(0))
>>> bool(abs(circuit(0.4) - np.cos(0.4)) < 1e-3)
True
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np

from ._noise import Channel
from ._opmath import adjoint
from ._tapes import QuantumScript
from ._transform import detached, transform
from .errors import ArgumentError


@transform
def fold_global(tape, scale_factor):
    """PennyLane's ``qml.noise.fold_global(circuit, scale_factor)``: the circuit's gates
    ``U = L_d ... L_1`` become ``U (U^dagger U)^n`` followed by the last ``s`` gates folded
    once (``L_d^dagger ... L_{d-s+1}^dagger L_{d-s+1} ... L_d``), where ``n`` and ``s``
    make the number of gates about ``scale_factor`` times the original (``scale_factor
    >= 1``; an odd integer folds the whole circuit). The unitary is unchanged; a device
    that adds noise per gate sees ``scale_factor`` times the noise. A circuit with noise
    channels cannot be folded (PennyLane's ``ValueError``: add the noise on the device).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(0.1, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(0))])
    >>> [o.name for o in qml.noise.fold_global(t, 2)[0][0].operations]
    ['RX', 'CNOT', 'Adjoint(CNOT)', 'CNOT']
    """
    _check_scale_factor(scale_factor)
    base = list(tape.operations)
    if any(isinstance(op, Channel) for op in base):
        raise ValueError(
            "Circuits containing quantum channels cannot be folded with mitigate_with_zne. "
            "To use zero-noise extrapolation on the circuit with channel noise, please add "
            "the noise on the device rather than the circuit.")
    folds = math.floor((scale_factor - 1) / 2)
    fraction = (scale_factor - 1) - 2 * folds
    partial = int(np.round(fraction * len(base) / 2))
    with detached():
        adjoints = [adjoint(op) for op in base]
    ops = base + (adjoints[::-1] + base) * int(folds)
    if partial:
        ops += adjoints[: -partial - 1: -1] + base[-partial:]
    return [tape.copy(operations=ops)], lambda results: results[0]


def _check_scale_factor(scale_factor) -> None:
    """A scale factor is a finite real number >= 1 (1: the circuit as it is). Below 1 the
    fold counts would go negative and fold the circuit anyway (a silently wrong noise
    scale)."""
    ok = (not isinstance(scale_factor, (bool, str)) and np.ndim(scale_factor) == 0
          and np.isrealobj(scale_factor))
    if not ok or not math.isfinite(float(scale_factor)) or scale_factor < 1:
        raise ArgumentError(
            f"fold_global: scale_factor must be a finite real number >= 1 (1 leaves the "
            f"circuit as it is, 3 folds it once), got {scale_factor!r}")


def _fit_points(x, y, order):
    """``x`` as floats, after checking that ``(x, y)`` determine one polynomial of degree
    ``order``: as many ``y`` as ``x``, finite ``x``, a non-negative integer ``order`` and
    more distinct ``x`` than ``order`` (with fewer, the least-squares fit is not unique
    and its value at zero would be an arbitrary number)."""
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise ArgumentError(f"the extrapolation order must be a non-negative integer, got "
                            f"{order!r}")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or len(x) != len(y):
        raise ArgumentError(f"extrapolation needs one result per scale factor: got "
                            f"{x.size} scale factors and {len(y)} results")
    if not np.all(np.isfinite(x)):
        raise ArgumentError(f"the scale factors must be finite numbers, got {x.tolist()}")
    distinct = len(np.unique(x))
    if distinct <= order:
        raise ArgumentError(
            f"a polynomial of degree {order} needs at least {order + 1} distinct scale "
            f"factors, got {distinct} ({x.tolist()}): give more distinct scale factors "
            f"or a lower order")
    return x


def polyfit(x, y, order):
    """The coefficients (highest power first) of the least-squares polynomial of degree
    ``order`` through the points ``(x, y)``: the scaled normal equations solved with a
    pseudo-inverse (constant in ``y``, so autograd differentiates through ``y``).
    PennyLane's ``pennylane.noise.mitigate._polyfit`` (its tests import it).

    >>> import numpy as np
    >>> x = np.linspace(1, 4, 4)
    >>> np.round(polyfit(x, 3 * x**2 + 2 * x + 1, 2), 10).tolist()
    [3.0, 2.0, 1.0]
    """
    x = _fit_points(x, y, order)
    vander = np.vander(x, order + 1)
    scale = np.sum(np.abs(vander), axis=0)
    scaled = vander / scale
    solve = np.linalg.pinv(scaled.T @ scaled) @ scaled.T
    ys = anp.stack(list(y))
    coeffs = anp.tensordot(solve, ys, axes=1)
    return coeffs / scale.reshape((-1,) + (1,) * (anp.ndim(ys) - 1))


def poly_extrapolate(x, y, order):
    """PennyLane's ``qml.noise.poly_extrapolate``: the value at ``x = 0`` of the
    least-squares polynomial of degree ``order`` through ``(x, y)`` (``y`` may be arrays:
    one fit per entry).

    >>> import qsym as qml
    >>> x = [1.0, 2.0, 3.0]
    >>> round(float(qml.noise.poly_extrapolate(x, [1 + 2 * v for v in x], 1)), 12)
    1.0
    """
    return _like_input(polyfit(x, y, order)[-1], y)


def _like_input(value, y):
    """An extrapolated value of array results is an array (0-d for scalar results), as
    PennyLane's; of a list of numbers, a NumPy number; of ``qsym.numpy`` tensors (an array,
    or a list holding one: ``qml.execute`` results post-processed with a Hamiltonian's
    tensor coefficients) a tensor with ``requires_grad=True``, as PennyLane's autograd
    functions make it whatever the inputs' flag; under a derivative autograd's box."""
    from autograd.tracer import Box

    from .numpy import tensor

    if isinstance(value, Box):
        return value
    if isinstance(y, tensor) or (isinstance(y, (list, tuple))
                                 and any(isinstance(v, tensor) for v in y)):
        return tensor(value, requires_grad=True)
    if isinstance(y, np.ndarray) and isinstance(value, np.generic):
        return np.asarray(value)
    return value


def richardson_extrapolate(x, y):
    """PennyLane's ``qml.noise.richardson_extrapolate``: the polynomial through all the
    points (degree ``len(x) - 1``) evaluated at zero.

    >>> import qsym as qml
    >>> round(float(qml.noise.richardson_extrapolate([1, 2, 3], [2, 5, 10])), 10)  # 1 + x**2
    1.0
    """
    if len(x) == 0:
        raise ArgumentError("richardson_extrapolate needs at least one scale factor, got none")
    return poly_extrapolate(x, y, len(x) - 1)


def exponential_extrapolate(x, y, asymptote=None, eps=1.0e-6):
    """PennyLane's ``qml.noise.exponential_extrapolate``: ``y`` fitted by
    ``sign * exp(a x + b) + asymptote`` (a line through ``log(sign * (y - asymptote))``,
    values below ``eps`` clipped to ``eps``), evaluated at zero; without an
    ``asymptote``, 0 and the sign of the decay.

    >>> import numpy as np
    >>> import qsym as qml
    >>> x = [1.0, 2.0, 3.0]
    >>> round(float(qml.noise.exponential_extrapolate(x, [np.exp(-0.5 * v) for v in x])), 12)
    1.0
    """
    _fit_points(x, y, 1)
    ys = anp.stack(list(y))
    slope, intercept = polyfit(x, ys, 1)
    if asymptote is None:
        sign, asymptote = anp.sign(-slope), 0.0
    else:
        sign = anp.sign(-(asymptote - intercept))
    shifted = sign * (ys - asymptote)
    shifted = anp.where(shifted < eps, eps, shifted)
    return _like_input(sign * anp.exp(poly_extrapolate(x, anp.log(shifted), 1)) + asymptote, y)


def _folded(folding, tape, scale, kwargs):
    made = folding(tape, scale, **kwargs)
    if isinstance(made, tuple) and len(made) == 2 and callable(made[1]):  # a transform's
        return made[0][0]
    return made


@transform
def mitigate_with_zne(tape, scale_factors, folding, extrapolate, *, folding_kwargs=None,
                      extrapolate_kwargs=None, reps_per_factor=1):
    """PennyLane's ``qml.noise.mitigate_with_zne`` (also ``qml.transforms``): zero-noise
    extrapolation. The circuit's gates after its state preparations are folded by
    ``folding(tape, scale, **folding_kwargs)`` (e.g. :func:`fold_global`) at each of the
    ``scale_factors``, ``reps_per_factor`` times; the results (averaged over the
    repetitions; several expectation values stacked) are extrapolated to zero by
    ``extrapolate(scale_factors, results, **extrapolate_kwargs)``. It mitigates noise a
    device adds per gate (``qml.add_noise(dev, model)``); noise channels written in the
    circuit cannot be folded.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RY(0.3, 0)], [qml.expval(qml.Z(0))])
    >>> tapes, fn = qml.noise.mitigate_with_zne(t, [1, 3], qml.noise.fold_global,
    ...                                         qml.noise.richardson_extrapolate)
    >>> [len(t.operations) for t in tapes], round(float(fn([0.9, 0.7])), 12)
    ([1, 3], 1.0)
    """
    if (isinstance(reps_per_factor, bool) or not isinstance(reps_per_factor, (int, np.integer))
            or reps_per_factor < 1):
        raise ArgumentError(f"mitigate_with_zne: reps_per_factor must be a positive integer "
                            f"(the runs averaged per scale factor), got {reps_per_factor!r}")
    if len(scale_factors) == 0:
        raise ArgumentError("mitigate_with_zne: scale_factors is empty; give the noise scale "
                            "factors to extrapolate from, e.g. [1, 2, 3]")
    folding_kwargs = folding_kwargs or {}
    extrapolate_kwargs = extrapolate_kwargs or {}
    preps = list(tape.operations[:tape.num_preps])
    body = QuantumScript(tape.operations[tape.num_preps:])
    folded = [_folded(folding, body, s, folding_kwargs)
              for s in scale_factors for _ in range(reps_per_factor)]
    tapes = [tape.copy(operations=preps + list(t.operations)) for t in folded]

    def processing_fn(results):
        results = [anp.stack(list(r)) if len(t.measurements) > 1 else r
                   for r, t in zip(results, tapes)]
        means = [anp.mean(anp.stack(results[i:i + reps_per_factor]), axis=0)
                 for i in range(0, len(results), reps_per_factor)]
        out = extrapolate(scale_factors, means, **extrapolate_kwargs)
        if anp.shape(out) == (1,):
            out = out[0]
        return out if anp.shape(out) == () else tuple(out[i] for i in range(len(out)))

    return tapes, processing_fn
