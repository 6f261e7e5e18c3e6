"""The kernel library's entry points called through a table of function pointers (issue #17).

numba links a callee's code into every caller's library: a generated circuit module's
``fused_value_into`` that called :func:`qsym._kernels.program_value_into` directly made LLVM
optimize and generate the whole kernel again for that one module (0.8-3.8 s of a module's
compile, docs/design.md, "Kernel calls through a table"). Here a generated module calls the
entry points of :data:`ENTRIES` through one pointer each instead:

- each entry point has a cell (8 bytes) made when this module is imported, given to LLVM
  under a fixed name (:func:`symbol`: the entry point's name and the hash of the kernels'
  and this module's sources) with ``llvmlite.binding.add_symbol``; a caller's code names
  the cell, never an address, so numba's disk cache of the caller stays valid in a new
  process (the cell is found by name when the cached code loads, wherever it is);
- the caller loads the pointer and calls it with numba's own calling convention
  (``call_conv.call_function``), its error status propagated as a linked call's is: an
  exception a kernel raises reaches the user unchanged;
- a cell starts empty: the first call finds it so and asks :func:`_resolve` (a C callback
  into Python), which compiles the kernel for the entry point's one signature, or loads
  it from numba's cache, and writes its address. A caller's compile therefore neither
  compiles nor loads the kernel; its first call does, once a process.

Only the signature of :data:`ENTRIES` (every argument a C-contiguous, writable array, as
the generated modules pass them) goes through the table; a call with other argument types
(an output array that is not C-contiguous, from a user's own call) links the kernel as
before. Exported modules (:mod:`qsym._aot`) keep linking: they carry their kernels and
compile once, without qsym. ``QSYM_KERNEL_TABLE=0`` (read when a module's text is made)
makes modules that link, as before.

>>> import numpy as np
>>> from qsym import _kernels as kernels
>>> call = through_table(kernels.combine_into)  # not an entry point: the kernel itself
>>> call is kernels.combine_into
True
>>> sorted(ENTRIES)[:2]
['adjoint_step_into', 'program_value_and_grad_adjoint_blocked_into']
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
from pathlib import Path

import llvmlite.binding as _ll
from numba.core import types as _types

from . import _kernels as kernels
from ._locks import new_lock

_I = _types.Array(_types.int64, 1, "C")
_F = _types.Array(_types.float64, 1, "C")
_F2 = _types.Array(_types.float64, 2, "C")
_Z = _types.Array(_types.complex128, 1, "C")

_I2 = _types.Array(_types.int64, 2, "C")
_Z2 = _types.Array(_types.complex128, 2, "C")

_VALUE = kernels.VALUE_SIGNATURE  # ints, floats, mats, C, out
_GRAD = kernels.GRAD_SIGNATURE  # ints, floats, mats, smats|dmats, ch, C, cc, out, jac

# entry point -> the one signature its cell serves (as the generated modules call it)
ENTRIES = {
    "program_value_into": _VALUE,
    "program_value_small_into": _VALUE,
    "program_value_and_grad_into": _GRAD,
    "program_value_and_grad_small_into": _GRAD,
    "program_value_and_grad_adjoint_into": _GRAD,
    "program_value_and_grad_adjoint_blocked_into": _GRAD + (_Z,),  # + work (empty: allocated)
    # the compiled optimization loop's adjoint step (qsym._minimize, the kernels' step): n,
    # the program's sections, mats, words, C, the adjoint's tables, dmats, the chain rule,
    # then the work memory (e, de, psi, phi, lam, amats) and out, jac
    "adjoint_step_into": (_types.int64, _I2, _I, _I, _I, _Z, _I, _I, _I, _F2, _I, _I, _I, _Z,
                          _F, _I, _I, _F, _I, _I, _I, _F, _F2, _Z, _Z, _Z2, _Z, _F, _F2),
}

# the kernels' source (qsym._emit.KERNELS_HASH), and it with this module's: a cell's name
# changes with either (a cached caller
# names its cells; qsym._emit writes this hash into every generated module's text, so a
# caller compiled against other kernels is another file and never loaded here)
KERNELS_HASH = kernels.SOURCE_HASH
SOURCE_HASH = hashlib.sha256(
    KERNELS_HASH.encode() + Path(__file__).read_bytes()).hexdigest()[:16]


def enabled() -> bool:
    """Whether generated modules call :data:`ENTRIES` through the table
    (``QSYM_KERNEL_TABLE``, default on; ``0`` links the kernels as before)."""
    return os.environ.get("QSYM_KERNEL_TABLE", "1").strip().lower() not in (
        "0", "false", "no", "off")


def symbol(name: str) -> str:
    """The name LLVM knows entry point ``name``'s cell by.

    >>> symbol("program_value_into").startswith("qsym_kernel_table.program_value_into.")
    True
    """
    return f"qsym_kernel_table.{name}.{SOURCE_HASH}"


_RESOLVER = f"qsym_kernel_table.resolve.{SOURCE_HASH}"
_NAMES = sorted(ENTRIES)
# what compiled code holds the address of lives as long as the process, across an
# ``importlib.reload`` of this module too (IPython's autoreload; a reload runs this code
# again in the same namespace): each table's cells and callback, by SOURCE_HASH, and the
# kernels the cells point into. Made again, they would be freed under the code already
# compiled against them (a segfault on its next call).
_tables: dict = globals().get("_tables", {})
_pinned: dict = globals().get("_pinned", {})
_cells = _tables[SOURCE_HASH][0] if SOURCE_HASH in _tables else {
    name: ctypes.c_void_p(0) for name in _NAMES}
_lock = new_lock()  # (free again in a forked child: qsym._locks)
errors: list = globals().get("errors", [])  # what a failed resolve raised (the caller raises a RuntimeError)


def address(name: str) -> int:
    """Entry point ``name``'s compiled address for its table signature: compiled, or loaded
    from numba's cache, now if not yet (written into its cell). No lock of qsym's is held
    while numba compiles (two threads that both find the cell empty both ask numba, which
    compiles once, and write the same address)."""
    return _fill(_cells[name], name, ENTRIES[name])


def _fill(cell, name, sig):
    """:func:`address` for the cell ``cell`` of a table whose entry ``name`` has signature
    ``sig`` (:func:`qsym._kernels.fill_cell`)."""
    return kernels.fill_cell(cell, getattr(kernels, name), sig, _pinned,
                             "qsym._kernel_table.ENTRIES")


def _resolve(index, names=_NAMES, cells=_cells, entries=ENTRIES):
    """The callback a caller runs on finding entry point ``names[index]``'s cell empty
    (holding the GIL: ctypes takes it): its address, or 0 after an error (kept in
    :data:`errors`; the caller then raises). (The table's names, cells and signatures are
    bound: a caller compiled before a reload that changed them still fills its own cells.)"""
    try:
        return _fill(cells[names[index]], names[index], entries[names[index]])
    except BaseException as exc:  # noqa: BLE001 - reported by the caller's RuntimeError
        errors.append(exc)
        del errors[:-16]  # (the latest few)
        # a Ctrl-C during the first call's compile (10-60 s on a new machine) stays a
        # KeyboardInterrupt for the caller (CELL_INTERRUPTED: the caller raises it), not an error
        return kernels.CELL_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 0


if SOURCE_HASH not in _tables:  # (once a process: see _tables)
    _tables[SOURCE_HASH] = (_cells, ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int64)(
        functools.partial(_resolve, names=_NAMES, cells=_cells, entries=dict(ENTRIES))))
    _ll.add_symbol(_RESOLVER, ctypes.cast(_tables[SOURCE_HASH][1], ctypes.c_void_p).value)
    for _name in _NAMES:
        _ll.add_symbol(symbol(_name), ctypes.addressof(_cells[_name]))


def _codegen(name):
    """The code of one call through entry point ``name``'s cell: load it (resolve it once if
    empty), call with numba's calling convention, propagate the kernel's error status
    (:func:`qsym._kernels.cell_call_codegen`)."""
    return kernels.cell_call_codegen(symbol(name), _RESOLVER, _NAMES.index(name), ENTRIES[name],
                                     f"the kernel library's {name}", "qsym._kernel_table.errors")


_made: dict = {}  # entry point name -> its function (one per process: numba registers each)


def through_table(dispatcher):
    """What a generated module calls in place of the kernel ``dispatcher``: for an entry
    point of :data:`ENTRIES`, a function that runs the kernel from Python and, in compiled
    code, calls it through its cell when the arguments have the table's types (else links
    it, as a direct call does); any other kernel is returned as it is."""
    name = getattr(getattr(dispatcher, "py_func", None), "__name__", None)
    if name not in ENTRIES or getattr(kernels, name, None) is not dispatcher:
        return dispatcher
    with _lock:
        if name not in _made:
            _made[name] = _make(name, dispatcher)
        return _made[name]


def _make(name, dispatcher):
    """:func:`through_table`'s function for entry point ``name``
    (:func:`qsym._kernels.through_cell`, which names its compiled forms after ``name``: one
    name for two entry points of one signature, compiled in two background processes and
    loaded into one, was one symbol, and the module loaded second called the first one's
    kernel: oracle67, benchmarks/repro_fused_small_value.py)."""
    params = ", ".join(f"a{k}" for k in range(len(ENTRIES[name])))
    ns = {"_kernel": dispatcher}
    exec(f"def {name}({params}):\n    return _kernel({params})\n", ns)  # (the kernel's arity)
    fn = kernels.through_cell(ns[name], dispatcher, ENTRIES[name], _codegen(name))
    fn.__qualname__ = f"through_table.{name}"
    fn.__doc__ = f"``qsym._kernels.{name}`` through its cell (qsym._kernel_table)."
    return fn
