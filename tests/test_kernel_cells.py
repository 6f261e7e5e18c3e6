"""The kernel library's own calls through cells (qsym._kernels.CELLS, issue #17, lib67).

numba links a callee's code into its caller's library, where LLVM optimizes it and makes
its machine code again: the batch kernels linked the single call's kernel twice (their
parallel loop's body is a library of its own) and both drivers of the blocked adjoint
linked its whole sweep. They now call those kernels through cells. Checked here against
what the compiled code holds (the kernel functions named in its object code, read
independently of qsym), against the kernels' own single calls (the same bits), and the
cells' first fill on the thread that calls (a parallel loop's threads could not take
the GIL) and its errors.
"""

from __future__ import annotations

import contextlib
import ctypes
import re

import numba
import numpy as np
import pytest

import qsym as qml
from qsym import _kernels as kernels
from qsym._shapes import flat
from conftest import qsym_modules_naming
from tests.test_kernel_table import compiled_symbols as _compiled_symbols

_NAME = re.compile(rb"_ZN4qsym8_kernels(\d+)")


def held(name) -> set:
    """The qsym kernel functions whose code (or a call to them) the cached compiled code of
    kernel ``name`` holds: numba's mangled names (length-prefixed) in its cache files (the
    object code and the bitcode numba links into callers), every signature on disk of
    today's source (numba names the files by the function's first line: a folder that
    also holds another version's files keeps them under other numbers)."""
    from qsym import _cache as cache

    line = getattr(kernels, name).py_func.__code__.co_firstlineno
    files = list(cache.kernel_cache_dir().glob(f"_kernels.{name}-{line}.*nbc"))
    assert files, name  # (compiled by the test's calls, or the session's compile)
    names = set()
    for path in files:
        data = path.read_bytes()
        for m in _NAME.finditer(data):
            size = int(m.group(1))
            names.add(data[m.end():m.end() + size].decode("ascii", "replace"))
    return names


@pytest.fixture(scope="module")
def program():
    """A 3-wire adjoint circuit's packed program and one row of prepared arrays."""
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(p):
        qml.RX(p[0], wires=0)
        qml.RY(p[1], wires=1)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        qml.RZ(p[2], wires=2)
        return qml.expval(qml.PauliZ(2) + 0.5 * qml.PauliZ(0))

    p = qml.numpy.array([0.1, 0.2, 0.3], requires_grad=True)
    entry, xs, ds = circuit.compiled((p,), {})
    x = np.asarray(flat(xs), dtype=float).ravel()
    d = np.asarray(flat(ds), dtype=float).ravel()
    return entry, entry._prepare(x, d, 1)[:5], entry._prepare_adjoint(x, d)[:5]


def _batches(entry, shift, adjoint, parallel, rows=3):
    """The four batch kernels on ``rows`` copies of the row (values and Jacobians)."""
    F = np.bool_(parallel)
    stack = [np.ascontiguousarray(np.repeat(a[None], rows, axis=0)) for a in shift]
    astack = [np.ascontiguousarray(np.repeat(a[None], rows, axis=0)) for a in adjoint]
    ints, floats = entry._ints, entry._floats
    return (kernels.batch_value(ints, floats, stack[0], stack[3], F),
            kernels.batch_value_and_grad(ints, floats, *stack, F),
            kernels.batch_value_and_grad_adjoint(ints, floats, *astack, F),
            kernels.batch_value_and_grad_adjoint_blocked(ints, floats, *astack, F))


def _single(entry, shift, adjoint):
    """The single calls the batch rows must equal, bit for bit."""
    from conftest import kernel_returning

    mats, _, _, C, _ = shift
    out = np.empty(entry._ints[kernels.H_OUTPUTS])
    kernels.program_value_into(entry._ints, entry._floats, mats, C, out)
    grad = kernel_returning(kernels.program_value_and_grad_into)(
        entry._ints, entry._floats, *shift)
    adj = kernel_returning(kernels.program_value_and_grad_adjoint_into)(
        entry._ints, entry._floats, *adjoint)
    blocked = kernel_returning(kernels.program_value_and_grad_adjoint_blocked_into)(
        entry._ints, entry._floats, *adjoint)
    return out, grad, adj, blocked


def _assert_rows_are(batches, singles):
    value, *grads = batches
    out, *refs = singles
    for b in range(value.shape[0]):
        assert np.array_equal(value[b], out)
        for (v, j), (rv, rj) in zip(grads, refs):
            assert np.array_equal(v[b], rv) and np.array_equal(j[b], rj)


