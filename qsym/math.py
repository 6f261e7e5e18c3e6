"""``qml.math``: PennyLane's framework-agnostic math, for NumPy and autograd values.

PennyLane's ``qml.math.f`` calls the function ``f`` of the framework its arguments belong
to; qsym's QNodes take and return NumPy (autograd) values only, so every NumPy function is
here under its NumPy name (``qml.math.allclose``, ``sum``, ``stack``, ``dot``, ``einsum``,
``cos``, ...: those of :mod:`qsym.numpy`, which autograd differentiates and which accept
traced inputs inside a circuit), plus PennyLane's own helpers below (``get_interface``,
``requires_grad``, ``to_numpy``, ``toarray``, ``unwrap``, ``convert_like``, ``cast``,
``cast_like``, ``is_abstract``, ``allequal``, ``is_real_obj_or_close``), PennyLane's
quantum-information functions
(``reduce_dm``, ``reduce_statevector``, ``partial_trace``, ``dm_from_state_vector``,
``purity``, ``vn_entropy``, ``mutual_info``, ``vn_entanglement_entropy``,
``relative_entropy``, ``max_entropy``, ``min_entropy``, ``fidelity``,
``fidelity_statevector``, ``trace_distance``, ``sqrt_matrix``, ``expectation_value``,
``choi_matrix``: autograd differentiates them), the SU(2)/SU(4)
forms of unitaries (``convert_to_su2``, ``convert_to_su4``) and ``qml.math.decomposition``
(Euler angles ``zyz_rotation_angles``, ``xyx_...``, ``xzx_...``, ``zxz_...``;
``su2su2_to_tensor_products``).

>>> import qsym as qml
>>> from qsym import numpy as np
>>> x = np.array([0.1, 0.2], requires_grad=True)
>>> qml.math.get_interface(x), qml.math.requires_grad(x), qml.math.shape(x)
('autograd', True, (2,))
>>> qml.math.allclose(qml.math.stack([x, x]).sum(axis=0), 2 * x)
True
>>> qml.math.to_numpy(x)
array([0.1, 0.2])
"""

from __future__ import annotations

import functools as _functools
import operator as _operator

import numpy as _np
from autograd.builtins import SequenceBox as _SequenceBox
from autograd.extend import Box as _Box, defvjp as _defvjp, primitive as _primitive

from . import numpy as _qnp
from . import _ir
from . import _linalg
from ._linalg import convert_to_su2, convert_to_su4, givens_decomposition
from .wires import order_list as _order_list
import sys as _sys
import types as _types

def get_interface(*values) -> str:
    """``"autograd"`` if any value is a qsym tensor or an autograd box, ``"scipy"`` for a
    SciPy sparse matrix, else ``"numpy"``.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.get_interface(np.array([0.1])), qml.math.get_interface(onp.array([0.1]))
    ('autograd', 'numpy')
    """
    from ._linalg import is_sparse

    found = "numpy"
    for v in values:
        if is_sparse(v):
            return "scipy"
        if isinstance(v, (list, tuple)):
            if v and get_interface(*v) == "autograd":
                found = "autograd"
        elif isinstance(v, (_qnp.tensor, _Box)):
            found = "autograd"
    return found


def requires_grad(tensor, interface=None) -> bool:
    """Whether ``tensor`` is trainable: a qsym tensor's flag; an autograd box is; plain
    NumPy values are not (PennyLane's rule).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.requires_grad(np.array(0.1)), qml.math.requires_grad(np.array(0.1, requires_grad=False))
    (True, False)
    """
    if isinstance(tensor, _Box):
        return True
    if isinstance(tensor, _qnp.tensor):
        return bool(tensor.requires_grad)
    _known(tensor)
    return False


def _known(value):
    """Refuse an object that is no numeric value (PennyLane's "unknown object")."""
    from ._linalg import is_sparse

    if not (isinstance(value, (_np.ndarray, _np.generic, int, float, complex, list, tuple, _Box))
            or is_sparse(value) or hasattr(value, "__array__") or hasattr(value, "__float__")
            or value is None):
        raise ValueError(f"Argument {value!r} is an unknown object: qml.math takes NumPy "
                         "values, qsym.numpy tensors, numbers and sequences of them")


def to_numpy(tensor, max_depth=None, _n=0):
    """A plain NumPy array (or number) of the value, without ``requires_grad``.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.to_numpy(np.array([0.5, 1.0]))
    array([0.5, 1. ])
    """
    if isinstance(tensor, _Box):
        tensor = tensor._value
    if isinstance(tensor, _qnp.tensor):
        return tensor.view(_np.ndarray)
    if isinstance(tensor, (list, tuple)):
        return _np.asarray([to_numpy(t) for t in tensor])
    return _np.asarray(tensor) if not isinstance(tensor, (_np.generic, float, int, complex)) else tensor


toarray = to_numpy


def unwrap(values, max_depth=None):
    """PennyLane's ``qml.math.unwrap``: NumPy values from (nested lists and tuples of)
    tensors, the nesting kept; inside a list or tuple a 0-d value becomes a Python number
    (PennyLane's ``.tolist()``), a Python number stays one.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.unwrap([np.array(0.5), np.array([1.0, 2.0])])
    [0.5, array([1., 2.])]
    >>> qml.math.unwrap(((0.5, 0.6), np.array(0.9)))
    ((0.5, 0.6), 0.9)
    """
    def convert(v):
        if isinstance(v, (list, tuple)):
            return unwrap(v, max_depth)
        v = to_numpy(v)
        return v.tolist() if isinstance(v, _np.ndarray) and not v.shape else v

    if isinstance(values, (list, tuple)):
        return type(values)(convert(v) for v in values)
    return to_numpy(values)


def convert_like(tensor1, tensor2):
    """``tensor1`` as the kind of value ``tensor2`` is (qsym tensor or NumPy array).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.convert_like(onp.array([1.0]), np.array([2.0]))
    tensor([1.], requires_grad=True)
    """
    from ._linalg import is_sparse

    if isinstance(tensor2, _qnp.tensor):
        return _qnp.tensor(tensor1, requires_grad=tensor2.requires_grad)
    if is_sparse(tensor2):  # a SciPy sparse matrix of tensor2's format
        return type(tensor2)(_np.asarray(to_numpy(tensor1)))
    return _np.asarray(tensor1)


def _traced(value) -> bool:
    """Traced circuit inputs (or an array or list holding some)."""
    from ._trace import Traced

    if isinstance(value, Traced):
        return True
    if isinstance(value, _np.ndarray):
        return value.dtype == object and any(isinstance(v, Traced) for v in value.flat)
    if isinstance(value, (list, tuple)):
        return any(_traced(v) for v in value)
    return False


def cast(tensor, dtype):
    """``tensor`` with the given dtype (a qsym tensor keeps ``requires_grad``). Traced
    circuit inputs (real numbers) cast to a float or complex dtype are returned as they
    are: the cast does not change their values (``qml.math.cast(features, np.complex128)``
    before ``qml.StatePrep``, as PennyLane code does).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.cast(np.array([1, 2]), "float64")
    tensor([1., 2.], requires_grad=True)
    >>> cast([1, 2], float)
    array([1., 2.])
    """
    if _np.dtype(dtype).kind in "fc" and _traced(tensor):
        return tensor
    if isinstance(tensor, _qnp.tensor):
        return _qnp.tensor(_np.asarray(tensor, dtype=dtype), requires_grad=tensor.requires_grad)
    if isinstance(tensor, _Box):
        return tensor
    return _np.asarray(tensor, dtype=dtype)


def cast_like(tensor1, tensor2):
    """``tensor1`` with ``tensor2``'s dtype.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.cast_like(onp.array([1, 2]), onp.array([0.5]))
    array([1., 2.])
    """
    return cast(tensor1, _np.asarray(to_numpy(tensor2)).dtype)


def is_abstract(tensor, like=None) -> bool:
    """Always False: qsym's values are concrete (no JAX tracing).

    >>> import qsym as qml
    >>> qml.math.is_abstract(0.5)
    False
    """
    return False


def flatten(tensor):
    """The value as one dimension (PennyLane's ``qml.math.flatten``, autoray's: NumPy's
    ``x.flatten()``), in its framework: autograd differentiates it.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.flatten(np.array([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1., 2., 3., 4.], requires_grad=True)
    """
    return _qnp.reshape(tensor, (-1,)) if get_interface(tensor) == "autograd" \
        else _np.reshape(tensor, (-1,))


def allequal(tensor1, tensor2, **kwargs) -> bool:
    """True if the two values are equal element by element.

    >>> import qsym as qml
    >>> qml.math.allequal([1, 2], [1, 2]), qml.math.allequal([1, 2], [1, 3])
    (True, False)
    """
    return bool(_np.all(_np.asarray(to_numpy(tensor1)) == _np.asarray(to_numpy(tensor2))))


def is_real_obj_or_close(obj) -> bool:
    """Whether ``obj`` is real, or complex with every imaginary part close to 0 (``allclose``'s
    default tolerances; PennyLane's ``qml.math.is_real_obj_or_close``).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.is_real_obj_or_close(onp.array(0.4 + 1e-14j)), qml.math.is_real_obj_or_close(0.4 + 0.2j)
    (True, False)
    """
    value = _np.asarray(to_numpy(obj))
    return bool(not _np.iscomplexobj(value) or _np.allclose(value.imag, 0.0))


def shape(tensor) -> tuple:
    """The shape of the value (``()`` for a number).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.shape(onp.zeros((2, 3))), qml.math.shape(0.5)
    ((2, 3), ())
    """
    if isinstance(tensor, _Box):
        return _np.shape(tensor._value)
    return _np.shape(tensor)


def T(tensor):
    """The transpose (PennyLane's ``qml.math.T``, autoray's ``x.T``), differentiable.

    >>> import qsym as qml
    >>> qml.math.T([[1, 2], [3, 4]]).tolist()
    [[1, 3], [2, 4]]
    """
    if isinstance(tensor, (_Box, _qnp.tensor)):  # an autograd value, a tensor stay so
        return _qnp.transpose(tensor)
    return _np.transpose(_np.asarray(tensor))


def gather(tensor, indices):
    """``tensor[indices]`` (PennyLane's ``qml.math.gather``), differentiable.

    >>> gather(_np.array([10, 20, 30]), [2, 0]).tolist()
    [30, 10]
    """
    return tensor[indices if isinstance(indices, (int, slice, tuple)) else _np.asarray(indices)]


def _wire_list(wires) -> list:
    """Wire labels as a list (an int is one wire, PennyLane's ``Wires`` and tuples listed)."""
    return [wires] if isinstance(wires, int) else list(wires)


