"""Classical shadows (PennyLane's ``qml.classical_shadow``, ``qml.shadow_expval`` and
``qml.ClassicalShadow``; Huang, Kueng and Preskill, arXiv:2002.08953).

A classical shadow of ``T`` snapshots measures each of the chosen wires in a random Pauli
basis per snapshot (the *recipes*: 0 for X, 1 for Y, 2 for Z, drawn as PennyLane draws
them: ``np.random.RandomState(seed).randint(0, 3, size=(T, n))``) and records the outcome
bits (0 for the +1 eigenvalue, 1 for -1, drawn from the device's generator). The
measurements are ``"sample"`` measurements of the IR with a ``shadow`` spec, drawn from
the simulated state in :mod:`qsym._shots` by :func:`shadow_samples` (finite shots only).

From the bits and recipes, the estimate of a Pauli word ``P`` on snapshot ``t`` is
``prod_i 3 (-1)^{b_i}`` over the word's wires when every one of them was measured in the
word's basis, else 0; its mean over the snapshots is unbiased for ``<P>``.
``median_of_means`` splits the snapshots into ``k`` batches and takes the median of their
means. A local snapshot of wire ``i`` is ``3 (I + (-1)^{b_i} P_i) / 2 - I`` (the inverse of
the measurement channel applied to the observed eigenstate); a global snapshot is their
tensor product.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2, seed=11)
>>> @qml.set_shots(2000)
... @qml.qnode(dev)
... def bell():
...     qml.Hadamard(0)
...     qml.CNOT([0, 1])
...     return qml.classical_shadow(wires=[0, 1], seed=5)
>>> bits, recipes = bell()
>>> bits.shape, recipes.dtype
((2000, 2), dtype('int8'))
>>> shadow = qml.ClassicalShadow(bits, recipes)
>>> bool(abs(shadow.expval(qml.Z(0) @ qml.Z(1)) - 1) < 0.2)   # exact: 1
True
"""

from __future__ import annotations

import copy as _copy
import numbers
import os
import warnings
from collections.abc import Iterable
from string import ascii_letters

import numpy as np

from ._operations import MeasurementProcess, Observable, Operation, as_observable, wires_tuple
from ._trace import active_tape
from .errors import DeviceError, MeasurementError, MeasurementShapeError
from .wires import order_list

PAULI_INDEX = {"X": 0, "Y": 1, "Z": 2}
_S = 1 / np.sqrt(2)
# rows: the +1 and -1 eigenvectors (conjugated) of X, Y, Z: the rotation to each basis
BASIS_ROWS = np.array([[[_S, _S], [_S, -_S]],
                       [[_S, -1j * _S], [_S, 1j * _S]],
                       [[1, 0], [0, 1]]], dtype=complex)
PAULIS = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)


# --- sampling ---------------------------------------------------------------------------------
def recipes_for(seed, shots: int, n: int) -> np.ndarray:
    """The random Pauli bases of ``shots`` snapshots of ``n`` wires, as PennyLane draws them
    (the same recipes for the same ``seed``; ``None``: fresh entropy).

    >>> recipes_for(7, 2, 3).tolist()
    [[0, 1, 2], [0, 1, 2]]
    """
    return np.random.RandomState(seed).randint(0, 3, size=(shots, n))


def _check_memory(shots: int, size: int) -> None:
    need = 16 * 2 * shots * size
    try:
        phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return
    if need > phys:
        raise DeviceError(
            f"a classical shadow of {shots} snapshots keeps one state of {size} amplitudes per "
            "snapshot, more than this machine's memory: use fewer shots or fewer wires")


def _generator(rng):
    """A generator from a seed, or the one given (a Generator, or NumPy's ``np.random``
    functions: a device whose ``_rng`` was set to None)."""
    return rng if hasattr(rng, "random") and hasattr(rng, "choice") else np.random.default_rng(rng)


