"""The IR: the traced circuit as frozen dataclasses, with its companions.

- :func:`format_circuit`: a readable listing, one op per line;
- :func:`validate`: the structural checks every later stage relies on;
- :func:`simulate` / :func:`final_state` (steps of :func:`apply_matrix`): a small NumPy
  reference interpreter, the oracle for every kernel; :func:`state_jacobian`, the exact
  derivative of the final state (``qml.jacobian`` of ``qml.state()``);
- :func:`structural_hash`: the circuit's key in generated modules and in exports
  (``qml.load(expected_hash=)``).

New circuits are derived with ``dataclasses.replace``, never by mutation.

>>> import sympy as sp
>>> a = sp.Symbol("a", real=True)
>>> c = Circuit(1, (Op("RX", (0,), (a,)),), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
...             inputs=(a,))
>>> print(format_circuit(c))
circuit on 1 wire; inputs: a
  0: RX(a)  wires [0]
  expval: Z0
>>> round(float(simulate(c, [0.5])[0]), 12)  # cos(0.5)
0.87758256189
"""

from __future__ import annotations

import functools
import hashlib
import math
import weakref
from dataclasses import dataclass, field, replace

import numpy as np
import sympy as sp

from ._lambdify import lambdify
from ._locks import new_lock
from .errors import GateError, MeasurementError, WireError
from ._shapes import postselection_impossible
from ._channels import channel_def, is_channel
from ._gates import (PAULI, REGISTRY, definition_key, gate_def, numeric_derivative_function,
                     numeric_matrix_function)

Word = tuple  # tuple of (wire index, "X" | "Y" | "Z"), sorted by wire


@dataclass(frozen=True)
class Op:
    """One gate occurrence: table name, wire indices, parameters as sympy expressions, and
    hyperparameters as ``(name, value)`` pairs (e.g. ``(("pauli_word", "XZ"),)``)."""

    name: str
    wires: tuple[int, ...]
    params: tuple[sp.Expr, ...] = ()
    hyper: tuple = ()

    @property
    def variant(self) -> tuple:
        """What determines the gate's matrix as a function of its parameters:
        ``(name, number of wires or None for fixed-wire gates, hyperparameters)``."""
        return (self.name, None if gate_def(self.name).num_wires else len(self.wires), self.hyper)


@dataclass(frozen=True)
class Measurement:
    """A measurement: ``kind`` ``"expval"`` or ``"var"`` of ``sum(coeff * word)``, or
    ``"probs"`` of the computational basis on wires ``on`` (the first most significant);
    ``"sample"`` / ``"counts"`` (finite shots only) of the observable ``terms`` if any, else
    of the wires ``on``."""

    kind: str
    terms: tuple[tuple[sp.Expr, Word], ...] = ()
    on: tuple[int, ...] = ()
    # the number of groups the observable's grouping_indices held when it was measured
    # (H.compute_grouping(); 0: none), for qml.Tracker's count only: not compiled code
    groups: int = field(default=0, compare=False)
    # qml.counts(all_outcomes=True): every outcome a key (sampled in Python, not compiled)
    all_outcomes: bool = field(default=False, compare=False)
    # qml.sample(dtype=...): the samples' NumPy dtype (cast in Python, not compiled)
    dtype: object = field(default=None, compare=False)
    # a "state" measurement reduced to a quantity of the state (PennyLane's
    # density_matrix, vn_entropy, mutual_info, purity): ``(name, wires, ..., log base)``,
    # wires as device indices (:func:`reduce_state`); () for the state itself
    reduce: tuple = ()
    # PennyLane's label parts for qml.specs / qml.Tracker (qsym.resource.measurement_label):
    # (name, observable label or "", wires written (0: all), basis-change gates appended,
    # the observable's wires as written, identities included)
    label: tuple = field(default=(), compare=False)
    # a variance whose observable PennyLane's parameter shift squares (``<A^2>`` by its own
    # shifted tapes: a Hermitian, Projector or SparseHamiltonian, or a product with one as a
    # factor; qml.Tracker's executions only, qsym measures both from the same states)
    pl_squared: bool = field(default=False, compare=False)
    # the Hermitian matrices of the observable that are qsym.numpy tensors with
    # requires_grad=True: trainable parameters of PennyLane's tape (grad_method "F": a
    # forward difference each in its parameter shift, a step in its finite differences;
    # qml.Tracker's count only: qsym._plan)
    pl_trainable_matrices: int = field(default=0, compare=False)
    # how PennyLane's split_non_commuting splits an expectation's observable, by its type
    # as written (qml.Tracker's executions only: not compiled code): ("sum",) a Sum, its
    # terms flattened; ("hamiltonian", wires of each operand) a LinearCombination, its own
    # operands; ("one",) anything else (a scalar product or power of a sum, a Prod): one
    # observable; () not known (the terms' count)
    split: tuple = field(default=(), compare=False)
    # postselection (deferred mid-circuit measurements, qml.measure(..., postselect=v)):
    # the projector onto the kept outcomes as Z words of device indices, ``()`` for none;
    # the value is then that of the projected, renormalised state (PennyLane's): its
    # linear rows are each row of the plain measurement between projectors, then the
    # projector itself, the norm (:func:`linear_rows`, :func:`qsym._shapes.measurements`)
    post: tuple = ()
    # a classical shadow (a "sample" of the wires ``on``, each snapshot in random Pauli
    # bases: qsym._shadows): ``("classical_shadow", seed)`` or ``("shadow_expval", seed, k,
    # single, terms per observable)``, words as device indices; () for none
    shadow: tuple = ()
    # how PennyLane's default.qubit samples the observable with finite shots (not compiled
    # code; qsym._shots draws as it does): ("pauli",) a Pauli word, rotated per wire;
    # ("lincomb" | "sum", ((coeff or None, scalar, word), ...)) each term as written, an
    # expval measured term by term; ("matrix",) the observable's eigenbasis; () not known
    sampling: tuple = field(default=(), compare=False)
    # a statistic of mid-circuit measurement values (qml.probs(op=m)) rather than of wires
    # as written: what PennyLane's one-shot method returns when no shot is kept depends on
    # it (qsym._shots.discarded_value); not compiled code
    of_values: bool = field(default=False, compare=False)

    @property
    def wires(self) -> tuple[int, ...]:
        if self.kind == "probs" or (self.kind in ("sample", "counts") and not self.terms):
            return tuple(sorted(self.on))
        return tuple(sorted({w for _, word in self.terms for w, _ in word}))

    @property
    def shape(self) -> tuple:
        """The shape of its value: ``()``, ``(2**k,)`` for probabilities, ``(2**k, 2**k)``
        for a reduced density matrix."""
        if self.reduce[:1] == ("density_matrix",):
            return (2 ** len(self.reduce[1]),) * 2
        return (2 ** len(self.on),) if self.kind == "probs" else ()


_PRODUCT = {("X", "Y"): (1j, "Z"), ("Y", "Z"): (1j, "X"), ("Z", "X"): (1j, "Y"),
            ("Y", "X"): (-1j, "Z"), ("Z", "Y"): (-1j, "X"), ("X", "Z"): (-1j, "Y")}


def word_product(w1: Word, w2: Word):
    """``(phase, word)`` with ``P1 P2 = phase * P``, for words sorted by wire."""
    letters = dict(w1)
    phase = 1
    for w, b in w2:
        a = letters.get(w)
        if a is None:
            letters[w] = b
        elif a == b:
            del letters[w]
        else:
            ph, c = _PRODUCT[(a, b)]
            phase *= ph
            letters[w] = c
    return phase, tuple(sorted(letters.items()))