def expand_matrix(mat, wires, wire_order=None, sparse_format="csr"):
    """PennyLane's ``qml.math.expand_matrix``: the matrix ``mat`` of an operator on
    ``wires`` as a matrix on ``wire_order`` (default: ``wires``), the first wire the most
    significant, the identity on the wires ``mat`` does not act on. A batch of matrices
    (batch first) expands each, qudit matrices (``d**len(wires)`` rows) expand with ``d``'s
    identity, an autograd value stays differentiable, and a SciPy sparse matrix gives a
    sparse matrix of ``sparse_format``.

    >>> m = _np.arange(1, 5).reshape(2, 2)
    >>> expand_matrix(m, wires=[2], wire_order=[2, 0]).tolist()        # kron(m, I)
    [[1, 0, 2, 0], [0, 1, 0, 2], [3, 0, 4, 0], [0, 3, 0, 4]]
    >>> expand_matrix(m, wires=[2], wire_order=[0, 2]).tolist()        # kron(I, m)
    [[1, 2, 0, 0], [3, 4, 0, 0], [0, 0, 1, 2], [0, 0, 3, 4]]
    """
    from ._linalg import is_sparse
    from ._operations import expand_matrix as expand, expand_sparse

    wires = _wire_list(wires)
    if wire_order is None or _order_list(wire_order) == wires:
        return mat
    if not wires and shape(mat) == (1, 1):  # a scalar operator: its number
        return complex(mat[0, 0])
    if is_sparse(mat):
        return expand_sparse(mat, wires, _order_list(wire_order)).asformat(sparse_format)
    return expand(mat, wires, _order_list(wire_order))


def _sparse_swap_mat(qubit_i, qubit_j, n):
    """The SWAP of qubits ``qubit_i`` and ``qubit_j`` (positions, the first most
    significant) on ``n`` qubits as a SciPy CSR matrix (PennyLane's
    ``matrix_manipulation._sparse_swap_mat``): the index with the two bits exchanged."""
    import scipy.sparse as sps

    index = _np.arange(2**n)
    bit_i, bit_j = (index >> (n - 1 - qubit_i)) & 1, (index >> (n - 1 - qubit_j)) & 1
    flip = (bit_i ^ bit_j) * ((1 << (n - 1 - qubit_i)) | (1 << (n - 1 - qubit_j)))
    return sps.csr_matrix((_np.ones(2**n, dtype=int), (index, index ^ flip)))


def _permute_dense_matrix(matrix, wires, wire_order, batch_dim, qudit_dim: int = 2):
    """PennyLane's ``matrix_manipulation._permute_dense_matrix``: a matrix on ``wires`` (the
    first most significant) rewritten on the same wires in ``wire_order``'s order, by a
    transpose of its ``qudit_dim``-sized digits (rows and columns alike); ``batch_dim`` (or
    ``None``) is the size of a leading batch axis. ``wire_order`` must hold the same wires.

    >>> cnot = _np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]])
    >>> _permute_dense_matrix(cnot, [0, 1], [1, 0], None).tolist()  # control on wire 1
    [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]]
    """
    wires, wire_order = list(wires), _order_list(wire_order)
    if wires == wire_order:
        return matrix
    perm = [wires.index(wire) for wire in wire_order]
    num_wires = len(wire_order)
    perm += [p + num_wires for p in perm]
    if batch_dim:
        perm = [0] + [p + 1 for p in perm]
    xp = _xp(matrix)
    lead = [batch_dim] if batch_dim else []
    matrix = xp.reshape(matrix, lead + [qudit_dim] * (num_wires * 2))
    matrix = xp.transpose(matrix, axes=perm)
    return xp.reshape(matrix, lead + [qudit_dim**num_wires] * 2)


def expand_vector(vector, original_wires, expanded_wires):
    """PennyLane's ``qml.math.expand_vector``: a vector on ``original_wires`` (``d**N``
    entries) as one on ``expanded_wires`` (a list, or an int ``m`` for ``range(m)``),
    constant along the added wires (ones, not a normalised state).

    >>> expand_vector(_np.array([1, -1]), [1], 2).tolist()
    [1.0, -1.0, 1.0, -1.0]
    """
    expanded = list(range(expanded_wires)) if isinstance(expanded_wires, int) \
        else list(expanded_wires)
    original = list(original_wires)
    xp = _xp(vector)
    if not original:
        return xp.squeeze(vector) * _np.ones(2 ** len(expanded))
    if not set(original) <= set(expanded) or len(set(original)) != len(original):
        raise ValueError("Invalid target subsystems provided in 'original_wires' argument: "
                         f"{original} must be distinct wires of {expanded}.")
    n, m = len(original), len(expanded)
    size = shape(vector)
    d = int(round(size[0] ** (1 / n))) if len(size) == 1 else 0
    if len(size) != 1 or d < 2 or d**n != size[0]:
        raise ValueError(f"Vector parameter must be of length d**len(original_wires) "
                         f"(d >= 2, {n} wire(s)); got shape {tuple(size)}")
    tensor = xp.reshape(vector, (d,) * n + (1,) * (m - n)) * _np.ones((d,) * m)
    held = original + [w for w in expanded if w not in original]
    return xp.reshape(xp.transpose(tensor, [held.index(w) for w in expanded]), (d**m,))


def reduce_matrices(mats_and_wires_gen, reduce_func):
    """PennyLane's ``qml.math.reduce_matrices``: ``reduce_func`` (``qml.math.add``,
    ``qml.math.dot``, ...) applied left to right to ``(matrix, wires)`` pairs, each pair's
    matrices first expanded to their joint wires (``wires1 + wires2``: a union of
    ``Wires``); returns the last matrix and its wires.

    >>> import qsym as qml
    >>> m, w = reduce_matrices([(qml.X(0).matrix(), qml.wires.Wires(0)),
    ...                         (qml.Z(1).matrix(), qml.wires.Wires(1))], qml.math.dot)
    >>> m.real.astype(int).tolist()[0], w
    ([0, 0, 1, 0], Wires([0, 1]))
    """
    def step(first, second):
        (mat1, wires1), (mat2, wires2) = first, second
        joint = wires1 + wires2
        return (reduce_func(expand_matrix(mat1, wires1, joint), expand_matrix(mat2, wires2, joint)),
                joint)

    return _functools.reduce(step, mats_and_wires_gen)


def get_batch_size(tensor, expected_shape, expected_size):
    """PennyLane's ``qml.math.get_batch_size``: the batch size of ``tensor`` when it has
    more dimensions than ``expected_shape`` or more entries than ``expected_size``, else
    ``None``.

    >>> get_batch_size(_np.zeros((3, 2, 2)), (2, 2), 4), get_batch_size(_np.eye(2), (2, 2), 4)
    (3, None)
    """
    size, ndim = _np.size(to_numpy(tensor)), len(shape(tensor))
    if ndim > len(expected_shape) or size > expected_size:
        return size // expected_size
    return None


def allclose(a, b, rtol=1e-05, atol=1e-08, **kwargs) -> bool:
    """``np.allclose`` of two values of any kind (PennyLane's ``qml.math.allclose``): a
    SciPy sparse matrix (duck-typed; scipy is not a dependency) is compared as its dense
    array, so a sparse and a dense matrix compare as PennyLane's do.

    >>> import qsym as qml
    >>> qml.math.allclose([1.0, 2.0], [1.0, 2.0 + 1e-9])
    True
    """
    a, b = (x.toarray() if hasattr(x, "toarray") and hasattr(x, "asformat") else x for x in (a, b))
    return bool(_np.allclose(to_numpy(a), to_numpy(b), rtol=rtol, atol=atol, **kwargs))


def expm(tensor, like=None):
    """The matrix exponential ``e^X`` of a square matrix (or a batch, batch first)
    (PennyLane's ``qml.math.expm``, also ``qml.math.linalg.expm``): scaling and squaring,
    ``e^X = (e^(X / 2^s))^(2^s)`` with ``||X / 2^s|| <= 1/2`` and the Taylor series of
    degree 18 there (error below 1e-22 of the scaled norm), in autograd's NumPy, so it is
    differentiable (PennyLane's autograd ``expm`` is SciPy's, which is not). A SciPy sparse
    matrix gives ``scipy.sparse.linalg.expm``'s sparse result.

    >>> expm(_np.array([[0.0, -1.0], [1.0, 0.0]]) * _np.pi / 2).round(12) + 0.0   # a rotation
    array([[ 0., -1.],
           [ 1.,  0.]])
    """
    from ._linalg import is_sparse

    if like not in _LIKE_OK:
        _refuse_like("expm", like)
    if is_sparse(tensor):
        import scipy.sparse.linalg as spla

        return spla.expm(tensor)
    xp = _xp(tensor)
    x = tensor if xp is _qnp else _np.asarray(to_numpy(tensor))
    size = shape(x)
    if len(size) < 2 or size[-1] != size[-2]:
        raise ValueError(f"expm takes a square matrix (or a batch of them, batch first); got "
                         f"shape {tuple(size)}")
    norm = float(_np.max(_np.sum(_np.abs(to_numpy(x)), axis=-2))) if _np.size(to_numpy(x)) else 0.0
    if not _np.isfinite(norm):
        raise ValueError("expm: the matrix has nan or inf entries")
    squarings = max(0, int(_np.ceil(_np.log2(norm / 0.5)))) if norm > 0.5 else 0
    scaled = x / 2.0**squarings
    eye = _np.eye(size[-1])
    term, total = eye, eye
    for k in range(1, 19):
        term = xp.matmul(term, scaled) / k
        total = total + term
    for _ in range(squarings):
        total = xp.matmul(total, total)
    return total


def _refuse_like(name, like):
    from .errors import ArgumentError

    raise ArgumentError(f"qml.math.{name}(like={like!r}): qsym has the NumPy and autograd "
                        "interfaces only (like='numpy' or 'autograd')")


linalg = _types.ModuleType(f"{__name__}.linalg", """PennyLane's ``qml.math.linalg``: autograd's
NumPy ``linalg`` (``det``, ``eigh``, ``svd``, ...) and ``expm``.

>>> linalg.expm(_np.zeros((2, 2))).tolist(), float(linalg.det(_np.eye(2)))
([[1.0, 0.0], [0.0, 1.0]], 1.0)
""")
linalg.expm = expm


def _linalg_function(name):
    """``qml.math.linalg.<name>``: SciPy's ``scipy.sparse.linalg.<name>`` for a SciPy sparse
    first argument (PennyLane dispatches sparse matrices there: ``inv``, ``norm``,
    ``eigsh``, ``spsolve``, ``matrix_power``, ...), autograd's NumPy ``linalg`` otherwise."""
    from ._linalg import is_sparse

    dense = getattr(_qnp.linalg, name, None)

    def call(*args, **kwargs):
        if args and is_sparse(args[0]):
            import scipy.sparse.linalg as spla

            if name == "matrix_power" and not hasattr(spla, name):  # SciPy < 1.12
                return _sparse_matrix_power_bruteforce(*args, **kwargs)
            return getattr(spla, name)(*args, **kwargs)
        if dense is None:
            raise TypeError(f"qml.math.linalg.{name} takes a SciPy sparse matrix (it is "
                            "scipy.sparse.linalg's); NumPy's linalg has no such function")
        return dense(*args, **kwargs)

    call.__name__, call.__doc__ = name, getattr(dense, "__doc__", None)
    return call


