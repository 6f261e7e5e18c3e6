"""Finite shots: estimates from samples of the simulated state, as hardware would give.

With ``qml.device(..., shots=N, seed=...)`` (or ``QNode(..., shots=N)``) every circuit run
is measured ``N`` times:

- ``expval`` of ``sum_t c_t P_t``: each Pauli word is measured on its own ``N`` shots (as
  PennyLane does when it splits non-commuting terms); a word's ``N`` outcomes ``+-1`` are
  a binomial draw with ``p(+1) = (1 + <P_t>) / 2``, so its estimate is the mean of those
  samples, drawn directly from the exact ``<P_t>`` of the state. ``var`` is ``<O^2> - <O>^2``
  from such estimates (for a single Pauli word: the sample variance of its outcomes);
- ``probs``: a multinomial draw of ``N`` outcomes from the exact marginal distribution,
  divided by ``N``;
- ``sample`` / ``counts``: ``N`` computational-basis outcomes of the wires (integers
  ``0/1``, shape ``(N, wires)``), or ``N`` eigenvalues of an observable, sampled in its
  eigenbasis (its matrix on its wires diagonalized; the state's reduced density matrix
  gives the probabilities); ``counts`` tallies them (``{"01": n, ...}`` or
  ``{eigenvalue: n}``, observed outcomes only, sorted).

Gradients under shots: parameter shift samples every shifted circuit (``N`` shots each,
what runs on hardware); finite differences sample every displaced circuit and warn (the
sampling noise is divided by the step); the adjoint method and second derivatives need
the exact state and are refused.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=1, seed=7)
>>> @qml.qnode(dev, shots=1000)
... def c(x):
...     qml.RX(x, wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> v = c(0.5)           # cos(0.5) = 0.8776 within ~ sqrt((1 - 0.77) / 1000) = 0.015
>>> bool(abs(v - 0.8776) < 5 * 0.015)
True
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import os
import threading
import warnings
from typing import NamedTuple

import numpy as np

from . import _kernels as kernels, _shadows as shadows, _tiers as tiers
from ._branches import NotClassical, branch_memory, branch_plan, branches
from ._plan import finite_difference_inputs
from .errors import DeviceError, MeasurementError, MethodError, PostselectionError
from ._ir import kernel_outcomes, kernel_probs, observable_apply
from ._program import lowered
from ._trace import thread_setting
from ._shapes import measurements, parameter_differences, postselection_impossible



_FILL = threading.local()


@contextlib.contextmanager
def filling_shots():
    """Inside, a postselected measurement takes every shot from the projected,
    renormalised state (PennyLane's ``postselect_mode="fill-shots"``) instead of the
    binomial number that keep the outcome (``"hw-like"``).

    >>> with filling_shots():
    ...     fills_shots()
    True
    """
    with thread_setting(_FILL, "active", True):
        yield


def fills_shots() -> bool:
    """Whether postselected measurements take every shot (:func:`filling_shots`).

    >>> fills_shots()
    False
    """
    return getattr(_FILL, "active", False)


_DISCARDED = threading.local()


@contextlib.contextmanager
def discarding_as(method):
    """Inside, a postselected measurement none of whose shots is kept gives what PennyLane's
    mid-circuit measurement method ``method`` gives then (:func:`discarded_value`):
    ``"one-shot"``, ``"tree-traversal"``, or ``"deferred"`` / None (NaN estimates, NaN
    frequencies, an empty sample, empty counts).

    >>> with discarding_as("one-shot"):
    ...     discarding_method()
    'one-shot'
    """
    with thread_setting(_DISCARDED, "method", method):
        yield


def discarding_method():
    """The mid-circuit measurement method :func:`discarding_as` set, else None.

    >>> discarding_method() is None
    True
    """
    return getattr(_DISCARDED, "method", None)


def discarded_value(m, deferred):
    """The value of measurement ``m`` when every shot was discarded by its postselection,
    as PennyLane 0.45 gives it under the method :func:`discarding_as` set: with
    ``"one-shot"`` (``dynamic_one_shot``'s processing) a scalar NaN for every measurement
    but ``probs`` of an observable or of mid-circuit measurement values (NaN per
    eigenvalue), ``probs`` of wires included; with ``"tree-traversal"``
    (``measurement_with_no_shots``) NaN per outcome for ``probs``, a scalar NaN for the
    others (``sample`` and ``counts`` included); otherwise (deferred) ``deferred``.

    >>> import qsym._ir as ir
    >>> with discarding_as("one-shot"):
    ...     discarded_value(ir.Measurement("sample", on=(0,)), [])
    nan
    >>> with discarding_as("tree-traversal"):
    ...     discarded_value(ir.Measurement("probs", on=(0, 1)), None)
    array([nan, nan, nan, nan])
    """
    method = discarding_method()
    if method not in ("one-shot", "tree-traversal"):
        return deferred
    if m.kind == "probs" and (method == "tree-traversal" or m.of_values
                              or (len(m.label) > 1 and m.label[1])):
        return np.full(2 ** len(m.on), np.nan)
    return float("nan")


def postselected_draw(m, state, n: int, shots: int, rng, kept_memo: dict | None = None):
    """Samples (or counts) of ``m`` after a postselection (``m.post``), as PennyLane's
    ``"hw-like"`` mode: the shots that give the kept outcomes, a binomial number of them,
    drawn from the projected, renormalised state (none when that outcome is impossible);
    in ``"fill-shots"`` mode (:func:`filling_shots`) all the shots, an impossible outcome
    refused. ``kept_memo`` (a dict) shares the number of kept shots of each postselection
    between the measurements of one execution (:func:`_kept_once`)."""
    psi = np.asarray(state, dtype=complex)
    kept_psi = observable_apply(psi.reshape((2,) * n), m.post, {}).reshape(-1)
    norm = float(np.real(np.vdot(kept_psi, kept_psi)))
    kept = _kept_once(m.post, norm, shots, rng, kept_memo)
    if not kept and m.shadow[:1] == ("shadow_expval",):  # no snapshot: NaN (PennyLane's)
        return np.float64(np.nan) if m.shadow[3] else np.full(len(m.shadow[4]), np.nan)
    if not kept:
        return discarded_value(m, _drawn(m, psi, n, 0, rng))
    return _drawn(m, kept_psi / np.sqrt(norm), n, kept, rng)


def kept_shots(norm: float, shots: int, rng) -> int:
    """How many of ``shots`` keep a postselected outcome of probability ``norm``: a
    binomial number (PennyLane's ``"hw-like"``), or all of them in ``"fill-shots"`` mode
    (:func:`filling_shots`; an impossible outcome is then refused).

    >>> with filling_shots():
    ...     kept_shots(0.25, 100, None)
    100
    """
    if postselection_impossible(norm):  # the one rule (qsym._shapes.POSTSELECTION_ATOL)
        if fills_shots():
            raise PostselectionError(
                "The probability of the postselected mid-circuit measurement outcome is 0. "
                "This leads to invalid results when using postselect_mode='fill-shots'. "
                "(qsym: use postselect_mode='hw-like' to get no samples)")
        return 0
    return shots if fills_shots() else int(rng.binomial(shots, min(norm, 1.0)))


def _kept_once(post, norm: float, shots: int, rng, memo: dict | None) -> int:
    """:func:`kept_shots`, drawn once per postselection ``post`` in ``memo``: PennyLane
    draws the kept shots of a tape once, and every measurement of the tape reads those
    (so two measurements of one postselected execution never keep different numbers of
    shots). ``memo`` None: a draw of its own."""
    if memo is None:
        return kept_shots(norm, shots, rng)
    if post not in memo:
        memo[post] = kept_shots(norm, shots, rng)
    return memo[post]


def _drawn(m, psi, n, shots, rng):
    """Samples, counts or a classical shadow of a state."""
    if m.shadow:
        return shadow_value(m, psi, n, shots, rng)
    return draw(m, psi, np.abs(psi) ** 2, n, shots, rng)


def _numeric_terms(m) -> bool:
    return all(getattr(c, "is_number", True) for c, _ in m.terms)


def at_call(m, circuit, x, d):
    """``m`` with its observable's coefficients at the call's inputs ``x`` and data ``d``
    (a trainable coefficient, a ``qml.Hermitian`` of trainable entries: the eigenvalues
    drawn are the observable's at these numbers); ``m`` itself when they are numbers."""
    if _numeric_terms(m):
        return m
    import sympy as sp

    values = {**dict(zip(circuit.inputs, map(float, np.ravel(x)))),
              **dict(zip(circuit.data, map(float, np.ravel(d)[:len(circuit.data)])))}
    return dataclasses.replace(m, terms=tuple(
        (complex(sp.sympify(c).xreplace(values)) if not getattr(c, "is_number", True) else c, w)
        for c, w in m.terms))


def postselected_estimate(m, state, n: int, shots: int, rng, kept_memo: dict | None = None):
    """``expval`` / ``var`` / ``probs`` after a postselection with finite shots, as
    PennyLane's ``"hw-like"`` mode: the mean, variance or frequencies of the kept shots
    (a binomial number of the ``shots``, drawn from the projected state), so the estimate
    stays within the observable's eigenvalues; NaN when no shot is kept."""
    sample = dataclasses.replace(m, kind="sample")
    drawn = postselected_draw(sample, state, n, shots, rng, kept_memo)
    if isinstance(drawn, float):  # none kept (PennyLane's one-shot or tree-traversal)
        return discarded_value(m, None)
    drawn = np.asarray(drawn)
    kept = drawn.shape[0]
    if m.kind == "probs":
        size = 2 ** len(m.on)
        if not kept:
            return np.full(size, np.nan)
        bits = drawn.reshape(kept, -1).astype(np.int64)
        outcomes = bits @ (1 << np.arange(bits.shape[1] - 1, -1, -1))
        return np.bincount(outcomes, minlength=size) / kept
    if not kept:
        return np.float64(np.nan)
    values = drawn.astype(float)
    return np.float64(values.mean() if m.kind == "expval" else values.var())


def postselected_plain_values(ms, forms, state, n: int, shots: int, rng,
                              kept_memo: dict | None = None) -> dict:
    """``{index: value}`` of the postselected measurements of the computational basis
    (wires, and statistics of mid-circuit measurement values): those with the same
    postselection take one binomial number of kept shots and one draw of them from the
    projected, renormalised state (PennyLane's ``"hw-like"``: every measurement sees the
    same kept shots); NaN (an empty sample) when none is kept."""
    groups: dict = {}
    for i, (m, f) in enumerate(zip(ms, forms)):
        if (m.post and not m.shadow and (not m.terms or f == ("values",))
                and _numeric_terms(m)):
            groups.setdefault(m.post, []).append(i)
    out = {}
    psi = np.asarray(state, dtype=complex)
    for post, members in groups.items():
        kept_psi = observable_apply(psi.reshape((2,) * n), post, {}).reshape(-1)
        norm = float(np.real(np.vdot(kept_psi, kept_psi)))
        kept = _kept_once(post, norm, shots, rng, kept_memo)
        drawn = draw_bits(kept_psi / np.sqrt(norm), n, kept, rng) if kept else None
        for i in members:
            out[i] = _kept_statistic(ms[i], drawn)
    return out


def _kept_statistic(m, drawn):
    if drawn is not None:
        return plain_statistic(m, drawn)
    if discarding_method() is not None:
        return discarded_value(m, _no_kept_statistic(m))
    return _no_kept_statistic(m)


def _no_kept_statistic(m):
    if m.kind == "probs":
        return np.full(2 ** len(m.on), np.nan)
    if m.kind in ("expval", "var"):
        return np.float64(np.nan)
    if m.kind == "counts":
        return {}
    shape = (0, len(m.on)) if not m.terms and len(m.on) > 1 else (0,)
    return np.zeros(shape, dtype=m.dtype or (np.int64 if not m.terms else float))


class ShotCopies(NamedTuple):
    """``shots`` shots, repeated ``copies`` times: one entry of a shot vector.

    >>> import qsym as qml
    >>> qml.measurements.ShotCopies(100, 2)
    ShotCopies(100 shots x 2)
    >>> qml.measurements.Shots([(10, 2), 100]).total_shots
    120
    """

    shots: int
    copies: int

    def __str__(self):
        return f"{self.shots} shots" + (f" x {self.copies}" if self.copies > 1 else "")

    def __repr__(self):  # PennyLane's
        return f"ShotCopies({self.shots} shots x {self.copies})"


# NumPy's samplers take int64 counts
MAX_SHOTS = 2**63 - 1


def _positive_int(v) -> bool:
    return (isinstance(v, (int, np.integer)) and not isinstance(v, bool)
            and 1 <= v <= MAX_SHOTS)


class Shots:
    """PennyLane's ``qml.measurements.Shots``: a number of shots, or a shot vector.

    ``Shots(100)``, ``Shots([10, 10, 100])`` or ``Shots([(10, 2), 100])`` (a pair is
    ``(shots, copies)``); consecutive equal counts merge into one :class:`ShotCopies`.
    A QNode whose shots are partitioned (several counts, or one repeated) returns a tuple
    with one result per count, each sampled with that many shots.

    >>> s = Shots([(10, 2), 100])
    >>> s.total_shots, s.num_copies, s.has_partitioned_shots, list(s)
    (120, 3, True, [10, 10, 100])
    >>> s.shot_vector
    (ShotCopies(10 shots x 2), ShotCopies(100 shots x 1))
    >>> list(s.bins())
    [(0, 10), (10, 20), (20, 120)]
    """

    __slots__ = ("total_shots", "shot_vector")
    _frozen = True  # PennyLane's flag: immutable once made

    def __new__(cls, shots=None):
        return shots if isinstance(shots, cls) else object.__new__(cls)

    def __init__(self, shots=None):
        if isinstance(shots, Shots):
            return
        bad = DeviceError(  # PennyLane's text, then qsym's
            "Shots must be a single positive integer, a tuple pair of the form (shots, "
            "copies), or a sequence of these types. (qsym: None for exact results, a "
            f"positive int, or a list of them and (shots, copies) pairs, e.g. [100, (10, 3)]; "
            f"got {shots!r})"
        )
        if shots is None:
            total, vector = None, ()
        elif _positive_int(shots):
            total, vector = int(shots), (ShotCopies(int(shots), 1),)
        elif isinstance(shots, (list, tuple)) and len(shots) > 0:
            merged = []
            for item in shots:
                for n in (item if isinstance(item, (list, tuple)) else (item,)):
                    if (isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                            and n > MAX_SHOTS):  # the limit named, not the general text
                        raise DeviceError(
                            f"a shot vector's counts must be at most 2**63 - 1 (NumPy's "
                            f"samplers count in int64), got {int(n)} in {shots!r}")
                if _positive_int(item):
                    n, c = int(item), 1
                elif (isinstance(item, (list, tuple)) and len(item) == 2
                      and _positive_int(item[0]) and _positive_int(item[1])):
                    n, c = int(item[0]), int(item[1])
                else:
                    raise bad
                if merged and merged[-1][0] == n:
                    merged[-1][1] += c
                else:
                    merged.append([n, c])
            vector = tuple(ShotCopies(n, c) for n, c in merged)
            total = sum(n * c for n, c in merged)
        else:
            raise bad
        object.__setattr__(self, "total_shots", total)
        object.__setattr__(self, "shot_vector", vector)

    def __setattr__(self, name, value):
        raise AttributeError("Shots is an immutable class. Consider creating a new instance "
                             "if you need different shot values.")

    @property
    def has_partitioned_shots(self) -> bool:
        """True for several counts, or one count repeated."""
        return self.num_copies > 1

    @property
    def num_copies(self) -> int:
        """The number of results a QNode returns (every count with its copies)."""
        return sum(s.copies for s in self.shot_vector)

    def __iter__(self):
        for s in self.shot_vector:
            for _ in range(s.copies):
                yield s.shots

    def bins(self):
        """``(lower, upper)`` of each count's samples in the concatenated samples."""
        lower = 0
        for n in self:
            yield lower, lower + n
            lower += n

    def __bool__(self):
        return self.total_shots is not None

    def __str__(self):  # PennyLane's: Shots(total=None), Shots(total=30, vector=[10 shots x 3])
        if not self.has_partitioned_shots:
            return f"Shots(total={self.total_shots})"
        vector = ", ".join(str(s) for s in self.shot_vector)
        return f"Shots(total={self.total_shots}, vector=[{vector}])"

    def __eq__(self, other):
        return (isinstance(other, Shots) and self.total_shots == other.total_shots
                and self.shot_vector == other.shot_vector)

    def __hash__(self):
        return hash(self.shot_vector)

    def __repr__(self):
        return f"Shots(total_shots={self.total_shots}, shot_vector={self.shot_vector})"

    def __copy__(self):  # immutable: a copy is itself, as PennyLane's
        return self

    def __deepcopy__(self, memo):
        memo[id(self)] = self
        return self

    def __add__(self, other):
        return add_shots(self, other)

    def __mul__(self, scalar):
        """Every count times ``scalar`` (truncated to an int), copies kept (PennyLane's)."""
        if isinstance(scalar, bool) or not isinstance(scalar, (int, float)):
            raise TypeError("Can't multiply Shots with non-integer or float type.")
        if self.total_shots is None:
            return self
        return Shots(tuple((int(s.shots * scalar), s.copies) for s in self.shot_vector))

    __rmul__ = __mul__


def add_shots(s1: Shots, s2: Shots) -> Shots:
    """The shot vector of ``s1`` followed by that of ``s2`` (PennyLane's
    ``qml.measurements.add_shots``, also ``s1 + s2``); exact (``Shots(None)``) adds nothing.

    >>> print(add_shots(Shots([5, (10, 2)]), Shots([3, 2, (10, 3)])))
    Shots(total=60, vector=[5 shots, 10 shots x 2, 3 shots, 2 shots, 10 shots x 3])
    >>> add_shots(Shots(None), Shots(7)) == Shots(7)
    True
    """
    if s1.total_shots is None:
        return s2
    if s2.total_shots is None:
        return s1
    return Shots(tuple((s.shots, s.copies) for s in s1.shot_vector + s2.shot_vector))


def check_shots(shots):
    """``None``, a positive int, or (for a partitioned shot vector) a :class:`Shots`;
    anything else is refused with what to do. A vector of one count (``[100]``) is that
    int, as PennyLane treats it."""
    if shots is None:
        return None
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer, list, tuple, Shots)):
        raise DeviceError(
            f"shots must be None (exact), a positive number of shots or a shot vector "
            f"(a list of counts, e.g. [100, (10, 3)]), got {shots!r}"
        )
    if isinstance(shots, (int, np.integer)):
        if shots < 1:
            raise DeviceError(f"shots must be at least 1, got {shots}")
        if shots > MAX_SHOTS:
            raise DeviceError(f"shots must be at most 2**63 - 1 (NumPy's samplers count in "
                              f"int64), got {shots}; use shots=None for exact results")
        return int(shots)
    s = Shots(shots)
    if not s:
        return None
    return s if s.has_partitioned_shots else s.total_shots


class Sampler:
    """What one compiled circuit needs to sample: its lowered program
    (:func:`qsym._program.lowered`) and its packed arrays."""

    def __init__(self, entry):
        self.entry = entry
        self.program = p = lowered(entry)
        self.ints, self.floats = entry.module.PROGRAM
        self.n = p.num_wires
        self.order = entry.circuit.sample_order  # PennyLane's order of the wires it samples
        self.masks = tuple(np.asarray(v, dtype=np.int64)
                           for v in (p.word_flip, p.word_z, p.word_ny))
        self.identity = np.array([len(w) == 0 for w in entry.plan.words])
        ms = entry.circuit.measurements
        self.forms = sampling_forms(ms)
        # PennyLane's groups, when every measurement is drawn as PennyLane draws it
        ready = all(pl_ready(m, f) for m, f in zip(ms, self.forms))
        self.groups = measurement_groups(ms, self.forms) if ready else None
        # one-shot semantics: the wires holding mid-circuit measurement values, whose draw
        # every other group's draw is conditioned on (each shot one branch)
        self.joint = (tuple(sorted({w for m, f in zip(ms, self.forms) if f == ("values",)
                                    for _, word in m.terms for w, _ in word}))
                      if entry.circuit.one_shot else ())
        # a one-shot circuit whose deferral added copy wires: drawn branch by branch on
        # the circuit's own wires where that is cheaper or the only way (native_plan)
        self.native = native_plan(entry.circuit, self.forms) if entry.circuit.one_shot else None
        # the compiled words from those draws (gradients): not from an eigenbasis
        self.word_groups = self.groups if ready and all(
            f == ("pauli",) or not m.terms or (m.kind == "expval" and f[0] in ("lincomb", "sum"))
            for m, f in zip(ms, self.forms)) else None
        # the Jacobian needs no unshifted value: no variance, no coefficient input, no
        # term of the unshifted circuit
        self.variance = any(m.kind == "var" for m in ms)
        self.shifts_only = (not self.variance
                            and not entry.plan.coeff_chain
                            and not any(self.program.term_zero))
        self.word_index = {w: i for i, w in enumerate(entry.plan.words) if isinstance(w, tuple)
                           and not hasattr(w, "outcome")}
        self.read = None  # finite differences: the inputs they step (finite_difference_inputs)

    @property
    def k(self):
        """The kernel library as the circuit's value calls run it on its current tier
        (``runtime.Compiled.sampling_kernels``: its ``value_kernels``, a twin's time on
        the promotion clock; the compiled kernels for other entries): a first sampled
        answer does not wait for numba to load the kernels' code."""
        entry = self.entry
        k = getattr(entry, "sampling_kernels", None)
        return k if k is not None else getattr(entry, "value_kernels", kernels)

    def term_tables(self):
        """The program's shift-term sections (``kernels.S_TERM_SLOT``, ``S_TERM_ZERO``),
        unpacked once (views of the packed ints: unpacking boxes every section, about
        9 µs a gradient on the seed)."""
        tables = self._term_tables
        if tables is None:
            sec = self.k.unpack_program(self.ints)
            tables = self._term_tables = (sec[kernels.S_TERM_SLOT], sec[kernels.S_TERM_ZERO])
        return tables

    _term_tables = None

    # --- one circuit -----------------------------------------------------------------
    def state(self, mats):
        native = self.native
        if native is not None and 3 * 16 * 2.0**self.n > _physical_memory() / 2:
            raise DeviceError(
                f"this one-shot circuit is drawn branch by branch on its {native.own} "
                f"own wires; its deferred state ({self.n} wires, about "
                f"{3 * 16 * 2.0**self.n / 2**30:.3g} GiB), which its derivatives under "
                "shots need, does not fit in memory: differentiate with shots=None, or "
                "measure fewer reused wires")
        return self.k.program_state(self.ints, self.floats, mats)

    def estimate_words(self, mats, shots, rng):
        """Every measured word of one circuit run, estimated from ``shots`` samples drawn
        as PennyLane draws them (:func:`pl_words`); else a Pauli word from its binomial
        draw of outcomes +-1, a probability (the last words) from the multinomial draw of
        its measurement's outcomes."""
        state = self.state(mats)
        if self.word_groups is not None and drawable(shots):
            return self.pl_words(np.asarray(state), shots, rng)
        exact = np.empty(self.masks[0].shape[0])
        self.k.pauli_expvals(state, *self.masks, exact)
        plus = rng.binomial(shots, (1.0 + np.clip(exact, -1.0, 1.0)) / 2.0)
        words = np.where(self.identity, 1.0, (2.0 * plus - shots) / shots)
        p = self.program
        first = words.shape[0] - p.probs - p.num_lin  # word of output row r: first + r
        prob = None
        drawn: dict = {}
        for j, ((kind, r, k, _), m) in enumerate(zip(self.entry.post,
                                                      self.entry.circuit.measurements)):
            if kind == "probs" and kernel_probs(m):  # (others postselected: linear rows)
                if prob is None:
                    prob = np.abs(state) ** 2
                for i, (on, b) in enumerate(kernel_outcomes(m)):
                    q = drawn_probs(drawn, j, on, lambda w: marginal(prob, self.n, w), shots, rng)
                    words[first + r + i] = q[b]
        return words

    def pl_words(self, psi, shots, rng):
        """The words of :meth:`estimate_words` from PennyLane's draws (the groups of
        :func:`measurement_groups`, in its order): a Pauli word's mean of its ``+-1``
        samples, a probability the frequency of its outcome."""
        p = self.program
        words = np.where(self.identity, 1.0, 0.0)
        first = words.shape[0] - p.probs - p.num_lin
        ms = self.entry.circuit.measurements
        for g in self.word_groups:
            m, form = ms[g[0]], self.forms[g[0]]
            if not m.terms:
                bits = draw_bits(psi, self.n, shots, rng, self.order)
                for i in g:
                    kind, r, k, _ = self.entry.post[i]
                    if kind == "probs":
                        words[first + r : first + r + k] = wires_statistic(ms[i], bits)
                continue
            if form == ("pauli",):
                bits = draw_bits(_rotate(psi, self.n, group_rotation([ms[i] for i in g])),
                                 self.n, shots, rng, self.order)
                drawn = [(bits, ms[i].terms[0][1]) for i in g]
            else:
                drawn = pauli_words_by_samples([psi], self.n, [w for _, _, w in form[1]],
                                               shots, rng, self.order)[0]
            for bits, word in drawn:
                if word:
                    words[self.word_index[word]] = word_mean(bits, word)
        return words

    def estimate_rows(self, mats, C, shots, rng):
        """Estimated outputs of one circuit run (``kernels.combine_into`` of its estimated
        words), and those words."""
        words = self.estimate_words(mats, shots, rng)
        rows = np.empty(self.program.num_outputs)
        self.k.combine_into(C, words, rows)
        return rows, words

    # --- values ------------------------------------------------------------------------
    def values(self, x, d, shots, rng):
        """Every measurement's estimated value (as :func:`qsym._shapes.measurements`)."""
        entry = self.entry
        native = self.native  # (read once: another thread's call may set it to None)
        if native is not None and drawable(shots):
            try:
                return native_values(self, x, d, [shots], rng, native)[0]
            except NotClassical:  # (a gate mixes a copy at these numbers: deferred)
                self.native = None
        pre = entry.prepare(x, d, 0)
        mats = pre.mats
        if self.groups is not None and drawable(shots):  # PennyLane's draws and arithmetic
            return pl_values(entry.circuit.measurements, self.forms, self.groups,
                             [np.asarray(self.state(mats))], self.n, [shots], rng,
                             self.order, self.joint)[0][0]
        rows, _ = self.estimate_rows(mats, pre.C, shots, rng)
        values, _ = measurements(entry.post, rows)
        ms = entry.circuit.measurements
        kept = {}  # each postselection's kept shots, one draw for every measurement
        shared = (postselected_plain_values(ms, self.forms, self.state(mats), self.n, shots, rng,
                                            kept)
                  if any(m.post for m in ms) else {})
        for i, v in shared.items():
            values[i] = v
        for i, m in enumerate(ms):
            if (m.post and m.kind in ("expval", "var", "probs") and _numeric_terms(m)
                    and i not in shared):
                values[i] = postselected_estimate(m, self.state(mats), self.n, shots, rng, kept)
        if any(m.kind in ("sample", "counts") for m in ms):
            state = self.state(mats)
            prob = np.abs(state) ** 2
            for i, m in enumerate(ms):
                if i in shared:
                    continue
                if m.kind in ("sample", "counts") and m.post:
                    values[i] = postselected_draw(m, state, self.n, shots, rng, kept)
                elif m.shadow:  # a classical shadow: each snapshot in its own bases
                    values[i] = shadow_value(m, state, self.n, shots, rng)
                elif m.kind in ("sample", "counts"):
                    values[i] = draw(at_call(m, entry.circuit, x, d), state, prob, self.n,
                                     shots, rng)
        return values

    def batch_values(self, inputs, counts, rng):
        """Every measurement's value at each ``(x, d)`` of ``inputs`` and each count of
        ``counts`` (``out[b][k]``), drawn as PennyLane draws a broadcast tape with a shot
        vector (:func:`pl_values`); needs :attr:`groups`."""
        native = self.native
        if native is not None:
            try:
                return [native_values(self, x, d, counts, rng, native) for x, d in inputs]
            except NotClassical:
                self.native = None
        psis = [np.asarray(self.state(self.entry.prepare(x, d, 0).mats)) for x, d in inputs]
        return pl_values(self.entry.circuit.measurements, self.forms, self.groups, psis,
                         self.n, counts, rng, self.order, self.joint)

    # --- gradients ---------------------------------------------------------------------
    def sampled_slot_derivatives(self, mats, smats, e, shots, rng) -> np.ndarray:
        """The slot derivatives ``de[s, t]`` of the word values ``e``: the circuit of every
        nonzero shift term (its op with the term's shifted matrix from ``smats``) sampled
        with ``shots`` shots, combined by the kernels' shift terms
        (``kernels.accumulate_terms``): :meth:`parameter_shift`'s and the sampled second
        order's (:func:`qsym._second_order.sampled_gate_gradient`) one loop."""
        p = self.program
        vals = np.zeros((len(p.term_op), e.shape[0]))
        for t, k in enumerate(p.term_op):
            if not p.term_zero[t]:  # op k with the term's shifted matrix
                m2 = mats.copy()
                off, soff, size = p.op_off[k], p.term_off[t], p.size(k)
                m2[off : off + size] = smats[soff : soff + size]
                vals[t] = self.estimate_words(m2, shots, rng)
        de = np.zeros((p.num_slots, e.shape[0]))
        term_slot, term_zero = self.term_tables()
        self.k.accumulate_terms(term_slot, self.floats, term_zero, e, vals, de)
        return de

    def parameter_shift(self, x, d, shots, rng, forward=True):
        """Outputs and their Jacobian, every shifted circuit sampled with ``shots`` shots:
        the kernels' shift terms (``kernels.accumulate_terms``) and chain-rule finish
        (``kernels.shift_finish``) on sampled word values. ``forward=False`` (autograd's
        backward pass, whose forward pass drew the value): the unshifted circuit is not
        drawn again where the Jacobian does not use it (PennyLane's batch of shifted
        circuits); the outputs are then exact. A variance's Jacobian uses the unshifted
        circuit's expectation drawn again after the value (PennyLane's ``var_param_shift``
        puts that circuit first in its batch)."""
        p = self.program
        pre = self.entry.prepare(x, d, 1)
        mats, smats = pre.mats, pre.smats
        first = None
        if forward and self.variance and self.word_groups is not None:
            first = self.estimate_words(mats, shots, rng)  # the value, then <A> again
        if forward or not self.shifts_only:
            e = self.estimate_words(mats, shots, rng)
        else:
            e = np.empty(self.masks[0].shape[0])
            self.k.pauli_expvals(self.state(mats), *self.masks, e)
        de = self.sampled_slot_derivatives(mats, smats, e, shots, rng)
        out, jac = np.empty(p.num_outputs), np.empty((p.num_outputs, p.num_inputs))
        g = np.zeros((p.num_inputs, e.shape[0]))
        self.k.shift_finish(self.ints, pre.ch, pre.C, pre.cc, e, de, g, out, jac)
        if first is not None:  # the value from the first draw; a variance's derivative
            # d<A^2> - 2 <A> d<A> with <A> from the second (measurements() reads out)
            drawn = np.empty_like(out)
            self.k.combine_into(pre.C, first, drawn)
            for kind, r, _, _ in self.entry.post:
                if kind == "var":
                    jac[r] += 2.0 * (drawn[r + 1] - out[r + 1]) * jac[r + 1]
            out = drawn
        return out, jac

    def finite_differences(self, x, d, shots, rng, h, order, strategy="forward"):
        warnings.warn(
            f"finite differences under shots: each derivative is a difference of two "
            f"sampled values divided by h={h}, so its noise is about 1/(h*sqrt(shots)); "
            "use diff_method='parameter-shift' on sampled devices",
            UserWarning,
            stacklevel=4,
        )
        entry = self.entry
        # an input no gate parameter inside the light cone or coefficient reads has
        # derivative 0 exactly, as for PennyLane: stepping it would divide sampling noise by h
        if self.read is None:  # (once per circuit)
            self.read = finite_difference_inputs(entry.circuit)[0]
        # each gate parameter stepped alone, every shifted circuit sampled, the finished
        # values differenced (a variance's, a postselected ratio's): PennyLane's
        # finite_diff on the tape (qsym._shapes.parameter_differences)
        chain, coefficients, moved = entry.fd_steps(x, d, self.read)
        return parameter_differences(
            lambda step: self.estimate_rows(*moved(step), shots, rng)[0], x.shape[0], chain,
            h, order, strategy, entry.post, coefficients, entry.negated_slots())


#: a one-shot circuit whose deferral added copy wires (:mod:`qsym._branches`) is drawn
#: branch by branch from this many wires on, the copies included (or where its deferred
#: state does not fit in memory); below, the deferred state's compiled kernels are cheaper
NATIVE_FROM_WIRES = 20


def native_plan(circuit, forms):
    """The :class:`qsym._branches.BranchPlan` a one-shot ``circuit`` is drawn by (its
    measurements drawn as PennyLane draws them, a postselection aside; from
    :data:`NATIVE_FROM_WIRES` wires on or where the deferred state does not fit), else
    None; a :class:`DeviceError` with the memory each way needs where neither fits.

    >>> import qsym._ir as ir
    >>> c = ir.Circuit(2, (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 1)), ir.Op("RX", (0,), (0.3,))),
    ...                (ir.Measurement("sample", on=(0, 1)),), one_shot=True)
    >>> native_plan(c, [()]) is None   # two wires: the deferred state is cheaper
    True
    """
    plan = branch_plan(circuit)
    ms = circuit.measurements
    if plan is not None and not all(
            pl_ready(dataclasses.replace(m, post=()), f)
            and not (f[:1] in (("lincomb",), ("sum",)) and m.kind == "expval" and m.terms)
            for m, f in zip(ms, forms)):
        plan = None
    budget = _physical_memory() / 2
    deferred = 3 * 16 * 2.0**circuit.num_wires  # the state, a rotated copy, probabilities
    if plan is not None and (circuit.num_wires >= NATIVE_FROM_WIRES or deferred > budget):
        if branch_memory(plan) <= budget:
            return plan
    if deferred > budget:
        own = (f"; branch by branch on its {plan.own} own wires about "
               f"{branch_memory(plan) / 2**30:.3g} GiB" if plan is not None else
               " (it cannot run branch by branch: a measurement or a gate reads a copy "
               "in another basis, or a postselection is of a wire used again)")
        raise DeviceError(
            f"this one-shot circuit's mid-circuit measurements make it a "
            f"{circuit.num_wires}-wire state when deferred (a copy wire per measurement of "
            f"a wire used again): about {deferred / 2**30:.3g} GiB{own}, and this machine "
            f"has {budget / 2**30:.3g} GiB for it: measure fewer reused wires, or reset "
            "fewer wires (a fresh wire per measurement, where the device has them)")
    return None


def _native_leaf(sampler, groups, psi, count, rng, plan_own) -> list:
    """One branch's draws (its state ``psi`` on the own wires, ``count`` shots) for each
    group of measurements, as :func:`pl_values` draws one state: ``(samples, stat)`` per
    group, ``samples`` basis indices of the own wires of which only the wires the group
    reads are drawn (from their marginal distribution; the others 0); the groups that do
    not rotate the wires of mid-circuit values still on the own wires drawn given the first
    one's outcomes there."""
    ms, forms, own = sampler.entry.circuit.measurements, sampler.forms, plan_own
    joint = [w for w in sampler.joint if w < own]
    flat, given, out = psi.reshape(-1), None, []
    for g in groups:
        (rotated,), stat = _group_statistics(ms, forms, g, [flat], own)
        read = sorted({w for i in g for w in ms[i].wires if w < own} | set(joint))
        amps = np.sqrt(marginal(rotated.real**2 + rotated.imag**2, own, read))
        free = not set(_rotated_wires(ms, forms, g)) & set(joint)
        at = [read.index(w) for w in joint]
        if joint and given is not None and free:
            drawn = conditional_draw(amps, len(read), given, at, rng)
        else:
            drawn = draw_bits(amps, len(read), count, rng)
            if joint and given is None and free:
                given = drawn.outcomes(at)
        samples = np.zeros(count, dtype=np.int64)
        for j, w in enumerate(read):  # (each read wire's bit at its place among the own)
            samples |= ((drawn.samples >> (len(read) - 1 - j)) & 1) << (own - 1 - w)
        out.append((samples, stat))
    return out


def native_values(sampler, x, d, counts, rng, plan=None) -> list:
    """Every measurement's value for each count of ``counts`` (``out[k]``), drawn branch by
    branch (:func:`qsym._branches.branches`): each branch's shots drawn from its state on
    the own wires, the copies' bits set in every sample, the shots put in a random order
    (each shot's branch independent of its place, as shot-by-shot execution gives),
    then binned; the shots a postselection discarded are in no bin's statistic (none
    kept: :func:`_kept_statistic`)."""
    # ``plan``: the caller's one read of ``sampler.native`` (another thread's call that
    # finds the plan cannot draw at its numbers sets it to None meanwhile)
    plan = sampler.native if plan is None else plan
    circuit = sampler.entry.circuit
    ms = circuit.measurements
    groups = measurement_groups(ms, sampler.forms)
    shift = plan.num_wires - plan.own
    pooled, stats, discarded = [[] for _ in groups], [None] * len(groups), 0
    for psi, bits, count in branches(plan, circuit, x, d, int(sum(counts)), rng,
                                     fills_shots()):
        if psi is None:
            discarded += count
            continue
        leaves = _native_leaf(sampler, groups, psi, count, rng, plan.own)
        for j, (samples, stat) in enumerate(leaves):
            pooled[j].append((samples << shift) | bits)
            stats[j] = stat
    kept = sum(len(p) for p in pooled[0]) if groups else 0
    slots = rng.permutation(kept + discarded)[:kept]  # each kept shot's place
    order = np.argsort(slots, kind="stable")
    samples = [np.concatenate(p)[order] if p else None for p in pooled]
    placed = slots[order]
    out = []
    for lo, hi in bins(counts):
        a, b = np.searchsorted(placed, lo), np.searchsorted(placed, hi)
        values = [None] * len(ms)
        for j, g in enumerate(groups):
            for i in g:
                values[i] = (stats[j](ms[i], Drawn(samples[j][a:b], plan.num_wires))
                             if b > a else _kept_statistic(ms[i], None))
        out.append(values)
    return out


def shadow_value(m, state, n, shots, rng, mixed=False):
    """A classical shadow measurement (``m.shadow``) of a state (``mixed``: a density
    matrix): its bits and recipes ``(2, shots, k)``, or the estimates of
    ``qml.shadow_expval`` (:mod:`qsym._shadows`)."""
    sampler = shadows.shadow_samples_mixed if mixed else shadows.shadow_samples
    bits_recipes = sampler(state, n, m.on, shots, m.shadow[1], rng)
    if m.shadow[0] == "classical_shadow":
        return bits_recipes
    _, _, k, _, hs = m.shadow
    return shadows.expval_from_shadow(bits_recipes[0], bits_recipes[1], list(m.on), hs, k)


def drawn_probs(drawn: dict, j, on, probs, shots, rng):
    """The frequencies of the outcomes on the wires ``on`` in ``shots`` draws for
    measurement ``j``, kept in ``drawn``: the marginal of its earlier draw on wires that
    hold them (a postselection's norm from the draw of its rows: the ratio of one draw,
    :func:`qsym._ir.kernel_outcomes`), else a multinomial draw of ``probs(on)``.

    >>> rng = np.random.default_rng(0)
    >>> kept = {}
    >>> joint = drawn_probs(kept, 0, (0, 1), lambda w: np.full(2 ** len(w), 0.5 ** len(w)), 10, rng)
    >>> bool(np.allclose(drawn_probs(kept, 0, (1,), None, 10, rng), [joint[0] + joint[2], joint[1] + joint[3]]))
    True
    """
    key = (j, tuple(on))
    if key not in drawn:
        for (i, wires), f in list(drawn.items()):
            if i == j and set(on) <= set(wires):
                drawn[key] = marginal(f, len(wires), [wires.index(w) for w in on])
                break
        else:
            q = probs(tuple(on))
            drawn[key] = rng.multinomial(shots, q / q.sum()) / shots
    return drawn[key]


def marginal(prob, n, on):
    """Probabilities of the wires ``on`` (first most significant) from ``|psi|^2``."""
    p = prob.reshape((2,) * n)
    rest = tuple(w for w in range(n) if w not in on)
    p = p.sum(axis=rest) if rest else p
    order = np.argsort(np.argsort(on))  # axes of p are the wires in sorted order
    return np.transpose(p, tuple(order)).reshape(-1)


def _observable_matrix(terms, wires):
    """The matrix of ``sum c * word`` on ``wires`` (first most significant)."""
    k = len(wires)
    mat = np.zeros((2**k, 2**k), dtype=complex)
    for c, word in terms:
        letters = dict(word)
        m = np.ones((1, 1), dtype=complex)
        for w in wires:
            m = np.kron(m, kernels.PAULI_MATRICES[letters.get(w, "I")])
        mat += complex(c) * m
    return mat


def draw(m, state, prob, n, shots, rng, reduced=None):
    """``qml.sample`` / ``qml.counts``: outcomes of the wires, or eigenvalues of ``O``;
    more samples than fit in memory are a :class:`DeviceError` (checked against the
    machine's memory first: with overcommit, NumPy's allocation may not fail).
    ``reduced(wires)``: the reduced density matrix of ``wires`` (default: of the pure
    ``state``)."""
    need = 8 * shots * (len(m.on) + 2 if not m.terms else 3)
    try:
        if need > _physical_memory():
            raise MemoryError
        return _draw(m, state, prob, n, shots, rng, reduced)
    except MemoryError:
        raise DeviceError(
            f"qml.{m.kind} of {shots} shots does not fit in memory (one or more 8-byte "
            "numbers per shot): use fewer shots, or qml.expval / qml.probs, which need no "
            "memory per shot"
        ) from None


# bytes a shot vector's copy costs at least: its count in the list of counts, one result
# object and its slot in the returned tuple (a float: 24 + 8 + 8 + 28 bytes, rounded up)
COPY_BYTES = 100


def check_copies(shots) -> None:
    """A shot vector whose copies' results (one per copy, in a tuple) cannot fit in memory
    is a :class:`DeviceError`, before any is run (``[(10, 10**9)]``: 10**9 results, a
    loop of hours and tens of GB).

    >>> check_copies(Shots([(10, 3)]))
    >>> try:
    ...     check_copies(Shots([(10, 10**15)]))
    ... except DeviceError as exc:
    ...     print(str(exc)[:46])
    a shot vector of 1000000000000000 copies (one
    """
    copies = shots.num_copies
    if copies * COPY_BYTES > _physical_memory():
        raise DeviceError(
            f"a shot vector of {copies} copies (one result each, returned as a tuple) does "
            "not fit in memory: use fewer copies, or one count of their total shots "
            f"(shots={shots.total_shots}) for the same statistics in one result")


@functools.lru_cache(maxsize=1)
def _physical_memory() -> float:
    """Bytes of physical memory (infinity where the platform does not say); read once
    (each sampled circuit asks)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return float("inf")


def _draw(m, state, prob, n, shots, rng, reduced=None):
    if not m.terms:
        p = marginal(prob, n, m.on)
        outcomes = choice(rng, p / p.sum(), shots)
        k = len(m.on)
        bits = (outcomes[:, None] >> np.arange(k - 1, -1, -1)) & 1
        if m.kind == "sample":
            return bits.astype(getattr(m, "dtype", None) or np.int64)
        if getattr(m, "all_outcomes", False):
            tally = np.bincount(outcomes, minlength=2**k)
            return {format(b, f"0{k}b"): np.int64(tally[b]) for b in range(2**k)}
        keys, counts = np.unique(outcomes, return_counts=True)
        # NumPy strings as PennyLane's keys (plain ones with all_outcomes, above)
        return {np.str_(format(int(b), f"0{k}b")): np.int64(c) for b, c in zip(keys, counts)}
    wires = tuple(sorted({w for _, word in m.terms for w, _ in word}))
    if not wires:  # a multiple of the identity
        value = float(sum(complex(c).real for c, _ in m.terms))
        samples = np.full(shots, value)
    else:
        mat = _observable_matrix(m.terms, wires)
        evals, evecs = np.linalg.eigh(mat)
        if reduced is not None:
            rho = reduced(wires)
        else:
            psi = state.reshape((2,) * n)
            rest = tuple(w for w in range(n) if w not in wires)
            psi = np.transpose(psi, wires + rest).reshape(2 ** len(wires), -1)
            rho = psi @ psi.conj().T
        p = np.real(np.einsum("ij,ik,kj->j", evecs.conj(), rho, evecs))
        p = np.clip(p, 0.0, None)
        # degenerate eigenvalues differ in the last bits: one value per eigenvalue
        for i in range(1, evals.shape[0]):
            if evals[i] - evals[i - 1] < 1e-9:
                evals[i] = evals[i - 1]
        evals = evals + 0.0  # no -0.0
        samples = evals[choice(rng, p / p.sum(), shots)]
    if m.kind == "sample":
        dtype = getattr(m, "dtype", None)
        return samples if dtype is None else samples.astype(dtype)
    keys, counts = np.unique(samples, return_counts=True)
    out = {np.float64(v): np.int64(c) for v, c in zip(keys, counts)}  # PennyLane's key type
    if getattr(m, "all_outcomes", False):  # every eigenvalue, unseen ones with count 0
        every = np.unique(evals) if wires else np.unique(samples)
        out = {np.float64(v): out.get(float(v), np.int64(0)) for v in every}
    return out


# --- PennyLane's draws ----------------------------------------------------------------
# default.qubit (pennylane/devices/qubit/sampling.py, ``measure_with_samples``) groups a
# circuit's measurements, rotates the state into each group's eigenbasis and draws
# ``rng.choice(2**n, shots, p=|psi|^2)`` once per group from the whole state; every
# measurement of the group is computed from those samples. The same draws in the same
# order give PennyLane's numbers for the same generator.
_SQRT_HALF = 1.0 / np.sqrt(2.0)
# eigenbasis -> computational basis, eigenvalue +1 first (PennyLane's diagonalizing gates:
# X: Hadamard; Y: Z, S, Hadamard)
ROTATIONS = {"X": np.array([[1, 1], [1, -1]], dtype=complex) * _SQRT_HALF,
             "Y": np.array([[1, -1j], [1, 1j]], dtype=complex) * _SQRT_HALF}


RY_HADAMARD = np.array([[np.cos(np.pi / 8), np.sin(np.pi / 8)],
                        [-np.sin(np.pi / 8), np.cos(np.pi / 8)]], dtype=complex)


def drawable(shots) -> bool:
    """Whether ``shots`` (a count, or the counts of a shot vector) fit in memory drawn one
    by one as PennyLane draws them (about 32 bytes a shot); more are estimated by qsym's
    own draws (a binomial per word, a multinomial per ``probs``: no memory per shot;
    ``sample``/``counts`` of that many are a :class:`DeviceError`)."""
    total = sum(shots) if isinstance(shots, (list, tuple)) else shots
    return 32 * total <= _physical_memory() / 2


def sampling_form(m) -> tuple:
    """``m.sampling`` (:class:`qsym._ir.Measurement`), or, where the trace did not set it,
    what PennyLane does with its Pauli sum: one word is a Pauli word, more its eigenbasis."""
    if m.sampling:
        return m.sampling
    return ("pauli",) if len(m.terms) == 1 else ("matrix",)


def sampling_forms(ms) -> list:
    """Each measurement's :func:`sampling_form` as PennyLane's ``_group_measurements``
    reads it: with several measurements it first simplifies each ``Sum`` (a Hamiltonian
    too), so one whose terms are one Pauli word repeated (``Y + Y + Y``, ``2 X(0) @ Z(1) -
    X(0) @ Z(1)``) is that word with the summed coefficient, drawn with the qubit-wise
    commuting words, not term by term (before stop 70 qsym drew such a Hamiltonian's
    expectation term by term: other numbers than PennyLane's for the same seed, and every
    later draw moved; oracle70, seed 7030 case 17). One measurement is not simplified."""
    forms = [sampling_form(m) for m in ms]
    if len(ms) < 2:
        return forms
    for i, (m, f) in enumerate(zip(ms, forms)):
        if (f[:1] in (("lincomb",), ("sum",)) and len(m.terms) == 1 and m.terms[0][1]
                and _number(m.terms[0][0]) is not None):
            forms[i] = ("pauli",)
    return forms


def qwc_partition(words) -> list:
    """PennyLane's ``compute_partition_indices(..., "qwc", "lf")``: the words coloured
    greedily, largest degree first (ties by index), in the graph joining words that do not
    commute qubit-wise; the groups ordered by their first index.

    >>> qwc_partition([((0, "X"), (1, "Z")), ((0, "Z"),), ((1, "X"),)])
    [[0], [1, 2]]
    """
    letters = [dict(w) for w in words]
    k = len(words)
    adj = [[j for j in range(k) if j != i and any(
        b != letters[j].get(w, b) for w, b in letters[i].items())] for i in range(k)]
    colour: dict = {}
    for i in sorted(range(k), key=lambda i: -len(adj[i])):
        used = {colour[j] for j in adj[i] if j in colour}
        colour[i] = next(c for c in range(k + 1) if c not in used)
    groups: dict = {}
    for i in range(k):
        groups.setdefault(colour[i], []).append(i)
    return list(groups.values())


def measurement_groups(ms, forms) -> list:
    """PennyLane's ``_group_measurements``: indices of the measurements sampled together,
    in the order drawn: the groups of qubit-wise commuting Pauli words, then the
    measurements without an observable, then each other one on its own."""
    if len(ms) == 1:
        return [[0]]
    pauli = [i for i, f in enumerate(forms) if f == ("pauli",)]
    # (statistics of mid-circuit measurement values: functions of their recording wires'
    # bits, drawn with the wires, as PennyLane's measurements without an observable)
    plain = [i for i, (m, f) in enumerate(zip(ms, forms)) if not m.terms or f == ("values",)]
    other = [[i] for i, (m, f) in enumerate(zip(ms, forms))
             if m.terms and f not in (("pauli",), ("values",))]
    words = [ms[i].terms[0][1] for i in pauli]
    groups = [[pauli[j] for j in g] for g in qwc_partition(words)] if pauli else []
    return groups + ([plain] if plain else []) + other


def _rotate(psi, n, rotation):
    """``psi`` with the 2x2 matrix ``rotation[w]`` applied on each wire ``w`` of it (a
    density matrix ``(2**n, 2**n)``: ``U rho U^dagger``)."""
    if psi.ndim == 2:
        rho = psi.reshape(-1)
        for w, u in rotation.items():  # the row index's wire w, then the column's
            rho = np.matmul(u, rho.reshape(2**w, 2, -1)).reshape(-1)
            rho = np.matmul(u.conj(), rho.reshape(2 ** (n + w), 2, -1)).reshape(-1)
        return rho.reshape(2**n, 2**n)
    for w, u in rotation.items():  # wire w is the middle axis of (2**w, 2, rest)
        psi = np.matmul(u, psi.reshape(2**w, 2, -1))
    return psi.reshape(-1)


def _eigenbasis(psi, n, wires, mat, snap=True):
    """``psi`` with the eigenvectors' adjoint of ``mat`` (on ``wires``, first most
    significant) applied, and the eigenvalues (ascending, as ``eigh`` gives them;
    ``snap``: degenerate ones made equal)."""
    evals, evecs = np.linalg.eigh(mat)
    for i in range(1, evals.shape[0] if snap else 0):  # degenerate eigenvalues: one value
        if evals[i] - evals[i - 1] < 1e-9:
            evals[i] = evals[i - 1]
    k = len(wires)
    if psi.ndim == 2:  # a density matrix: V^dagger rho V on the wires
        u = evecs.conj().T
        rho = psi.reshape((2,) * (2 * n))
        gate = u.reshape((2,) * (2 * k))
        for axes, g in (([n + w for w in wires], gate.conj()), (list(wires), gate)):
            rho = np.tensordot(g, rho, axes=(list(range(k, 2 * k)), axes))
            rho = np.moveaxis(rho, range(k), axes)
        return rho.reshape(2**n, 2**n), evals + 0.0
    t = np.moveaxis(psi.reshape((2,) * n), wires, range(k)).reshape(2**k, -1)
    t = (evecs.conj().T @ t).reshape((2,) * n)
    return np.moveaxis(t, range(k), wires).reshape(-1), evals + 0.0


class Drawn:
    """Samples of every wire: basis-state indices (the first wire most significant) of
    ``n`` wires; ``drawn[lo:hi]`` the shots of one bin."""

    __slots__ = ("samples", "n")

    def __init__(self, samples, n):
        self.samples, self.n = samples, n

    def __len__(self):
        return self.samples.shape[0]

    def __getitem__(self, shots):
        return Drawn(self.samples[shots], self.n)

    def outcomes(self, wires):
        """Each shot's outcome index on ``wires`` (the first most significant)."""
        out = np.zeros(self.samples.shape[0], dtype=np.int64)
        for w in wires:
            out = (out << 1) | ((self.samples >> (self.n - 1 - w)) & 1)
        return out

    def bits(self, wires):
        """``(shots, len(wires))`` integers 0/1 (PennyLane's samples of those wires)."""
        return np.stack([(self.samples >> (self.n - 1 - w)) & 1 for w in wires], axis=1)


def draw_bits(psi, n, shots, rng, order=()):
    """PennyLane's ``sample_state``: ``shots`` outcomes of every wire of ``psi``, one
    ``rng.choice`` over its ``2**n`` basis states with probabilities ``|psi|^2`` (of a
    density matrix: its diagonal) (:class:`Drawn`). ``order``
    (:attr:`qsym._ir.Circuit.sample_order`): every wire in PennyLane's order; the basis
    states are drawn in that order, as PennyLane draws them, and each outcome mapped back
    (:func:`from_order`).

    >>> psi = np.array([0.6, 0.8, 0, 0])                 # wire 1 in 0.6|0> + 0.8|1>
    >>> a = draw_bits(psi, 2, 5, np.random.default_rng(3), order=(1, 0))
    >>> b = np.random.default_rng(3).choice(4, 5, p=[0.36, 0, 0.64, 0])  # wire 1 first
    >>> a.bits([1, 0]).tolist() == [[i >> 1, i & 1] for i in b.tolist()]
    True
    """
    probs = np.diagonal(psi).real if psi.ndim == 2 else psi.real**2 + psi.imag**2
    if order:
        table = (from_order if n <= 16 else from_order.__wrapped__)(n, tuple(order))
        probs = probs[table]  # the same numbers in PennyLane's order
    norm = probs.sum()  # (np.sum's reduction, without its wrapper)
    if abs(norm - 1.0) > 1e-6:
        raise ValueError("probabilities do not sum to 1")
    drawn = choice(rng, probs / norm, shots)
    return Drawn(table[drawn] if order else drawn, n)


@functools.lru_cache(maxsize=64)
def from_order(n, order):
    """The index of all ``n`` wires (in index order, the wires not in ``order`` 0) of each
    basis state of the wires ``order`` (the first most significant): a table.

    >>> from_order(3, (2, 0)).tolist()   # wire 2 then wire 0: 00, 01, 10, 11
    [0, 4, 1, 5]
    """
    k = len(order)
    outcomes = np.arange(2**k, dtype=np.int64)
    out = np.zeros(2**k, dtype=np.int64)
    for j, w in enumerate(order):
        out |= ((outcomes >> (k - 1 - j)) & 1) << (n - 1 - w)
    out.flags.writeable = False
    return out


# NumPy's messages for the checks of p in Generator.choice (kernels.choice_check)
_CHOICE_ERRORS = {
    kernels.CHOICE_NAN: "Probabilities contain NaN",
    kernels.CHOICE_NEGATIVE: "Probabilities are not non-negative",
    kernels.CHOICE_SUM: "Probabilities do not sum to 1. See Notes section of docstring for "
                        "more information.",
}
_CHOICE_ATOL = float(np.sqrt(np.finfo(np.float64).eps))


def choice(rng, p, size):
    """``rng.choice(len(p), size, p=p)``, the same numbers and the same use of ``rng``, at a
    fraction of its cost: for a NumPy ``Generator`` and a float64 ``p`` of one axis,
    ``rng.random(size)`` and NumPy's cumulative-sum search in compiled code
    (:func:`qsym._kernels.choice_into`; NumPy's checks of ``p`` and their
    ``ValueError``); anything else is ``rng.choice`` itself (``np.random``'s legacy
    functions, other generators).

    >>> import numpy as np
    >>> p = np.array([0.2, 0.5, 0.3])
    >>> a = choice(np.random.default_rng(7), p, 6)
    >>> b = np.random.default_rng(7).choice(3, 6, p=p)
    >>> a.tolist() == b.tolist(), a.dtype
    (True, dtype('int64'))
    """
    if (type(rng) is not np.random.Generator or type(p) is not np.ndarray or p.ndim != 1
            or p.dtype != np.float64 or not p.flags.c_contiguous or p.shape[0] == 0
            or type(size) not in (int, np.int64) or size < 0):
        return rng.choice(len(p), size, p=p)
    # the kernels' plain-Python twins until their compiled code is loaded (qsym._tiers:
    # the same numbers; the check's twin loops over p in Python, the search is NumPy's)
    bad = tiers.kernels_for_loop(p.shape[0]).choice_check(p, _CHOICE_ATOL)
    if bad:
        raise ValueError(_CHOICE_ERRORS[bad])
    out = np.empty(size, dtype=np.int64)
    tiers.KERNELS.choice_into(p, rng.random(size), out)
    return out


@functools.lru_cache(maxsize=4096)
def _number(c) -> float:
    """A coefficient as a float (sympy numbers are slow to convert: kept), None for an
    expression of inputs."""
    return float(c) if getattr(c, "is_number", True) else None


@functools.lru_cache(maxsize=4096)
def _real(c) -> float:
    return float(complex(c).real)


def word_mean(drawn, word, scalar=1.0):
    """``np.mean(word_values(drawn, word, scalar))``, the same bits, from the number of
    shots with odd parity on the word's wires (:func:`qsym._kernels.odd_parity_count`)
    where ``scalar`` is a power of two (1 included): every partial sum of ``+-scalar``
    is then exact, so NumPy's pairwise sum is ``scalar * (shots - 2 * odd)`` and its
    mean that divided by ``shots``. Otherwise NumPy's mean of :func:`word_values`.

    >>> drawn = Drawn(np.array([0, 1, 3, 2, 3]), 2)
    >>> word = ((0, "Z"), (1, "Z"))
    >>> float(word_mean(drawn, word)) == float(np.mean(word_values(drawn, word)))
    True
    """
    shots = drawn.samples.shape[0]
    if shots and word and math.frexp(abs(scalar))[0] == 0.5:  # +-2**k (not 0, inf, nan)
        mask = 0
        for w, _ in word:
            mask ^= 1 << (drawn.n - 1 - w)  # (xor: word_values' parity)
        odd = tiers.KERNELS.odd_parity_count(drawn.samples, mask)  # (twin: NumPy's)
        # (+ 0.0: a sum that cancels is +0.0 in NumPy's sum, never -0.0)
        return np.float64(scalar * (shots - 2 * odd) + 0.0) / shots
    return np.mean(word_values(drawn, word, scalar))


def word_values(drawn, word, scalar=1.0):
    """Each shot's eigenvalue of ``scalar * word`` (``+-scalar``) from rotated samples."""
    if not word:
        return np.full(len(drawn), scalar)
    parity = 0
    for w, _ in word:
        parity = parity ^ ((drawn.samples >> (drawn.n - 1 - w)) & 1)
    return np.where(parity == 1, -scalar, scalar)


def statistic(m, values, every=()):
    """expval, var, sample or counts of a measurement from each shot's eigenvalue
    (``every``: the observable's eigenvalues, keys of ``counts(all_outcomes=True)``)."""
    if m.kind == "expval":
        return np.float64(np.mean(values))
    if m.kind == "var":
        return np.float64(np.var(values))
    if m.kind == "sample":
        return values if m.dtype is None else values.astype(m.dtype)
    key = _key_type(m.dtype, np.float64)  # (bool, int64: mid-circuit values; one-shot: float)
    keys, counts = np.unique(values, return_counts=True)
    out = {key(v): np.int64(c) for v, c in zip(keys, counts)}
    if m.all_outcomes:  # every eigenvalue, unseen ones with count 0, in the order of
        # ``every`` (PennyLane's: its eigvals, [1, -1] for a Pauli word; the branches'
        # order for mid-circuit values)
        distinct, first = np.unique(np.asarray(every), return_index=True)
        out = {key(v): out.get(key(v), np.int64(0)) for v in distinct[np.argsort(first)]}
    return out


def wires_statistic(m, drawn):
    """probs, sample or counts of the wires ``m.on`` from samples of every wire."""
    k = len(m.on)
    if m.kind == "sample":
        return drawn.bits(m.on).astype(m.dtype or np.int64)
    outcomes = drawn.outcomes(m.on)
    if m.kind == "probs":
        return np.bincount(outcomes, minlength=2**k).astype(np.float64) / len(drawn)
    if m.all_outcomes:
        tally = np.bincount(outcomes, minlength=2**k)
        return {format(b, f"0{k}b"): np.int64(tally[b]) for b in range(2**k)}
    keys, counts = np.unique(outcomes, return_counts=True)
    key = _key_type(m.dtype, np.str_)  # (one-shot counts of values: Python strings)
    return {key(format(int(b), f"0{k}b")): np.int64(c) for b, c in zip(keys, counts)}


def _key_type(dtype, default):
    """The type of counts' keys: ``default``, a Python type given (``float``, ``str``), or
    a NumPy dtype's scalar type."""
    if dtype is None:
        return default
    return dtype if isinstance(dtype, type) else np.dtype(dtype).type


def plain_statistic(m, drawn):
    """A measurement of the computational-basis draw: of wires (:func:`wires_statistic`),
    or of a diagonal observable, a sum of ``Z`` words (the values of mid-circuit
    measurements on their recording wires): each shot's value from its bits, so that
    samples of the values and of the wires are of the same shots (PennyLane's)."""
    if not m.terms:
        return wires_statistic(m, drawn)
    terms = [(_real(c), word) for c, word in m.terms]
    values = sum(c * word_values(drawn, word, 1.0) for c, word in terms)
    wires = sorted({w for _, word in terms for w, _ in word})
    every = [sum(c * (-1) ** sum(bits[wires.index(w)] for w, _ in word) for c, word in terms)
             for bits in itertools.product((0, 1), repeat=len(wires))]
    return statistic(m, np.asarray(values, dtype=float) + 0.0, np.asarray(every) + 0.0)


def group_rotation(ms) -> dict:
    """The per-wire rotations of a group of Pauli words (Z needs none)."""
    rotation = {}
    for m in ms:
        for w, b in m.terms[0][1]:
            if b != "Z":
                rotation[w] = ROTATIONS[b]
    return rotation


def draw_batch(psis, n, total, rng, order=()):
    """:func:`draw_bits` of each state of a batch in turn (PennyLane's batched
    ``sample_state``: one ``rng.choice`` per state)."""
    return [draw_bits(psi, n, total, rng, order) for psi in psis]


def bins(counts):
    """``(lower, upper)`` of each count's shots in one draw of them all."""
    edges, lower = [], 0
    for c in counts:
        edges.append((lower, lower + c))
        lower += c
    return edges


def pauli_words_by_samples(psis, n, words, shots, rng, order=()):
    """Term by term, as PennyLane measures a Hamiltonian's expval: the words grouped
    (:func:`qwc_partition`, one group when there is one word), a draw per group and state
    of the batch ``psis``; each state's ``(bits, word)`` per word."""
    groups = qwc_partition(words) if len(words) > 1 else [[0]]
    out = [[None] * len(words) for _ in psis]
    for g in groups:
        rotation = {w: ROTATIONS[b] for i in g for w, b in words[i] if b != "Z"}
        drawn = draw_batch([_rotate(psi, n, rotation) for psi in psis], n, shots, rng, order)
        for b, bits in enumerate(drawn):
            for i in g:
                out[b][i] = bits, words[i]
    return out


def hamiltonian_expvals(form, psis, n, counts, rng, order=()):
    """PennyLane's ``_measure_hamiltonian_with_samples`` / ``_measure_sum_with_samples``,
    per count of the shots (its outer loop) and state of the batch: each term's mean from
    its group's samples, then ``sum(c * mean)`` (a Sum: ``sum(mean)``) in the order
    written. ``out[b][k]``."""
    terms = form[1]
    out = [[None] * len(counts) for _ in psis]
    for k, shots in enumerate(counts):
        for b, drawn in enumerate(pauli_words_by_samples(psis, n, [w for _, _, w in terms],
                                                         shots, rng, order)):
            res = [word_mean(bits, w, _number(s))
                   for (bits, w), (_, s, _) in zip(drawn, terms)]
            if form[0] == "sum":
                out[b][k] = np.float64(sum(res))
            else:
                out[b][k] = np.float64(sum(_number(c) * r for (c, _, _), r in zip(terms, res)))
    return out


def pl_ready(m, form) -> bool:
    """Whether the draws of ``m`` are PennyLane's (numeric coefficients, no
    postselection or classical shadow)."""
    if m.post or m.shadow or m.kind not in ("expval", "var", "probs", "sample", "counts"):
        return False
    if form == ("values",):  # mid-circuit measurement values: from the wires' draw
        return m.kind != "probs" and all(getattr(c, "is_number", True) and complex(c).imag == 0
                                         for c, _ in m.terms)
    if form[:1] == ("hadamard",):
        return _number(form[1]) is not None
    if form[:1] in (("lincomb",), ("sum",)) and m.kind == "expval":
        return all(_number(s) is not None and (c is None or _number(c) is not None)
                   for c, s, _ in form[1])
    return all(getattr(c, "is_number", True) and complex(c).imag == 0 for c, _ in m.terms)


def pl_values(ms, forms, groups, psis, n, counts, rng, order=(), joint=()):
    """Every measurement's value from PennyLane's draws (``groups``:
    :func:`measurement_groups`) for each state of the batch ``psis`` and each count of the
    shots ``counts``: ``out[b][k]``, a list over the measurements. A group draws
    ``sum(counts)`` shots per state, each count its bin of them, as PennyLane does, the
    basis states in PennyLane's order of the wires (``order``: :func:`draw_bits`).
    ``joint``: the wires of mid-circuit measurement values under one-shot semantics: the
    first group's draw fixes each shot's values there, and every later group that does
    not rotate them is drawn given them (:func:`conditional_draw`), as PennyLane's one
    execution per shot measures everything in that shot's branch."""
    out = [[[None] * len(ms) for _ in counts] for _ in psis]
    total, edges = int(sum(counts)), bins(counts)
    given = None  # each state's outcomes on the ``joint`` wires, once drawn
    for g in groups:
        m, form = ms[g[0]], forms[g[0]]
        if form[:1] in (("lincomb",), ("sum",)) and m.kind == "expval" and m.terms:
            for b, per in enumerate(hamiltonian_expvals(form, psis, n, counts, rng, order)):
                for k, v in enumerate(per):
                    out[b][k][g[0]] = v
            continue
        rotated, stat = _group_statistics(ms, forms, g, psis, n)
        if joint and given is not None and not set(_rotated_wires(ms, forms, g)) & set(joint):
            draws = [conditional_draw(psi, n, given[b], joint, rng) for b, psi in enumerate(rotated)]
        else:
            draws = draw_batch(rotated, n, total, rng, order)
            if joint and given is None and not set(_rotated_wires(ms, forms, g)) & set(joint):
                given = [d.outcomes(joint) for d in draws]
        for b, drawn in enumerate(draws):
            for k, (lo, hi) in enumerate(edges):
                shots = drawn if len(edges) == 1 else drawn[lo:hi]
                for i in g:
                    out[b][k][i] = stat(ms[i], shots)
    return out


def _rotated_wires(ms, forms, g) -> list:
    """The wires a group's draw rotates before sampling (:func:`_group_statistics`)."""
    m, form = ms[g[0]], forms[g[0]]
    if not m.terms or form in (("values",), ("basis",)) or form[0] == "basis":
        return []
    if form == ("pauli",):
        return list(group_rotation([ms[i] for i in g]))
    if form[0] == "hadamard":
        return [w for w, _ in form[2]]
    return [w for _, word in m.terms for w, _ in word]


def conditional_draw(psi, n, given, wires, rng):
    """``len(given)`` outcomes of every wire of ``psi`` (:class:`Drawn`), shot ``s`` drawn
    from ``|psi|^2`` restricted to the basis states whose outcome on ``wires`` is
    ``given[s]`` (renormalized): a draw that agrees shot by shot with an earlier draw of
    ``wires``.

    >>> psi = np.array([0.6, 0, 0, 0.8])                 # 0.6|00> + 0.8|11>
    >>> d = conditional_draw(psi, 2, np.array([1, 0, 1]), (0,), np.random.default_rng(1))
    >>> d.bits([0, 1]).tolist()
    [[1, 1], [0, 0], [1, 1]]
    """
    probs = np.diagonal(psi).real if psi.ndim == 2 else psi.real**2 + psi.imag**2
    key = Drawn(np.arange(2**n, dtype=np.int64), n).outcomes(wires)
    samples = np.empty(len(given), dtype=np.int64)
    for r in np.unique(given):
        idx = np.flatnonzero(key == r)
        q = probs[idx]
        pos = np.flatnonzero(given == r)
        samples[pos] = idx[choice(rng, np.ascontiguousarray(q / q.sum()), int(len(pos)))]
    return Drawn(samples, n)


def _group_statistics(ms, forms, g, psis, n):
    """A group's rotated states and ``stat(m, bits)``: a member's value from samples."""
    m, form = ms[g[0]], forms[g[0]]
    if not m.terms or form == ("values",):  # wires (and values of their bits): no rotation
        return psis, plain_statistic
    if form == ("pauli",):
        rotation = group_rotation([ms[i] for i in g])

        def pauli(mi, drawn):
            (c, word), = mi.terms
            c = _real(c)
            if mi.kind == "expval":  # statistic's mean, from the parities
                return np.float64(word_mean(drawn, word, c))
            return statistic(mi, word_values(drawn, word, c), (c, -c) if word else (c,))

        return [_rotate(psi, n, rotation) for psi in psis], pauli
    if form[0] == "hadamard":  # PennyLane's RY(-pi/4): eigenvalue +1 first
        (w, _), = form[2]
        c = _number(form[1])
        return ([_rotate(psi, n, {w: RY_HADAMARD}) for psi in psis],
                lambda mi, bits: statistic(mi, word_values(bits, ((w, "Z"),), c), (c, -c)))
    if form[0] == "basis":  # PennyLane's BasisStateProjector: eigenvalue 1 at the state
        wires, bits = form[1], form[2]
        evals = np.zeros(2 ** len(wires))
        evals[int("".join(map(str, bits)), 2)] = 1.0
        return psis, lambda mi, drawn: statistic(mi, evals[drawn.outcomes(wires)], evals)
    if form[0] == "eigen":  # qml.Hermitian: eigh of its matrix, on its wires as written
        wires = list(form[1])
        rotated = [_eigenbasis(psi, n, wires, form[2], snap=False) for psi in psis]
        evals = rotated[0][1]
        return ([r[0] for r in rotated],
                lambda mi, drawn: statistic(mi, evals[drawn.outcomes(wires)], evals))
    wires = tuple(sorted({w for _, word in m.terms for w, _ in word}))
    if not wires:  # a multiple of the identity
        value = float(sum(complex(c).real for c, _ in m.terms))
        return psis, lambda mi, drawn: statistic(mi, np.full(len(drawn), value), (value,))
    mat = _observable_matrix(m.terms, wires)
    rotated = [_eigenbasis(psi, n, list(wires), mat) for psi in psis]
    evals = rotated[0][1]
    return ([r[0] for r in rotated],
            lambda mi, drawn: statistic(mi, evals[drawn.outcomes(wires)], evals))


def refuse(method, device="default.qubit"):
    """Differentiation methods that need the exact state (PennyLane's message first)."""
    raise MethodError(
        f"{device} does not support {method} with requested circuit: "
        f"diff_method={method!r} needs the exact state and cannot run with finite shots; "
        "use diff_method='parameter-shift' (it samples each shifted circuit, as hardware "
        "does), or a device with shots=None"
    )