def test_the_batch_kernels_and_blocked_drivers_hold_not_their_callees_code(program):
    """Before: each batch kernel's object code held its row kernel's whole call tree (twice
    compiled: the parallel loop's body and the serial rows), the blocked adjoint's serial
    entry and its parallel driver each the whole blocked sweep."""
    entry, shift, adjoint = program
    for parallel in (False, True):
        _batches(entry, shift, adjoint, parallel)
    kernels.program_value_and_grad_adjoint_blocked_into(
        entry._ints, entry._floats, *adjoint,
        np.empty(entry._ints[kernels.H_OUTPUTS]),
        np.empty((entry._ints[kernels.H_OUTPUTS], entry._ints[kernels.H_INPUTS])),
        np.empty(0, dtype=np.complex128))
    kernels.program_value_and_grad_adjoint_parallel(entry._ints, entry._floats, *adjoint,
                                                    np.empty(0, dtype=np.complex128))
    callees = {
        "batch_value": ("program_value_into", "expvals", "run_ops"),
        "batch_value_and_grad": ("program_value_and_grad_into", "shift_values", "run_ops"),
        "batch_value_and_grad_adjoint": ("program_value_and_grad_adjoint_into",
                                         "_adjoint_into", "run_ops"),
        "batch_value_and_grad_adjoint_blocked": (
            "program_value_and_grad_adjoint_blocked_into", "_blocked_setup",
            "_chunk_backward"),
        "program_value_and_grad_adjoint_blocked_into": (
            "_blocked_member", "_blocked_sweep", "_chunk_backward", "_chunk_forward"),
        "_adjoint_blocked_into_parallel": (
            "_blocked_member", "_blocked_sweep", "_chunk_backward", "_chunk_forward"),
        # stop 68: the callees the entry points shared (each linked their whole call tree)
        "_blocked_member": ("_blocked_sweep", "_chunk_backward", "_chunk_forward"),
        "program_value_into": ("run_ops", "pauli_expvals", "apply_real1", "apply_cnot"),
        "program_value_and_grad_into": ("shift_values", "run_ops", "run_tail", "tail_plan",
                                        "pauli_expvals", "apply_real1"),
        "program_value_and_grad_adjoint_into": ("_adjoint_into", "run_ops", "pauli_expvals",
                                                "apply_real1"),
    }
    for name, absent in callees.items():
        have = held(name)
        assert name in have  # (the reading finds the kernel's own code)
        assert not have & set(absent), (name, sorted(have & set(absent)))
    # the callees themselves hold them (what the callers call through the cells)
    assert {"_chunk_backward", "_chunk_forward"} <= held("_blocked_sweep")
    assert {"_one_wire_steps", "apply_real1"} <= held("shift_values")
    assert {"apply_real1", "apply_cnot"} <= held("run_ops")


def _kernel_calls() -> dict:
    """Per function of the kernel library's source: the names it calls, and per stand-in
    (a function decorated ``@_through_own_cell(name)``) the kernel ``name`` it calls
    through a cell (read from the source, not from qsym's tables)."""
    import ast
    from pathlib import Path

    calls, stand_ins, aliases = {}, {}, {}
    for node in ast.parse(Path(kernels.__file__).read_text()).body:
        if isinstance(node, ast.FunctionDef):
            calls[node.name] = {c.func.id for c in ast.walk(node) if isinstance(c, ast.Call)
                                and isinstance(c.func, ast.Name)}
            for d in node.decorator_list:
                if (isinstance(d, ast.Call) and getattr(d.func, "id", "") == "_through_own_cell"):
                    stand_ins[node.name] = d.args[0].value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            # a compiled form of a function: X = njit(...)(f), njit(...)(_named(f, ...))
            aliases[node.targets[0].id] = {n.id for n in ast.walk(node.value)
                                           if isinstance(n, ast.Name)}
    for name, used in aliases.items():
        forms = [calls[f] for f in used if f in calls]
        if forms:
            calls[name] = set().union(*forms)
    return calls, stand_ins


def test_a_cell_is_filled_after_every_cell_its_kernel_calls_through():
    """A cell's kernel may run on numba's threads (a batch's rows, the parameter shift's
    chunks, the blocked adjoint's members), where a cell it calls through could not be
    filled (the fill enters Python, whose GIL the launching thread holds): every cell
    its call tree calls through (its stand-ins, followed through the linked calls) is
    filled first (CELL_REACHES), read here from the source."""
    calls, stand_ins = _kernel_calls()
    for name in kernels.CELL_SIGNATURES:
        seen, todo, reached = {name}, [name], set()
        while todo:
            for callee in calls.get(todo.pop(), ()):
                if callee in stand_ins:
                    reached.add(stand_ins[callee])
                elif callee in calls and callee not in seen:
                    seen.add(callee)
                    todo.append(callee)
        assert set(kernels.CELL_REACHES.get(name, ())) == reached, name


