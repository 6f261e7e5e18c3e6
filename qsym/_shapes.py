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

import numpy as np


def measurements(post, out, jac=None):
    """Per-measurement values (and Jacobians) from the compiled code's linear rows.

    ``post`` holds ``(kind, first row, rows, shape)`` per measurement: an expectation is
    one row; a variance is ``<O^2> - <O>^2`` from two rows, with derivative
    ``d<O^2> - 2 <O> d<O>``; probabilities are ``2**k`` rows. Jacobians have the shape
    ``(*value shape, number of flat inputs)``.
    """
    values, jacs = [], []
    for kind, r, n, _ in post:
        if kind == "var":
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


def format_values(output, values):
    """Measured values as the circuit returned them: one value, a tuple or a list."""
    if output == "scalar":
        return values[0]
    return tuple(values) if output == "tuple" else list(values)


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


# finite-difference stencils: order -> ((offset in steps, weight), ...); the derivative is
# sum(weight * f(x + offset * h)) / h. Order 1 is forward, the others central.
STENCILS = {
    1: ((0, -1.0), (1, 1.0)),
    2: ((-1, -0.5), (1, 0.5)),
    4: ((-2, 1.0 / 12.0), (-1, -2.0 / 3.0), (1, 2.0 / 3.0), (2, -1.0 / 12.0)),
}
# the step that balances truncation (h**order) against rounding (eps / h) for values and
# derivatives of order 1, as expectation values have: errors about 1e-8, 4e-11, 4e-13
DEFAULT_STEPS = {1: 1e-7, 2: 1e-5, 4: 1e-3}


def finite_differences(f, x, h, order, base=None):
    """``(f(x), jac)`` with ``jac[:, j]`` the finite difference of ``f`` along ``x_j``
    (:data:`STENCILS`); ``f`` returns a 1-D array. Runs ``f`` ``1 + order * len(x)`` times.

    >>> v, j = finite_differences(lambda v: np.array([np.sin(v[0])]), np.array([0.3]), 1e-3, 4)
    >>> bool(abs(j[0, 0] - np.cos(0.3)) < 1e-12)
    True
    """
    v = f(x) if base is None else base
    jac = np.zeros((v.shape[0], x.shape[0]))
    for j in range(x.shape[0]):
        for offset, weight in STENCILS[order]:
            if offset == 0:
                jac[:, j] += weight * v
                continue
            moved = x.copy()
            moved[j] += offset * h
            jac[:, j] += weight * f(moved)
        jac[:, j] /= h
    return v, jac