def square(terms) -> tuple:
    """The terms of ``O**2`` for ``O = sum(c * word)`` with real coefficients.

    ``O**2 = sum_i c_i**2 I + sum_{i<j} c_i c_j (P_i P_j + P_j P_i)``: anticommuting words
    cancel exactly and commuting ones give ``2 c_i c_j P_i P_j`` with a real phase ``+-1``,
    so no imaginary part is ever formed (summing ``i c - i c`` in floating point can leave
    one, e.g. for a complex ``Hermitian`` on two wires).

    ``T`` terms take ``T^2`` products: a projector on ``k`` wires has ``2^k`` Z words, so
    numeric diagonal sums (every word Z only, no symbols) are squared in NumPy instead of
    sympy (``Z_a Z_b = Z_(a xor b)``): 4^k floating-point products, not sympy ones.
    """
    terms = list(terms)
    if len(terms) > 16 and all(p == "Z" for _, word in terms for _, p in word) and not any(
            sp.sympify(c).free_symbols for c, _ in terms):
        return _square_diagonal(terms)
    out: dict = {}
    for i, (c1, w1) in enumerate(terms):
        c1 = sp.sympify(c1)
        out[()] = out.get((), 0) + c1 * c1
        for c2, w2 in terms[i + 1:]:
            phase, w = word_product(w1, w2)
            back, _ = word_product(w2, w1)
            if phase != back:  # anticommuting words: P1 P2 + P2 P1 = 0
                continue
            sign = int(round(complex(phase).real))  # commuting words: a phase of +1 or -1
            out[w] = out.get(w, 0) + 2 * sign * c1 * sp.sympify(c2)
    return tuple((sp.expand(c), w) for w, c in out.items() if sp.expand(c) != 0)


def _square_diagonal(terms) -> tuple:
    """:func:`square` of a sum of Z words with numeric coefficients, in NumPy."""
    wires = sorted({w for _, word in terms for w, _ in word})
    bit = {w: i for i, w in enumerate(wires)}
    masks = np.array([sum(1 << bit[w] for w, _ in word) for _, word in terms], dtype=np.int64)
    coeffs = np.array([float(c) for c, _ in terms])
    out = np.zeros(1 << len(wires))
    for a in range(len(terms)):  # row by row: 2^k memory, 4^k products
        np.add.at(out, masks[a] ^ masks, coeffs[a] * coeffs)
    return tuple((sp.Float(float(out[m])), tuple((w, "Z") for w in wires if (m >> bit[w]) & 1))
                 for m in range(out.shape[0]) if abs(out[m]) > 1e-15)


def kernel_probs(m: Measurement) -> bool:
    """Whether ``m`` is probabilities the kernels measure directly (:func:`kernel_outcomes`):
    plain, or postselected by a projector that keeps one outcome of wires outside ``m.on``
    (every ``qml.measure(w, postselect=v)`` on other wires: :func:`kept_outcome`). Other
    postselected ones are linear rows (:func:`linear_rows`).

    >>> kernel_probs(Measurement("probs", on=(0,))), kernel_probs(Measurement("expval"))
    (True, False)
    >>> P = ((0.5, ()), (-0.5, ((1, "Z"),)))          # |1><1| on wire 1
    >>> kernel_probs(Measurement("probs", on=(0,), post=P))
    True
    """
    if m.kind != "probs" or not m.post:
        return m.kind == "probs"
    try:
        return kept_outcome(m.post, tuple(m.on)) is not None
    except TypeError:  # (a projector that is not hashable: its linear rows)
        return False


@functools.lru_cache(maxsize=256)
def kept_outcome(post, on: tuple = ()):
    """``(wires, outcome)`` when the projector ``post`` (Z words) keeps exactly one outcome
    of its wires (``outcome``'s bits in ``wires`` order, ``wires[0]`` most significant) and
    none of them is in ``on``; None for any other projector. Its diagonal is the
    Walsh-Hadamard transform of its coefficients by Z mask (``p 2^p`` operations on ``p``
    wires, where the ``2^p`` words would take ``4^p``).

    >>> kept_outcome(((0.25, ()), (-0.25, ((1, "Z"),)), (0.25, ((2, "Z"),)),
    ...               (-0.25, ((1, "Z"), (2, "Z")))))            # wire 1 kept 1, wire 2 kept 0
    ((1, 2), 2)
    >>> kept_outcome(((0.5, ()), (-0.5, ((1, "Z"),))), on=(1,)) is None   # a measured wire
    True
    """
    wires = tuple(sorted({w for _, word in post for w, _ in word}))
    if not wires or set(wires) & set(on) or len(wires) > 24:
        return None
    p = len(wires)
    bit = {w: p - 1 - i for i, w in enumerate(wires)}
    a = np.zeros(1 << p)
    for c, word in post:
        if any(letter != "Z" for _, letter in word):
            return None
        try:
            a[sum(1 << bit[w] for w, _ in word)] += float(c)
        except TypeError:  # a symbolic coefficient
            return None
    for axis in range(p):  # diag(s) = sum_mask a[mask] (-1)^|s & mask|
        v = a.reshape(1 << (p - 1 - axis), 2, 1 << axis)
        v[:, 0], v[:, 1] = v[:, 0] + v[:, 1], v[:, 0] - v[:, 1]
    kept = np.flatnonzero(np.abs(a) > 1e-12)
    if len(kept) != 1 or abs(a[kept[0]] - 1.0) > 1e-12:
        return None
    return wires, int(kept[0])


def kernel_outcomes(m: Measurement) -> list:
    """``[(wires, outcome), ...]``: the probabilities the kernels measure for ``m``
    (:func:`kernel_probs`), each an outcome's index on ``wires`` (``wires[0]`` most
    significant). Plain ``probs``: its ``2^k`` outcomes. Postselected (``K`` kept on the
    wires ``W``): the ``2^k`` joint outcomes ``(b, K)`` on ``on + W``, then ``K`` on ``W``
    (the norm): the rows :func:`qsym._shapes.ratio` divides, ``2^k + 1`` probabilities
    where its Pauli rows (:func:`linear_rows`) are ``2^k`` sums of ``2^(k + p)`` words.

    >>> P = ((0.5, ()), (0.5, ((2, "Z"),)))           # |0><0| on wire 2
    >>> kernel_outcomes(Measurement("probs", on=(0,), post=P))
    [((0, 2), 0), ((0, 2), 2), ((2,), 0)]
    """
    on = tuple(m.on)
    if not m.post:
        return [(on, b) for b in range(1 << len(on))]
    wires, kept = kept_outcome(m.post, on)
    p = len(wires)
    return [(on + wires, (b << p) | kept) for b in range(1 << len(on))] + [(wires, kept)]


def between_projector(terms, post) -> tuple:
    """``P O P`` for the Pauli sum ``O`` (``terms``) and the projector ``P`` (``post``: Z words
    on the postselected wires): a word with X or Y on one of them vanishes between the
    projectors, the others commute with ``P`` and are multiplied by it.

    >>> P = ((0.5, ()), (-0.5, ((0, "Z"),)))          # |1><1| on wire 0
    >>> between_projector(((1, ((0, "X"),)), (2, ((1, "Z"),))), P)
    ((1.00000000000000, ((1, 'Z'),)), (-1.00000000000000, ((0, 'Z'), (1, 'Z'))))
    """
    terms = tuple(terms)  # held: the products are memoised by the coefficients' ids
    kept = {w for _, word in post for w, _ in word}
    post = [(sp.sympify(pc), pword) for pc, pword in post]
    products: dict = {}  # (coefficient, projector term) -> their product: few distinct ones
    out: dict = {}
    for c, word in terms:
        on_kept = [p for w, p in word if w in kept]
        if on_kept and any(p != "Z" for p in on_kept):
            continue
        disjoint = not on_kept
        for i, (pc, pword) in enumerate(post):
            key = (id(c), i)  # the terms are alive: ids are the objects
            cc = products.get(key)
            if cc is None:
                cc = products[key] = sp.sympify(c) * pc
            # Z and identity on the kept wires: no phase
            w = tuple(sorted(word + pword)) if disjoint else word_product(word, pword)[1]
            out[w] = out[w] + cc if w in out else cc
    # numbers as they are (issue #18: 4^k products on k probability wires), symbols expanded
    kept_terms = []
    for w, c in out.items():
        if not c.is_Number:
            c = sp.expand(c)
            if c != 0:
                kept_terms.append((c, w))
        elif c:
            kept_terms.append((c, w))
    return tuple(kept_terms)


