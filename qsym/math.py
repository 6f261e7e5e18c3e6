"""``qml.math``: PennyLane's framework-agnostic math, for NumPy and autograd values.

PennyLane's ``qml.math.f`` calls the function ``f`` of the framework its arguments belong
to; qsym's QNodes take and return NumPy (autograd) values only, so every NumPy function is
here under its NumPy name (``qml.math.allclose``, ``sum``, ``stack``, ``dot``, ``einsum``,
``cos``, ...: those of :mod:`qsym.numpy`, which autograd differentiates and which accept
traced inputs inside a circuit), plus PennyLane's own helpers below (``get_interface``,
``requires_grad``, ``to_numpy``, ``toarray``, ``unwrap``, ``convert_like``, ``cast``,
``cast_like``, ``is_abstract``, ``allequal``, ``fidelity_statevector``), the SU(2)/SU(4)
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
import numpy as _np
from autograd.builtins import SequenceBox as _SequenceBox
from autograd.extend import Box as _Box

from . import numpy as _qnp
from ._linalg import (convert_to_su2, convert_to_su4, su2su2_to_tensor_products as _su2su2,
                      xyx_rotation_angles as _xyx, xzx_rotation_angles as _xzx,
                      zxz_rotation_angles as _zxz, zyz_rotation_angles as _zyz)
import types as _types

decomposition = _types.SimpleNamespace(
    zyz_rotation_angles=_zyz, xyx_rotation_angles=_xyx, xzx_rotation_angles=_xzx,
    zxz_rotation_angles=_zxz, su2su2_to_tensor_products=_su2su2)
decomposition.__doc__ = """PennyLane's ``qml.math.decomposition``: the Euler angles of a 2x2
unitary and the factors of a tensor product of two.

>>> import numpy as onp
>>> [round(float(a), 6) for a in decomposition.zyz_rotation_angles(onp.diag([1j, -1j]))]
[10.995574, 0.0, 10.995574]
"""

def get_interface(*values) -> str:
    """``"autograd"`` if any value is a qsym tensor or an autograd box, else ``"numpy"``.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.get_interface(np.array([0.1])), qml.math.get_interface(onp.array([0.1]))
    ('autograd', 'numpy')
    """
    found = "numpy"
    for v in values:
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
    return False


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
    """PennyLane's ``qml.math.unwrap``: NumPy values from (lists of) tensors.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.unwrap([np.array(0.5), np.array([1.0, 2.0])])
    [array(0.5), array([1., 2.])]
    """
    if isinstance(values, (list, tuple)):
        return type(values)(to_numpy(v) for v in values)
    return to_numpy(values)


def convert_like(tensor1, tensor2):
    """``tensor1`` as the kind of value ``tensor2`` is (qsym tensor or NumPy array).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> qml.math.convert_like(onp.array([1.0]), np.array([2.0]))
    tensor([1.], requires_grad=True)
    """
    if isinstance(tensor2, _qnp.tensor):
        return _qnp.tensor(tensor1, requires_grad=tensor2.requires_grad)
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


def allequal(tensor1, tensor2, **kwargs) -> bool:
    """True if the two values are equal element by element.

    >>> import qsym as qml
    >>> qml.math.allequal([1, 2], [1, 2]), qml.math.allequal([1, 2], [1, 3])
    (True, False)
    """
    return bool(_np.all(_np.asarray(to_numpy(tensor1)) == _np.asarray(to_numpy(tensor2))))


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
    return _qnp.transpose(tensor) if isinstance(tensor, _Box) else _np.transpose(_np.asarray(tensor))


def fidelity_statevector(state0, state1, check_state=False, c_dtype="complex128"):
    """``|<state0|state1>|^2`` of two state vectors.

    >>> import numpy as onp
    >>> import qsym as qml
    >>> plus = onp.array([1.0, 1.0]) / onp.sqrt(2)
    >>> round(float(qml.math.fidelity_statevector(onp.array([1.0, 0.0]), plus)), 12)
    0.5
    """
    a = _qnp.asarray(state0, dtype=c_dtype) if not isinstance(state0, _Box) else state0
    b = _qnp.asarray(state1, dtype=c_dtype) if not isinstance(state1, _Box) else state1
    if check_state:
        for s in (a, b):
            if not _np.isclose(_np.linalg.norm(to_numpy(s)), 1.0):
                raise ValueError("a state vector must have norm 1")
    ov = _qnp.sum(_qnp.conj(a) * b, axis=-1)
    return _qnp.real(ov * _qnp.conj(ov))


def dm_from_state_vector(state, check_state=False, c_dtype="complex128"):
    """The density matrix ``|state><state|`` of a state vector (PennyLane's
    ``qml.math.dm_from_state_vector``); a batch of vectors (last axis) gives a batch of
    matrices. ``check_state=True`` refuses a vector whose norm is not 1 (a ``ValueError``,
    as PennyLane's).

    >>> import numpy as onp
    >>> import qsym as qml
    >>> qml.math.dm_from_state_vector(onp.array([0.6, 0.8j]))
    array([[0.36+0.j  , 0.  -0.48j],
           [0.  +0.48j, 0.64+0.j  ]])
    """
    xp = _qnp if isinstance(state, _Box) else _np  # autograd inside a derivative
    psi = state if xp is _qnp else _np.asarray(to_numpy(state), dtype=c_dtype)
    if check_state and not _np.allclose(_np.linalg.norm(to_numpy(psi), axis=-1), 1.0):
        raise ValueError("Sum of amplitudes-squared does not equal one.")
    return psi[..., :, None] * xp.conj(psi)[..., None, :]


def expand_matrix(mat, wires, wire_order=None, sparse_format="csr"):
    """PennyLane's ``qml.math.expand_matrix``: the matrix ``mat`` of an operator on
    ``wires`` as a matrix on ``wire_order`` (default: ``wires``), the first wire the most
    significant bit; a batch of matrices (batch first) expands each.

    >>> expand_matrix(_np.diag([1.0, -1.0]), [1], wire_order=[0, 1]).real.diagonal()
    array([ 1., -1.,  1., -1.])
    """
    from ._operations import expand_matrix as expand

    if wire_order is None or list(wire_order) == list(wires):
        return mat
    return expand(_np.asarray(mat), list(wires), list(wire_order))


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


def __getattr__(name):
    # every other name: the NumPy (autograd) function of that name, as PennyLane's
    # dispatch gives for NumPy and autograd values
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        fn = getattr(_qnp, name)
    except AttributeError:
        raise AttributeError(
            f"qsym.math has no {name!r} (neither a NumPy function nor one of PennyLane's "
            "qml.math helpers qsym provides)"
        ) from None
    return _dispatching(fn) if callable(fn) and not isinstance(fn, type) else fn


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


def _dispatching(fn):
    """``fn`` taking PennyLane's dispatch argument ``like=``: an interface name (qsym has
    NumPy and autograd only, ``"numpy"`` / ``"autograd"``; another raises
    ``ArgumentError``) or a value whose interface to use (NumPy/autograd: left out)."""
    def call(*args, like=None, **kwargs):
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