def _linalg_getattr(name):
    if name.startswith("__"):
        raise AttributeError(name)
    if not hasattr(_qnp.linalg, name):
        try:
            import scipy.sparse.linalg as spla
        except ImportError:
            spla = None
        if not hasattr(spla, name):
            raise AttributeError(f"qml.math.linalg has no {name!r} (neither NumPy's linalg "
                                 "nor scipy.sparse.linalg has it)")
    return _linalg_function(name)


linalg.__getattr__ = _linalg_getattr


def _sparse_matrix_power_bruteforce(A, n):
    """``A**n`` of a SciPy sparse matrix for an integer ``n >= 0`` by repeated squaring
    (PennyLane's ``single_dispatch._sparse_matrix_power_bruteforce``, used where SciPy has
    no ``scipy.sparse.linalg.matrix_power``)."""
    import scipy.sparse as sps

    try:
        power = _operator.index(n)
    except TypeError:
        raise ValueError(f"exponent must be an integer; got {n!r}") from None
    if power < 0:
        raise ValueError("This function only supports non-negative integer exponents; got "
                         f"{power}")
    result = sps.eye(A.shape[0], dtype=A.dtype, format=A.format)
    base = A
    while power:
        if power & 1:
            result = result @ base
        power >>= 1
        if power:
            base = base @ base
    return result.asformat(A.format)


def sparse_matrix_power(A, n):
    """``A**n`` of a SciPy sparse matrix (PennyLane's ``single_dispatch.sparse_matrix_power``):
    ``scipy.sparse.linalg.matrix_power`` where SciPy has it (1.12 on), else by squaring.

    >>> import scipy.sparse as sps
    >>> sparse_matrix_power(sps.csr_matrix(_np.array([[1, 1], [0, 1]])), 3).toarray()
    array([[1, 3],
           [0, 1]])
    """
    import scipy.sparse.linalg as spla

    if hasattr(spla, "matrix_power"):
        return spla.matrix_power(A, n)
    return _sparse_matrix_power_bruteforce(A, n)


# --- PennyLane's smaller qml.math helpers on NumPy and autograd values ----------------------

def get_dtype_name(x) -> str:
    """The name of a value's dtype (PennyLane's ``qml.math.get_dtype_name``).

    >>> get_dtype_name(1.0), get_dtype_name(_np.array(1, dtype="int32"))
    ('float64', 'int32')
    """
    while isinstance(x, _Box):
        x = x._value
    return _np.asarray(x).dtype.name


def ones_like(tensor, dtype=None):
    """An array of ones of ``tensor``'s shape, its dtype unless ``dtype`` is given, the same
    kind of value: a plain array for NumPy values and sequences, a tensor for a tensor
    (PennyLane's ``qml.math.ones_like``).

    >>> ones_like((1.0, 2.0)), ones_like(_np.array([1, 2]), dtype="float16").dtype
    (array([1., 1.]), dtype('float16'))
    """
    if isinstance(tensor, (_qnp.tensor, _Box)):
        return _qnp.ones_like(tensor, dtype=dtype)
    return _np.ones_like(_np.asarray(tensor), dtype=dtype)


def scatter_element_add(tensor, index, value, like=None, **_):
    """``tensor`` with ``value`` added at ``index`` (one index per axis, or per axis a
    sequence of indices with one value each), as a new array, differentiable in both
    ``tensor`` and ``value`` (PennyLane's ``qml.math.scatter_element_add``).

    >>> scatter_element_add(_np.zeros((2, 3)), [(1, 0), (2, 1)], _np.array([10.0, 20.0])).tolist()
    [[0.0, 20.0, 0.0], [0.0, 0.0, 10.0]]
    """
    if like not in _LIKE_OK and not hasattr(like, "shape"):
        _refuse_like("scatter_element_add", like)
    size = shape(tensor)
    if not size and index == ():
        return tensor + value
    flat = _np.atleast_1d(_np.ravel_multi_index(tuple(index), size))
    xp = _xp(tensor, value)
    values = xp.reshape(value, (-1,)) if len(shape(value)) else xp.reshape(value, (1,))
    if shape(values)[0] == 1 and len(flat) > 1:
        values = values * _np.ones(len(flat))
    onehot = _np.zeros((len(flat), int(_np.prod(size))))
    onehot[_np.arange(len(flat)), flat] = 1.0
    return tensor + xp.reshape(xp.dot(values, onehot), size)


def scatter(indices, array, new_dims, like=None):
    """A new array of shape ``new_dims``, zeros but ``array``'s values at ``indices`` (a
    repeated index sums its values), differentiable in ``array`` (PennyLane's
    ``qml.math.scatter``: ``scatter_element_add(zeros(new_dims), indices, array)``).

    >>> scatter(_np.array([4, 3, 1, 7]), _np.array([9, 10, 11, 12]), 8).tolist()
    [0, 11, 0, 10, 9, 0, 0, 12]
    """
    if like not in _LIKE_OK and not hasattr(like, "shape"):
        _refuse_like("scatter", like)
    dims = (int(new_dims),) if _np.ndim(new_dims) == 0 else tuple(int(d) for d in new_dims)
    if isinstance(array, (_qnp.tensor, _Box)):
        idx = _np.asarray(indices)
        flat = _np.atleast_1d(idx if len(dims) == 1 else _np.ravel_multi_index(tuple(idx), dims))
        onehot = _np.zeros((len(flat), int(_np.prod(dims))))
        _np.add.at(onehot, (_np.arange(len(flat)), flat), 1.0)
        return _qnp.reshape(_qnp.dot(_qnp.reshape(array, (-1,)), onehot), dims)
    values = _np.asarray(array)
    out = _np.zeros(dims, dtype=values.dtype)
    idx = _np.asarray(indices)
    _np.add.at(out, idx if len(dims) == 1 else tuple(idx), values)
    return out


def marginal_prob(prob, axis):
    """The marginal distribution of the axes (wires) ``axis`` of a joint probability
    vector of length ``2**N``, in the order of ``range(N)`` (PennyLane's
    ``qml.math.marginal_prob``; differentiable).

    >>> marginal_prob(_np.array([0.1, 0.2, 0.3, 0.4]), axis=[1]).tolist()
    [0.4, 0.6000000000000001]
    """
    prob = flatten(prob)
    n = int(round(_np.log2(len(prob))))
    if 2 ** n != len(prob):
        raise ValueError(f"marginal_prob: a probability vector of length 2**N expected, "
                         f"got length {len(prob)}")
    axis = [int(a) for a in axis]
    if any(a < 0 or a >= n for a in axis):
        raise ValueError(f"marginal_prob: axes {axis} outside range({n})")
    if len(axis) == n:
        return prob
    xp = _qnp if get_interface(prob) == "autograd" else _np
    inactive = tuple(sorted(set(range(n)) - set(axis)))
    return flatten(xp.sum(xp.reshape(prob, [2] * n), axis=inactive))


def get_deep_interface(value) -> str:
    """The interface of the innermost first element of nested lists and tuples
    (``"numpy"`` for an empty one): PennyLane's ``qml.math.get_deep_interface``.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.get_deep_interface([[np.array(1.0)], [np.array(2.0)]])
    'autograd'
    >>> qml.math.get_deep_interface([[1.0, 2.0]]), qml.math.get_deep_interface([])
    ('numpy', 'numpy')
    """
    while isinstance(value, (list, tuple)):
        if not value:
            return "numpy"
        value = value[0]
    return get_interface(value)


def set_index(array, idx, val, like=None):
    """``array[idx] = val`` in place, the array returned (PennyLane's
    ``qml.math.set_index`` for NumPy values; autograd cannot differentiate an assignment:
    use ``scatter_element_add``).

    >>> set_index(_np.zeros(3), 1, 5.0).tolist()
    [0.0, 5.0, 0.0]
    """
    array[idx] = val
    return array


def block_diag(values, like=None):
    """The block-diagonal matrix of 2-d arrays, differentiable (PennyLane's
    ``qml.math.block_diag``).

    >>> block_diag([_np.array([[1, 2]]), _np.array([[3]])]).tolist()
    [[1, 2, 0], [0, 0, 3]]
    """
    xp = _xp(*values)
    mats = [v if isinstance(v, _Box) else _np.atleast_2d(to_numpy(v)) for v in values]
    cols = [shape(m)[1] for m in mats]
    dtype = _np.result_type(*(getattr(m, "_value", m) for m in mats))
    rows = [xp.concatenate([_np.zeros((shape(m)[0], sum(cols[:k])), dtype), m,
                            _np.zeros((shape(m)[0], sum(cols[k + 1:])), dtype)], axis=1)
            for k, m in enumerate(mats)]
    out = xp.concatenate(rows, axis=0)
    return _qnp.tensor(out) if any(isinstance(v, _qnp.tensor) for v in values) and xp is _np else out


def frobenius_inner_product(A, B, normalize=False, like=None):
    """``sum(A * B)`` of two real matrices, divided by ``||A|| ||B||`` (Frobenius) with
    ``normalize=True`` (PennyLane's ``qml.math.frobenius_inner_product``).

    >>> float(frobenius_inner_product(_np.eye(2), _np.array([[1.0, 5.0], [6.0, 2.0]])))
    3.0
    """
    xp = _xp(A, B)
    product = xp.sum(A * B)
    if normalize:
        product = product / xp.sqrt(xp.sum(A * A) * xp.sum(B * B))
    return product


def detach(tensor, like=None):
    """The value without its derivative record: a NumPy array of an autograd value or
    tensor, other values as they are (PennyLane's ``qml.math.detach``).

    >>> detach(_qnp.array([0.5]))
    array([0.5])
    """
    if isinstance(tensor, (_qnp.tensor, _Box)):
        return to_numpy(tensor)
    return tensor


def in_backprop(tensor, interface=None) -> bool:
    """Whether ``tensor`` is being differentiated by autograd (an autograd box); NumPy and
    SciPy values are not (PennyLane's ``qml.math.in_backprop``).

    >>> in_backprop(_np.array(0.5))
    False
    """
    if interface is None:
        try:
            _known(tensor)
        except ValueError:
            raise ValueError(f"Cannot determine if {tensor!r} is in backpropagation.") from None
    interface = interface or get_interface(tensor)
    if interface in ("autograd", "numpy", "scipy"):
        return isinstance(tensor, _Box)
    raise ValueError(f"Cannot determine if {tensor} is in backpropagation: qsym has the NumPy "
                     f"and autograd interfaces only (got {interface!r})")


def get_trainable_indices(values, like=None) -> set:
    """The positions of the trainable values (``requires_grad``) in a sequence (PennyLane's
    ``qml.math.get_trainable_indices``).

    >>> sorted(get_trainable_indices([_qnp.array(0.1), _np.array(0.2), _qnp.array(0.3)]))
    [0, 2]
    """
    return {i for i, value in enumerate(values) if requires_grad(value)}


def gammainc(m, t, like=None):
    """The regularised lower incomplete gamma function ``P(m, t)`` (PennyLane's
    ``qml.math.gammainc``; SciPy's, by autograd's wrapper when differentiated in ``t``).

    >>> round(float(gammainc(1.0, 2.0)), 12)     # 1 - exp(-2)
    0.864664716763
    """
    if _holds_box(t) or _holds_box(m):
        from autograd.scipy.special import gammainc as special
    else:
        from scipy.special import gammainc as special
    return special(m, t)


