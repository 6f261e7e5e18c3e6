"""The compiled optimization loop's optimizer update, compiled once (issue #17).

Every loop module of :mod:`qsym._minimize` (one per circuit and method) runs the same
optimizer update after its circuit-specific step. Written into each module's ``run``,
numba typed, lowered and optimized it again for every circuit: about 1 s of each loop
module's 2.3-2.4 s compile (stop 69). A loop module now calls :func:`optimizer_update`
here for Adagrad, RMSProp and Adam (most of that code: their held fixed points, Adam's
bias corrections), compiled once and kept in numba's cache with the kernel library
(:func:`qsym._cache.kernel_cache_dir`); numba links its code into each caller (no front
end again). Gradient descent, momentum and Nesterov's update (a few lines) stay in the
loop: a call costs the smallest circuits' steps (35-45 ns) up to about 6 % there.

Its arguments are the arrays' **data pointers** (:func:`data_pointer`: scalars, not array
structs) and as few as can be (the held fixed points packed in three arrays): an array
argument has its reference count changed around the call, about 10 ns an array (a seed
step of 35-55 ns was three to five times slower with thirteen arrays), and each argument
costs the call a little (docs/design.md, "The optimizer update compiled once", has the
step times). The function indexes every argument as ``a[j]``, so on tier 0 (plain
Python) its code runs on the arrays themselves (:func:`plain`): the same operations in
the same order, the same bits.

An exported loop module (run by workers without qsym) carries this update itself:
:func:`carried_text`, the text of this file from :data:`CARRIED` on, which needs only
math, NumPy, numba and llvmlite.

Adagrad (``kind`` 3), step size 0.1, no eps, on tier 0: the first step moves each
parameter by 0.1 against its gradient's sign:

>>> import numpy as np
>>> update = plain()["_q_update"]
>>> x, g, hp = np.array([1.0, 2.0]), np.array([0.5, -0.5]), np.array([0.1, 0, 0, 0, 0, 0])
>>> s1, s2, flags = np.zeros(2), np.zeros(2), np.zeros(6, dtype=np.uint8)
>>> update(2, 3, 0, (x, g, s1, s2, hp, flags, np.zeros(4, dtype=np.int64), np.zeros(11)))
>>> x.tolist(), s1.tolist()
([0.9, 2.1], [0.25, 0.25])
"""

import hashlib
import sys
import types
from pathlib import Path

import numpy as np

# the lines between which an exported loop module carries this file's text
CARRIED = "# --- carried by exported loop modules (numba, llvmlite, NumPy, math only) ---"
CARRIED_END = "# --- end of what exported loop modules carry ---"
# this file's source: a loop module's text names it, so that a loop compiled against
# another update is another module, never loaded for this one
SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
# what a loop module's text imports from here (the names its run calls)
IMPORT = (f"from qsym._loop_update import optimizer_update as _q_update  # {SOURCE_HASH}\n"
          "from qsym._loop_update import update_addresses as _q_addresses, "
          "data_pointer as _q_ptr")


def carried_text() -> str:
    """What an exported loop module carries in place of :data:`IMPORT`: this file's text
    from :data:`CARRIED` to :data:`CARRIED_END`, with the loop's names bound."""
    text = Path(__file__).read_text()
    return (text[text.rindex(CARRIED):text.rindex(CARRIED_END)].rstrip("\n") + "\n\n\n"
            "_q_update, _q_addresses, _q_ptr = optimizer_update, update_addresses, data_pointer\n")


def _same_array(a):
    """:func:`data_pointer` on tier 0: the array itself (indexed as the pointer is)."""
    return a


def _the_arrays(*arrays):
    """:func:`update_addresses` on tier 0: the arrays themselves."""
    return arrays


_plain: dict = {}


def plain() -> dict:
    """The names a loop module imports from here, as plain Python (tier 0): the update's
    own code object, its intrinsics' Python meanings (an address is the array itself; the
    accumulators' bits their int64 view)."""
    if not _plain:
        fn = optimizer_update.py_func
        code_globals = {"math": math, "__builtins__": __builtins__,
                        "_lu_float64_at": _same_array, "_lu_int64_at": _int64_view,
                        "_lu_uint8_at": _same_array}
        _plain.update(_q_update=types.FunctionType(fn.__code__, code_globals, fn.__name__),
                      _q_addresses=_the_arrays, _q_ptr=_same_array)
    return _plain