def shadow_samples(state, n: int, on, shots: int, seed, rng) -> np.ndarray:
    """Bits and recipes ``(2, shots, len(on))`` (int8) of a pure state of ``n`` wires
    (``state``: ``2**n`` amplitudes, wire 0 most significant), the wires ``on`` (device
    indices) measured in that order: each snapshot's wires measured one after another in
    its recipe's basis, every outcome drawn as ``rng.random() > P(+1)`` given the
    snapshot's earlier outcomes (one array of ``shots`` uniform numbers per wire).

    >>> plus = np.array([1, 1]) / np.sqrt(2)
    >>> bits, recipes = shadow_samples(plus, 1, [0], 50, 3, np.random.default_rng(0))
    >>> bool(np.all(bits[recipes == 0] == 0))   # |+> measured in X: always +1
    True
    """
    on = [int(w) for w in on]
    recipes = recipes_for(seed, shots, len(on))
    _check_memory(shots, 2**n)
    bits = _bits_for(np.asarray(state, dtype=complex), n, on, recipes, _generator(rng))
    return np.stack([bits, recipes.astype(np.int8)])


def shadow_samples_mixed(rho, n: int, on, shots: int, seed, rng) -> np.ndarray:
    """:func:`shadow_samples` of a density matrix (``rho``: ``(2**n, 2**n)`` or PennyLane's
    ``(2,) * 2n`` tensor): its eigendecomposition is sampled as a mixture of pure states,
    one drawn per snapshot from the generator first, then measured as above."""
    rho = np.asarray(rho, dtype=complex).reshape(2**n, 2**n)
    evals, evecs = np.linalg.eigh(rho)
    p = np.clip(evals.real, 0, None)
    rng = _generator(rng)
    which = rng.choice(p.shape[0], size=shots, p=p / p.sum())
    recipes = recipes_for(seed, shots, len(on))
    bits = np.zeros((shots, len(on)), dtype=np.int8)
    for i in np.unique(which):
        idx = np.nonzero(which == i)[0]
        bits[idx] = _bits_for(evecs[:, i], n, on, recipes[idx], rng)
    return np.stack([bits, recipes.astype(np.int8)])


def _bits_for(psi, n, on, recipes, rng):
    """Bits of given ``recipes`` (one row per snapshot) of a pure state."""
    shots = recipes.shape[0]
    order = list(on) + [w for w in range(n) if w not in on]
    state = np.transpose(np.asarray(psi).reshape((2,) * n), order).reshape(1, 2, -1)
    stacked = np.broadcast_to(state, (shots,) + state.shape[1:])
    bits = np.zeros((shots, len(on)), dtype=np.int8)
    rows = np.arange(shots)
    for j in range(len(on)):
        rotated = np.einsum("tab,tbr->tar", BASIS_ROWS[recipes[:, j]], stacked)
        b = rng.random(shots) > np.sum(np.abs(rotated[:, 0, :]) ** 2, axis=1)
        bits[:, j] = b
        kept = rotated[rows, b.astype(np.intp)]
        norms = np.sqrt(np.sum(np.abs(kept) ** 2, axis=1, keepdims=True))
        kept = kept / np.where(norms > 0, norms, 1.0)
        if j < len(on) - 1:
            stacked = kept.reshape(shots, 2, -1)
    return bits


# --- estimators --------------------------------------------------------------------------------
def median_of_means(values, k: int, axis: int = 0):
    """The median of the means of ``k`` consecutive batches of ``values`` along ``axis`` 0
    (batches of ``ceil(T / k)`` snapshots, the last one shorter).

    >>> float(median_of_means(np.array([1.0, 2.0, 3.0, 10.0]), 2))
    4.0
    """
    values = np.asarray(values)
    size = int(np.ceil(values.shape[0] / k))
    if (k - 1) * size >= values.shape[0]:  # a batch without snapshots: a mean of nothing
        raise MeasurementError(
            f"k={k} batches of {values.shape[0]} snapshots (ceil({values.shape[0]}/{k}) = "
            f"{size} each) leave a batch empty, whose mean is nan (PennyLane returns nan): "
            "use fewer batches k or more shots")
    means = [np.mean(values[i * size:(i + 1) * size], axis=0) for i in range(k)]
    return np.median(means, axis=axis)