def _differentiable_interface(args, nums, what):
    interface = get_interface(*(args[i] for i in nums))
    if interface != "autograd":
        raise ValueError(f"Interface {interface} is not differentiable. qml.math.{what} "
                         "differentiates autograd values: qsym.numpy tensors (or use qml.grad)")


def grad(f, argnums=0):
    """PennyLane's ``qml.math.grad``: the gradient of a scalar function by the arguments
    ``argnums`` (an int: one gradient; a sequence: a tuple), by autograd, whatever the
    arguments' ``requires_grad``; the arguments must be autograd values (``qsym.numpy``
    tensors): plain NumPy values raise ``ValueError`` ("Interface numpy is not
    differentiable").

    >>> float(grad(lambda x, y: x * y)(_qnp.array(2.0), _qnp.array(3.0)))
    3.0
    """
    import autograd

    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def compute(*args, **kwargs):
        _differentiable_interface(args, nums, "grad")
        out = tuple(autograd.grad(f, i)(*args, **kwargs) for i in nums)
        return out[0] if isinstance(argnums, int) else out

    return compute


def jacobian(f, argnums=0):
    """PennyLane's ``qml.math.jacobian``: the Jacobian of an array-valued function by the
    arguments ``argnums`` (an int: one array; a sequence: a tuple), by autograd; a function
    returning a tuple or another container raises ``ValueError`` as PennyLane's autograd
    branch does.

    >>> jacobian(lambda x: 3 * x)(_qnp.array([1.0, 2.0])).tolist()
    [[3.0, 0.0], [0.0, 3.0]]
    """
    import autograd

    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def checked(*args, **kwargs):
        out = f(*args, **kwargs)
        if isinstance(out, (tuple, list, dict)):
            raise ValueError(f"autograd can only differentiate with respect to arrays, not "
                             f"{type(out)}: return one array (qml.math.stack the values)")
        return out

    def compute(*args, **kwargs):
        _differentiable_interface(args, nums, "jacobian")
        out = tuple(autograd.jacobian(checked, i)(*args, **kwargs) for i in nums)
        return out[0] if isinstance(argnums, int) else out

    return compute


def multi_dispatch(argnum=None, tensor_list=None):
    """PennyLane's ``qml.math.multi_dispatch`` decorator: the function is called with
    ``like=`` the interface of its arguments at ``argnum`` (all by default; those in
    ``tensor_list`` are sequences of tensors), unless ``like`` is given.

    >>> @multi_dispatch(argnum=[0])
    ... def kind(x, like=None):
    ...     return like
    >>> kind(_qnp.array(1.0)), kind(_np.array(1.0))
    ('autograd', 'numpy')
    """
    nums = None if argnum is None else ([argnum] if isinstance(argnum, int) else list(argnum))
    lists = [] if tensor_list is None else (
        [tensor_list] if isinstance(tensor_list, int) else list(tensor_list))

    def decorate(fn):
        @_functools.wraps(fn)
        def call(*args, **kwargs):
            if kwargs.get("like") is None:
                chosen = range(len(args)) if nums is None else nums
                values = []
                for i in chosen:
                    if i < len(args):
                        values.extend(args[i] if i in lists else [args[i]])
                kwargs["like"] = get_interface(*values)
            return fn(*args, **kwargs)

        return call

    return decorate


def take(tensor, indices, axis=None, **kwargs):
    """NumPy's ``take`` (PennyLane's ``qml.math.take``), differentiable: an autograd value
    is indexed (autograd has no derivative of ``np.take``), the flattened value when
    ``axis`` is None.

    >>> take(_np.arange(6).reshape(2, 3), [0, 4]).tolist(), take(_np.arange(6).reshape(2, 3), [2], axis=1).tolist()
    ([0, 4], [[2], [5]])
    """
    if not isinstance(tensor, _Box):
        return _qnp.take(tensor, indices, axis=axis, **kwargs)
    indices = _np.asarray(indices)
    if axis is None:
        return _qnp.reshape(tensor, (-1,))[indices]
    axis = axis % len(shape(tensor))
    return tensor[(slice(None),) * axis + (indices,)]


def dot(tensor1, tensor2, like=None):
    """NumPy's ``dot`` of the two values (PennyLane's ``qml.math.dot``, which coerces
    them first): a list or tuple is made an array, so that a value being differentiated
    dotted with a list of numbers has autograd's derivative (autograd's rule for ``dot``
    reads its operands' dtypes: of a list of floats, a NumPy error about "Field
    elements").

    >>> import qsym as qml
    >>> w = qml.numpy.array([1.0, 2.0], requires_grad=True)
    >>> qml.grad(lambda v: dot(v, [3.0, 4.0]))(w)
    array([3., 4.])
    """
    a, b = (_qnp.array(t) if _holds_box(t) else _np.asarray(t)
            if isinstance(t, (list, tuple)) else t for t in (tensor1, tensor2))
    return _dispatching(_qnp.dot, _np.dot)(a, b, like=like)


def int_to_binary(integer, width: int) -> _np.ndarray:
    """The ``width`` bits of ``integer`` (an int or an int array: a new last axis), the
    most significant first (PennyLane's ``qml.math.int_to_binary``).

    >>> int_to_binary(13, 5), int_to_binary(_np.array([1, 2]), 2).tolist()
    (array([0, 1, 1, 0, 1]), [[0, 1], [1, 0]])
    """
    shifts = _np.arange(width - 1, -1, -1)
    if isinstance(integer, int):
        return (integer >> shifts) % 2
    return (_np.asarray(integer)[..., None] >> shifts) % 2


def binary_decimals(phi, precision: int, unit: float = 1.0) -> _np.ndarray:
    """The first ``precision`` binary decimals of ``(phi mod unit) / unit``, rounded to
    the nearest (ties to even; PennyLane's ``qml.math.binary_decimals``): ``0.84375 =
    (0.11011)_2`` gives ``[1, 1]``, ``0.625 = (0.101)_2`` the even ``[1, 0]``.

    >>> binary_decimals(0.84375, 2), binary_decimals(0.625, 2)
    (array([1, 1]), array([1, 0]))
    """
    phi = _np.mod(phi, unit)
    phi_round = _np.round(2**precision * phi / unit)
    return int_to_binary(_np.asarray(phi_round).astype(int), precision)


def ceil_log2(n) -> int:
    """The ceiling of ``log2(n)`` as an int (PennyLane's ``qml.math.ceil_log2``).

    >>> ceil_log2(8), ceil_log2(9), ceil_log2(1)
    (3, 4, 0)
    """
    if not n > 0:
        raise ValueError(f"ceil_log2 takes a positive number, got {n!r}")
    return int(_np.ceil(_np.log2(n)))


# --- linear algebra over Z_2: bit matrices (PennyLane's qml.math.binary_* functions) -------

def _bit_matrix(binary_matrix, what: str) -> _np.ndarray:
    m = _np.asarray(binary_matrix)
    if m.ndim != 2:
        raise ValueError(f"{what} takes a 2-dimensional array of bits, got shape {m.shape}")
    if m.size and not _np.all((m == 0) | (m == 1)):
        raise ValueError(f"{what} takes an array of bits (entries 0 or 1)")
    return m


def binary_finite_reduced_row_echelon(binary_matrix, inplace=False) -> _np.ndarray:
    """The reduced row echelon form of a matrix of bits over the field Z_2 (PennyLane's
    ``qml.math.binary_finite_reduced_row_echelon``): the same shape, zero rows last; with
    ``inplace=True`` the integer array given is overwritten and returned.

    >>> m = _np.array([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
    >>> binary_finite_reduced_row_echelon(m).tolist()
    [[1, 0, 1], [0, 1, 1], [0, 0, 0]]
    """
    m = _bit_matrix(binary_matrix, "binary_finite_reduced_row_echelon")
    if inplace and m is not binary_matrix:
        raise ValueError("binary_finite_reduced_row_echelon(inplace=True) needs a NumPy array "
                         f"of integers to overwrite, got {type(binary_matrix).__name__}")
    if not inplace:
        m = m.copy()
    if m.dtype.kind not in "biu":
        raise ValueError(f"binary_finite_reduced_row_echelon takes integer bits, got dtype {m.dtype}")
    row = 0
    for col in range(m.shape[1]):
        if row == m.shape[0]:
            break
        hits = _np.nonzero(m[row:, col])[0]
        if len(hits) == 0:
            continue
        pivot = row + hits[0]
        if pivot != row:
            m[[row, pivot]] = m[[pivot, row]]
        others = _np.nonzero(m[:, col])[0]
        others = others[others != row]
        m[others] ^= m[row]
        row += 1
    return m


def binary_matrix_rank(binary_matrix) -> int:
    """The rank of a matrix of bits over Z_2 (PennyLane's ``qml.math.binary_matrix_rank``),
    which can be below its rank over the reals; the input is not changed.

    >>> binary_matrix_rank(_np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]]))  # rows sum to 0 mod 2
    2
    """
    m = _bit_matrix(binary_matrix, "binary_matrix_rank").astype(_np.int64)
    return int(_np.count_nonzero(binary_finite_reduced_row_echelon(m, inplace=True).any(axis=1)))


def binary_solve_linear_system(A, b) -> _np.ndarray:
    """The solution ``x`` of ``A x = b`` over Z_2 for a square non-singular matrix of bits
    ``A`` (PennyLane's ``qml.math.binary_solve_linear_system``); a singular ``A`` raises
    ``numpy.linalg.LinAlgError``.

    >>> binary_solve_linear_system(_np.array([[1, 0, 0], [0, 1, 1], [1, 0, 1]]), _np.array([1, 1, 1])).tolist()
    [1, 1, 0]
    """
    A = _bit_matrix(A, "binary_solve_linear_system").astype(_np.int64)
    b = _np.asarray(b).astype(_np.int64)
    if A.shape[0] != A.shape[1] or b.shape != (A.shape[0],):
        raise ValueError(f"binary_solve_linear_system takes a square matrix and a vector of its "
                         f"length, got shapes {A.shape} and {b.shape}")
    rref = binary_finite_reduced_row_echelon(_np.hstack([A, b[:, None]]), inplace=True)
    if not _np.all(rref[:, :-1].any(axis=1)):
        raise _np.linalg.LinAlgError("Singular binary matrix.")
    return rref[:, -1]


def binary_is_independent(vector, basis) -> bool:
    """Whether a vector of bits is linearly independent, over Z_2, of the columns of
    ``basis`` (independent columns: PennyLane's ``qml.math.binary_is_independent``).

    >>> basis = _np.array([[1, 0], [0, 1], [0, 0]])
    >>> binary_is_independent(_np.array([1, 1, 0]), basis), binary_is_independent(_np.array([1, 1, 1]), basis)
    (False, True)
    """
    vector, basis = _np.asarray(vector), _np.asarray(basis)
    if basis.ndim != 2 or vector.ndim != 1 or basis.shape[0] != vector.shape[0]:
        raise ValueError("The columns of `basis` should have the same length as `vector`. "
                         f"Got vector.shape={vector.shape} and basis.shape={basis.shape}")
    stacked = _np.concatenate([basis, vector[:, None]], axis=1)
    return binary_matrix_rank(stacked) > min(basis.shape)