@pytest.mark.parametrize("parallel", [False, True])
def test_rows_through_cells_are_the_single_calls_bits(program, parallel):
    entry, shift, adjoint = program
    _assert_rows_are(_batches(entry, shift, adjoint, parallel),
                     _single(entry, shift, adjoint))


@contextlib.contextmanager
def _empty_cells_on_two_threads():
    """Every cell of the library empty (as in a new process) and numba on two threads;
    both restored after."""
    before = numba.get_num_threads()
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    saved = {name: cell.value for name, cell in kernels.CELLS.items()}
    try:
        for cell in kernels.CELLS.values():
            cell.value = None
        yield saved
    finally:
        numba.set_num_threads(before)
        for name, value in saved.items():
            kernels.CELLS[name].value = value


def test_the_parallel_shift_fills_its_cells_before_its_chunks_go_on_threads(program):
    """The parameter shift on threads calls shift_values (and it run_ops) through cells from
    its parallel loop: found empty, they are filled before it, on the calling thread; the
    gradient is the serial kernel's, bit for bit."""
    from conftest import kernel_returning

    entry, shift, _ = program
    ref = kernel_returning(kernels.program_value_and_grad_into)(entry._ints, entry._floats,
                                                                *shift)
    with _empty_cells_on_two_threads():
        out, jac = kernels.call_dynamic(kernels.program_value_and_grad_parallel, entry._ints,
                                        entry._floats, *shift, 3)
        assert np.array_equal(out, ref[0]) and np.array_equal(jac, ref[1])
        assert kernels.CELLS["shift_values"].value and kernels.CELLS["run_ops"].value


def test_an_empty_cell_is_filled_by_the_calling_thread_before_the_rows_go_on_threads(
        program):
    """A process's first batch call finds its row kernel's cell empty: the fill (a callback
    into Python, which needs the GIL the caller holds) runs before the parallel loop, not
    on one of its threads (which would wait for the GIL for ever); on two threads."""
    entry, shift, adjoint = program
    singles = _single(entry, shift, adjoint)
    with _empty_cells_on_two_threads() as saved:
        _assert_rows_are(_batches(entry, shift, adjoint, True, rows=4), singles)
        assert all(cell.value for cell in kernels.CELLS.values())
        # each refilled with its kernel's loaded code (nothing loaded twice): the address
        # of the dispatcher's one overload of the cell's signature; what the cell held
        # before is that address or, filled by a first answer's warm-up, its cell
        # bundle's copy (qsym._cell_bundles)
        own = {name: _own_address(name) for name in kernels.CELLS}
        assert {name: cell.value for name, cell in kernels.CELLS.items()} == own
        copies = _bundle_addresses()
        for name, value in saved.items():
            assert value in {None, 0, own[name]} | copies.get(name, set()), name


def _own_address(name) -> int:
    """The compiled address of kernel ``name``'s overload for its cell's signature (loaded
    in this process)."""
    cres = getattr(kernels, name).overloads[kernels.CELL_SIGNATURES[name]]
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)


def _bundle_addresses() -> dict:
    """The addresses the cell bundles loaded in this process hold, by kernel (sets)."""
    from qsym import _cell_bundles as bundles

    found = {}
    for entry in bundles.BUNDLED:
        made = bundles.bundle(entry)
        cres = made.overloads.get(bundles.SIGNATURE)
        if cres is not None:
            out = np.zeros(len(bundles.members(entry)), dtype=np.int64)
            cres.entry_point(out)
            for name, address in zip(bundles.members(entry), out.tolist()):
                found.setdefault(name, set()).add(address)
    return found


@pytest.mark.parametrize("raised, error, match", [
    (OSError("cannot load"), RuntimeError, r"could not be loaded \(qsym._kernels.cell_errors"),
    (KeyboardInterrupt(), KeyboardInterrupt, "interrupted while loading"),
])
def test_a_failed_fill_is_raised_by_the_caller(program, monkeypatch, raised, error, match):
    entry, shift, _ = program
    cell = kernels.CELLS["program_value_into"]
    saved = cell.value

    def fill(*args):
        raise raised

    monkeypatch.setattr(kernels, "fill_cell", fill)
    cell.value = None
    try:
        for parallel in (False, True):
            with pytest.raises(error, match=match):
                kernels.batch_value(entry._ints, entry._floats, shift[0][None], shift[3][None],
                                    np.bool_(parallel))
        assert type(kernels.cell_errors[-1]) is type(raised)
    finally:
        cell.value = saved