def word_estimates(bits, recipes, words) -> np.ndarray:
    """Per-snapshot estimates ``(T, len(words))`` of Pauli words: ``words[j][i]`` is 0, 1,
    2 (X, Y, Z) or -1 (identity) on column ``i`` of ``bits``/``recipes``; the estimate is
    ``3**weight * (-1)**(sum of the word's bits)`` where the snapshot measured every letter
    of the word in its basis, else 0.

    >>> word_estimates(np.array([[0, 1]]), np.array([[2, 2]]), [[2, 2], [2, -1], [0, -1]])
    array([[-9.,  3.,  0.]])
    """
    bits = np.asarray(bits, dtype=np.int64)
    recipes = np.asarray(recipes, dtype=np.int64)
    words = np.asarray(words, dtype=np.int64).reshape(-1, bits.shape[1])
    active = words >= 0  # (W, n)
    match = (recipes[:, None, :] == words[None, :, :]) | ~active[None, :, :]
    hit = np.all(match, axis=2)  # (T, W)
    parity = np.sum(np.where(active[None, :, :], bits[:, None, :], 0), axis=2) % 2
    weight = 3.0 ** np.sum(active, axis=1)
    return np.where(hit, (1 - 2 * parity) * weight[None, :], 0.0)


def pauli_expval(bits, recipes, word) -> np.ndarray:
    """PennyLane's ``qml.shadows.pauli_expval``: each snapshot's estimate ``(T, b)`` of
    each of ``b`` Pauli words (``word``: ``(b, n)``, entries 0, 1, 2 for X, Y, Z and -1 for
    the identity on that column), ``3**weight * (-1)**(sum of the word's bits)`` where
    the snapshot's recipes match the word, else 0 (:func:`word_estimates`; their mean over
    the snapshots estimates the words' expectation values).

    >>> bits, recipes = np.array([[1, 0, 1]]), np.array([[0, 1, 2]])
    >>> pauli_expval(bits, recipes, np.array([[0, 1, 2], [0, 1, -1], [1, -1, -1]]))
    array([[27., -9.,  0.]])
    """
    return word_estimates(bits, recipes, word)


def _word(term_word, wire_map) -> list:
    """A word ``((wire, letter), ...)`` as recipe indices per column of ``wire_map``."""
    out = [-1] * len(wire_map)
    for w, letter in term_word:
        if w not in wire_map:
            raise MeasurementError(f"the observable acts on wire {w!r}, which the shadow did "
                                   f"not measure (its wires: {list(wire_map)})")
        out[wire_map.index(w)] = PAULI_INDEX[letter]
    return out


PAULI_NAMES = ("PauliX", "PauliY", "PauliZ", "Identity")


def pauli_written(op) -> bool:
    """Whether ``op`` is written with Pauli operators only (PennyLane's ``pauli_rep`` is not
    None): X, Y, Z, I and their products, scalar multiples and sums; a Hadamard or a
    Hermitian matrix is not, though qsym measures them as Pauli sums.

    >>> import qsym as qml
    >>> pauli_written(2 * qml.X(0) @ qml.Z(1) + qml.Y(2)), pauli_written(qml.Hadamard(0))
    (True, False)
    """
    if getattr(op, "name", None) in PAULI_NAMES:
        return True
    if isinstance(op, Operation) or getattr(op, "_matrix", None) is not None:
        return False
    parts = getattr(op, "operands", None)
    if parts:
        return all(pauli_written(p) for p in parts if not isinstance(p, numbers.Number))
    return isinstance(op, Observable) and getattr(op, "_source", None) in (None, *PAULI_NAMES)


def pauli_terms(obs) -> tuple:
    """An observable as ``((coefficient, ((wire, letter), ...)), ...)``: a real linear
    combination of Pauli words, else PennyLane's ``ValueError`` (qsym's
    :class:`MeasurementError`).

    >>> import qsym as qml
    >>> pauli_terms(2 * qml.X(0) @ qml.Z(1))
    ((2.0, ((0, 'X'), (1, 'Z'))),)
    """
    bad = not pauli_written(obs)
    if not bad:
        o = as_observable(obs)
    if bad or not o.terms:
        raise MeasurementError(f"Observable must have a valid pauli representation. Received "
                               f"{obs} (qsym: shadows estimate sums of Pauli words)")
    out = []
    for word, c in o.terms.items():
        try:
            z = complex(c)
        except TypeError:  # a coefficient being differentiated (autograd's): kept, real part
            import autograd.numpy as anp

            out.append((anp.real(c), tuple(word)))
            continue
        if abs(z.imag) > 1e-12:
            raise MeasurementError(f"Observable must have a valid pauli representation with "
                                   f"real coefficients; got {z} in {obs}")
        out.append((z.real, tuple(word)))
    return tuple(out)


