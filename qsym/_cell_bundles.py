"""The kernels an entry point calls through the library's cells, loaded as one library
(issue #17, stop 69).

Since stop 68 the kernel library's entry points call their shared callees (``run_ops``,
``pauli_expvals``, ``shift_values``, ``_adjoint_into``: :data:`qsym._kernels.CELL_REACHES`)
through cells, so each callee is a cached function of its own: a new process's first
parameter-shift gradient loaded four libraries from numba's cache instead of one (each
load 1.5-4.5 ms of CPU, most of it Python holding the GIL beside the circuit's build:
numba's unpickling, one environment set per function, the object code linked). Here the
callees of one entry point are linked, with their call trees, into one small cached
function (a *bundle*) whose only work is to write their compiled addresses into an array:
one load fills every cell the entry point calls through (:func:`fill_cells`). The code
is numba's own for the same functions and argument types, optimized and compiled again
in the bundle's library (LLVM does not change floating-point results without fast-math
flags, which the library never uses), so a kernel called through a cell filled here gives
the bits the kernel's own library gives (tests/test_cell_bundles.py).

A bundle is only ever *loaded* on a first answer (``qsym._tiers._load_cached``: when
numba's cache lists it); ``qsym warmup`` compiles it (:func:`compile_bundles`). Its numba
cache is that of a function of this file named after the entry point and
:data:`qsym._kernels.SOURCE_HASH`: a kernel library edited since is another name, never
stale code (numba does not notice an edit of a function a cached function calls).

>>> sorted(BUNDLED)
['program_value_and_grad_adjoint_into', 'program_value_and_grad_into']
>>> members("program_value_and_grad_into")
['run_ops', 'pauli_expvals', 'shift_values']
"""

from __future__ import annotations

import sys
import types

import numpy as np
from llvmlite import ir as llvm_ir
from numba import njit
from numba.core import cgutils, types as nbtypes
from numba.extending import intrinsic

from . import _cache as cache, _kernels as kernels
from ._locks import new_lock

# the entry points whose cells' kernels a first answer loads as one bundle: the serial
# parameter shift and the adjoint below the blocked sweep's wire count (each four
# libraries otherwise)
BUNDLED = ("program_value_and_grad_into", "program_value_and_grad_adjoint_into")
_fill_lock = new_lock()


def members(entry: str) -> list:
    """The kernels entry point ``entry`` calls through cells (callees first): what its
    bundle holds."""
    return kernels.cells_reached(entry)


def _address_writer(names: tuple):
    """An intrinsic ``write(out)`` that stores the compiled addresses of kernels ``names``
    (each for its cell's signature, :data:`qsym._kernels.CELL_SIGNATURES`, linked into the
    caller's library) into ``out[0:len(names)]`` (an int64 array at least that long)."""
    @intrinsic
    def write(typingctx, out):
        if not (isinstance(out, nbtypes.Array) and out.dtype == nbtypes.int64
                and out.ndim == 1):
            return None

        def codegen(context, builder, signature, args):
            aryty = signature.args[0]
            ary = context.make_array(aryty)(context, builder, args[0])
            libraries = []
            for k, name in enumerate(names):
                sig = kernels.CELL_SIGNATURES[name]
                cres = getattr(kernels, name).get_compile_result(nbtypes.none(*sig))
                libraries.append(cres.library)
                fnty = context.call_conv.get_function_type(nbtypes.none, sig)
                fn = cgutils.get_or_insert_function(builder.module, fnty,
                                                    cres.fndesc.llvm_func_name)
                where = cgutils.get_item_pointer(
                    context, builder, aryty, ary, [context.get_constant(nbtypes.intp, k)])
                builder.store(builder.ptrtoint(fn, llvm_ir.IntType(64)), where)
            context.add_linking_libs(libraries)
            return context.get_dummy_value()

        return nbtypes.none(out), codegen

    return write


