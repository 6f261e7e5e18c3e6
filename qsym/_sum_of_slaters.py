"""PennyLane 0.45's ``qml.SumOfSlatersPrep``: a sparse state ``sum_l c_l |l>`` prepared by
the sum-of-Slaters technique of Fomichev et al. (PRX Quantum 5, 040339, Sec. III A), and its
classical preprocessing (Lemma 1 of the paper): ``select_sos_rows`` keeps rows of the bit
matrix of the indices that still tell the indices apart, ``compute_sos_encoding`` maps the
``D`` distinct bitstrings linearly (over Z_2) to ``D`` distinct bitstrings of at most
``2 ceil(log2 D) - 1`` bits.

The circuit (:func:`sos_state_gates`) needs work wires: a ``StatePrep`` of the coefficients
on an enumeration register, a ``QROM`` writing index ``k``'s bits onto the target wires,
the encoded bits on an identification register (CNOTs; skipped when the encoding is the
identity), and for each ``k`` a ladder of ``TemporaryAND`` elbows that recognizes ``b_k`` and
erases ``k`` from the enumeration register. PennyLane allocates these wires dynamically
(``qml.allocate``), which qsym does not provide: in a circuit ``SumOfSlatersPrep`` is applied
as a ``StatePrep`` of its ``2**n`` amplitudes (the same state), and its rule in
``qml.list_decomps`` takes the work wires by name (``work_wires=``).

>>> import numpy as np
>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=3))
... def sparse():
...     qml.SumOfSlatersPrep(np.array([0.6, 0.8]), wires=[0, 1, 2], indices=(1, 6))
...     return qml.probs(wires=[0, 1, 2])
>>> np.round(sparse(), 6)
array([0.  , 0.36, 0.  , 0.  , 0.  , 0.  , 0.64, 0.  ])
>>> op = qml.SumOfSlatersPrep(np.array([0.6, 0.8]), wires=[0, 1, 2], indices=(1, 6))
>>> op.resource_params
{'num_entries': 2, 'num_bits': 1, 'num_wires': 3}
"""

from __future__ import annotations

import itertools

import numpy as np
import sympy as sp

from ._arithmetic import TemporaryAND
from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import adjoint
from ._subroutines import QROM, template_module
from ._trace import active_tape, known
from .allocation import allocate
from .decomposition import add_decomps, register_resources, resource_rep
from .errors import DecompositionUndefinedError, GateError, TracingError, WireError
from .math import binary_finite_reduced_row_echelon, binary_is_independent, binary_select_basis, \
    ceil_log2
from .templates import StatePrep, Template, is_symbolic, state_preparations, template_array
from .wires import Wires

__all__ = ["SumOfSlatersPrep", "select_sos_rows", "compute_sos_encoding", "sos_state_gates",
           "columns_differ"]


# --- bitstrings as integers ----------------------------------------------------------------
def _column_ints(bits: np.ndarray) -> list:
    """Each column of a bit matrix as a Python int, its first row the most significant bit."""
    bits = np.asarray(bits, dtype=np.int64)
    r = bits.shape[0]
    if r <= 62:
        return (np.left_shift(np.int64(1), np.arange(r - 1, -1, -1, dtype=np.int64)) @ bits).tolist()
    return [int("".join(map(str, col)), 2) if r else 0 for col in bits.T.tolist()]


def _int_bits(value: int, r: int) -> np.ndarray:
    """The ``r`` bits of ``value``, most significant first."""
    return np.array([(value >> (r - 1 - k)) & 1 for k in range(r)], dtype=int)


def columns_differ(bits) -> bool:
    """Whether the columns of a bit matrix are pairwise different (PennyLane's
    ``_columns_differ``; not a rank test).

    >>> columns_differ(np.array([[1, 0, 1], [0, 1, 1]])), columns_differ(np.array([[1, 0, 1], [0, 1, 0]]))
    (True, False)
    """
    bits = np.asarray(bits)
    if bits.size == 0 or bits.shape[1] <= 1:
        return True
    return len({tuple(c) for c in bits.T.tolist()}) == bits.shape[1]