def expval_from_shadow(bits, recipes, wire_map, hs, k: int = 1):
    """The estimates of each observable's terms ``hs`` (:func:`pauli_terms` each) from a
    shadow: per word the median of means of its snapshot estimates, times its
    coefficient, summed per observable; squeezed as PennyLane squeezes (one observable in
    a list gives a scalar)."""
    words = [_word(w, list(wire_map)) for h in hs for _, w in h]
    coeffs = [c for h in hs for c, _ in h]
    estimates = median_of_means(word_estimates(bits, recipes, words), k, axis=0)
    if not all(isinstance(c, numbers.Real) for c in coeffs):
        # coefficients being differentiated (PennyLane's: a cost through the estimates):
        # the same sums in autograd's NumPy
        import autograd.numpy as anp

        per = [c * e for c, e in zip(coeffs, estimates)]
        sums, start = [], 0
        for h in hs:
            sums.append(anp.sum(anp.stack(per[start:start + len(h)])))
            start += len(h)
        return anp.squeeze(anp.stack(sums))
    per = estimates * np.array(coeffs)
    out, start = [], 0
    for h in hs:
        out.append(np.sum(per[start:start + len(h)]))
        start += len(h)
    return np.squeeze(np.array(out, dtype=float))


# --- the measurements ------------------------------------------------------------------------
class MeasurementTransform(MeasurementProcess):
    """PennyLane's base class of measurements that are not a function of one
    computational-basis sample (classical shadows: each snapshot in its own basis).

    >>> issubclass(ClassicalShadowMP, MeasurementTransform)
    True
    """


def _check_seed(seed):
    """A shadow's ``seed`` (its recipes: NumPy's ``RandomState(seed)``): None or an int in
    ``0 .. 2**32 - 1`` (a bool is the int NumPy takes it as, as in PennyLane); else a
    MeasurementError where it is written (it was NumPy's ValueError or TypeError when the
    circuit ran)."""
    if seed is None:
        return None
    if not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**32:
        raise MeasurementError(f"a classical shadow's seed must be None or an int in 0 .. "
                               f"2**32 - 1 (NumPy's RandomState seed), got {seed!r}")
    return int(seed)


def _draw_from_state(mp, state, wire_order, shots, rng, mixed=False):
    """PennyLane's ``process_state_with_shots``: the state's wires are its axes (a tensor of
    2s; flat: ``wire_order``'s), ``wire_order`` labels the first of them."""
    order = order_list(wire_order)
    shape = np.shape(state)
    if mixed:
        n = len(shape) // 2 if len(shape) > 2 else int(np.log2(shape[0]))
    else:
        n = len(shape) if len(shape) > 1 else int(np.log2(shape[0]))
    on = [order.index(w) for w in mp.wires]
    sampler = shadow_samples_mixed if mixed else shadow_samples
    return sampler(np.asarray(state).reshape(-1) if not mixed else state, n, on, shots,
                   mp.seed, rng)


class ClassicalShadowMP(MeasurementTransform):
    """PennyLane's class of ``qml.classical_shadow(wires, seed)``: bits and recipes of
    ``shots`` snapshots, shape ``(2, shots, len(wires))``, int8.

    >>> import qsym as qml
    >>> mp = ClassicalShadowMP(wires=[0, 1], seed=3)
    >>> mp.shape(10, 2), mp.numeric_type
    ((2, 10, 2), <class 'int'>)
    """

    _shortname = "shadow"

    def __init__(self, wires=None, seed=None, id=None):
        MeasurementProcess.__init__(self, "sample", None,
                                    None if wires is None else wires_tuple(wires))
        self.seed, self.id = _check_seed(seed), id
        self.shadow = ("classical_shadow", seed)

    @property
    def numeric_type(self):
        return int

    @property
    def hash(self) -> int:
        return hash((type(self).__name__, self.seed, tuple(self.wires or ())))

    def shape(self, shots=None, num_device_wires: int = 0) -> tuple:
        if shots is None:
            raise MeasurementShapeError("Shots must be specified to obtain the shape of a "
                                        "classical shadow measurement process.")
        return (2, shots, len(self.wires) if self.wires else num_device_wires)

    def process_state_with_shots(self, state, wire_order, shots, rng=None):
        """Bits and recipes of a state vector (a tensor of ``len(wire_order)`` axes of 2)."""
        return _draw_from_state(self, state, wire_order, shots, rng)

    def process_density_matrix_with_shots(self, state, wire_order, shots, rng=None):
        """Bits and recipes of a density matrix (``(2,) * 2n`` or ``(2**n, 2**n)``)."""
        return _draw_from_state(self, state, wire_order, shots, rng, mixed=True)

    def __copy__(self):
        # a copy is recorded nowhere (as PennyLane's): qml.apply then queues it once
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        return new

    def __repr__(self):
        return f"ClassicalShadowMP(wires={list(self.wires or ())}, seed={self.seed})"


