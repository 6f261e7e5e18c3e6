"""Return shapes, PennyLane's way (plain NumPy; exported modules carry this file too).

The compiled code returns flat arrays: values ``out[m]`` per measurement and the Jacobian
``jac[m, j]`` over the flat differentiated inputs. These helpers give them the shapes a
PennyLane user expects.

>>> import numpy as np
>>> format_values("tuple", np.array([0.5, 0.25]))
(np.float64(0.5), np.float64(0.25))
>>> pick(np.array([1.0, 2.0, 3.0]), ((0, 2, (2,)), (2, 1, ())), single=False)
(array([1., 2.]), array(3.))
"""

import numpy as np


def format_values(output, out):
    """Measured values as the circuit returned them: one value, a tuple or a list."""
    if output == "scalar":
        return out[0]
    vals = [out[m] for m in range(out.shape[0])]
    return tuple(vals) if output == "tuple" else vals


def pick(jac_row, blocks, single):
    """Split one row of the flat Jacobian into the differentiated arguments' shapes.

    ``blocks`` holds ``(first column, size, shape)`` per differentiated argument;
    ``single`` returns the first block alone (a scalar for a scalar argument), otherwise a
    tuple of arrays (0-d arrays for scalars).
    """
    if single:
        c, size, shape = blocks[0]
        if shape == ():
            return jac_row[c]
        return jac_row[c : c + size].reshape(shape)
    return tuple(np.asarray(jac_row[c : c + size]).reshape(shape) for c, size, shape in blocks)


def flat(arrays):
    """One contiguous float64 vector of all the arrays' elements, in order."""
    if not arrays:
        return np.zeros(0)
    if len(arrays) == 1:
        a = arrays[0]
        if type(a) is float:
            return np.array((a,))
        return np.ascontiguousarray(a, dtype=np.float64).reshape(-1)
    return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64, copy=False)