def select_sos_rows(bits) -> tuple:
    """Rows of a bit matrix of distinct columns that keep the columns distinct, and the
    matrix of those rows (PennyLane's ``select_sos_rows``): rows are dropped greedily, one at
    a time, those whose mean is farthest from 1/2 tried first (PennyLane's order); one
    row is always kept.

    >>> select_sos_rows(np.array([[1, 0], [1, 1]]))[0]
    [0]
    """
    bits = np.asarray(bits)
    if bits.shape[1] == 1:
        return [0], bits[:1]
    kept = list(range(len(bits)))
    while len(kept) > 1:
        order = np.argsort(np.abs(0.5 - np.mean(bits, axis=1)))
        for i in reversed(order):
            fewer = np.concatenate([bits[:i], bits[i + 1:]])
            if columns_differ(fewer):
                del kept[i]
                bits = fewer
                break
        else:
            break
    return kept, bits


# --- Lemma 1: a linear map to at most 2d - 1 bits -----------------------------------------
def _first_avoiding(basis: np.ndarray, avoid: set, start: int = 1) -> np.ndarray:
    """The first combination of the columns of ``basis`` (coefficients read from the counter
    ``start, start + 1, ...``) whose bitstring is not in ``avoid`` (ints)."""
    r, k = basis.shape
    basis_ints = _column_ints(basis)
    for i in range(start, 2**k):
        value = 0
        for j in range(k):
            if (i >> j) & 1:
                value ^= basis_ints[j]
        if value not in avoid:
            return _int_bits(value, r)
    raise GateError("compute_sos_encoding: no bitstring avoids the encoding's collisions; pass "
                    "the bitstrings through select_sos_rows first (their rows must be independent)")


def _find_single_w(bits: np.ndarray) -> np.ndarray:
    """A nonzero bitstring ``(r, 1)`` different from every column of ``bits`` and from every
    sum (over Z_2) of two columns (PennyLane's ``_find_single_w``): the smallest such number.
    Only the first 62 bits are searched (there are fewer columns and sums than ``2**62``),
    the rest are 0."""
    r = bits.shape[0]
    head = min(r, 62)
    ints = np.array(_column_ints(bits[:head]), dtype=np.int64)
    pairs = (ints[:, None] ^ ints[None, :])[np.triu_indices(len(ints), 1)]
    taken = np.unique(np.concatenate([ints, pairs]))
    free = np.setdiff1d(np.arange(1, len(taken) + 2, dtype=np.int64), taken)
    w = np.zeros(r, dtype=int)
    w[:head] = _int_bits(int(free[0]), head)
    return w[:, None]


def _find_ell(bits_basis: np.ndarray, set_M: np.ndarray, set_N: np.ndarray) -> np.ndarray:
    """A bitstring ``ell`` spanned by all but the last basis column ``v`` that is none of
    ``M``, of ``N' = N + v``, of the sums ``M + N'``, nor 0 (PennyLane's ``_find_ell``, step 6
    of the recursion of :func:`compute_sos_encoding`)."""
    v = bits_basis[:, -1]
    m_ints = _column_ints(set_M)
    n_ints = _column_ints((set_N + v[:, None]) % 2)
    avoid = {0, *m_ints, *n_ints, *(a ^ b for a in m_ints for b in n_ints)}
    return _first_avoiding(bits_basis[:, :-1], avoid)


def _find_w(bits_basis: np.ndarray, other_bits: np.ndarray, t: int) -> np.ndarray:
    """``t`` independent bitstrings (columns) whose span holds no column of
    ``(bits_basis | other_bits)``, no sum of two of them and is spanned by ``bits_basis``
    (the kernel of the encoding; Fomichev et al.'s induction on ``t``)."""
    all_bits = np.concatenate([bits_basis, other_bits], axis=1)
    if t == 1:  # brute force: avoid the bitstrings and their pairwise sums
        ints = _column_ints(all_bits)
        avoid = {0, *ints, *(a ^ b for a, b in itertools.combinations(ints, 2))}
        return _first_avoiding(bits_basis, avoid)[:, None]
    reduced, v = bits_basis[:, :-1], bits_basis[:, -1]
    rest = np.concatenate([reduced, other_bits], axis=1)  # all but v, the basis first
    outside = np.array([binary_is_independent(col, reduced) for col in rest.T], dtype=bool)
    set_M, set_N = rest[:, ~outside], rest[:, outside]  # in span(reduced) or needing v
    ell = _find_ell(bits_basis, set_M, set_N)
    w_t = (v + ell) % 2
    sub_bits = np.concatenate([set_M, ell[:, None], (set_N + w_t[:, None]) % 2], axis=1)
    sub_w = _find_w(reduced, sub_bits[:, reduced.shape[1]:], t - 1)
    return np.concatenate([sub_w, w_t[:, None]], axis=1)


