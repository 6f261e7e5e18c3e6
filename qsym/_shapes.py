"""Return shapes, PennyLane's way (plain NumPy; exported modules carry this file too).

The compiled code returns flat arrays: values ``out[m]`` per measurement and the Jacobian
``jac[m, j]`` over the flat differentiated inputs. These helpers give them the shapes a
PennyLane user expects.

>>> import numpy as np
>>> post = (("expval", 0, 1, ()), ("var", 1, 2, ()))
>>> values, jacs = measurements(post, np.array([0.5, 1.0, 0.5]), np.eye(3))
>>> format_values("tuple", values)
(np.float64(0.5), np.float64(0.75))
>>> pick(np.array([1.0, 2.0, 3.0]), ((0, 2, (2,)), (2, 1, ())), single=False)
(array([1., 2.]), array(3.))
"""

import functools
import numbers

import numpy as np

from .errors import DifferentiationError, MeasurementError


def measurements(post, out, jac=None):
    """Per-measurement values (and Jacobians) from the compiled code's linear rows.

    ``post`` holds ``(kind, first row, rows, shape)`` per measurement: an expectation is
    one row; a variance is ``<O^2> - <O>^2`` from two rows, with derivative
    ``d<O^2> - 2 <O> d<O>``; probabilities are ``2**k`` rows. Jacobians have the shape
    ``(*value shape, number of flat inputs)``.
    """
    values, jacs = [], []
    for kind, r, n, shape in post:
        if postselected(kind, n, shape):
            v, j = ratio(kind, out[r : r + n], None if jac is None else jac[r : r + n])
            values.append(v)
            if jac is not None:
                jacs.append(j)
        elif kind == "var":
            values.append(out[r] - out[r + 1] ** 2)
            if jac is not None:
                jacs.append(jac[r] - 2.0 * out[r + 1] * jac[r + 1])
        elif kind == "probs":
            values.append(out[r : r + n])
            if jac is not None:
                jacs.append(jac[r : r + n])
        elif n == 0:  # sample, counts, state: not made of rows (drawn by qsym.shots)
            values.append(None)
            if jac is not None:
                jacs.append(None)
        else:
            values.append(out[r])
            if jac is not None:
                jacs.append(jac[r])
    return values, jacs


def postselected(kind: str, n: int, shape: tuple) -> bool:
    """Whether a measurement's ``n`` rows end with a postselection's norm (one more row
    than the plain measurement has: :func:`qsym._ir.linear_rows`).

    >>> postselected("expval", 2, ()), postselected("probs", 4, (4,)), postselected("probs", 5, (4,))
    (True, False, True)
    """
    plain = {"expval": 1, "var": 2, "probs": int(np.prod(shape))}.get(kind)
    return plain is not None and n == plain + 1


# The one rule for a postselection's kept probability p (analytic and with shots alike):
# p <= POSTSELECTION_ATOL is an impossible outcome (PennyLane's "norm of the projected
# state is 0"): NaN values without shots; with shots none kept ("hw-like": NaN estimates,
# empty samples) or PostselectionError ("fill-shots"). Above it the values are those of
# the renormalised state, with shots a binomial number of them kept. PennyLane 0.45's
# bound is p <= 1e-16 (its `allclose(norm, 0)` on the projected state's norm, atol 1e-8);
# qsym's is larger because its analytic values are ratios of linear rows (Pauli sums
# between projectors, then the projector) whose rounding is absolute, ~1e-17..1e-16 of
# the whole state: their relative error is about 1e-16 / p (1e-12 at p = 1e-4, 1e-9 at
# 1e-8, 1e-6 at 1e-10), and below 1e-12 it would divide rounding into arbitrary numbers.
POSTSELECTION_ATOL = 1e-12


def postselection_impossible(p) -> bool:
    """Whether a postselection keeping probability ``p`` is impossible under the one rule
    (``p <= POSTSELECTION_ATOL``, NaN too): no value, no kept shot.

    >>> postselection_impossible(1e-13), postselection_impossible(1e-11), postselection_impossible(float("nan"))
    (True, False, True)
    """
    return not p > POSTSELECTION_ATOL