class ShadowExpvalMP(MeasurementTransform):
    """PennyLane's class of ``qml.shadow_expval(H, k, seed)``: the classical-shadow estimate
    of ``<H>`` (or of each observable of a list), median of ``k`` means.

    >>> import qsym as qml
    >>> mp = ShadowExpvalMP(qml.Z(0), k=2)
    >>> mp.shape(10, 1), mp.numeric_type, mp.k
    ((), <class 'float'>, 2)
    """

    _shortname = "shadowexpval"

    def __init__(self, H, seed=None, k=1, id=None):
        many = isinstance(H, (list, tuple))
        hs = list(H) if many else [H]
        tape = active_tape()
        terms = []
        for h in hs:
            terms.append(pauli_terms(h))
            if tape is not None and hasattr(tape, "measured"):  # measured, not applied
                tape.measured(getattr(as_observable(h), "_gates", ()))
        _check_seed(seed)
        if not isinstance(k, numbers.Integral) or k < 1:
            raise MeasurementError(f"k must be a positive int (the number of batches of the "
                                   f"median of means), got {k!r}")
        labels = []  # PennyLane's wires: the observables' as written (identities too), in order
        for h in hs:
            labels += [w for w in getattr(h, "wires", ()) if w not in labels]
        for h in terms:
            for _, word in h:
                labels += [w for w, _ in word if w not in labels]
        MeasurementProcess.__init__(self, "sample", None, tuple(labels))
        if tape is not None:  # PennyLane's queue: the observables leave it
            tape.unqueue(hs)
        self.H, self.seed, self.k, self.id = H, seed, int(k), id
        self.shadow = ("shadow_expval", seed, int(k), not many, tuple(terms))

    @property
    def numeric_type(self):
        return float

    @property
    def hash(self) -> int:
        return hash((type(self).__name__, self.seed, self.k, self.shadow[4]))

    def shape(self, shots=None, num_device_wires: int = 0) -> tuple:
        return () if self.shadow[3] else (len(self.H),)

    def process_state_with_shots(self, state, wire_order, shots, rng=None):
        """The estimate from a state vector."""
        bits, recipes = _draw_from_state(self, state, wire_order, shots, rng)
        return expval_from_shadow(bits, recipes, list(self.wires), self.shadow[4], self.k)

    def process_density_matrix_with_shots(self, state, wire_order, shots, rng=None):
        """The estimate from a density matrix."""
        bits, recipes = _draw_from_state(self, state, wire_order, shots, rng, mixed=True)
        return expval_from_shadow(bits, recipes, list(self.wires), self.shadow[4], self.k)

    def __copy__(self):
        # a copy is recorded nowhere (as PennyLane's): qml.apply then queues it once
        new = object.__new__(type(self))
        vars(new).update(vars(self))
        new.H = ([_copy.copy(h) for h in self.H] if isinstance(self.H, (list, tuple))
                 else _copy.copy(self.H))
        return new

    def _flatten(self):
        """PennyLane's pytree protocol: ``((H,), (("seed", seed), ("k", k)))``.

        >>> import qsym as qml
        >>> mp = ShadowExpvalMP(qml.Z(0), seed=3, k=2)
        >>> type(mp)._unflatten(*mp._flatten())
        ShadowExpvalMP(H=Z(0), k=2, seed=3)
        """
        return (self.H,), (("seed", self.seed), ("k", self.k))

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(data[0], **dict(metadata))

    def __repr__(self):
        return f"ShadowExpvalMP(H={self.H}, k={self.k}, seed={self.seed})"