def test_a_kernel_compiled_to_another_signature_is_refused(monkeypatch):
    @numba.njit(cache=False)
    def returns_a_number(ints, floats, mats, C, out):
        out[0] = 1.0
        return 2.5

    cell = ctypes.c_void_p(0)
    with pytest.raises(RuntimeError, match="ROW_OR_CELL must list its exact signature"):
        kernels.fill_cell(cell, returns_a_number, kernels.VALUE_SIGNATURE, {},
                          "ROW_OR_CELL")
    assert not cell.value


def _cell_readies() -> dict:
    """Per cell-fill function of the kernel library's source (``X = _cell_ready(name)``):
    the kernel ``name`` whose cell it fills (read from the source, not from a list)."""
    import ast
    from pathlib import Path

    readies = {}
    for node in ast.parse(Path(kernels.__file__).read_text()).body:
        if (isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Call)
                and getattr(node.value.func, "id", "") == "_cell_ready"):
            readies[node.targets[0].id] = node.value.args[0].value
    return readies


def test_cells_of_one_signature_compile_to_symbols_of_their_own():
    """The stand-ins of the cells (every function the source decorates
    ``@_through_own_cell``: two of them share a signature, the parameter-shift and the
    adjoint gradient rows), and every cell's fill (every ``_cell_ready``), must not compile
    to one symbol: numba names compiled code by module, qualified name, argument types and a
    per-process counter, and the kernel library is compiled in several processes, then
    loaded into one, where every call of a name links to the code loaded first (a batch's
    parameter-shift rows would run the adjoint's kernel). Without the counter the names must
    differ. Both read from the source (rev68: a list here missed the stand-ins stop 68 added)."""
    stand_ins = _kernel_calls()[1]
    readies = _cell_readies()
    assert set(stand_ins.values()) == set(kernels.CELL_SIGNATURES)  # a stand-in per cell
    assert set(readies.values()) <= set(kernels.CELL_SIGNATURES) and readies
    sigs = {name: kernels.CELL_SIGNATURES[cell] for name, cell in stand_ins.items()}
    assert sigs["_row_grad"] == sigs["_row_adjoint"]  # the case that matters
    symbols = {name: _compiled_symbols(getattr(kernels, name), sigs[name]) for name in stand_ins}
    symbols.update({name: _compiled_symbols(getattr(kernels, name), ()) for name in readies})
    for a in symbols:
        assert symbols[a], a
        for b in symbols:
            if a < b:
                assert not symbols[a] & symbols[b], (a, b, symbols[a] & symbols[b])


def test_the_team_helpers_compile_to_symbols_of_their_own():
    """The blocked adjoint's team helpers with one argument list (``team_pause`` and
    ``team_threads``: none) must not be one symbol either (they were two lambdas, one
    qualified name): a thread count read as a pause, or the reverse, after two compile
    processes' code met in one process."""
    pause = _compiled_symbols(kernels.team_pause, ())
    threads = _compiled_symbols(kernels.team_threads, ())
    assert pause and threads and not pause & threads, (pause, threads)


def test_no_compiled_form_is_a_lambda():
    """The rule behind the three tests above, for code written later: no ``overload`` or
    ``_compiled_as`` in qsym registers a lambda (every lambda's compiled form is called
    ``<lambda>``, so two of them with one argument list are one symbol across processes)."""
    import ast

    found = []
    for path, tree in qsym_modules_naming("overload", "_compiled_as"):
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("overload", "_compiled_as")):
                if any(isinstance(n, ast.Lambda) for a in node.args for n in ast.walk(a)):
                    found.append(f"{path.name}:{node.lineno}")
    assert not found, found


def test_the_warm_up_loads_what_an_entry_point_calls_through_cells(program):
    """The kernel warm-up thread (qsym._tiers._load_cached) loads an entry point's cached
    code and also the kernels it calls through cells (else loaded at the first call, on
    the caller's thread: a first answer's wait), with their cells filled."""
    from qsym import _tiers as tiers

    entry, shift, adjoint = program
    _single(entry, shift, adjoint)  # (compiled and cached, their cells filled)
    reached = kernels.cells_reached("program_value_and_grad_into")
    assert set(reached) == {"run_ops", "pauli_expvals", "shift_values"}
    saved = {name: kernels.CELLS[name].value for name in reached}
    try:
        for name in reached:
            kernels.CELLS[name].value = None
        tiers._load_cached("program_value_and_grad_into")
        got = {name: kernels.CELLS[name].value for name in reached}
        from qsym import _cell_bundles as bundles

        if bundles.SIGNATURE in tiers.cached_signatures(bundles.bundle(
                "program_value_and_grad_into")):  # (one library for the three: its copies)
            assert all(got.values()) and all(
                got[name] in _bundle_addresses()[name] for name in reached), got
        else:
            assert got == saved
    finally:
        for name, value in saved.items():
            kernels.CELLS[name].value = value