def kept_norm(norm):
    """A postselection's norm (the kept probability) for dividing by: NaN where it is 0
    within :data:`POSTSELECTION_ATOL` (its outcome impossible).

    >>> kept_norm(np.array([0.5, 1e-17, -1e-17])).tolist()
    [0.5, nan, nan]
    """
    norm = np.asarray(norm, dtype=float)
    return np.where(np.abs(norm) <= POSTSELECTION_ATOL, np.nan, norm)


def ratio(kind: str, rows, jac=None):
    """``(value, Jacobian)`` of a postselected measurement from its rows (the projected
    rows, then the norm ``N``): expval ``r0 / N``; var ``r0 / N - (r1 / N)^2``; probs
    ``r / N``; the Jacobian by the quotient rule. ``N = 0`` (the kept outcomes impossible,
    within :data:`POSTSELECTION_ATOL`: :func:`kept_norm`) gives NaN, as PennyLane's.

    >>> ratio("expval", np.array([0.25, 0.5]))
    (np.float64(0.5), None)
    """
    rows = np.asarray(rows, dtype=float)
    norm = kept_norm(rows[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        f = rows[:-1] / norm
        g = None if jac is None else (jac[:-1] - f[:, None] * jac[-1][None, :]) / norm
    if kind == "probs":
        return f, g
    if kind == "expval":
        return f[0], None if g is None else g[0]
    return f[0] - f[1] ** 2, None if g is None else g[0] - 2.0 * f[1] * g[1]


def format_values(output, values):
    """Measured values as the circuit returned them: one value, a tuple, a list, or the
    nested tuples, lists, dicts and arrays of a ``("tree", spec)`` output
    (:func:`tree_spec`).

    >>> format_values(("tree", ("dict", ("a", "b"), ("leaf", ("list", ("leaf",))))), [1.0, 2.0])
    {'a': 1.0, 'b': [2.0]}
    """
    if output == "scalar":
        return values[0]
    if isinstance(output, tuple):
        return _rebuild(output[1], iter(values))
    return tuple(values) if output == "tuple" else list(values)


def tree_spec(result, is_leaf):
    """``(spec, leaves)`` of a circuit function's returned value, nested tuples, lists,
    dicts (PennyLane's pytrees) and NumPy object arrays of leaves: the spec is ``"leaf"``
    for a leaf, ``(kind, children)`` for a tuple or list, ``("dict", keys, children)``,
    ``("array", shape)`` (an object array of leaves: ``qml.numpy.array([...])``,
    ``qml.math.stack``; returned stacked, :func:`stacked`). ``None`` for the
    spec when a non-leaf, non-container value is found.

    >>> tree_spec({"a": 1, "b": [2]}, lambda x: isinstance(x, int))
    (('dict', ('a', 'b'), ('leaf', ('list', ('leaf',)))), [1, 2])
    """
    leaves = []

    def walk(obj):
        if is_leaf(obj):
            leaves.append(obj)
            return "leaf"
        if isinstance(obj, (tuple, list)):
            return (type(obj).__name__ if type(obj) in (tuple, list) else "tuple",
                    tuple(walk(o) for o in obj))
        if isinstance(obj, dict):
            return ("dict", tuple(obj), tuple(walk(v) for v in obj.values()))
        if isinstance(obj, np.ndarray) and obj.dtype == object and obj.size and all(
                is_leaf(o) for o in obj.flat):
            leaves.extend(obj.flat)
            return ("array", obj.shape)
        raise _NotATree(obj)

    try:
        return walk(result), leaves
    except _NotATree:
        return None, leaves


def stacked(shape, values):
    """The values of an array of measurements (``qml.numpy.array([qml.expval(a),
    qml.expval(b)])``, ``qml.math.stack``) as PennyLane 0.45.1 returns them: one array of
    the values stacked (a ``qml.numpy`` tensor when the values are), of ``shape`` followed
    by each value's shape; one measurement gives its value. Autograd's boxes are stacked by
    autograd, so derivatives are arrays of the same shape; counts (dicts) stay a tuple.

    >>> stacked((2,), [np.float64(0.5), np.float64(0.25)])
    array([0.5 , 0.25])
    >>> stacked((1,), [np.float64(0.5)])
    np.float64(0.5)
    """
    if len(values) == 1 or any(isinstance(v, dict) for v in values):
        return values[0] if len(values) == 1 else tuple(values)
    if any(type(v).__module__.startswith("autograd") for v in values):  # boxed: differentiated
        import autograd.numpy as anp  # (here: exported modules run without autograd)

        out = anp.stack(values)
        return anp.reshape(out, tuple(shape) + tuple(anp.shape(out)[1:]))
    try:
        out = np.stack([np.asarray(v) for v in values])
    except ValueError as exc:
        raise MeasurementError(
            "an array of measurements must hold measurements of one shape (PennyLane stacks "
            f"their values: {exc}); return a tuple of them instead") from None
    out = out.reshape(tuple(shape) + out.shape[1:])
    first = values[0]
    return out.view(type(first)) if isinstance(first, np.ndarray) else out


def format_rows(output, rows):
    """Per-measurement derivatives (Jacobians, Hessians; a tuple per differentiated argument
    when there are several) as the circuit returned its measurements: one for a scalar
    output, stacked for an array of measurements (:func:`stacked`, per argument), else a
    tuple of them.

    >>> format_rows(("tree", ("array", (2,))), [np.ones(3), np.zeros(3)]).shape
    (2, 3)
    >>> [a.shape for a in format_rows(("tree", ("array", (2,))), [(np.ones(3), np.ones(()))] * 2)]
    [(2, 3), (2,)]
    """
    if output == "scalar":
        return rows[0]
    if isinstance(output, tuple) and output[1][0] == "array":
        return _stacked_rows(output[1][1], rows)
    return tuple(rows)


def _stacked_rows(shape, rows):
    if rows and isinstance(rows[0], tuple):
        return tuple(_stacked_rows(shape, [r[a] for r in rows]) for a in range(len(rows[0])))
    return stacked(shape, rows)


class _NotATree(Exception):
    pass


def _rebuild(spec, it):
    if spec == "leaf":
        return next(it)
    if spec[0] == "dict":
        return {k: _rebuild(c, it) for k, c in zip(spec[1], spec[2])}
    if spec[0] == "array":
        return stacked(spec[1], [next(it) for _ in range(int(np.prod(spec[1])))])
    children = [_rebuild(c, it) for c in spec[1]]
    return tuple(children) if spec[0] == "tuple" else children


def pick(jac_m, blocks, single):
    """Split one measurement's Jacobian ``(*value shape, inputs)`` into the differentiated
    arguments' shapes, ``(*value shape, *argument shape)`` each.

    ``blocks`` holds ``(first column, size, shape)`` per differentiated argument;
    ``single`` returns the first block alone (a scalar for a scalar argument and a scalar
    value), otherwise a tuple of arrays (0-d arrays for scalars).
    """
    lead = jac_m.shape[:-1]
    if single:
        c, size, shape = blocks[0]
        if shape == () and lead == ():
            return jac_m[c]
        return jac_m[..., c : c + size].reshape(lead + shape)
    return tuple(
        np.asarray(jac_m[..., c : c + size]).reshape(lead + shape) for c, size, shape in blocks
    )


_EMPTY = np.zeros(0)  # shared: the compiled code never writes its inputs
_F64 = np.dtype(np.float64)


def flat(arrays):
    """One contiguous float64 vector of all the arrays' elements, in order (the input
    itself when it already is one: this runs on every call)."""
    if not arrays:
        return _EMPTY
    if len(arrays) == 1:
        a = arrays[0]
        if type(a) is float:
            return np.array((a,))
        if isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype == _F64 and a.flags.c_contiguous:
            return a if type(a) is np.ndarray else a.view(np.ndarray)
        return np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64, copy=False)


# finite differences as PennyLane 0.45's ``qml.gradients.finite_diff`` (defaults h=1e-7,
# approx_order=1, strategy="forward"): the stencil of ``finite_diff_coeffs(1, order,
# strategy)``, the derivative being sum(weight * f(x + offset * h)) / h
FD_STRATEGIES = ("forward", "backward", "center")
DEFAULT_STEP = 1e-7


def stencil(order: int, strategy: str = "forward") -> tuple:
    """``((offset in steps, weight), ...)`` of the first derivative's finite difference of
    approximation order ``order``: PennyLane's ``finite_diff_coeffs(n=1, approx_order,
    strategy)`` (offsets ``0..order`` forward, ``-order..0`` backward, ``-order/2..order/2``
    center; weights solving the Taylor conditions), zero weights dropped, sorted by
    ``|offset|`` (the unshifted point first). Bad input raises PennyLane's ``ValueError``
    messages (as :class:`~qsym.errors.DifferentiationError`).

    >>> stencil(1)
    ((0, -1.0), (1, 1.0))
    >>> stencil(2, "center")
    ((-1, -0.5), (1, 0.5))
    >>> stencil(2)
    ((0, -1.5), (1, 2.0), (2, -0.5))
    """
    order, strategy = check_stencil(order, strategy)
    return _stencil(order, strategy)


def check_stencil(order, strategy: str = "forward") -> tuple:
    """PennyLane's checks of :func:`stencil`'s ``order`` and ``strategy`` (its errors),
    without solving for the weights: a QNode checks its options when it is made, and
    NumPy's first ``linalg.solve`` in a process costs about 0.3 ms (issue #17).
    ``(order, strategy)`` as :func:`stencil` reads them.

    >>> check_stencil(2, "center")
    (2, 'center')
    """
    if isinstance(order, bool) or not isinstance(order, numbers.Integral) or order < 1:
        raise DifferentiationError(
            f"Approximation order must be a positive integer (approx_order={order!r})")
    order, strategy = int(order), strategy if isinstance(strategy, str) else repr(strategy)
    _offsets(order, strategy)
    return order, strategy


def _offsets(order: int, strategy: str) -> range:
    """The points of a stencil, in steps; PennyLane's errors for a strategy it lacks."""
    if strategy == "forward":
        return range(order + 1)
    if strategy == "backward":
        return range(-order, 1)
    if strategy == "center":
        if order % 2:
            raise DifferentiationError(
                "Centered finite-difference requires an even order approximation "
                f"(approx_order={order}; give 2, 4, ... or strategy='forward')")
        return range(-(order // 2), order // 2 + 1)
    raise DifferentiationError(
        f"Unknown strategy {strategy}. Must be one of 'forward', 'backward', 'center'.")


def check_num_directions(num) -> int:
    """SPSA's ``num_directions`` (``qml.gradients.spsa_grad``, ``diff_method="spsa"``): a
    positive int; none or a negative number of directions averages nothing (the estimate
    was 0, silently), a fraction is not a count: a DifferentiationError.

    >>> check_num_directions(3)
    3
    """
    if isinstance(num, bool) or not isinstance(num, numbers.Integral) or num < 1:
        raise DifferentiationError(
            f"num_directions must be a positive int (the number of random directions SPSA "
            f"averages over), got {num!r}")
    return int(num)


@functools.lru_cache(maxsize=None)
def _stencil(order: int, strategy: str) -> tuple:
    offsets = np.array(_offsets(order, strategy))
    a = offsets.astype(np.float64) ** np.arange(len(offsets)).reshape(-1, 1)
    b = np.zeros(len(offsets))
    b[1] = 1.0
    weights = np.linalg.solve(a, b)
    rows = [(int(o), float(w)) for o, w in zip(offsets, weights) if abs(w) >= 1e-10]
    return tuple(sorted(rows, key=lambda r: (abs(r[0]), r[0])))


def fd_circuits(order: int, strategy: str, n_params: int) -> int:
    """Circuits a finite-difference gradient counts, as PennyLane's ``finite_diff``
    records them: the value circuit, the unshifted circuit again if the stencil uses it
    (PennyLane's gradient batch holds it; qsym reuses the value), one per shifted point
    and parameter (:func:`qsym._plan.finite_difference_inputs`)."""
    st = stencil(order, strategy)
    shifted = sum(1 for o, _ in st if o)
    return 1 + (len(st) > shifted) + n_params * shifted


def parameter_differences(f, n_inputs, chain, h, order, strategy="forward", post=None,
                          coefficients=(), negated=frozenset()):
    """``(f(None), jac)``: finite differences as PennyLane's ``finite_diff`` takes them on
    a QNode's tape, one trainable gate parameter at a time, each stepped by ``h`` alone
    (:func:`stencil`) and chained to the inputs by the parameters' exact derivatives (as
    autograd chains the tape's Jacobian through the classical processing).

    ``f(step)`` returns the rows with ``step`` applied: ``None`` (unshifted),
    ``("slot", a, t)`` (gate parameter ``a`` moved by ``t``) or ``("input", j, t)`` (input
    ``j`` moved by ``t`` in the observables' coefficients only); ``chain`` holds
    ``(slot, input, d slot / d input)``, ``coefficients`` the inputs a coefficient reads.
    ``negated``: the slots whose angle is the negative of the tape's parameter (an adjoint
    folded into the angle, ``qml.adjoint(qml.RZ(x))`` is ``RZ(-x)``: PennyLane steps ``x``,
    so the angle is stepped by ``-h``: :func:`qsym._plan.negated_angle`).

    With ``post`` (the measurements' layout, :func:`measurements`) ``f`` returns a
    circuit's linear rows, and what is differenced is each measurement's FINISHED value (a
    variance ``<A^2> - <A>^2``, a postselected ratio ``r / N``), as PennyLane's
    ``finite_diff`` differences the results of its shifted circuits; the rows returned are
    :func:`finished_rows` (the same values through :func:`measurements`, which then gives
    these differences as the Jacobian). Differencing the rows and finishing them by the
    chain rule would be another O(h) approximation, not PennyLane's numbers.

    >>> th = lambda x: (2 * x[0], x[0] * x[1])   # RX(2 x0) RY(x0 x1): <Z> = cos t1 cos t2
    >>> x = np.array([0.4, 0.9])
    >>> def f(step):
    ...     t = list(th(x))
    ...     if step is not None:
    ...         t[step[1]] += step[2]
    ...     return np.array([np.cos(t[0]) * np.cos(t[1])])
    >>> v, jac = parameter_differences(f, 2, ((0, 0, 2.0), (1, 0, 0.9), (1, 1, 0.4)), 1e-2, 1)
    >>> d2 = (np.cos(0.8) * np.cos(0.37) - v[0]) / 1e-2
    >>> bool(abs(jac[0, 1] - 0.4 * d2) < 1e-15)
    True
    >>> post = (("var", 0, 2, ()),)   # rows <A^2>, <A> of RX(x): var = 1 - cos(x)^2
    >>> rows = lambda step: np.array([1.0, np.cos(0.7 + (0 if step is None else step[2]))])
    >>> out, jac = parameter_differences(rows, 1, ((0, 0, 1.0),), 1e-3, 1, post=post)
    >>> d = measurements(post, out, jac)[1][0][0]   # not -2 cos x (cos(x + h) - cos x) / h
    >>> bool(abs(d - (np.sin(0.701) ** 2 - np.sin(0.7) ** 2) / 1e-3) < 1e-10)
    True
    """
    finish = (lambda rows: finished_rows(post, rows)) if post is not None else np.asarray
    v = finish(f(None))
    jac = np.zeros(v.shape + (n_inputs,), dtype=np.result_type(v.dtype, np.float64))
    st = stencil(order, strategy)

    def difference(kind, key, sign=1.0):
        acc = np.zeros(jac.shape[:-1], dtype=jac.dtype)
        for offset, weight in st:
            acc += weight * (v if offset == 0 else finish(f((kind, key, sign * offset * h))))
        return sign * acc / h

    done = {}
    for slot, j, factor in chain:
        if slot not in done:
            done[slot] = difference("slot", slot, -1.0 if slot in negated else 1.0)
        jac[..., j] += factor * done[slot]
    for j in coefficients:
        jac[..., j] += difference("input", j)
    if post is not None:
        jac[~live_rows(post, v.shape[0])] = 0.0
    return v, jac


def finished_rows(post, rows):
    """``rows`` (a circuit's linear rows, laid out by ``post``) with each measurement that
    is finished nonlinearly replaced by its finished value in rows that
    :func:`measurements` reads back unchanged: a variance ``(var, 0)``, a postselected
    measurement ``(values, [0,] 1)`` (the norm 1). Linear measurements keep their rows.
    :func:`measurements` gives the same values from both, bit for bit, and from a Jacobian
    of these rows (zero in the constant ones) exactly that Jacobian: what a difference
    method differences (:func:`parameter_differences`).

    >>> post = (("var", 0, 2, ()), ("expval", 2, 2, ()))   # the second one postselected
    >>> finished_rows(post, np.array([1.0, 0.5, 0.25, 0.5])).tolist()
    [0.75, 0.0, 0.5, 1.0]
    """
    out = np.array(rows, dtype=float)
    for kind, r, n, shape in post:
        if postselected(kind, n, shape):
            value = ratio(kind, out[r : r + n])[0]
            out[r : r + n] = 0.0
            if kind == "probs":
                out[r : r + n - 1] = value
            else:
                out[r] = value
            out[r + n - 1] = 1.0
        elif kind == "var":
            out[r], out[r + 1] = out[r] - out[r + 1] ** 2, 0.0
    return out


def finished_jacobian(post, rows, jac):
    """The Jacobian of :func:`finished_rows` from the rows' own Jacobian ``jac`` (rows by
    inputs) by the chain rule (:func:`measurements`'): for an exact column placed among
    finite differences of finished values (:func:`qsym.templates.zero_block_jacobian`).

    >>> finished_jacobian((("var", 0, 2, ()),), np.array([1.0, 0.5]), np.array([[0.0], [2.0]])).tolist()
    [[-2.0], [0.0]]
    """
    rows, out = np.asarray(rows, dtype=float), np.array(jac, dtype=float)
    for kind, r, n, shape in post:
        if postselected(kind, n, shape):
            g = ratio(kind, rows[r : r + n], out[r : r + n])[1]
            out[r : r + n] = 0.0
            if kind == "probs":
                out[r : r + n - 1] = g
            else:
                out[r] = g
        elif kind == "var":
            out[r], out[r + 1] = out[r] - 2.0 * rows[r + 1] * out[r + 1], 0.0
    return out


def live_rows(post, size: int) -> np.ndarray:
    """Which of :func:`finished_rows`' ``size`` rows vary (the others are the constant
    zeros and norms it writes).

    >>> live_rows((("var", 0, 2, ()), ("expval", 2, 2, ())), 4).tolist()
    [True, False, True, False]
    """
    live = np.ones(size, dtype=bool)
    for kind, r, n, shape in post:
        if postselected(kind, n, shape):
            live[r + (n - 1 if kind == "probs" else 1) : r + n] = False
        elif kind == "var":
            live[r + 1] = False
    return live


def adjoint_jacobian_tuples(jac):
    """PennyLane's form of an adjoint-method Jacobian (measurements by trainable
    parameters, squeezed): a 0-d array, a tuple of 0-d arrays, or a tuple of tuples.

    >>> adjoint_jacobian_tuples(np.array([[0.5, 0.25]]))
    (array(0.5), array(0.25))
    """
    jac = np.squeeze(jac)
    if jac.ndim == 0:
        return np.array(jac)
    if jac.ndim == 1:
        return tuple(np.array(j) for j in jac)
    return tuple(tuple(np.array(x) for x in row) for row in jac)