def classical_shadow(wires, seed=None) -> ClassicalShadowMP:
    """PennyLane's ``qml.classical_shadow``: ``T`` snapshots (the shots) of ``wires``, each
    wire measured in a random Pauli basis; returns bits and recipes, int8 of shape
    ``(2, T, len(wires))`` (recipes: 0 X, 1 Y, 2 Z; bits: 0 for +1, 1 for -1). The
    recipes are drawn from ``seed`` (the same for the same seed, as PennyLane's), the bits
    from the device's generator. Needs finite shots.

    >>> import qsym as qml
    >>> @qml.set_shots(4)
    ... @qml.qnode(qml.device("default.qubit", wires=1, seed=1))
    ... def c():
    ...     return qml.classical_shadow(wires=[0], seed=2)
    >>> c()[1].ravel().tolist()   # the recipes of seed 2
    [0, 1, 0, 2]
    """
    seed = seed or np.random.randint(2**30)  # PennyLane's: a draw at every circuit run
    return ClassicalShadowMP(wires=wires, seed=seed)


def shadow_expval(H, k: int = 1, seed=None) -> ShadowExpvalMP:
    """PennyLane's ``qml.shadow_expval``: the classical-shadow estimate of ``<H>`` (a sum
    of Pauli words, or a list of them: one estimate each), the median of ``k`` means of
    the snapshots' estimates. Unbiased for ``k=1``. Needs finite shots. Differentiated as
    PennyLane does, alone in its circuit: parameter shift of the circuit's tape, a new
    shadow per shifted circuit (an estimate; ``qml.expval(H)`` has the exact derivative).

    >>> import qsym as qml
    >>> @qml.set_shots(3000)
    ... @qml.qnode(qml.device("default.qubit", wires=1, seed=4))
    ... def c():
    ...     qml.Hadamard(0)
    ...     return qml.shadow_expval(qml.X(0), seed=1)
    >>> bool(abs(c() - 1) < 0.15)   # exact: 1
    True
    """
    seed = seed or np.random.randint(2**30)  # PennyLane's: a draw at every circuit run
    return ShadowExpvalMP(H, seed=seed, k=k)