def linear_rows(m: Measurement) -> list:
    """The Pauli sums whose expectation values make up measurement ``m``.

    expval: ``[O]``; var: ``[O**2, O]`` (value ``r0 - r1**2``); probs on wires ``w_0..w_k-1``:
    ``P(b) = prod_i (1 + (-1)**b_i Z_(w_i)) / 2`` expanded, one row per outcome ``b``.
    Postselected (``m.post``, the projector ``P``): ``P R P`` for each of those rows ``R``,
    then ``P`` (the norm; the value is the rows' ratio, :func:`qsym._shapes.measurements`).
    """
    try:
        hash(m)
    except TypeError:  # a field that is not hashable (a list): not cached
        return list(_linear_rows(m))
    with _ROWS_LOCK:
        rows = _ROWS.get(m)
    if rows is None:
        rows = _linear_rows(m)
        with _ROWS_LOCK:
            _ROWS[m] = rows
            while len(_ROWS) > _ROWS_KEPT:
                del _ROWS[next(iter(_ROWS))]
    return list(rows)


# linear_rows' cache: a postselected ``probs`` on ``k`` wires has ``2^k`` rows of ``2^k``
# words times the projector's, asked for by the layout, the plan and the written-out
# values of one build, and by a later derivative's build (issue #18). Kept while the
# measurement asked for lives (a weak key: its circuit's; adv67: an LRU kept up to four,
# 170 MB each at 9 wires after two postselected wires, after their QNodes were gone), and
# a few only
_ROWS: "weakref.WeakKeyDictionary[Measurement, list]" = weakref.WeakKeyDictionary()
_ROWS_KEPT = 4
_ROWS_LOCK = new_lock()  # (free again in a forked child: qsym._locks)


def _linear_rows(m: Measurement) -> list:
    """:func:`linear_rows`, not cached."""
    if m.post:
        plain = linear_rows(replace(m, post=()))
        return [between_projector(row, m.post) for row in plain] + [m.post]
    if m.kind == "expval":
        return [m.terms]
    if m.kind == "var":
        return [square(m.terms), m.terms]
    if m.kind in ("state", "sample", "counts"):
        return []  # not made of expectation values: the runtime draws or returns them
    k = len(m.on)
    signed = (sp.Rational(1, 2**k), sp.Rational(-1, 2**k))  # shared: 4^k terms
    words = [tuple(sorted((m.on[i], "Z") for i in range(k) if (subset >> i) & 1))
             for subset in range(2**k)]
    rows = []
    for b in range(2**k):
        mask = sum(1 << i for i in range(k) if (b >> (k - 1 - i)) & 1)  # bit i: b_i
        rows.append(tuple((signed[(mask & subset).bit_count() & 1], words[subset])
                          for subset in range(2**k)))
    return rows


@dataclass(frozen=True)
class Circuit:
    """A traced circuit.

    Attributes:
        num_wires: number of qubits.
        ops: the gates, in order.
        measurements: what is returned, in order.
        inputs: the symbols that are differentiated (``x``), in argument order.
        data: numeric inputs that are not differentiated (``d``): data, keyword arguments.
        output: ``"scalar"`` (one measurement), ``"tuple"``, ``"list"``, or ``("tree", spec)``
            for nested tuples, lists and dicts (:func:`qsym._shapes.tree_spec`).
        wire_labels: the device's wire labels, by index.
        constants: the numbers of the last ``len(constants)`` symbols of ``data``: per-call
            numbers a gate made data (``qml.SpecialUnitary``'s effective generators), not
            arguments; runtime data like a matrix (:func:`matrix_data`).
        sample_order: the wire indices in the order PennyLane's ``default.qubit``
            numbers them when it samples (its ``map_to_standard_wires``: the gates' wires
            in order of first use, then the wires only measured; the device's other wires,
            ``|0>`` and not in its state, last); ``()`` for the index order. Not compiled
            code: :mod:`qsym._shots` draws the basis states in this order, so a seed gives
            PennyLane's samples.
        one_shot: recorded under PennyLane's one-shot semantics of mid-circuit
            measurements (``mcm_method="one-shot"``, ``"tree-traversal"``, or unset with
            shots): every shot's terminal measurements see that shot's mid-circuit values
            (:mod:`qsym._shots` draws the other measurements given the values' draw).
        conditional_groups: the ops a deferred ``qml.cond`` applied, with PennyLane's
            ``Conditional`` each came from, its trainable parameters and written wires
            (counted as PennyLane counts their derivatives' circuits; not compiled code).
        template_groups: the ops a template PennyLane's gradient transforms keep whole
            wrote (``FermionicDoubleExcitation``, ...), with its trainable parameters and
            its shift rule's circuits (counted as PennyLane counts them; not compiled code).
        mid_measured: with ``one_shot``, whether a mid-circuit measurement was deferred
            (PennyLane's one-shot method samples each one besides the measurements:
            ``qml.Tracker``'s count; not compiled code).
    """

    num_wires: int
    ops: tuple[Op, ...]
    measurements: tuple[Measurement, ...]
    inputs: tuple[sp.Symbol, ...] = ()
    data: tuple[sp.Symbol, ...] = ()
    output: str = "scalar"
    wire_labels: tuple = ()
    constants: tuple = ()
    sample_order: tuple = ()
    one_shot: bool = False
    # with ``one_shot``: a mid-circuit measurement was deferred (PennyLane's one-shot method
    # then samples each one besides the measurements: qml.Tracker's count only)
    mid_measured: bool = field(default=False, compare=False)
    # ((op index, Conditional number, its trainable parameters, its written wires), ...) of
    # the ops a deferred qml.cond applied (its base controlled by the measured wires), for
    # qml.Tracker's count only (not compiled code): PennyLane's parameter shift
    # differentiates a Conditional's parameters by a forward difference, one circuit each
    # (:attr:`qsym._plan.GradientPlan.cond_runs`)
    conditional_groups: tuple = field(default=(), compare=False)
    # ((op index, template number, trainable parameters, shifted circuits), ...) of the gates
    # a template PennyLane's gradient transforms keep whole wrote (its grad_method "A":
    # parameter shift by its frequencies, one finite-difference step per parameter), for
    # qml.Tracker's count only (not compiled code; qsym._trace._template_groups)
    template_groups: tuple = field(default=(), compare=False)


def _fmt_word(word: Word) -> str:
    return " ".join(f"{p}{w}" for w, p in word) or "I"


def post_layout(c: Circuit) -> tuple:
    """``(kind, first row, rows, shape)`` per measurement: how the compiled code's outputs
    make up the measurements (:func:`qsym._shapes.measurements`). The outputs are the
    linear rows (:func:`linear_rows`) of every measurement but ``probs``, in order, then
    the ``2^k`` probabilities of each ``probs``, in order (measured directly, not as
    ``2^k`` rows of ``2^k`` Pauli words; a postselected one's ``2^k + 1``:
    :func:`kernel_outcomes`)."""
    out, row = [], 0
    for m in c.measurements:
        if not kernel_probs(m):
            n = len(linear_rows(m))
            out.append((m.kind, row, n, m.shape))
            row += n
        else:
            out.append(None)
    for i, m in enumerate(c.measurements):
        if kernel_probs(m):
            n = 2 ** len(m.on) + (1 if m.post else 0)
            out[i] = (m.kind, row, n, m.shape)
            row += n
    return tuple(out)


def rows_circuit(c: Circuit) -> Circuit:
    """The circuit measuring each output of :func:`post_layout` as an expectation value (a
    tuple; probabilities as Pauli sums, ``4^k`` terms: small circuits only)."""
    order = [m for m in c.measurements if not kernel_probs(m)]
    order += [m for m in c.measurements if kernel_probs(m)]
    ms = tuple(Measurement("expval", row) for m in order for row in linear_rows(m))
    return replace(c, measurements=ms, output="tuple")