def _bundle(out):
    """Write the compiled addresses of the bundle's kernels into ``out``."""
    _write(out)  # noqa: F821 - bound in each bundle's globals (_make)


def _make(entry: str):
    """Entry point ``entry``'s bundle: :func:`_bundle` with its own writer and a name of
    its own (the entry point's and the kernel library's hash: numba names compiled code,
    and its cache files, by module and qualified name), ``@njit(cache=True)``."""
    name = f"bundle_{entry}_{kernels.SOURCE_HASH}"
    code = _bundle.__code__.replace(co_name=name, co_qualname=name) if hasattr(
        _bundle.__code__, "co_qualname") else _bundle.__code__.replace(co_name=name)
    fn = types.FunctionType(code, {"_write": _address_writer(tuple(members(entry))),
                                   "__name__": __name__}, name)
    fn.__qualname__ = name
    fn.__module__ = __name__
    return njit(cache=True)(fn)


SIGNATURE = (nbtypes.Array(nbtypes.int64, 1, "C"),)  # the one a bundle is called with
_made: dict = {}  # entry point -> its bundle (made at its first use: 1-2 ms each)


def bundle(entry: str):
    """Entry point ``entry``'s bundle (a numba dispatcher), or None if it has none. Its
    numba cache files are read and written checked and signed, as the kernel library's
    (:func:`qsym._cache.guard_numba_caches`: it is bound as a name of this module)."""
    if entry not in BUNDLED:
        return None
    with _fill_lock:
        made = _made.get(entry)
        if made is None:
            made = _make(entry)
            globals()[made.py_func.__name__] = made
            cache.guard_numba_caches(sys.modules[__name__])
            _made[entry] = made
    return made


def fill_cells(entry: str, load_only: bool = False) -> bool:
    """Fill the cells entry point ``entry`` calls through from its bundle (loaded from
    numba's cache, or compiled if it is not there; with ``load_only``, a bundle that
    cannot be loaded fills nothing: a first answer's path, ``qsym._tiers._load_cached``),
    callees first (a filled cell's kernel finds the cells it calls filled:
    :data:`qsym._kernels.CELL_REACHES`); a cell already filled keeps its address. Whether
    the cells were filled from a bundle (False: ``entry`` has none, or it was not loaded).

    ``RuntimeError`` if the bundle gave no address for a kernel (not expected: its
    compiled code names each one)."""
    made = bundle(entry)
    if made is None:
        return False
    names = members(entry)
    if all(kernels.CELLS[name].value for name in names):
        return True
    # its compiled entry point called as is: a dispatcher's call would type the array
    # (numba imports numpy.ma at its first ndarray: 7-15 ms, qsym._tiers.plain_signature)
    if load_only:
        if not cache.load_compiled_only(made, SIGNATURE):
            return False
    else:
        made.compile(SIGNATURE)
    out = np.zeros(len(names), dtype=np.int64)
    made.overloads[SIGNATURE].entry_point(out)  # (its code lives as long as the process)
    with _fill_lock:
        for name, address in zip(names, out.tolist()):
            if not address:
                raise RuntimeError(f"qsym: the cell bundle of {entry} gave no address for "
                                   f"{name}")
            cell = kernels.CELLS[name]
            if not cell.value:
                cell.value = address
    return True


def compile_bundles() -> list:
    """Compile (or load) into numba's cache the bundle of every entry point this process
    has compiled or loaded (``qsym warmup``, after its steps: a bundle links its kernels'
    compiled code, so a process that compiled only some entry points, as the test
    session's compile groups do, compiles no other kernel for it); their entry points."""
    done = []
    for entry in BUNDLED:
        made = bundle(entry)
        # (NUMBA_DISABLE_JIT=1: the kernels are plain functions, there is nothing to link)
        if getattr(getattr(kernels, entry), "overloads", None) and hasattr(made, "compile"):
            made.compile(SIGNATURE)
            done.append(entry)
    return done