def _kernel_rows(W: np.ndarray) -> np.ndarray:
    """Independent rows ``u`` with ``u W = 0`` over Z_2 for ``W`` of shape ``(r, t)`` and rank
    ``t``: the last ``r - t`` rows of the identity part of the reduced row echelon form of
    ``(W | 1)``."""
    r, t = W.shape
    rref = binary_finite_reduced_row_echelon(np.concatenate([W, np.eye(r, dtype=int)], axis=1) % 2,
                                             inplace=True)
    return rref[t:, t:]


def compute_sos_encoding(bits) -> tuple:
    """The encoding of Lemma 1 of Fomichev et al.: for ``D`` distinct bitstrings (the columns
    of ``bits``, of length ``r``) a matrix ``U`` of bits of shape ``(m, r)``,
    ``m = min(r, 2 ceil(log2 D) - 1)``, whose images ``b = U bits mod 2`` are still distinct,
    and ``b`` (PennyLane's ``compute_sos_encoding``). ``U`` is the identity when
    ``r <= 2 ceil(log2 D) - 1``; otherwise its kernel is spanned by ``r - m`` bitstrings
    that avoid every bitstring and every difference of two. The rows of ``bits`` must be
    independent (:func:`select_sos_rows` first).

    >>> bits = np.array([[0, 1, 0, 1], [0, 0, 1, 1], [0, 1, 1, 0], [1, 1, 1, 1]])
    >>> U, b = compute_sos_encoding(bits)
    >>> U.shape, columns_differ(b), bool(np.array_equal(U @ bits % 2, b))
    ((3, 4), True, True)
    """
    bits = np.asarray(bits, dtype=int)
    r, count = bits.shape
    m = 2 * ceil_log2(count) - 1
    if r <= m:
        return np.eye(r, dtype=int), bits
    if r == m + 1:
        W = _find_single_w(bits)
    else:
        basis, other = binary_select_basis(bits)
        if basis.shape[1] < r:
            raise GateError(f"compute_sos_encoding: the {r} rows of the bitstrings must be "
                            f"independent over Z_2 (rank {basis.shape[1]}); pass them through "
                            "select_sos_rows first")
        W = _find_w(basis, other, r - m)
    U = _kernel_rows(W)
    return U, (U @ bits) % 2


# --- the template ---------------------------------------------------------------------------
def _index_bits(indices, n: int) -> np.ndarray:
    """The bits of the indices as columns, shape ``(n, len(indices))``."""
    return np.array([_int_bits(int(k), n) for k in indices], dtype=int).T.reshape(n, len(indices))


def required_register_sizes(num_entries, num_bits, num_wires) -> dict:
    """The registers of the sum-of-Slaters circuit (PennyLane's
    ``SumOfSlatersPrep.required_register_sizes``): the target wires, ``d = ceil(log2 D)``
    enumeration wires, ``m = min(num_bits, 2d - 1)`` identification wires unless the encoding
    is the identity, ``d - 1`` work wires of the ``QROM``, ``m - 1`` wires of the elbow ladder.

    >>> required_register_sizes(5, 4, 5)
    {'wires': 5, 'enumeration_wires': 3, 'identification_wires': 0, 'qrom_work_wires': 2, 'mcx_cache_wires': 3}
    """
    if num_entries == 1:
        return {"wires": num_wires, "enumeration_wires": 0, "identification_wires": 0,
                "qrom_work_wires": 0, "mcx_cache_wires": 0}
    d = ceil_log2(num_entries)
    m = min(num_bits, 2 * d - 1)
    return {"wires": num_wires, "enumeration_wires": d,
            "identification_wires": 0 if num_bits <= m else m,
            "qrom_work_wires": d - 1, "mcx_cache_wires": m - 1}