def binary_select_basis(bitstrings) -> tuple:
    """Columns of ``bitstrings`` that form a basis of their span over Z_2, taken greedily
    from the left, and the other columns (PennyLane's ``qml.math.binary_select_basis``).

    >>> basis, other = binary_select_basis(_np.array([[1, 0, 1], [0, 1, 1]]))
    >>> basis.tolist(), other.tolist()
    ([[1, 0], [0, 1]], [[1], [1]])
    """
    bits = _bit_matrix(bitstrings, "binary_select_basis")
    r = bits.shape[0]
    basis, others = _np.zeros((r, 0), dtype=int), []
    for col in bits.T:
        if basis.shape[1] < r and binary_is_independent(col, basis):
            basis = _np.concatenate([basis, col[:, None]], axis=1)
        else:
            others.append(col)
    return basis, (_np.array(others).T if others else _np.zeros((r, 0), dtype=int))


# --- quantum information: PennyLane's qml.math functions of states ------------------------
# The quantities are those the measurements qml.density_matrix / qml.vn_entropy compute
# (qsym._ir: partial_trace, reduced_density_matrix, entropy), run here on autograd's NumPy
# when a value is differentiated (an autograd box), on NumPy otherwise.

def _xp(*values):
    """autograd's NumPy when a value is being differentiated (a box), else NumPy."""
    return _qnp if any(isinstance(v, _Box) for v in values) else _np


def _as_complex(value, c_dtype):
    """``value`` as a ``c_dtype`` array (a box is kept: autograd follows it as it is)."""
    if isinstance(value, _Box):
        return value
    return _np.asarray(to_numpy(value), dtype=c_dtype)


def _n_wires(dim: int, what: str) -> int:
    if dim < 1 or dim & (dim - 1):
        raise ValueError(f"{what}: the dimension {dim} is not a power of 2 (2**N for N wires)")
    return dim.bit_length() - 1


def _square_shape(rho, check_state=False):
    """(batch size or None, N wires) of a density matrix (batch), its shape checked; with
    ``check_state`` also its trace, hermiticity and positivity (PennyLane's messages)."""
    shape = _np.shape(rho._value if isinstance(rho, _Box) else rho)
    if len(shape) not in (2, 3) or shape[-1] != shape[-2] or shape[-1] < 1 or \
            shape[-1] & (shape[-1] - 1):
        raise ValueError("Density matrix must be of shape (2**N, 2**N) or (batch_dim, 2**N, "
                         f"2**N); got shape {tuple(shape)}")
    if check_state:
        for dm in _np.asarray(to_numpy(rho)).reshape((-1,) + shape[-2:]):
            if not _np.allclose(_np.trace(dm), 1.0, atol=1e-10):
                raise ValueError("The trace of the density matrix should be one.")
            if not _np.allclose(dm, dm.conj().T):
                raise ValueError("The matrix is not Hermitian.")
            if _np.linalg.eigvalsh(dm).min() < -1e-7:
                raise ValueError("The matrix is not positive semi-definite.")
    return (shape[0] if len(shape) == 3 else None), shape[-1].bit_length() - 1


def _vector_shape(state, check_state=False):
    """(batch size or None, N wires) of a state vector (batch), its shape checked; with
    ``check_state`` also its norm (PennyLane's messages)."""
    shape = _np.shape(state._value if isinstance(state, _Box) else state)
    if len(shape) not in (1, 2) or shape[-1] < 1 or shape[-1] & (shape[-1] - 1):
        raise ValueError("State vector must be of shape (2**wires,) or (batch_dim, 2**wires); "
                         f"got shape {tuple(shape)}")
    if check_state:
        norms = _np.linalg.norm(_np.asarray(to_numpy(state)).reshape(-1, shape[-1]), axis=-1)
        if not _np.allclose(norms, 1.0, atol=1e-10):
            raise ValueError("Sum of amplitudes-squared does not equal one.")
    return (shape[0] if len(shape) == 2 else None), shape[-1].bit_length() - 1


def _wire_indices(indices, n: int, what="indices") -> tuple:
    items = list(indices if _np.ndim(indices) else [indices])
    try:  # an integer, never a float truncated (1.5 read as wire 1) or a label's digits
        idx = tuple(_operator.index(i) for i in items)
    except TypeError:
        raise ValueError(f"{what} {items} must be integer wire positions 0..{n - 1} of the "
                         f"{n}-wire state (positions in the state, not wire labels)") from None
    if len(set(idx)) != len(idx) or any(not 0 <= i < n for i in idx):
        raise ValueError(f"{what} {list(idx)} must be distinct wire positions 0..{n - 1} of the "
                         f"{n}-wire state")
    return idx


def _per_item(fn, value, batch, xp):
    """``fn`` of each matrix of a batch, stacked (or of the one matrix)."""
    if batch is None:
        return fn(value)
    return xp.stack([fn(value[i]) for i in range(batch)])


def _pairs(state0, state1, b0, b1):
    """The (state0, state1) pairs of two states or batches (one state pairs with each of a
    batch); None for unbatched inputs."""
    if b0 is not None and b1 is not None and b0 != b1:
        raise ValueError("The two states must be batches of the same size, or one of them must "
                         "contain a single element.")
    if b0 is None and b1 is None:
        return None
    return [(state0 if b0 is None else state0[i], state1 if b1 is None else state1[i])
            for i in range(b0 if b0 is not None else b1)]


def reduce_dm(density_matrix, indices, check_state=False, c_dtype="complex128"):
    """The reduced density matrix of the wires ``indices`` (in that order, the first most
    significant) of a density matrix ``(2**N, 2**N)`` or a batch ``(batch, 2**N, 2**N)``
    (PennyLane's ``qml.math.reduce_dm``); the other wires are traced out. Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> rho = onp.diag([0.5, 0.0, 0.5, 0.0])        # |+><+| (x) |0><0|, without coherences
    >>> qml.math.reduce_dm(rho, indices=[1]).real
    array([[1., 0.],
           [0., 0.]])
    """
    rho = _as_complex(density_matrix, c_dtype)
    batch, n = _square_shape(rho, check_state)
    idx, xp = _wire_indices(indices, n), _xp(rho)
    return _per_item(lambda r: _ir.partial_trace(r, n, idx, xp=xp), rho, batch, xp)


def partial_trace(matrix, indices, c_dtype="complex128"):
    """The density matrix (or batch) with the wires ``indices`` traced out (PennyLane's
    ``qml.math.partial_trace``); the remaining wires keep their order.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.partial_trace(onp.diag([0.0, 1.0, 0.0, 0.0]), indices=[0]).real
    array([[0., 0.],
           [0., 1.]])
    """
    n = _square_shape(_as_complex(matrix, c_dtype))[1]
    traced = set(_wire_indices(indices, n))
    return reduce_dm(matrix, [w for w in range(n) if w not in traced], c_dtype=c_dtype)