def _int64_view(a):
    """The bits of an array on tier 0 (``_lu_int64_at``: hbits itself, an accumulator's
    int64 view)."""
    return a if a.dtype == np.int64 else a.view(np.int64)


# --- carried by exported loop modules (numba, llvmlite, NumPy, math only) ---
import math  # noqa: E402

from numba import njit  # noqa: E402
from numba.core import cgutils as _lu_cgutils  # noqa: E402
from numba.core import types as _lu_types  # noqa: E402
from numba.extending import intrinsic as _lu_intrinsic  # noqa: E402


def _lu_data(context, builder, arrty, value):
    return _lu_cgutils.create_struct_proxy(arrty)(context, builder, value=value).data


@_lu_intrinsic
def data_pointer(typingctx, a):
    """A C-contiguous array's data pointer (``CPointer`` of its dtype; no reference
    counted). Only the optimizer update's arrays: the caller keeps them alive."""
    if not (isinstance(a, _lu_types.Array) and a.layout == "C" and a.ndim == 1):
        return None

    def codegen(context, builder, sig, args):
        return _lu_data(context, builder, sig.args[0], args[0])

    return _lu_types.CPointer(a.dtype)(a), codegen


def _lu_pointer_to(dtype):
    """An intrinsic: an address (an int64) as a ``CPointer`` of ``dtype``."""
    def typer(typingctx, address):
        if address != _lu_types.int64:
            return None

        def codegen(context, builder, sig, args):
            return builder.inttoptr(args[0],
                                    context.get_value_type(_lu_types.CPointer(dtype)))

        return _lu_types.CPointer(dtype)(address), codegen

    typer.__name__ = f"_lu_{dtype}_at"
    return _lu_intrinsic(typer)


_lu_float64_at = _lu_pointer_to(_lu_types.float64)
_lu_int64_at = _lu_pointer_to(_lu_types.int64)
_lu_uint8_at = _lu_pointer_to(_lu_types.uint8)


@_lu_intrinsic
def _lu_address(typingctx, a):
    """A C-contiguous array's data address, an int64."""
    if not (isinstance(a, _lu_types.Array) and a.layout == "C" and a.ndim == 1):
        return None

    def codegen(context, builder, sig, args):
        return builder.ptrtoint(_lu_data(context, builder, sig.args[0], args[0]),
                                context.get_value_type(_lu_types.int64))

    return _lu_types.int64(a), codegen


@njit(cache=True, nogil=True)
def update_addresses(x, g, s1, s2, hp, flags, hbits, hnum):
    """The update's eight arrays' data addresses, in this order (its one argument: each
    argument of a call costs it; the caller keeps the arrays alive)."""
    a = np.empty(8, dtype=np.int64)
    a[0] = _lu_address(x)
    a[1] = _lu_address(g)
    a[2] = _lu_address(s1)
    a[3] = _lu_address(s2)
    a[4] = _lu_address(hp)
    a[5] = _lu_address(flags)
    a[6] = _lu_address(hbits)
    a[7] = _lu_address(hnum)
    return a