def _check_state(coefficients, indices, n: int) -> None:
    if len(indices) == 0:
        raise GateError("SumOfSlatersPrep needs at least one index")
    if len(coefficients) != len(indices):
        raise GateError(f"SumOfSlatersPrep: {len(coefficients)} coefficients for {len(indices)} "
                        "indices; give one coefficient per index")
    if any(not float(k).is_integer() or not 0 <= int(k) < 2**n for k in indices):
        raise GateError(f"SumOfSlatersPrep: the indices must be integers in [0, 2**{n}) for "
                        f"{n} wires, got {tuple(indices)}")
    if len({int(k) for k in indices}) != len(indices):
        raise GateError(f"SumOfSlatersPrep: the indices must be distinct, got {tuple(indices)}")
    _check_norm(coefficients)


def _numbers(coefficients) -> np.ndarray:
    """Coefficients that are circuit inputs as this call's numbers: the circuit's structure
    (its ``StatePrep`` angles) depends on them, so the QNode traces at every call, and an
    input used so has no derivative (a trainable one: qsym's ``DifferentiationError``)."""
    looks = known()
    exprs = [e for e in coefficients if isinstance(e, sp.Basic) and e.free_symbols]
    if looks is None:
        syms = set().union(*[e.free_symbols for e in exprs])
        err = TracingError(f"qml.SumOfSlatersPrep needs the values of the traced input(s) "
                           f"{', '.join(sorted(map(str, syms)))} (its gates are made from the "
                           "coefficients' numbers): the QNode traces it at every call")
        err.symbols = frozenset(syms)
        raise err
    what = "qml.SumOfSlatersPrep coefficients (not differentiable)"
    return np.array([complex(looks.number(e, what)) if isinstance(e, sp.Basic) else complex(e)
                     for e in coefficients])


def _check_norm(values) -> None:
    norm = float(np.linalg.norm(np.asarray(values, dtype=complex)))
    if not np.isclose(norm, 1.0):
        raise GateError(f"SumOfSlatersPrep: the coefficients must have norm 1, got {norm}")


class SumOfSlatersPrep(Template):
    """PennyLane's ``qml.SumOfSlatersPrep(coefficients, wires, indices)``: the state
    ``sum_l coefficients[l] |indices[l]>`` on ``wires`` from ``|0...0>`` (``indices`` are
    basis-state numbers, the first wire the most significant bit). Applied in a circuit as
    the ``StatePrep`` of its ``2**len(wires)`` amplitudes. PennyLane's sum-of-Slaters
    circuit, its rule ``qml.list_decomps(qml.SumOfSlatersPrep)[0]``, allocates its work
    wires with ``qml.allocate`` (or takes them as ``work_wires=``; their number is
    ``required_register_sizes``'s total less the wires). As PennyLane's, it has no
    ``decomposition()`` of its own.

    >>> op = SumOfSlatersPrep(np.array([0.6, 0.8j]), wires=[0, 1], indices=(0, 3))
    >>> op.required_register_sizes(**op.resource_params)["enumeration_wires"]
    1
    """

    _params = ("coefficients",)
    ndim_params = (1,)
    grad_method = None
    _box = "|Ψ⟩"
    resource_keys = {"num_entries", "num_bits", "num_wires"}
    required_register_sizes = staticmethod(required_register_sizes)

    def __init__(self, coefficients, wires, indices, id=None):
        self.target_wires = Wires(wires_tuple(wires))
        c = template_array(coefficients, "SumOfSlatersPrep coefficients")
        indices = tuple(np.asarray(indices).ravel().tolist())
        if c.ndim != 1:
            raise GateError(f"SumOfSlatersPrep: coefficients must be a vector, got shape {c.shape}")
        if is_symbolic(c):
            c = _numbers(c)
        _check_state(c, indices, len(self.target_wires))
        self.coefficients, self.id, self.wires = c, id, self.target_wires
        self._hyperparameters = {"indices": tuple(int(k) for k in indices)}
        if active_tape() is not None:  # its StatePrep has 2**n amplitudes: made only in a circuit
            self._record()
        else:  # no decomposition of its own (PennyLane's), so no gates to keep
            self._ops, self._children = [], []

    @property
    def has_decomposition(self) -> bool:
        """PennyLane's: ``False`` (its decomposition allocates wires; see the class)."""
        return False

    def decomposition(self) -> list:
        """PennyLane's: undefined (the rule of ``qml.list_decomps`` takes work wires)."""
        raise DecompositionUndefinedError(
            "SumOfSlatersPrep has no decomposition of its own (PennyLane's allocates work wires "
            "with qml.allocate); use its rule, qml.list_decomps(qml.SumOfSlatersPrep)[0]")

    @staticmethod
    def compute_decomposition(coefficients, wires, indices):
        """PennyLane's: raises ``DecompositionUndefinedError``."""
        raise DecompositionUndefinedError("SumOfSlatersPrep.compute_decomposition is undefined "
                                          "(PennyLane's: its decomposition allocates work wires)")

    @property
    def resource_params(self) -> dict:
        """``num_entries``, ``num_bits`` (rows kept by :func:`select_sos_rows`), ``num_wires``."""
        indices, n = self._hyperparameters["indices"], len(self.wires)
        kept, _ = select_sos_rows(_index_bits(indices, n))
        return {"num_entries": len(indices), "num_bits": len(kept), "num_wires": n}

    def map_wires(self, wire_map: dict):
        """The same state on the mapped wires."""
        return SumOfSlatersPrep(self.coefficients, [wire_map.get(w, w) for w in self.wires],
                                self._hyperparameters["indices"], id=self.id)

    def _build(self):
        n, c = len(self.wires), self.coefficients
        state = np.zeros(2**n, dtype=complex)
        state[list(self._hyperparameters["indices"])] = np.asarray(c, dtype=complex)
        StatePrep(state, wires=self.wires)