def symbol_text(e) -> str:
    """``str(e)``, without sympy's printer for a symbol that prints as its name (``Symbol``
    and subclasses that change nothing of its printing, such as the traced inputs'): a new
    circuit's trace, checks and hash ask for the text of every input and parameter, and the
    printer costs about 5 us each (a 12x8 HEA's first gradient: some 900 of them, issue
    #17). Everything else (a ``Dummy`` prints as ``_name``) goes through ``str``.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> symbol_text(x), symbol_text(2 * x + 1), symbol_text(sp.Dummy("d"))
    ('x', '2*x + 1', '_d')
    """
    plain = _PLAIN_SYMBOL.get(type(e))
    if plain is None:
        plain = _PLAIN_SYMBOL[type(e)] = _prints_as_name(type(e))
    return e.name if plain else str(e)


_PLAIN_SYMBOL: dict = {}  # class -> whether str() of its instances is their name


def _prints_as_name(cls) -> bool:
    """Whether sympy's ``str`` of an instance of ``cls`` is its ``name``: a ``Symbol``
    subclass none of whose classes before ``Symbol`` has a printer method of its own
    (``_sympystr``, or ``StrPrinter._print_<class name>``)."""
    from sympy.printing.str import StrPrinter

    if not issubclass(cls, sp.Symbol):
        return False
    for k in cls.__mro__:
        if k is sp.Symbol:
            return True
        if "_sympystr" in vars(k) or hasattr(StrPrinter, f"_print_{k.__name__}"):
            return False
    return False  # pragma: no cover - (Symbol is in the MRO)


def format_circuit(c: Circuit) -> str:
    """One line per op; parameters as exact expressions of the inputs."""
    plural = "s" if c.num_wires != 1 else ""
    lines = [f"circuit on {c.num_wires} wire{plural}; inputs: "
             + ", ".join(map(symbol_text, c.inputs))]
    if c.data:
        lines[0] += "; data: " + ", ".join(map(symbol_text, c.data))
    width = len(str(max(len(c.ops) - 1, 0)))
    for k, op in enumerate(c.ops):
        items = [symbol_text(p) for p in op.params] + [
            f"{h}={v!r}" if h != "U" else "U=<matrix>" for h, v in op.hyper
        ]
        pars = f"({', '.join(items)})" if items else ""
        lines.append(f"  {k:>{width}}: {op.name}{pars}  wires {list(op.wires)}")
    for m in c.measurements:
        body = " + ".join(
            (_fmt_word(w) if c0 == 1 else f"{c0}*{_fmt_word(w)}") for c0, w in m.terms
        )
        if m.kind == "probs" or (m.kind in ("sample", "counts") and not m.terms):
            body = "wires " + str(list(m.on))
        lines.append(f"  {m.kind}: {body or '0'}")
    return "\n".join(lines)


def validate(c: Circuit) -> Circuit:
    """Check the circuit's structure; return it unchanged or raise a qsym error."""
    known = set(c.inputs) | set(c.data)
    for k, op in enumerate(c.ops):
        row = channel_def(op.name) if is_channel(op.name) else gate_def(op.name)
        if not hasattr(row, "num_params"):  # a channel: its table row (qsym._channels)
            row = _ChannelShape(row.num_wires, len(row.params))
        if row.num_wires and len(op.wires) != row.num_wires:
            raise WireError(f"op {k}: {op.name} acts on {row.num_wires} wires, got {op.wires}")
        if len(set(op.wires)) != len(op.wires):
            raise WireError(f"op {k}: {op.name} has duplicate wires {op.wires}")
        if any(not 0 <= w < c.num_wires for w in op.wires):
            raise WireError(f"op {k}: {op.name} wires {op.wires} outside 0..{c.num_wires - 1}")
        if len(op.params) != row.num_params:
            raise GateError(f"op {k}: {op.name} takes {row.num_params} parameters")
        for p in op.params:
            if not p.free_symbols <= known:
                raise GateError(f"op {k}: parameter {p} uses unknown symbols")
        if op.name == "QubitUnitary":
            _check_unitary(k, dict(op.hyper)["U"])
    if not c.measurements:
        raise MeasurementError("a circuit must measure something")
    for m in c.measurements:
        if m.kind not in ("expval", "var", "probs", "state", "sample", "counts"):
            raise MeasurementError(f"unsupported measurement {m.kind!r}")
        if m.kind in ("probs", "sample", "counts") and (
            len(set(m.on)) != len(m.on) or any(not 0 <= w < c.num_wires for w in m.on)
        ):
            raise WireError(f"{m.kind} on wires {m.on}: duplicate or not on the device")
        if any(not 0 <= w < c.num_wires for _, word in m.post for w, _ in word):
            raise WireError("postselection on a wire outside the device's wires")
        for coeff, word in m.terms:
            if any(not 0 <= w < c.num_wires for w, _ in word):
                raise WireError(f"observable {_fmt_word(word)} outside the device's wires")
            if len({w for w, _ in word}) != len(word):
                raise MeasurementError(f"Pauli word {word} repeats a wire")
            if _not_finite(sp.sympify(coeff)):
                raise MeasurementError(
                    f"observable coefficient {coeff} of {_fmt_word(word) or 'I'} is not "
                    "finite: give finite coefficients (a NaN or infinite coefficient makes "
                    "every expectation value NaN)")
            if _not_real(sp.sympify(coeff)):
                raise MeasurementError(
                    f"observable coefficient {coeff} is not real: the observable is not "
                    "Hermitian, and qsym measures Hermitian observables only (PennyLane "
                    "returns a complex expectation value here). For a complex multiple "
                    "c * O measure O and multiply the result by c; for a general A, measure "
                    "(A + A^dagger)/2 and (A - A^dagger)/2j and combine them as re + 1j * im "
                    "(a product of Paulis on the same wire gives an imaginary coefficient: "
                    "check the order of @ products)"
                )
    return c


def _not_finite(coeff) -> bool:
    """Whether an observable's coefficient is NaN or infinite, or a number beyond a
    float's range (``10**400``: its float is infinite).

    A plain number (``is_Number``: an integer, rational or float, NaN and the two
    infinities) by its float alone, the same verdict: sympy's tree search and complex
    evaluation cost a new process's first call about 0.15 ms (issue #17).

    >>> [_not_finite(sp.sympify(c)) for c in (1, 0.5, "1/3", 10**400, "nan", "oo", "zoo")]
    [False, False, False, True, True, True, True]
    """
    if coeff.is_Number:
        try:
            return not math.isfinite(float(coeff))
        except (OverflowError, TypeError, ValueError):
            return True
    if coeff.has(sp.nan, sp.oo, -sp.oo, sp.zoo):
        return True
    if coeff.is_number:
        try:
            v = complex(coeff)
        except (OverflowError, TypeError, ValueError):
            return True
        return not (math.isfinite(v.real) and math.isfinite(v.imag))
    return False


def _not_real(coeff) -> bool:
    """Whether an observable's coefficient is known not to be real: a non-real number, or a
    term whose constant factor is not real while the rest of it is real (``-I*x`` for a
    real argument ``x``: ``X(0) @ Z(0)`` is ``-i Y(0)``, scaled by an argument). sympy's
    ``is_real`` leaves ``-I*x`` undecided (it is real when ``x`` is 0)."""
    if coeff.is_real is False:
        return True
    for term in sp.Add.make_args(coeff):
        const, rest = term.as_independent(*term.free_symbols, as_Add=False)
        if term.free_symbols and rest.is_real and const.is_real is False:
            return True
    return False


def _check_unitary(k: int, U) -> None:
    """A ``QubitUnitary`` in a circuit: one matrix, unitary to 1e-6, the tolerance of
    PennyLane's ``unitary_check`` (PennyLane applies any matrix it is given; a state multiplied
    by a non-unitary one is not a state, and the adjoint method's ``U^dagger`` would not undo
    it). A matrix written to 8 decimals, as in many published examples, is applied as given."""
    U = np.asarray(U, dtype=complex)
    if U.ndim != 2:
        raise GateError(f"op {k}: QubitUnitary has a batch of {len(U)} matrices; a circuit "
                        "applies one (broadcast QNodes split the batch before tracing)")
    if not np.allclose(U.conj().T @ U, np.eye(len(U)), atol=1e-6):
        raise GateError(
            f"op {k}: QubitUnitary's matrix is not unitary (U^dagger U != 1 to 1e-6), so "
            "applying it to a state would not give a state; give a unitary matrix "
            "(PennyLane applies it anyway: qsym refuses rather than return such numbers)")