@njit(cache=True, nogil=True)
def optimizer_update(n, kind, k, arrays):
    """One step of optimizer ``kind`` (Adagrad 3, RMSProp 4, Adam 5; gradient descent,
    momentum and Nesterov's are in the loop itself: ``hp``: stepsize, momentum, decay,
    eps, beta1, beta2) on the ``n`` parameters ``x``, gradient ``g``, step ``k``, updating
    in place the accumulators ``s1``, ``s2`` and the held fixed points (qsym._minimize's
    run explains them): ``flags`` held, held2, held_q (n each), ``hbits`` their bits (n
    each), ``hnum`` 4 numbers a parameter, then Adam's saturated, q1, q2. ``arrays``:
    their addresses (:func:`update_addresses`, a pointer to them); on tier 0
    (:func:`plain`) the arrays themselves."""
    x, g, s1, s2 = (_lu_float64_at(arrays[0]), _lu_float64_at(arrays[1]),
                    _lu_float64_at(arrays[2]), _lu_float64_at(arrays[3]))
    hp, flags, hbits, hnum = (_lu_float64_at(arrays[4]), _lu_uint8_at(arrays[5]),
                              _lu_int64_at(arrays[6]), _lu_float64_at(arrays[7]))
    s1_bits, s2_bits = _lu_int64_at(arrays[2]), _lu_int64_at(arrays[3])
    eta, decay, eps, b1, b2 = hp[0], hp[2], hp[3], hp[4], hp[5]
    saturated = hnum[4 * n] != 0.0
    q1 = hnum[4 * n + 1]
    q2 = hnum[4 * n + 2]
    if kind == 3:  # Adagrad
        for j in range(n):
            s1[j] = s1[j] + g[j] * g[j]
            x[j] = x[j] - (eta / math.sqrt(s1[j] + eps)) * g[j]
    elif kind == 4:  # RMSProp
        for j in range(n):
            gj = g[j]
            if not (gj == 0.0 and flags[j] and s1_bits[j] == hbits[j]):
                before = s1_bits[j]  # (gj * gj is +0.0 for either zero)
                s1[j] = decay * s1[j] + (1.0 - decay) * (gj * gj)
                if gj == 0.0:
                    flags[j] = s1_bits[j] == before
                    hbits[j] = before
            x[j] = x[j] - (eta / math.sqrt(s1[j] + eps)) * gj
    else:  # Adam, PennyLane's form of the bias correction
        if not saturated:
            t = float(k + 1)
            q2 = 1.0 - b2**t
            q1 = 1.0 - b1**t
            # b**t only falls (0 <= b <= 1 - 1e-12): once both are below half an ulp
            # of 1, 1 - b**t is 1.0 at every later step, and eta_t is eta * 1.0 / 1.0
            # without the two powers (the same bits; most of a tiny circuit's step)
            saturated = (q1 == 1.0 and q2 == 1.0 and 0.0 <= b1 <= 1.0 - 1e-12
                         and 0.0 <= b2 <= 1.0 - 1e-12)
        eta_t = eta * math.sqrt(q2) / q1
        for j in range(n):
            gj = g[j]
            if (gj == 0.0 and flags[j] and s1_bits[j] == hbits[j]
                    and eta_t == hnum[4 * j]
                    and math.copysign(1.0, gj) == hnum[4 * j + 1]):
                u = hnum[4 * j + 2]  # s1[j] is its own next value (held above)
                same_u = True
            else:
                same_u = False
                before = s1_bits[j]
                s1[j] = b1 * s1[j] + (1.0 - b1) * gj
                u = eta_t * s1[j]
                if gj == 0.0:  # (eta_t not 0: equal floats are then equal bits)
                    flags[j] = s1_bits[j] == before and eta_t != 0.0
                    hbits[j] = before
                    hnum[4 * j] = eta_t
                    hnum[4 * j + 1] = math.copysign(1.0, gj)
                    hnum[4 * j + 2] = u
                    flags[2 * n + j] = False
            if gj == 0.0 and flags[n + j] and s2_bits[j] == hbits[n + j]:
                # s2[j] its own next value; the quotient as computed with this u, s2
                if same_u and flags[2 * n + j]:
                    x[j] = x[j] - hnum[4 * j + 3]
                    continue
            else:
                before = s2_bits[j]  # (gj * gj is +0.0 for either zero)
                s2[j] = b2 * s2[j] + (1.0 - b2) * (gj * gj)
                if gj == 0.0:
                    flags[n + j] = s2_bits[j] == before
                    hbits[n + j] = before
                    flags[2 * n + j] = False
            q = u / (math.sqrt(s2[j]) + eps)
            if same_u and gj == 0.0 and flags[n + j] and s2_bits[j] == hbits[n + j]:
                hnum[4 * j + 3] = q  # (u held, s2 held: the same inputs while both are)
                flags[2 * n + j] = True
            x[j] = x[j] - q
    hnum[4 * n] = 1.0 if saturated else 0.0
    hnum[4 * n + 1] = q1
    hnum[4 * n + 2] = q2


# --- end of what exported loop modules carry ---
from . import _cache  # noqa: E402

# the numba cache files of the two functions above (in the kernel library's folder) get
# the kernel library's integrity checks: signed, a planted or damaged file never loaded
_cache.guard_numba_caches(sys.modules[__name__])