# --- PennyLane's circuit, on named work wires ----------------------------------------------
def _registers(sizes: dict, work_wires) -> dict:
    work = list(work_wires)
    need = sum(sizes.values()) - sizes["wires"]
    if len(work) != need:
        raise WireError(f"SumOfSlatersPrep's circuit needs {need} work wires (enumeration "
                        f"{sizes['enumeration_wires']}, identification "
                        f"{sizes['identification_wires']}, QROM {sizes['qrom_work_wires']}, elbow "
                        f"ladder {sizes['mcx_cache_wires']}); got {len(work)}")
    out, start = {}, 0
    for name in ("enumeration_wires", "identification_wires", "qrom_work_wires", "mcx_cache_wires"):
        out[name], start = work[start:start + sizes[name]], start + sizes[name]
    return out


def _erase_index(k: int, ctrl: list, cache: list, enum: list) -> None:
    """With the control register holding all ones (its bits flipped to ``b_k``), erase ``k``
    from the enumeration register: an elbow ladder ANDs the controls onto the last cache
    wire (the control itself when there is one), CNOTs from it write ``k``, the ladder undone."""
    d, m = len(enum), len(ctrl)
    chain = [ctrl[0]] + [w for j in range(m - 1) for w in (ctrl[j + 1], cache[j])]
    triples = [chain[2 * j:2 * j + 3] for j in range(m - 1)]
    for tri in triples:
        TemporaryAND(tri)
    for j in range(d):
        if (k >> (d - 1 - j)) & 1:
            GATE_CLASSES["CNOT"](wires=[chain[-1], enum[j]])
    for tri in reversed(triples):
        adjoint(TemporaryAND(tri))


def _encode(u_bits: np.ndarray, sources: list, targets: list) -> None:
    for i, row in enumerate(u_bits):
        for j, bit in enumerate(row):
            if bit:
                GATE_CLASSES["CNOT"](wires=[sources[j], targets[i]])