@dataclass(frozen=True)
class _ChannelShape:
    num_wires: int
    num_params: int


def _exact_text(e) -> str:
    """``sp.srepr(e)``, exact and one-to-one, written fast: a ``Float`` by its mpmath value
    and precision (``srepr`` prints its decimal digits through mpmath, about 50 us each:
    most of the hash of a circuit with hundreds of numeric coefficients, a ``Hermitian``
    observable's Pauli decomposition), an ``Integer`` and a ``Rational`` by their values, a
    sum, product, power or one of sympy's own functions as its class name and its
    arguments in ``args`` order (``srepr`` sorts a sum's terms for printing first,
    ``as_ordered_terms``: most of a per-call trace's hash, issue #17). ``args`` is the
    expression's own content, in sympy's canonical order: two expressions are equal
    exactly when their types and ``args`` are (``Basic.__eq__``), so the text is one-to-one
    as ``srepr``'s is; symbols and everything else are ``srepr``'s.

    >>> _exact_text(sp.Float(0.1)) == _exact_text(sp.Float(0.1)) != _exact_text(sp.Float(0.2))
    True
    >>> _exact_text(sp.Integer(3)), _exact_text(sp.Rational(-1, 2))
    ('#I3', '#Q-1/2')
    >>> _exact_text(sp.Symbol("x") + 1)
    "Add(#I1, Symbol('x'))"
    >>> _exact_text(sp.sin(2 * sp.Symbol("x", real=True)))
    "sin(Mul(#I2, Symbol('x', real=True)))"
    """
    t = type(e)
    if t is sp.Float:
        return f"#F{e._mpf_!r}/{e._prec}"
    if isinstance(e, sp.Rational):
        return f"#I{e.p}" if isinstance(e, sp.Integer) else f"#Q{e.p}/{e.q}"
    if t in _WALKED or _sympy_function(t):
        return f"{t.__name__}({', '.join([_exact_text(a) for a in e.args])})"
    if t is sp.Symbol or isinstance(e, sp.Symbol):
        return _symbol_text(e)
    return sp.srepr(e)


_WALKED = frozenset({sp.Add, sp.Mul, sp.Pow})


@functools.lru_cache(maxsize=256)
def _sympy_function(t) -> bool:
    """Whether the class ``t`` is one of sympy's own applied functions (``sin``, ``exp``,
    ...: named by their class alone, as ``srepr`` names them), not a user's."""
    return (isinstance(t, type) and issubclass(t, sp.Function)
            and not issubclass(t, sp.core.function.AppliedUndef)
            and t.__module__.startswith("sympy.functions."))


@functools.lru_cache(maxsize=4096)
def _symbol_text(s) -> str:
    """``srepr`` of a symbol (its name and assumptions), kept: the few symbols of a
    circuit appear in most of its parameters. Written without sympy's printer
    (:func:`_plain_srepr`, about 5 us a symbol: a 12x8 HEA's 192 traced inputs, issue #17)
    for a class whose ``srepr`` is the printer's plain symbol form, checked on the first
    symbol of each class (:data:`_PLAIN_SREPR`).

    >>> x = sp.Symbol("x", real=True)
    >>> _symbol_text(x) == sp.srepr(x) == "Symbol('x', real=True)"
    True
    """
    t = type(s)
    plain = _PLAIN_SREPR.get(t)
    if plain is None:  # the first symbol of its class: srepr's text, compared
        text = sp.srepr(s)
        _PLAIN_SREPR[t] = _plain_printed(t) and _plain_srepr(s) == text
        return text
    return _plain_srepr(s) if plain else sp.srepr(s)


_PLAIN_SREPR: dict = {}  # symbol class -> whether srepr prints it as _plain_srepr does


def _plain_printed(t) -> bool:
    """Whether ``srepr`` prints instances of the symbol class ``t`` by the printer's
    ``_print_Symbol`` (no printer method of its own before ``Symbol`` in its classes, not a
    ``Dummy``, whose index is printed too), with the assumptions it was made with."""
    from sympy.printing.repr import ReprPrinter

    mro = t.__mro__
    if sp.Symbol not in mro or issubclass(t, sp.Dummy) or hasattr(t, "_sympyrepr"):
        return False
    own = mro[:mro.index(sp.Symbol)]
    return not any(hasattr(ReprPrinter, f"_print_{c.__name__}") for c in own)


def _plain_srepr(s) -> str:
    """``ReprPrinter._print_Symbol``'s text of ``s``: its class, name and the assumptions
    it was made with (``_assumptions_orig``; a sympy without it: ``srepr`` itself)."""
    d = getattr(s, "_assumptions_orig", None)
    if not isinstance(d, dict):
        return sp.srepr(s)
    attrs = "".join(f", {k}={v}" for k, v in d.items())
    return f"{type(s).__name__}({s.name!r}{attrs})"


MATRIX_DATA_GATES = frozenset({"QubitUnitary"})
"""Gates whose matrix is runtime data of the compiled code (issue #17): their numbers are
not part of the structure (:func:`structural_hash`: the shape only, :func:`structure_hyper`)
nor printed into the generated module; the compiled code reads them from the end of the
data vector (:func:`matrix_data`), so one compiled module serves every matrix."""


def structure_hyper(op: Op) -> tuple:
    """``op.hyper`` as it enters the structure: a matrix-data gate's matrix
    (:data:`MATRIX_DATA_GATES`) by its shape alone, its numbers being runtime data.

    >>> structure_hyper(Op("QubitUnitary", (0,), (), (("U", ((0, 1), (1, 0))),)))
    (('U', ('data', (2, 2))),)
    """
    if op.name not in MATRIX_DATA_GATES:
        return op.hyper
    return tuple((h, ("data", np.shape(v))) if h == "U" else (h, v) for h, v in op.hyper)


def measurement_details(c: Circuit) -> tuple:
    """What the measurements hold besides compiled code (``Measurement`` fields with
    ``compare=False``: the sample dtype, ``all_outcomes``, PennyLane's sampling form, the
    labels, the group count), as text: two circuits equal in their compiled code but not
    here share a module, never a per-call entry or its sampler.

    >>> m = Measurement("sample", on=(0,))
    >>> measurement_details(Circuit(1, (), (m,))) == measurement_details(
    ...     Circuit(1, (), (replace(m, dtype="int8"),)))
    False
    """
    return tuple(repr((m.groups, m.all_outcomes, str(m.dtype), m.label, m.sampling))
                 for m in c.measurements)


def same_structure(a: Circuit, b: Circuit) -> bool:
    """Whether two circuits differ at most in their runtime data: their ``constants`` and
    the numbers of their matrix-data gates (:func:`structure_hyper`); then one compiled
    module, with each circuit's own :func:`matrix_data`, computes both.

    >>> u = lambda m: Op("QubitUnitary", (0,), (), (("U", m),))
    >>> z = (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),)
    >>> same_structure(Circuit(1, (u(((0, 1), (1, 0))),), z), Circuit(1, (u(((1, 0), (0, 1))),), z))
    True
    """
    if len(a.ops) != len(b.ops) or len(a.constants) != len(b.constants):
        return False
    if measurement_details(a) != measurement_details(b):
        return False

    def bare(c):
        return replace(c, constants=(), ops=tuple(
            replace(op, hyper=structure_hyper(op)) if op.name in MATRIX_DATA_GATES
            else op for op in c.ops))

    return bare(a) == bare(b)


def matrix_ops(c: Circuit) -> tuple:
    """The indices of the ops whose matrix is runtime data (:data:`MATRIX_DATA_GATES`)."""
    return tuple(k for k, op in enumerate(c.ops) if op.name in MATRIX_DATA_GATES)