class ClassicalShadow:
    """PennyLane's ``qml.ClassicalShadow``: post-processing of the bits and recipes of a
    classical shadow (``(T, n)`` each; ``wire_map``: the wire of each column).

    >>> bits = np.array([[0, 0], [1, 1]]); recipes = np.array([[2, 2], [0, 0]])
    >>> shadow = ClassicalShadow(bits, recipes)
    >>> shadow.snapshots, float(shadow.expval(__import__("qsym").Z(0) @ __import__("qsym").Z(1)))
    (2, 4.5)
    """

    def __init__(self, bits, recipes, wire_map=None):
        self.bits, self.recipes = bits, recipes
        if np.shape(bits) != np.shape(recipes):
            raise ValueError(f"Bits and recipes but have the same shape, got "
                             f"{np.shape(bits)} and {np.shape(recipes)}.")
        self.wire_map = list(range(np.shape(bits)[1])) if wire_map is None else list(wire_map)
        if np.shape(bits)[1] != len(self.wire_map):
            raise ValueError(f"The 1st axis of bits must have the same size as wire_map, got "
                             f"{np.shape(bits)[1]} and {len(self.wire_map)}.")
        self.observables = [PAULIS[0], PAULIS[1], PAULIS[2]]

    @property
    def snapshots(self) -> int:
        """The number of snapshots ``T``."""
        return len(self.bits)

    def _select(self, wires, snapshots):
        bits, recipes = np.asarray(self.bits), np.asarray(self.recipes)
        if snapshots is not None:
            pick = (np.random.choice(np.arange(snapshots), size=snapshots, replace=False)
                    if isinstance(snapshots, numbers.Integral) else np.asarray(snapshots))
            bits, recipes = bits[pick], recipes[pick]
        if isinstance(wires, Iterable):  # (PennyLane's rule: anything else, 4, is every wire)
            cols = list(wires)
            bits, recipes = bits[:, cols], recipes[:, cols]
        return bits, recipes

    def local_snapshots(self, wires=None, snapshots=None) -> np.ndarray:
        """``(T, n, 2, 2)``: ``3 (I + (-1)^b P) / 2 - I`` per snapshot and wire (``wires``:
        column indices, all of them when not a sequence, as PennyLane's; ``snapshots``: a number of random snapshots or their indices)."""
        bits, recipes = self._select(wires, snapshots)
        signs = (1 - 2 * bits)[:, :, None, None]
        return 1.5 * (np.eye(2) + signs * PAULIS[recipes]) - np.eye(2)

    def global_snapshots(self, wires=None, snapshots=None) -> np.ndarray:
        """``(T, 2**n, 2**n)``: the tensor product of each snapshot's local snapshots
        (PennyLane's ``UserWarning`` above 16 wires: ``4**n`` numbers per snapshot)."""
        local = self.local_snapshots(wires, snapshots)
        T, n = local.shape[:2]
        if n > 16:
            warnings.warn("Querying density matrices for n_wires > 16 is not recommended, "
                          "operation will take a long time", UserWarning)
        # one einsum: snapshot t, then wire i's row letter and column letter
        rows, cols = ascii_letters[1:2 * n + 1:2], ascii_letters[2:2 * n + 2:2]
        inputs = ",".join(f"a{r}{c}" for r, c in zip(rows, cols))
        per_wire = np.transpose(local, (1, 0, 2, 3))
        return np.reshape(np.einsum(f"{inputs}->a{rows}{cols}", *per_wire), (T, 2**n, 2**n))

    def _convert_to_pauli_words(self, observable) -> list:
        """PennyLane's helper: ``[(coefficient, word), ...]`` of an observable written with
        Pauli operators, each word a recipe index per column (-1: the identity)."""
        return [(c, _word(w, self.wire_map)) for c, w in pauli_terms(observable)]

    def expval(self, H, k: int = 1):
        """The estimate of ``<H>`` (or of each of a list), median of ``k`` means."""
        hs = list(H) if isinstance(H, (list, tuple)) else [H]
        return expval_from_shadow(self.bits, self.recipes, self.wire_map,
                                  [pauli_terms(h) for h in hs], k)

    def entropy(self, wires, snapshots=None, alpha=2, k=1, base=None):
        """The Renyi entropy of order ``alpha`` (``alpha=1``: von Neumann) of the reduced
        state of ``wires`` (column indices) estimated from the global snapshots (median
        of ``k`` means), its spectrum projected onto a density matrix's (the closest
        non-negative spectrum summing to one)."""
        rdm = median_of_means(self.global_snapshots(wires=wires, snapshots=snapshots), k)
        lam = project_density_matrix_spectrum(rdm)
        div = np.log(base) if base else 1.0
        if alpha == 1:
            lam = lam[lam > 0]
            return float(-np.sum(lam * np.log(lam)) / div)
        return float(np.log(np.sum(lam**alpha)) / (1.0 - alpha) / div)


def closest_spectrum(evals) -> np.ndarray:
    """The nearest probability vector to a Hermitian matrix's eigenvalues summing to one
    (Smolin, Gambetta and Smith, arXiv:1106.5458): the most negative eigenvalues set to
    zero, their sum spread over the rest, until none is negative; sorted ascending.

    >>> closest_spectrum(np.array([-0.1, 0.3, 0.8])).round(12).tolist()
    [0.25, 0.75]
    """
    ev = np.sort(np.real(evals))[::-1]
    d = ev.shape[0]
    acc = 0.0
    keep = d
    for i in range(d - 1, -1, -1):
        if ev[i] + acc / (i + 1) > 0:
            keep = i + 1
            break
        acc += ev[i]
    return (ev[:keep] + acc / keep)[::-1]


def project_density_matrix_spectrum(rdm) -> np.ndarray:
    """The spectrum of the density matrix nearest to a Hermitian estimate ``rdm`` (PennyLane's
    ``_project_density_matrix_spectrum``): :func:`closest_spectrum` of its eigenvalues.

    >>> project_density_matrix_spectrum(np.diag([-0.1, -0.1, 0.1, 1.1])).round(12).tolist()
    [1.0]
    """
    return closest_spectrum(np.linalg.eigvalsh(np.asarray(rdm)))


__all__ = ["classical_shadow", "shadow_expval", "ClassicalShadow", "ClassicalShadowMP",
           "ShadowExpvalMP", "MeasurementTransform", "MeasurementShapeError",
           "shadow_samples", "word_estimates", "pauli_expval", "median_of_means",
           "closest_spectrum", "project_density_matrix_spectrum",
           "recipes_for", "pauli_terms", "expval_from_shadow"]