def reduce_statevector(state, indices, check_state=False, c_dtype="complex128"):
    """The reduced density matrix of the wires ``indices`` of a state vector ``(2**N,)`` or a
    batch ``(batch, 2**N)`` (PennyLane's ``qml.math.reduce_statevector``). Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> bell = onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2)
    >>> qml.math.reduce_statevector(bell, indices=[0]).real
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    psi = _as_complex(state, c_dtype)
    batch, n = _vector_shape(psi, check_state)
    idx, xp = _wire_indices(indices, n), _xp(psi)
    return _per_item(lambda v: _ir.reduced_density_matrix(v, n, idx, xp=xp), psi, batch, xp)


def dm_from_state_vector(state, check_state=False, c_dtype="complex128"):
    """The density matrix ``|state><state|`` of a state vector (PennyLane's
    ``qml.math.dm_from_state_vector``); a batch of vectors (first axis) gives a batch of
    matrices. ``check_state=True`` refuses a vector whose norm is not 1.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.dm_from_state_vector(onp.array([0.6, 0.8j]))
    array([[0.36+0.j  , 0.  -0.48j],
           [0.  +0.48j, 0.64+0.j  ]])
    """
    n = _vector_shape(state)[1]
    return reduce_statevector(state, list(range(n)), check_state, c_dtype)


def entr(x):
    """The entropy ``-sum x log x`` of a probability vector along its last axis (PennyLane's
    ``qml.math.entr``; autograd-differentiable; a zero entry gives nan, as there: drop
    zeros first).

    >>> import qsym as qml
    >>> round(float(qml.math.entr([0.5, 0.5])), 12), round(float(qml.math.entr([0.25] * 4)), 12)
    (0.69314718056, 1.38629436112)
    """
    if not isinstance(x, _Box):
        x = _np.asarray(x)
    xp = _xp(x)
    return -xp.sum(x * xp.log(x), axis=-1)


def purity(state, indices, check_state=False, c_dtype="complex128"):
    """The purity ``Tr rho^2`` of the reduced density matrix of ``indices`` of a density
    matrix (or batch) (PennyLane's ``qml.math.purity``; ``qml.purity`` measures it).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> bell = qml.math.dm_from_state_vector(onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2))
    >>> round(float(qml.math.purity(bell, [0])), 12), round(float(qml.math.purity(bell, [0, 1])), 12)
    (0.5, 1.0)
    """
    rho = reduce_dm(state, indices, check_state, c_dtype)
    xp = _xp(rho)
    return xp.real(xp.einsum("...ab,...ba->...", rho, rho))


def vn_entropy(state, indices, base=None, check_state=False, c_dtype="complex128"):
    """The von Neumann entropy ``-Tr rho log rho`` of the reduced density matrix of
    ``indices`` of a density matrix (or batch), natural log unless ``base`` is given
    (PennyLane's ``qml.math.vn_entropy``; the same function as the measurement
    ``qml.vn_entropy``). Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> bell = qml.math.dm_from_state_vector(onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2))
    >>> round(float(qml.math.vn_entropy(bell, [0], base=2)), 12)
    1.0
    """
    rho = reduce_dm(state, indices, check_state, c_dtype)
    xp = _xp(rho)
    return _per_item(lambda r: _ir.entropy(r, base, xp=xp), rho,
                     _np.shape(rho)[0] if _np.ndim(rho) == 3 else None, xp)


def _disjoint(indices0, indices1, what):
    if set(_np.ravel(indices0).tolist()) & set(_np.ravel(indices1).tolist()):
        raise ValueError(f"Subsystems for computing {what} must not overlap; got "
                         f"indices0={list(indices0)} and indices1={list(indices1)}")


def mutual_info(state, indices0, indices1, base=None, check_state=False, c_dtype="complex128"):
    """The mutual information ``S(A) + S(B) - S(AB)`` of the subsystems ``indices0`` and
    ``indices1`` of a density matrix (or batch) (PennyLane's ``qml.math.mutual_info``).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> bell = qml.math.dm_from_state_vector(onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2))
    >>> round(float(qml.math.mutual_info(bell, [0], [1], base=2)), 12)
    2.0
    """
    _disjoint(indices0, indices1, "mutual information")
    both = sorted([*indices0, *indices1])
    return sum(sign * vn_entropy(state, ws, base, check_state, c_dtype)
               for ws, sign in ((indices0, 1), (indices1, 1), (both, -1)))


def vn_entanglement_entropy(state, indices0, indices1, base=None, check_state=False,
                            c_dtype="complex128"):
    """The entanglement entropy of a pure bipartite state, the von Neumann entropy of the
    part ``indices0`` (PennyLane's ``qml.math.vn_entanglement_entropy``: it trusts the state
    to be pure and ``indices1`` to be the rest).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> bell = qml.math.dm_from_state_vector(onp.array([1.0, 0.0, 0.0, 1.0]) / onp.sqrt(2))
    >>> round(float(qml.math.vn_entanglement_entropy(bell, [0], [1], base=2)), 12)
    1.0
    """
    _disjoint(indices0, indices1, "the entanglement entropy")
    return vn_entropy(state, indices0, base, check_state, c_dtype)


def _spectrum(state, indices, check_state, c_dtype):
    rho = reduce_dm(state, indices, check_state, c_dtype)
    xp = _xp(rho)
    return xp.linalg.eigh(rho)[0], xp


def max_entropy(state, indices, base=None, check_state=False, c_dtype="complex128"):
    """The max-entropy ``log rank(rho)`` of the reduced density matrix of ``indices``
    (eigenvalues above 1e-8 counted; PennyLane's ``qml.math.max_entropy``); its derivative
    is zero (a step function).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> rho = onp.diag([0.75, 0.25, 0.0, 0.0])
    >>> float(qml.math.max_entropy(rho, [0, 1], base=2)), float(qml.math.max_entropy(rho, [0]))
    (1.0, 0.0)
    """
    evs, xp = _spectrum(state, indices, check_state, c_dtype)
    rank = _np.sum(_np.asarray(to_numpy(evs)) > 1e-8, axis=-1)
    return _np.log(rank) / _ir.log_base(base) + 0.0 * xp.sum(evs, axis=-1)


def min_entropy(state, indices, base=None, check_state=False, c_dtype="complex128"):
    """The min-entropy ``-log max(eigenvalues of rho)`` of the reduced density matrix of
    ``indices`` (PennyLane's ``qml.math.min_entropy``). Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> float(qml.math.min_entropy(onp.diag([0.25, 0.25, 0.25, 0.25]), [0, 1], base=2))
    2.0
    """
    evs, xp = _spectrum(state, indices, check_state, c_dtype)
    return -xp.log(xp.max(evs, axis=-1)) / _ir.log_base(base)


def _two_states(state0, state1, check_state, c_dtype, vectors=False):
    """The two states as ``c_dtype`` arrays, checked; their batch sizes."""
    a, b = _as_complex(state0, c_dtype), _as_complex(state1, c_dtype)
    shape_of = _vector_shape if vectors else _square_shape
    (b0, n0), (b1, n1) = shape_of(a, check_state), shape_of(b, check_state)
    if n0 != n1:
        raise ValueError(f"The two states must have the same number of wires; got {n0} and {n1}")
    return a, b, b0, b1


def fidelity_statevector(state0, state1, check_state=False, c_dtype="complex128"):
    """The fidelity ``|<state0|state1>|^2`` of two state vectors (or batches, or one vector
    and a batch) (PennyLane's ``qml.math.fidelity_statevector``). Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> plus = onp.array([1.0, 1.0]) / onp.sqrt(2)
    >>> round(float(qml.math.fidelity_statevector(onp.array([1.0, 0.0]), plus)), 12)
    0.5
    """
    a, b, b0, b1 = _two_states(state0, state1, check_state, c_dtype, vectors=True)
    _pairs(a, b, b0, b1)  # the batch sizes agree
    xp = _xp(a, b)
    return xp.abs(xp.sum(a * xp.conj(b), axis=-1)) ** 2


def sqrt_matrix(density_matrix):
    """The square root of a positive semi-definite matrix (or batch) by its eigenvalues,
    negative rounding errors set to 0 (PennyLane's ``qml.math.sqrt_matrix``).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.sqrt_matrix(onp.diag([0.25, 0.0, 0.0, 1.0])).diagonal()
    array([0.5, 0. , 0. , 1. ])
    """
    xp = _xp(density_matrix)
    rho = density_matrix if xp is _qnp else _np.asarray(to_numpy(density_matrix))
    evs, vecs = xp.linalg.eigh(rho)
    root = xp.sqrt(xp.where(evs > 0, evs, 0.0))
    return xp.matmul(vecs * root[..., None, :], xp.conj(xp.swapaxes(vecs, -1, -2)))


def sqrt_matrix_sparse(sparse_matrix):
    """The square root of a SciPy sparse matrix as a sparse matrix (PennyLane's
    ``qml.math.sqrt_matrix_sparse``), by Denman and Beavers' iteration
    (``_denman_beavers_iterations``: 100 steps at most, converged to 1e-10); a matrix
    whose iteration fails (singular, negative eigenvalues, no convergence) raises
    ``ValueError`` saying why. The result need not be sparse in its entries.

    >>> import scipy.sparse as sps
    >>> sqrt_matrix_sparse(sps.csr_matrix(_np.diag([4.0, 9.0]))).toarray().round(12)
    array([[2., 0.],
           [0., 3.]])
    """
    from ._linalg import is_sparse

    if not is_sparse(sparse_matrix):
        raise TypeError("sqrt_matrix_sparse currently only supports scipy.sparse matrices, but "
                        f"received {type(sparse_matrix)}; use qml.math.sqrt_matrix for a dense "
                        "matrix")
    if sparse_matrix.nnz == 0:
        return sparse_matrix
    return _denman_beavers_iterations(sparse_matrix, max_iter=100, tol=1e-10)


def _denman_beavers_iterations(mat, max_iter=100, tol=1e-13):
    """Denman and Beavers' iteration for the square root of a sparse matrix ``A``:
    ``Y <- (Y + Z^-1) / 2``, ``Z <- (Z + Y^-1) / 2`` from ``Y = A``, ``Z = 1`` (``Y`` tends
    to ``sqrt(A)``, ``Z`` to its inverse). The inverses are exact (sparse LU) in the first
    two steps, then each is refined from the last by one Newton step ``X <- 2X - X M X``.
    Every 10 steps the change of ``Y`` is measured; the result is accepted when that change
    and ``||Y^2 - A||`` (Frobenius) are below ``tol``. ``ValueError`` for a singular
    factor, nan or inf values, or no convergence (PennyLane's messages)."""
    import scipy.sparse as sps
    import scipy.sparse.linalg as spla

    if mat.shape == (1, 1):
        return sps.csc_matrix(_np.sqrt(mat.toarray()))
    a = sps.csc_matrix(mat)
    y, z = a, sps.identity(a.shape[0], format="csc")
    y_inv = z_inv = None
    last, change = None, None
    try:
        for step in range(max_iter):
            if step < 2:  # exact inverses (Z = 1 needs none at first)
                z_inv, y_inv = (spla.inv(z) if step else z), spla.inv(y)
            else:
                z_inv, y_inv = 2 * z_inv - z_inv @ z @ z_inv, 2 * y_inv - y_inv @ y @ y_inv
            y, z = 0.5 * (y + z_inv), 0.5 * (z + y_inv)
            if not (_np.all(_np.isfinite(y.data)) and _np.all(_np.isfinite(z.data))):
                raise ValueError("Invalid values encountered during computation: nan or inf "
                                 f"(the iteration diverges; input matrix: {a.toarray()})")
            if step and step % 10 == 0:
                if last is not None:
                    change = spla.norm(y - last)
                    if change < tol:
                        break
                last = y.copy()
    except RuntimeError as err:  # the sparse LU factorization failed (a singular matrix)
        raise ValueError("Invalid values encountered during matrix multiplication: "
                         f"input matrix: {a.toarray()}; system error: {err}") from err
    error = spla.norm(y @ y - a)
    if (change and change > tol) or error > tol:
        raise ValueError(f"Convergence threshold not reached after {max_iter} iterations, with "
                         f"final norm error {change} and numerical error {error}")
    return y


def _psd_sqrt(m):
    lam, u = _np.linalg.eigh(m)
    return (u * _np.sqrt(_np.clip(lam, 0.0, None))) @ u.conj().T


@_primitive
def _fidelity_dm(rho, sigma):
    """``(Tr sqrt(sqrt(rho) sigma sqrt(rho)))**2`` of two density matrices (NumPy values)."""
    s = _psd_sqrt(rho)
    return _np.sum(_np.sqrt(_np.clip(_np.linalg.eigvalsh(s @ sigma @ s), 0.0, None))) ** 2


def _fidelity_vjp(argnum):
    """The derivative of the fidelity in one argument ``a`` (the other ``b``):
    ``dF = sqrt(F) Tr(M da)``, ``M = sqrt(b) A^(-1/2) sqrt(b)``, ``A = sqrt(b) a sqrt(b)``,
    ``A^(-1/2)`` on ``A``'s support (its kernel meets ``sqrt(b)``'s only where ``F``'s
    derivative vanishes); autograd's gradient of a real function of a matrix ``a`` is
    ``M^T`` times the output's cotangent."""
    def make(ans, rho, sigma):
        a, b = (rho, sigma) if argnum == 0 else (sigma, rho)
        sb = _psd_sqrt(b)
        lam, u = _np.linalg.eigh(sb @ a @ sb)
        keep = lam > 1e-15
        inv = _np.where(keep, 1.0 / _np.sqrt(_np.where(keep, lam, 1.0)), 0.0)
        m = sb @ (u * inv) @ u.conj().T @ sb * _np.sum(_np.sqrt(lam[keep]))
        out = m.T if _np.iscomplexobj(a) else m.T.real
        return lambda g: g * out
    return make


_defvjp(_fidelity_dm, _fidelity_vjp(0), _fidelity_vjp(1))


def fidelity(state0, state1, check_state=False, c_dtype="complex128"):
    """The fidelity ``(Tr sqrt(sqrt(rho) sigma sqrt(rho)))**2`` of two density matrices (or
    batches, or one and a batch) (PennyLane's ``qml.math.fidelity``). Differentiable in
    both (exact, also at pure states, where the square roots' derivatives are singular).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> rho, sigma = onp.diag([1.0, 0.0]), onp.full((2, 2), 0.5)   # |0><0| and |+><+|
    >>> round(float(qml.math.fidelity(rho, sigma)), 12)
    0.5
    """
    a, b, b0, b1 = _two_states(state0, state1, check_state, c_dtype)
    pairs, xp = _pairs(a, b, b0, b1), _xp(a, b)
    if pairs is None:
        return _fidelity_dm(a, b)
    return xp.stack([_fidelity_dm(r, s) for r, s in pairs])


def trace_distance(state0, state1, check_state=False, c_dtype="complex128"):
    """The trace distance ``||rho - sigma||_1 / 2`` of two density matrices (or batches, or
    one and a batch) (PennyLane's ``qml.math.trace_distance``). Differentiable.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> round(float(qml.math.trace_distance(onp.diag([1.0, 0.0]), onp.full((2, 2), 0.5))), 12)
    0.707106781187
    """
    a, b, b0, b1 = _two_states(state0, state1, check_state, c_dtype)
    _pairs(a, b, b0, b1)  # the batch sizes agree
    xp = _xp(a, b)
    return xp.sum(xp.abs(xp.linalg.eigh(a - b)[0]), axis=-1) / 2


def _relative_entropy_pair(rho, sigma, base, xp):
    """``Tr rho (log rho - log sigma)``: ``-S(rho) - sum_ij l_i |<u_i|v_j>|^2 log m_j`` by
    both eigenbases; infinite where ``rho``'s support leaves ``sigma``'s."""
    lam, u = xp.linalg.eigh(rho)
    mu, v = xp.linalg.eigh(sigma)
    overlap = xp.abs(xp.matmul(xp.conj(xp.transpose(u)), v)) ** 2  # [i, j] = |<u_i|v_j>|^2
    lam_n, mu_n, ov_n = (_np.asarray(to_numpy(x)) for x in (lam, mu, overlap))
    meet = (lam_n[:, None] > 1e-14) & (ov_n > 1e-12)
    if _np.any(meet & (mu_n[None, :] <= 1e-14)):
        return _np.inf
    logs = xp.log(xp.where(mu_n > 1e-14, mu, 1.0))
    cross = xp.sum(xp.where(meet, lam[:, None] * overlap * logs[None, :], 0.0))
    return -_ir.entropy(rho, base, xp=xp) - cross / _ir.log_base(base)


def relative_entropy(state0, state1, base=None, check_state=False, c_dtype="complex128"):
    """The quantum relative entropy ``S(rho || sigma) = Tr rho (log rho - log sigma)`` of
    two density matrices (or batches, or one and a batch), natural log unless ``base`` is
    given; ``inf`` when ``rho``'s support is not inside ``sigma``'s (PennyLane's
    ``qml.math.relative_entropy``).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> round(float(qml.math.relative_entropy(onp.diag([1.0, 0.0]), onp.eye(2) / 2, base=2)), 12)
    1.0
    """
    a, b, b0, b1 = _two_states(state0, state1, check_state, c_dtype)
    pairs, xp = _pairs(a, b, b0, b1), _xp(a, b)
    if pairs is None:
        return _relative_entropy_pair(a, b, base, xp)
    return xp.stack([_relative_entropy_pair(r, s, base, xp) for r, s in pairs])


def expectation_value(operator_matrix, state_vector, check_state=False, check_operator=False,
                      c_dtype="complex128"):
    """``<psi|A|psi>`` of an operator matrix and a state vector (either or both batched,
    batch first) (PennyLane's ``qml.math.expectation_value``; complex, as PennyLane's).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> plus = onp.array([1.0, 1.0]) / onp.sqrt(2)
    >>> round(complex(qml.math.expectation_value(onp.array([[0.0, 1.0], [1.0, 0.0]]), plus)).real, 12)
    1.0
    """
    psi, op = _as_complex(state_vector, c_dtype), _as_complex(operator_matrix, c_dtype)
    _vector_shape(psi, check_state)
    shape = _np.shape(op._value if isinstance(op, _Box) else op)
    if len(shape) not in (2, 3) or shape[-1] != shape[-2] or shape[-1] & (shape[-1] - 1):
        raise ValueError("Operator matrix must be of shape (2**wires,2**wires) or (batch_dim, "
                         f"2**wires, 2**wires); got shape {tuple(shape)}")
    if check_operator:
        m = _np.asarray(to_numpy(op))
        if not _np.allclose(m, _np.conj(_np.swapaxes(m, -1, -2))):
            raise ValueError("The matrix is not Hermitian.")
    if shape[-1] != _np.shape(psi._value if isinstance(psi, _Box) else psi)[-1]:
        raise ValueError("The operator and the state vector must have the same number of wires.")
    xp = _xp(psi, op)
    return xp.einsum("...i,...i->...", xp.conj(psi), xp.einsum("...ji,...i->...j", op, psi))


def choi_matrix(Ks, check_Ks=False):
    """The Choi matrix ``(1 (x) E)(|phi+><phi+|)`` of the channel with Kraus operators ``Ks``
    (each ``(2**n, 2**n)``), ``|phi+>`` the normalised maximally entangled state of the
    auxiliary and the channel's wires (PennyLane's ``qml.math.choi_matrix``): ``sum_K
    |v_K><v_K| / d`` with ``v_K = vec(K^T)``. ``check_Ks=True`` refuses operators that are
    not trace preserving.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> lam = qml.math.choi_matrix([onp.eye(2)])     # the identity channel: |phi+><phi+|
    >>> lam.real
    array([[0.5, 0. , 0. , 0.5],
           [0. , 0. , 0. , 0. ],
           [0. , 0. , 0. , 0. ],
           [0.5, 0. , 0. , 0.5]])
    """
    xp = _xp(*Ks)
    d = _np.shape(Ks[0]._value if isinstance(Ks[0], _Box) else Ks[0])[0]
    if check_Ks:
        total = sum(_np.asarray(to_numpy(k)).conj().T @ _np.asarray(to_numpy(k)) for k in Ks)
        if not _np.allclose(total, _np.eye(d)):
            raise ValueError(r"The provided Kraus operators are not trace-preserving "
                             r"($\sum_j K_j^\dagger K_j = \mathbb{1}$)")
    vecs = [xp.reshape(xp.transpose(k if xp is _qnp else _np.asarray(to_numpy(k))), (-1,))
            for k in Ks]
    return sum(xp.outer(v, xp.conj(v)) for v in vecs) / d


def decomp_int_to_powers_of_two(k: int, n: int) -> list:
    """``k`` (``0 <= k <= 2**(n - 1)``) as ``n`` signed binary digits ``c_i`` in ``{-1, 0,
    1}``, the most significant first, with the fewest nonzero digits: the non-adjacent
    form (no two neighbouring digits nonzero; PennyLane's
    ``qml.math.decomposition.decomp_int_to_powers_of_two``, used by ``PCPhase``'s
    decomposition). A ``k`` out of range raises ``AssertionError``, as PennyLane's does.

    >>> decomp_int_to_powers_of_two(121, 8)      # 121 = 128 - 8 + 1
    [1, 0, 0, 0, -1, 0, 0, 1]
    """
    k, n = _operator.index(k), _operator.index(n)
    if not 0 <= k <= 2 ** (n - 1):
        raise AssertionError(f"decomp_int_to_powers_of_two: k={k} must lie in [0, 2**(n-1)] "
                             f"for n={n} digits")
    digits = []  # the least significant first
    while k:
        digit = 2 - k % 4 if k % 2 else 0  # +1 for k = 1 mod 4, -1 for k = 3 mod 4
        digits.append(digit)
        k = (k - digit) // 2
    return [0] * (n - len(digits)) + digits[::-1]


def _givens_matrix(a, b, left=True, tol=1e-8, real_valued=False):
    """PennyLane's ``_givens_matrix``: the 2x2 Givens rotation that zeroes ``b`` against
    ``a`` (``_linalg.givens_rotation``)."""
    return _linalg.givens_rotation(a, b, left=left, real=real_valued, tol=tol)


def _set_unitary_matrix(unitary_matrix, index, value, like=None, real_valued=False):
    """PennyLane's ``_set_unitary_matrix``: ``unitary_matrix[index] = value`` in place
    (``_linalg.set_entries``); NumPy and autograd values only."""
    if like not in _LIKE_OK:
        from .errors import ArgumentError

        raise ArgumentError(f"_set_unitary_matrix(like={like!r}): qsym has the NumPy and "
                            "autograd interfaces only")
    return _linalg.set_entries(unitary_matrix, index, value, real=real_valued)


def _autograd_is_indep_analytic(func, *args, **kwargs) -> bool:
    """Whether ``func``'s output holds no autograd box of a trace started at ``args``
    (PennyLane's analytic test: one root box over the tuple of arguments, its entries
    passed on; an output on that trace depends on them)."""
    from autograd.core import VJPNode
    from autograd.tracer import isbox, new_box, trace_stack

    node = VJPNode.new_root()
    with trace_stack.new_trace() as t:
        start = new_box(args, t, node)
        end = func(*start, **kwargs)
    if isinstance(end, _np.ndarray) and not isbox(end):
        end = [end.item()] if end.ndim == 0 else end
    ends = end if type(end) in (tuple, list) or isinstance(end, _np.ndarray) else [end]
    return not any(isbox(e) and e._trace == start._trace for e in ends)


def _get_random_args(args, interface, num, seed, bounds) -> list:
    """PennyLane's ``_get_random_args``: ``num`` tuples shaped like ``args``, uniform in
    ``bounds`` from ``numpy.random.default_rng(seed)`` (trainable ``qsym.numpy`` tensors
    for ``"autograd"``).

    >>> [a.shape for a in _get_random_args((0.3, _np.ones((2, 3))), "numpy", 1, 7, (0, 1))[0]]
    [(), (2, 3)]
    """
    if interface in _FOREIGN_INTERFACES:
        _refuse_interface("_get_random_args", interface)
    width = bounds[1] - bounds[0]
    rng = _np.random.default_rng(seed)
    out = [tuple(rng.random(_np.shape(a)) * width + bounds[0] for a in args) for _ in range(num)]
    if interface == "autograd":
        out = [tuple(_qnp.array(a, requires_grad=True) for a in row) for row in out]
    return out


def _is_indep_numerical(func, interface, args, kwargs, num_pos, seed, atol, rtol,
                        bounds) -> bool:
    """Whether ``func`` gives the output at ``args`` at ``num_pos`` random points too."""
    original = func(*args, **kwargs)
    for point in _get_random_args(args, interface, num_pos, seed, bounds):
        new = func(*point, **kwargs)
        pairs = zip(new, original) if isinstance(original, tuple) else [(new, original)]
        if not all(_np.allclose(a, b, atol=atol, rtol=rtol) for a, b in pairs):
            return False
    return True


_FOREIGN_INTERFACES = ("jax", "tf", "tensorflow", "torch")


def _refuse_interface(name, interface):
    from .errors import ArgumentError

    raise ArgumentError(f"qml.math.{name}(interface={interface!r}): qsym differentiates with "
                        "autograd only (JAX, TensorFlow and PyTorch are not qsym "
                        "interfaces); use interface='autograd'")


def is_independent(func, interface, args, kwargs=None, num_pos=5, seed=9123, atol=1e-6,
                   rtol=0, bounds=(-_np.pi, _np.pi)) -> bool:
    """PennyLane's ``qml.math.is_independent``: whether ``func`` does not depend on its
    positional ``args`` (``kwargs`` held fixed), analytically (``"autograd"``: no output on
    the autograd trace of the arguments, so ``0.0 * x`` depends on ``x``) and numerically
    (the same output, to ``atol``/``rtol``, at ``num_pos`` random points in ``bounds`` from
    ``seed``). JAX, TensorFlow and PyTorch are refused (not qsym interfaces, an
    ``ArgumentError``); another name is PennyLane's ``ValueError``.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> x = np.array([0.2, 9.1, -3.2], requires_grad=True)
    >>> w = np.array([1.1, -0.7, 1.8], requires_grad=True)
    >>> lin = lambda x, weights=None: np.dot(x, weights)
    >>> is_independent(lin, "autograd", (x,), {"weights": w})
    False
    >>> is_independent(qml.jacobian(lin), "autograd", (x,), {"weights": w})  # linear in x
    True
    """
    if interface in _FOREIGN_INTERFACES:
        _refuse_interface("is_independent", interface)
    if interface != "autograd":
        raise ValueError(f"Unknown interface: {interface}")
    kwargs = kwargs or {}
    if not _autograd_is_indep_analytic(func, *args, **kwargs):
        return False
    return _is_indep_numerical(func, interface, args, kwargs, num_pos, seed, atol, rtol, bounds)


def _module_path(name: str, doc: str, names) -> _types.ModuleType:
    """PennyLane's module path ``pennylane.math.<name>`` (``from qsym.math.quantum import
    ...``): a module in ``sys.modules`` holding ``names``."""
    module = _types.ModuleType(f"{__name__}.{name}", doc)
    vars(module).update({n: globals()[n] for n in names})
    _sys.modules[module.__name__] = module
    return module


quantum = _module_path("quantum", """PennyLane's module path ``qml.math.quantum``: the
quantum-information functions above.

>>> import numpy as onp
>>> quantum.reduce_statevector(onp.array([0.0, 1.0]), [0]).real
array([[0., 0.],
       [0., 1.]])
""", ("reduce_dm", "reduce_statevector", "partial_trace", "dm_from_state_vector", "purity",
      "vn_entropy", "mutual_info", "vn_entanglement_entropy", "max_entropy", "min_entropy",
      "relative_entropy", "sqrt_matrix", "sqrt_matrix_sparse", "_denman_beavers_iterations",
      "expectation_value", "trace_distance", "choi_matrix",
      "fidelity", "fidelity_statevector"))
zyz_rotation_angles, xyx_rotation_angles = _linalg.zyz_rotation_angles, _linalg.xyx_rotation_angles
xzx_rotation_angles, zxz_rotation_angles = _linalg.xzx_rotation_angles, _linalg.zxz_rotation_angles
su2su2_to_tensor_products = _linalg.su2su2_to_tensor_products
decomposition = _module_path("decomposition", """PennyLane's module path
``qml.math.decomposition``: the Euler angles of a 2x2 unitary, the factors of a tensor
product of two, Givens decompositions, signed binary digits.

>>> import numpy as onp
>>> [round(float(a), 6) for a in decomposition.zyz_rotation_angles(onp.diag([1j, -1j]))]
[10.995574, 0.0, 10.995574]
""", ("zyz_rotation_angles", "xyx_rotation_angles", "xzx_rotation_angles", "zxz_rotation_angles",
      "su2su2_to_tensor_products", "decomp_int_to_powers_of_two", "givens_decomposition",
      "_givens_matrix", "_set_unitary_matrix"))
_is_independent_module = _module_path("is_independent", """PennyLane's module path
``qml.math.is_independent`` (``from qsym.math.is_independent import _get_random_args``);
the name ``qml.math.is_independent`` is the function, as in PennyLane.
""", ("is_independent", "_get_random_args", "_is_indep_numerical",
      "_autograd_is_indep_analytic"))
single_dispatch = _module_path("single_dispatch", """PennyLane's module path
``qml.math.single_dispatch``: the powers of SciPy sparse matrices.
""", ("sparse_matrix_power", "_sparse_matrix_power_bruteforce"))
matrix_manipulation = _module_path("matrix_manipulation", """PennyLane's module path
``qml.math.matrix_manipulation``: matrices expanded to more wires and reduced.

>>> matrix_manipulation.expand_vector([1.0, 0.0], [0], 1).tolist()
[1.0, 0.0]
""", ("expand_matrix", "expand_vector", "reduce_matrices", "get_batch_size", "convert_to_su2",
      "convert_to_su4", "_sparse_swap_mat", "_permute_dense_matrix"))


def __getattr__(name):
    # every other name: the NumPy (autograd) function of that name, as PennyLane's
    # dispatch gives for NumPy and autograd values
    if name.startswith("__"):
        raise AttributeError(name)
    try:  # NumPy's, else its linalg's (PennyLane's dispatch maps svd, det, inv, ... there)
        fn = getattr(_qnp, name) if hasattr(_qnp, name) else getattr(_qnp.linalg, name)
    except AttributeError:
        raise AttributeError(
            f"qsym.math has no {name!r} (neither a NumPy function nor one of PennyLane's "
            "qml.math helpers qsym provides)"
        ) from None
    if not callable(fn) or isinstance(fn, type):
        return fn
    plain = getattr(_np, name, None) if hasattr(_qnp, name) else getattr(_np.linalg, name, None)
    return _dispatching(fn, plain if callable(plain) else None)


def _numpy_only(value) -> bool:
    """Whether ``value`` is of PennyLane's "numpy" interface: Python numbers, strings,
    ``None``, NumPy arrays (not object arrays, not ``qsym.numpy`` tensors) and scalars, or
    lists and tuples of them; a tensor, an autograd box or a traced circuit input is not."""
    if isinstance(value, (list, tuple)):
        return all(_numpy_only(v) for v in value)
    if type(value) is _np.ndarray:
        return value.dtype != object
    return value is None or type(value) in (bool, int, float, complex, str) or isinstance(
        value, _np.generic)


_LIKE_OK = ("numpy", "autograd", "auto", None)


def _stacked(a):
    """A QNode's tuple of results under autograd (an autograd ``SequenceBox``) of equal
    shapes as one stacked array, so that ``qml.math.sum(circuit(x))`` is differentiated as
    PennyLane's (autograd's NumPy functions do not differentiate through a sequence box);
    anything else as it is."""
    if isinstance(a, _SequenceBox):
        items = list(a)
        if items and len({_np.shape(getattr(i, "_value", i)) for i in items}) == 1:
            import autograd.numpy as anp

            return anp.stack(items)
    return a


def _holds_box(value) -> bool:
    """Whether ``value`` is, or (a list or tuple) holds, an autograd box (a value being
    differentiated)."""
    if isinstance(value, _Box):
        return True
    return isinstance(value, (list, tuple)) and any(_holds_box(v) for v in value)


def _constructor(fn):
    """PennyLane's ``qml.math.array`` / ``asarray``: a plain NumPy array (also of a
    ``qsym.numpy`` tensor, as PennyLane's dispatch to autograd's ``array`` gives), a tensor
    with ``like="autograd"`` or ``requires_grad=``; a value being differentiated stays
    differentiable."""
    dispatched = _dispatching(fn)

    def call(*args, like=None, **kwargs):
        if (like is None and "requires_grad" not in kwargs
                and not any(_holds_box(a) for a in args)):
            like = "numpy"
        return dispatched(*args, like=like, **kwargs)

    call.__name__ = fn.__name__
    call.__doc__ = f"""PennyLane's ``qml.math.{fn.__name__}``: a plain NumPy array, a
    ``qsym.numpy`` tensor with ``like="autograd"`` or ``requires_grad=``.

    >>> import qsym as qml
    >>> type(qml.math.{fn.__name__}([1.0, 2.0])).__name__, qml.math.{fn.__name__}(0.5, like="autograd")
    ('ndarray', tensor(0.5, requires_grad=True))
    """
    return call


def _dispatching(fn, plain=None):
    """``fn`` taking PennyLane's dispatch argument ``like=``: an interface name (qsym has
    NumPy and autograd only, ``"numpy"`` / ``"autograd"``; another raises
    ``ArgumentError``) or a value whose interface to use (NumPy/autograd: left out).
    NumPy's own function ``plain`` (if given) computes where every argument is NumPy's
    and no interface is asked (PennyLane's dispatch to NumPy: a plain array, not a
    trainable tensor)."""
    def call(*args, like=None, **kwargs):
        if (plain is not None and like is None and _numpy_only(args)
                and _numpy_only(tuple(kwargs.values()))):
            return plain(*args, **kwargs)
        args = tuple(_stacked(a) for a in args)
        if isinstance(like, str) or like is None:
            if like not in _LIKE_OK:
                from .errors import ArgumentError

                raise ArgumentError(
                    f"qml.math.{getattr(fn, '__name__', 'function')}(like={like!r}): qsym has "
                    "the NumPy and autograd interfaces only (like='numpy' or 'autograd')")
            out = fn(*args, **kwargs)
            if like == "numpy" and hasattr(out, "requires_grad"):  # a plain NumPy array
                return _np.asarray(out)
            return out
        return fn(*args, **kwargs)

    call.__name__ = getattr(fn, "__name__", "function")
    call.__doc__ = getattr(fn, "__doc__", None)
    return call


array = _constructor(_qnp.array)
asarray = _constructor(_qnp.asarray)


import enum as _enum


class Interface(str, _enum.Enum):
    """PennyLane's ``qml.math.Interface``: the canonical interface names, with PennyLane's
    aliases (``None`` and ``"scipy"``: NumPy; ``"pytorch"``, ``"tensorflow"``, ...). A
    member also equals its name as a string (qsym's configurations compare with strings).

    >>> Interface(None), Interface("autograd").get_like(), Interface.NUMPY == "numpy"
    (<Interface.NUMPY: 'numpy'>, 'autograd', True)
    >>> Interface("nonsense")
    Traceback (most recent call last):
        ...
    ValueError: 'nonsense' is not a valid Interface. Please use one of the supported interfaces: ['autograd', 'numpy', 'torch', 'jax', 'jax-jit', 'tf', 'tf-autograph', 'auto'].
    """

    AUTOGRAD = "autograd"
    NUMPY = "numpy"
    TORCH = "torch"
    JAX = "jax"
    JAX_JIT = "jax-jit"
    TF = "tf"
    TF_AUTOGRAPH = "tf-autograph"
    AUTO = "auto"

    @classmethod
    def _missing_(cls, value):
        aliases = {None: "numpy", "scipy": "numpy", "jax-python": "jax", "JAX": "jax",
                   "pytorch": "torch", "tensorflow": "tf", "tensorflow-autograph": "tf-autograph"}
        try:
            if value in aliases:
                return cls(aliases[value])
        except TypeError:  # an unhashable value
            pass
        raise ValueError(f"'{value}' is not a valid {cls.__name__}. Please use one of the "
                         f"supported interfaces: {[item.value for item in cls]}.")

    def get_like(self):
        """The array library's name for this interface (``None`` for ``"auto"``)."""
        return {"jax-jit": "jax", "tf": "tensorflow", "tf-autograph": "tensorflow",
                "auto": None}.get(self.value, self.value)

    __str__ = str.__str__
    __format__ = str.__format__