def matrix_data(c: Circuit) -> np.ndarray:
    """The circuit's runtime numbers that are not arguments, as the float64 tail of its data
    vector: its ``constants`` (the values of its last data symbols), then the numbers of its
    matrix-data gates (:data:`MATRIX_DATA_GATES`): each matrix row by row, every entry as
    its real then its imaginary part, the ops in circuit order; empty if there are none.

    >>> c = Circuit(1, (Op("QubitUnitary", (0,), (), (("U", ((0, 1j), (1j, 0))),)),),
    ...             (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),))
    >>> matrix_data(c).tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    """
    parts = [np.asarray(dict(c.ops[k].hyper)["U"], dtype=np.complex128).ravel()
             for k in matrix_ops(c)]
    head = np.asarray(c.constants, dtype=np.float64)
    if not parts:
        return np.ascontiguousarray(head)
    z = np.concatenate(parts)
    return np.ascontiguousarray(np.concatenate([head, np.stack([z.real, z.imag], axis=-1).ravel()]))


def structural_hash(c: Circuit, *extra) -> str:
    """A hash of everything that determines compiled code: the key of the compile cache.
    Parameters and coefficients enter exactly (:func:`_exact_text`); the matrices of
    matrix-data gates by their shape (:func:`structure_hyper`: runtime data)."""
    h = hashlib.sha256()
    parts = [
        repr(c.num_wires),
        repr(c.output),
        repr([symbol_text(s) for s in c.inputs]),
        repr([symbol_text(s) for s in c.data]),
    ]
    for op in c.ops:
        parts.append(repr((op.name, op.wires, [_exact_text(p) for p in op.params],
                           structure_hyper(op))))
        user = "" if is_channel(op.name) else definition_key(op.name)  # a user-defined gate: its exact matrix, not its name
        if user:
            parts.append(user)
    for m in c.measurements:
        parts.append(repr((m.kind, [(_exact_text(cf), w) for cf, w in m.terms], m.on)
                          + ((m.reduce,) if m.reduce else ())
                          + ((("post", [(_exact_text(cf), w) for cf, w in m.post]),)
                             if m.post else ())
                          # a shadow's kind, k, single/list and observables (its seed is
                          # data of the run: the same code serves every seed)
                          + ((("shadow", m.shadow[:1] + m.shadow[2:]),) if m.shadow else ())))
    parts.extend(repr(e) for e in extra)
    h.update("\n".join(parts).encode())
    return h.hexdigest()


# --- quantities of the pure final state ----------------------------------------------------
def reduced_density_matrix(psi: np.ndarray, n: int, wires, dpsi=None, xp=np) -> np.ndarray:
    """The reduced density matrix ``Tr_rest |psi><psi|`` of ``wires`` (device indices, in
    the order given: the first most significant) of an ``n``-wire state (flat, wire 0
    most significant). With ``dpsi`` (``(2**n, k)``, the state's Jacobian), its Jacobian
    ``Tr_rest(|dpsi><psi| + |psi><dpsi|)``, shape ``(2**m, 2**m, k)``. ``xp`` is the array
    module of ``psi``: ``autograd.numpy`` differentiates it (``qml.math.reduce_statevector``).

    >>> psi = np.array([1, 0, 0, 1]) / np.sqrt(2)   # a Bell pair: each wire maximally mixed
    >>> reduced_density_matrix(psi, 2, (0,)).real.round(12).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    wires = tuple(wires)
    rest = tuple(w for w in range(n) if w not in wires)
    m = 2 ** len(wires)
    if xp is not np:  # autograd's functions (a box has no NumPy methods to call)
        a = xp.reshape(xp.transpose(xp.reshape(psi, (2,) * n), wires + rest), (m, -1))
        return xp.matmul(a, xp.conj(xp.transpose(a)))
    a = np.transpose(psi.reshape((2,) * n), wires + rest).reshape(m, -1)
    if dpsi is None:
        return a @ a.conj().T
    k = dpsi.shape[1]
    da = np.transpose(dpsi.reshape((2,) * n + (k,)), wires + rest + (n,)).reshape(m, -1, k)
    d = np.einsum("irk,jr->ijk", da, a.conj())
    return d + np.conj(np.transpose(d, (1, 0, 2)))


def partial_trace(rho, n: int, wires, drho=None, xp=np):
    """The reduced density matrix of ``wires`` (in that order, the first most
    significant) of the ``n``-wire density matrix ``rho`` (``(2**n, 2**n)``); with
    ``drho`` (``(2**n, 2**n, k)``) the same of each of its ``k`` slices, ``(2**m, 2**m, k)``.
    ``xp`` is the array module: ``autograd.numpy`` differentiates it (``qml.math.reduce_dm``).

    >>> bell = np.zeros((4, 4)); bell[np.ix_([0, 3], [0, 3])] = 0.5
    >>> partial_trace(bell, 2, (1,)).tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    wires = tuple(wires)
    rest = tuple(w for w in range(n) if w not in wires)
    m, r = 2 ** len(wires), 2 ** len(rest)
    if drho is not None:
        return np.stack([partial_trace(drho[..., j], n, wires) for j in range(drho.shape[-1])],
                        axis=-1) if drho.shape[-1] else np.zeros((m, m, 0), dtype=complex)
    if xp is np:  # einsum's diagonal sum: no copy of the transposed matrix
        t = np.asarray(rho).reshape((2,) * (2 * n))
        t = np.transpose(t, wires + rest + tuple(n + w for w in wires + rest)).reshape(m, r, m, r)
        return np.einsum("iaja->ij", t)
    # autograd differentiates no repeated einsum index: the trace over the first two axes
    t = xp.transpose(xp.reshape(rho, (2,) * (2 * n)),
                     rest + tuple(n + w for w in rest) + wires + tuple(n + w for w in wires))
    return xp.trace(xp.reshape(t, (r, r, m, m)))


def state_quantity(reduce: tuple, rho, n: int, xp=np):
    """The value of the quantity ``reduce`` (a ``"state"`` measurement's ``reduce``: name,
    wires as device indices, ...) of the ``n``-wire density matrix ``rho``: the reduced
    density matrix, ``purity`` ``Tr rho^2``, ``vn_entropy``, ``mutual_info``. ``xp`` is
    the array module: ``autograd.numpy`` differentiates it (a state of autograd's values,
    ``qml.devices.qubit.simulate`` under ``qml.jacobian``).

    >>> bell = np.zeros((4, 4)); bell[np.ix_([0, 3], [0, 3])] = 0.5
    >>> float(round(state_quantity(("mutual_info", (0,), (1,), 2), bell, 2), 12))
    2.0
    """
    name, wires = reduce[0], tuple(reduce[1])
    if name == "density_matrix":
        return partial_trace(rho, n, wires, xp=xp)
    if name == "purity":
        r = partial_trace(rho, n, wires, xp=xp)
        return np.float64(np.trace(r @ r).real) if xp is np else xp.real(xp.trace(r @ r))
    if name == "vn_entropy":
        return entropy(partial_trace(rho, n, wires, xp=xp), reduce[2], xp=xp)
    if name == "mutual_info":
        b, base = tuple(reduce[2]), reduce[3]
        return sum(sign * entropy(partial_trace(rho, n, ws, xp=xp), base, xp=xp)
                   for ws, sign in ((wires, 1), (b, 1), (wires + b, -1)))
    raise MeasurementError(f"unknown quantity of the state {name!r}")


def log_base(base) -> float:
    """``log(base)``, the divisor of an entropy in base ``base`` (``None``: natural, 1.0).
    A base that is not a finite positive number other than 1 is a ``ValueError``: base 1
    divided by zero (``inf``), a negative base gave ``nan`` and 0 the natural logarithm.

    >>> float(log_base(None)), round(float(log_base(np.e)), 12)
    (1.0, 1.0)
    """
    if base is None:
        return 1.0
    ok = not isinstance(base, (bool, str)) and np.ndim(base) == 0 and np.isrealobj(base)
    if not ok or not np.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(f"the logarithm's base must be a positive number other than 1 (or None "
                         f"for the natural logarithm), got {base!r}")
    return np.log(base)