def sos_state_gates(coefficients, wires, indices, work_wires) -> None:
    """Record PennyLane's sum-of-Slaters circuit (``_sos_state_prep``) on ``wires`` and the
    ``work_wires`` (all ``|0>`` before and after; their number is
    ``sum(required_register_sizes(...).values()) - len(wires)``): ``StatePrep`` of the
    coefficients on the enumeration register, ``QROM`` of the indices' bits onto ``wires``,
    the encoded bits on the identification register, each index ``k`` erased from the
    enumeration register where the (selected) bits read ``b_k``, the encoding undone."""
    wires, n, count = list(wires), len(wires), len(indices)
    v_bits = _index_bits(indices, n)
    if count == 1:  # a basis state: BasisState's X gates (also after other gates on |0...0>)
        for w, bit in zip(wires, v_bits[:, 0]):
            if bit:
                GATE_CLASSES["PauliX"](wires=w)
        return
    kept, reduced = select_sos_rows(v_bits)
    u_bits, b_bits = compute_sos_encoding(reduced)
    m, r = b_bits.shape[0], len(kept)
    reg = _registers(required_register_sizes(count, r, n), work_wires)
    enum = reg["enumeration_wires"]
    StatePrep(coefficients, wires=enum, pad_with=0.0)
    QROM(v_bits.T, control_wires=enum, target_wires=wires, work_wires=reg["qrom_work_wires"])
    selected = [wires[i] for i in kept]
    identity = r == m
    ctrl = selected if identity else reg["identification_wires"]
    if not identity:
        _encode(u_bits, selected, ctrl)
    previous = np.ones(m, dtype=int)
    for k in range(1, count):
        for i in np.nonzero(b_bits[:, k] ^ previous)[0]:
            GATE_CLASSES["PauliX"](wires=ctrl[i])
        _erase_index(k, ctrl, reg["mcx_cache_wires"], enum)
        previous = b_bits[:, k]
    for i in np.nonzero(1 - previous)[0]:
        GATE_CLASSES["PauliX"](wires=ctrl[i])
    if not identity:
        _encode(u_bits, selected, ctrl)


def _sos_resources(num_entries, num_bits, num_wires) -> dict:
    """PennyLane's resources of ``_sos_state_prep`` (an upper bound: some CNOT and X gates
    depend on the bits)."""
    if num_entries == 1:
        return {resource_rep(GATE_CLASSES["PauliX"]): num_wires}
    d = ceil_log2(num_entries)
    m = min(num_bits, 2 * d - 1)
    cnots = sum(bin(k).count("1") for k in range(1, num_entries))
    cnots += 0 if num_bits == m else 2 * m * num_wires
    return {resource_rep(StatePrep, num_wires=d): 1,
            resource_rep(QROM, num_bitstrings=num_entries, num_control_wires=d,
                         num_target_wires=num_wires, num_work_wires=d - 1, clean=True): 1,
            resource_rep(TemporaryAND): (num_entries - 1) * (m - 1),
            resource_rep("Adjoint(TemporaryAND)"): (num_entries - 1) * (m - 1),
            resource_rep(GATE_CLASSES["CNOT"]): cnots,
            resource_rep(GATE_CLASSES["PauliX"]): num_entries * m}


def _sos_work_wires(num_entries, num_bits, num_wires) -> dict:
    return {"zeroed": sum(required_register_sizes(num_entries, num_bits, num_wires).values())
            - num_wires}


@register_resources(_sos_resources, exact=False, work_wires=_sos_work_wires)
def _sos_state_prep(coefficients, wires, indices, work_wires=None, **_):
    """PennyLane's rule of ``SumOfSlatersPrep``: its circuit on work wires that it
    allocates, as PennyLane's does, with ``qml.allocate`` (``state="zero"``,
    ``restored=True``; a QNode puts its unused or new wires in their place), or on the
    wires ``work_wires`` names (their number: ``_sos_work_wires``)."""
    wires = list(Wires(wires_tuple(wires)))
    if work_wires is not None or len(indices) == 1:  # (one index: X gates, no work wires)
        sos_state_gates(coefficients, wires, indices, work_wires or [])
        return
    bits = _index_bits(indices, len(wires))
    need = _sos_work_wires(len(indices), len(select_sos_rows(bits)[0]), len(wires))["zeroed"]
    with allocate(need, state="zero", restored=True) as allocated:
        sos_state_gates(coefficients, wires, indices, list(allocated))


add_decomps(SumOfSlatersPrep, _sos_state_prep)

# PennyLane's module path (its tests import the helpers by their private names)
state_preparations.sum_of_slaters = template_module(
    "state_preparations.sum_of_slaters", "PennyLane's sum_of_slaters module",
    SumOfSlatersPrep=SumOfSlatersPrep, select_sos_rows=select_sos_rows,
    compute_sos_encoding=compute_sos_encoding, _columns_differ=columns_differ,
    _find_ell=_find_ell, _find_single_w=_find_single_w, _find_w=_find_w,
    _sos_state_prep=_sos_state_prep)