def entropy(rho, base, drho=None, xp=np):
    """``-Tr rho log rho / log base`` (zero eigenvalues contribute 0, PennyLane's
    convention), or its derivative ``Tr(f'(rho) drho)`` with ``f(l) = -l log l / log b``
    (exact also for degenerate eigenvalues: a trace function's first derivative).
    ``xp`` is the array module of the value: ``autograd.numpy`` differentiates it
    (``qml.math.vn_entropy``; autograd's eigenvalue derivative is exact when degenerate).

    >>> entropy(np.eye(2) / 2, 2)
    np.float64(1.0)
    """
    lam, vecs = xp.linalg.eigh(rho)
    scale = log_base(base)
    keep = lam > 1e-14
    if drho is None:
        s = -xp.sum(lam[keep] * xp.log(lam[keep])) / scale
        return np.float64(s) if xp is np else s
    diag = np.einsum("ak,abj,bk->kj", vecs.conj(), drho, vecs).real  # <k|drho_j|k>
    fprime = np.where(keep, -np.log(np.where(keep, lam, 1.0)) - 1.0, 0.0)
    return fprime @ diag / scale


def reduce_state(m: Measurement, psi: np.ndarray, n: int, dpsi=None):
    """The value of a reduced ``"state"`` measurement ``m`` (``m.reduce``) of the pure
    ``n``-wire state ``psi``, as PennyLane computes it from the state: ``density_matrix``
    (complex ``(2**k, 2**k)``), ``purity`` ``Tr rho^2``, ``vn_entropy`` ``-Tr rho log rho``
    (natural log unless a base is given), ``mutual_info`` ``S(A) + S(B) - S(AB)``. With
    ``dpsi`` (the state's exact Jacobian, ``(2**n, k)``), its Jacobian instead: the
    trailing axis over the ``k`` inputs.

    >>> psi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> float(round(reduce_state(Measurement("state", reduce=("vn_entropy", (0,), 2)), psi, 2), 12))
    1.0
    >>> float(round(reduce_state(Measurement("state", reduce=("purity", (1,))), psi, 2), 12))
    0.5
    """
    if not m.reduce:
        return psi if dpsi is None else dpsi
    if m.post:  # the postselected state, renormalised (its value only)
        if dpsi is not None:
            raise MeasurementError(
                "the derivative of a quantity of the state (qml.density_matrix, qml.purity, "
                "...) after postselecting a mid-circuit measurement is not supported")
        psi = postselected_state(psi, m.post)
    name, wires = m.reduce[0], m.reduce[1]
    rho = reduced_density_matrix(psi, n, wires)
    drho = None if dpsi is None else reduced_density_matrix(psi, n, wires, dpsi)
    if name == "density_matrix":
        return rho if dpsi is None else drho
    if name == "purity":
        return np.float64(np.trace(rho @ rho).real) if dpsi is None else 2 * np.einsum(
            "ji,ijk->k", rho, drho).real
    if name == "vn_entropy":
        return entropy(rho, m.reduce[2], drho)
    if name == "mutual_info":
        b, base = m.reduce[2], m.reduce[3]
        parts = [(wires, 1), (b, 1), (tuple(wires) + tuple(b), -1)]
        return sum(sign * entropy(
            reduced_density_matrix(psi, n, ws), base,
            None if dpsi is None else reduced_density_matrix(psi, n, ws, dpsi))
            for ws, sign in parts)
    raise MeasurementError(f"unknown quantity of the state {name!r}")


# --- reference interpreter -----------------------------------------------------------------
def apply_matrix(state: np.ndarray, mat: np.ndarray, wires) -> np.ndarray:
    """Apply a k-wire matrix to a state tensor of shape ``(2,)*n`` by tensordot (the
    reference interpreter's one step; also used by :mod:`qsym._symbolic`, the metric
    tensor and ``qml.matrix``). Works for object (sympy) arrays too.

    >>> psi = np.zeros((2, 2), dtype=complex); psi[0, 0] = 1
    >>> apply_matrix(psi, PAULI["X"], (1,))[0, 1]
    np.complex128(1+0j)
    """
    k = len(wires)
    m = mat.reshape((2,) * (2 * k))
    out = np.tensordot(m, state, axes=(list(range(k, 2 * k)), list(wires)))
    # tensordot puts the gate's output axes first: move them back to their wires
    return np.moveaxis(out, list(range(k)), list(wires))


def observable_apply(psi: np.ndarray, terms, values) -> np.ndarray:
    """``O |psi>`` for ``O = sum coeff * word`` (a measurement's terms; state tensors),
    the coefficients evaluated at ``values`` (:func:`input_values`)."""
    out = np.zeros_like(psi)
    for coeff, word in terms:
        phi = psi
        for w, p in word:
            phi = apply_matrix(phi, PAULI[p], (w,))
        out = out + evaluate(coeff, values) * phi
    return out


def input_values(c: Circuit, x, d=()) -> dict:
    """``{symbol: sympy Float}`` for inputs ``x`` and data ``d``."""
    values = {s: sp.Float(float(v)) for s, v in zip(c.inputs, np.ravel(x))}
    values.update({s: sp.Float(float(v)) for s, v in zip(c.data, np.ravel(d))})
    return values


def evaluate(expr, values: dict) -> float:
    """The float value of an expression of the inputs."""
    return float(sp.sympify(expr).xreplace(values))


def final_state(c: Circuit, x, d=()) -> np.ndarray:
    """The state after all ops, as a flat vector (wire 0 most significant)."""
    values = input_values(c, x, d)
    n = c.num_wires
    state = np.zeros((2,) * n, dtype=complex)
    state[(0,) * n] = 1.0
    for op in c.ops:
        pars = [evaluate(p, values) for p in op.params]
        mat = numeric_matrix_function(*op.variant)(*pars)
        state = apply_matrix(state, mat, op.wires)
    return state.reshape(-1)


def state_jacobian(c: Circuit, x, d=()) -> tuple:
    """``(psi, J)``: the final state (flat, wire 0 most significant) and its exact complex
    Jacobian ``J[amplitude, input]`` by the inputs ``x`` (NumPy; forward mode: one tangent
    state per input, carried through every gate; a gate's parameters contribute
    ``(dU/dp) psi * dp/dx`` with ``dU/dp`` the sympy derivative of its matrix and ``dp/dx``
    that of the traced parameter). Costs ``len(x) + 1`` state vectors.

    >>> t = sp.Symbol("t", real=True)
    >>> c = Circuit(1, (Op("RY", (0,), (2 * t,)),), (Measurement("state"),), inputs=(t,))
    >>> psi, J = state_jacobian(c, [0.0])   # d/dt (cos t, sin t) at 0
    >>> J[:, 0].real.tolist()
    [0.0, 1.0]
    """
    values = input_values(c, x, d)
    n, k = c.num_wires, len(c.inputs)
    psi = np.zeros((2,) * n, dtype=complex)
    psi[(0,) * n] = 1.0
    tangents = np.zeros((k,) + (2,) * n, dtype=complex)
    column = {s: j for j, s in enumerate(c.inputs)}
    for op in c.ops:
        pars = [evaluate(p, values) for p in op.params]
        shifted = tuple(w + 1 for w in op.wires)
        tangents = apply_matrix(tangents, numeric_matrix_function(*op.variant)(*pars), shifted)
        for pos, p in enumerate(op.params):
            free = [s for s in sp.sympify(p).free_symbols if s in column]
            if not free:
                continue
            dpsi = apply_matrix(psi, numeric_derivative_function(*op.variant, pos)(*pars),
                                op.wires)
            for s in free:
                tangents[column[s]] += evaluate(sp.diff(p, s), values) * dpsi
        psi = apply_matrix(psi, numeric_matrix_function(*op.variant)(*pars), op.wires)
    return psi.reshape(-1), tangents.reshape(k, -1).T


@REGISTRY.memo
def second_derivative_function(name: str, num_wires: int | None = None, hyper: tuple = (),
                               pos: int = 0, second: int = 0):
    """A NumPy function ``f(*params) -> d^2 matrix / d params[pos] d params[second]``, the
    exact sympy second derivative of the gate's matrix (:func:`state_hessian`; its callers
    ask :func:`qsym._gates.numeric_derivative_function` first, which refuses the gates whose
    matrix is made by NumPy only).

    >>> second_derivative_function("RZ")(0.0).diagonal().real.tolist()   # -(1/2)^2
    [-0.25, -0.25]
    """
    syms = sp.symbols(f"p0:{gate_def(name).num_params}", real=True)
    mat = gate_def(name).sympy_matrix(syms, num_wires, hyper).diff(syms[pos], syms[second])
    f = lambdify(syms, mat)
    return lambda *params: np.array(f(*params), dtype=np.complex128)


def _parameter_chain(p, column, values, k):
    """``(g, h)``: the gradient ``dp/dx`` (``k``) and Hessian ``d^2p/dx dx`` (``k, k``)
    of a gate parameter ``p`` (an expression of the inputs, ``column``: symbol -> input
    position) at ``values``; ``None`` if ``p`` depends on no input."""
    free = [s for s in sp.sympify(p).free_symbols if s in column]
    if not free:
        return None
    g, h = np.zeros(k), np.zeros((k, k))
    for s in free:
        ds = sp.diff(p, s)
        g[column[s]] = evaluate(ds, values)
        for t in free:
            h[column[s], column[t]] = evaluate(sp.diff(ds, t), values)
    return g, h


def state_hessian(c: Circuit, x, d=()) -> tuple:
    """``(psi, J, H)``: the final state, its exact Jacobian ``J[amplitude, input]`` (as
    :func:`state_jacobian`) and its exact Hessian ``H[amplitude, input, input]``, by
    second-order forward mode: with ``psi -> U psi`` at each gate ``U(p(x))``, the
    tangents ``T_i -> U T_i + U_a psi p_a,i`` and the second tangents
    ``S_ij -> U S_ij + U_a (T_i p_a,j + T_j p_a,i) + U_ab psi p_a,i p_b,j + U_a psi p_a,ij``
    (``U_a``, ``U_ab``: the sympy derivatives of the gate's matrix by its parameters;
    ``p_a,i``: those of the traced parameters by the inputs). Costs ``(len(x) + 1)**2``
    state vectors.

    >>> t = sp.Symbol("t", real=True)
    >>> c = Circuit(1, (Op("RY", (0,), (2 * t,)),), (Measurement("state"),), inputs=(t,))
    >>> psi, J, H = state_hessian(c, [0.0])   # d^2/dt^2 (cos t, sin t) at 0
    >>> H[:, 0, 0].real.tolist()
    [-1.0, 0.0]
    """
    values = input_values(c, x, d)
    n, k = c.num_wires, len(c.inputs)
    psi = np.zeros((2,) * n, dtype=complex)
    psi[(0,) * n] = 1.0
    tangents = np.zeros((k,) + (2,) * n, dtype=complex)
    seconds = np.zeros((k, k) + (2,) * n, dtype=complex)
    column = {s: j for j, s in enumerate(c.inputs)}
    axes = (slice(None),) + (None,) * n  # a vector over the inputs, against states
    for op in c.ops:
        pars = [evaluate(p, values) for p in op.params]
        U = numeric_matrix_function(*op.variant)(*pars)
        chains = [(pos, _parameter_chain(p, column, values, k)) for pos, p in enumerate(op.params)]
        chains = [(pos, gh) for pos, gh in chains if gh is not None]
        new_t = apply_matrix(tangents, U, tuple(w + 1 for w in op.wires))
        seconds = apply_matrix(seconds, U, tuple(w + 2 for w in op.wires))
        for pos, (g, h) in chains:
            dU = numeric_derivative_function(*op.variant, pos)(*pars)
            dpsi = apply_matrix(psi, dU, op.wires)
            dt = apply_matrix(tangents, dU, tuple(w + 1 for w in op.wires))
            new_t += g[axes] * dpsi
            mixed = dt[:, None] * g[(None,) + axes]
            seconds += mixed + np.swapaxes(mixed, 0, 1) + h[(...,) + (None,) * n] * dpsi
            for pos2, (g2, _) in chains:
                d2psi = apply_matrix(
                    psi, second_derivative_function(*op.variant, pos, pos2)(*pars), op.wires)
                seconds += np.multiply.outer(np.outer(g, g2), d2psi)
        tangents = new_t
        psi = apply_matrix(psi, U, op.wires)
    return (psi.reshape(-1), tangents.reshape(k, -1).T,
            np.moveaxis(seconds.reshape(k, k, -1), 2, 0))


def postselected_state(psi: np.ndarray, post, values=None) -> np.ndarray:
    """The state ``P psi / |P psi|`` (any shape) for the projector ``P`` (``post``: Z words);
    NaN everywhere when the kept outcomes are impossible (probability 0 under the one rule
    of :func:`qsym._shapes.postselection_impossible`, as the rows' values).

    >>> postselected_state(np.array([0.6, 0.8]), ((0.5, ()), (-0.5, ((0, "Z"),)))).real
    array([0., 1.])
    """
    kept = observable_apply(np.asarray(psi, dtype=complex).reshape((2,) * int(np.log2(psi.size))),
                            post, values or {}).reshape(np.shape(psi))
    norm = np.linalg.norm(kept)
    if postselection_impossible(norm**2):
        return np.full(np.shape(psi), np.nan, dtype=complex)
    return kept / norm


def simulate_postselected(m: Measurement, psi: np.ndarray, values) -> np.ndarray:
    """The reference value of the postselected measurement ``m`` of the state tensor ``psi``."""
    state = postselected_state(psi.reshape(-1), m.post, values).reshape(psi.shape)
    if np.isnan(state).any():
        return np.full(int(np.prod(m.shape)) or 1, np.nan)
    return _measure_state(replace(m, post=()), state, values)


def _measure_state(m: Measurement, psi: np.ndarray, values) -> np.ndarray:
    n = psi.ndim
    if m.kind == "probs":
        p = np.abs(psi) ** 2
        rest = tuple(w for w in range(n) if w not in m.on)
        marginal = p.sum(axis=rest) if rest else p
        return np.transpose(marginal, np.argsort(np.argsort(m.on))).reshape(-1)
    o_psi = observable_apply(psi, m.terms, values)
    mean = np.vdot(psi.reshape(-1), o_psi.reshape(-1)).real
    if m.kind == "var":
        return np.array([np.vdot(o_psi.reshape(-1), o_psi.reshape(-1)).real - mean**2])
    return np.array([mean])


def simulate(c: Circuit, x, d=()) -> np.ndarray:
    """Reference values of all measurements at inputs ``x`` and data ``d`` (NumPy, slow)."""
    values = input_values(c, x, d)
    n = c.num_wires
    psi = final_state(c, x, d).reshape((2,) * n)
    out = []
    for m in c.measurements:
        if m.kind == "state":
            raise MeasurementError("simulate gives numbers; use final_state for qml.state()")
        if m.post:
            out.extend(np.ravel(simulate_postselected(m, psi, values)))
            continue
        if m.kind == "probs":  # marginal of |psi|^2, axes in the order asked for
            p = np.abs(psi) ** 2
            rest = tuple(w for w in range(n) if w not in m.on)
            marginal = p.sum(axis=rest) if rest else p
            order = np.argsort(np.argsort(m.on))  # sum keeps increasing wire order
            out.extend(np.transpose(marginal, order).reshape(-1))
            continue
        o_psi = observable_apply(psi, m.terms, values)
        mean = np.vdot(psi.reshape(-1), o_psi.reshape(-1)).real
        if m.kind == "var":  # <O psi|O psi> - <psi|O psi>^2
            out.append(np.vdot(o_psi.reshape(-1), o_psi.reshape(-1)).real - mean**2)
        else:
            out.append(mean)
    return np.array(out)
