"""PennyLane's transforms that split one tape into several and combine their results:
``split_non_commuting``, ``split_to_single_terms``, ``broadcast_expand``, ``batch_params``,
``batch_input``, ``convert_to_numpy_parameters``. The combination is autograd arithmetic,
so a QNode transformed by them is differentiated through it.

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.H(0)], [qml.expval(qml.X(0) + qml.Z(0))])
>>> tapes, fn = qml.transforms.split_non_commuting(t)
>>> len(tapes), [m.measured_obs for tp in tapes for m in tp.measurements]
(2, [Observable(1 * X(0)), Observable(1 * Z(0))])
"""

from __future__ import annotations

import functools
import warnings

import autograd.numpy as anp
from autograd.builtins import SequenceBox
from autograd.tracer import getval
import numpy as np

from ._opmath import check_splittable, word_operator  # noqa: F401  (qsym._splitting.check_splittable)
from ._operations import as_observable, expval
from ._tapes import gate_parameters
from ._transform import detached, null_postprocessing, transform

__all__ = ["split_non_commuting", "split_to_single_terms", "broadcast_expand",
           "batch_params", "batch_input", "convert_to_numpy_parameters", "convert_op_to_numpy_data",
           "single_terms", "sign_expand", "xi_decomposition", "sign_phases",
           "SHOT_DISTRIBUTIONS"]


def _is_sum(m) -> bool:
    """Whether ``m`` is the expectation of a sum of Pauli words (to be split): written as
    operator arithmetic (``Sum``, ``Prod``, ``SProd``, a ``LinearCombination``) or as qsym's
    own Pauli sum; as PennyLane's, an observable with a name of its own (``Hadamard``, a
    ``Projector``) is measured whole, not split into the Pauli words of its form (an
    ``Identity`` is PennyLane's constant)."""
    from ._operations import Identity, Observable, Prod, SProd, Sum

    obs, written = m.measured_obs, getattr(m, "obs", None)
    if written is not None and not (isinstance(written, (Sum, Prod, SProd, Identity))
                                    or type(written) is Observable):
        return False
    return (m.kind == "expval" and obs is not None and getattr(obs, "_matrix", None) is None
            and isinstance(getattr(obs, "terms", None), dict) and len(obs.terms) >= 1
            and not (len(obs.terms) == 1 and _unit(obs)))


def _unit(obs) -> bool:
    (word, coeff), = obs.terms.items()
    return bool(word) and not hasattr(coeff, "_value") and np.isclose(complex(coeff), 1.0)


def single_terms(tape):
    """The measurements of ``tape`` as single terms: ``(terms, recipes)`` where ``terms`` are
    distinct measurements (one Pauli word each, or a measurement that is not a sum) and
    ``recipes[i]`` is ``(offset, [(term index, coefficient), ...])`` for measurement ``i``
    (``None`` coefficient: the term's value as it is).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(2 * qml.Z(0) + qml.I(0)), qml.expval(qml.Z(0))])
    >>> terms, recipes = single_terms(t)
    >>> len(terms), recipes
    (1, [(1, [(0, 2)]), (0, [(0, None)])])
    """
    terms, index, recipes = [], {}, []
    for m in tape.measurements:
        parts, offset = _operand_terms(m), 0
        if parts is None:
            parts = ([(_key(m), m, None)] if not _is_sum(m) else
                     [(("word", word), None, c) for word, c in m.measured_obs.terms.items()])
            offset = _tensor_zero(m) if _is_sum(m) else 0
        uses = []
        for key, whole, coeff in parts:
            if key == ("word", ()):
                offset = offset + coeff
                continue
            if key not in index:
                index[key] = len(terms)
                with detached():
                    # a word as PennyLane's term: its Pauli gate or their product
                    terms.append(whole if whole is not None else expval(word_operator(key[1])))
            uses.append((index[key], coeff))
        recipes.append((offset, uses))
    return terms, recipes


def _tensor_zero(m):
    """0, or ``tensor(0.0)`` where the sum ``m`` measures was written with ``qsym.numpy``
    tensor coefficients (``requires_grad`` if any of them requires it): its Pauli words
    hold their values, and PennyLane's post-processing, which multiplies the terms' values
    by the coefficients as written, returns a tensor (``qml.qchem.molecular_hamiltonian``'s
    Hamiltonian split by ``split_non_commuting(grouping_strategy=None)``).

    >>> import qsym as qml
    >>> from qsym import numpy as pnp
    >>> _tensor_zero(qml.expval(qml.Hamiltonian(pnp.array([0.5, 0.2]), [qml.Z(0), qml.X(0)])))
    tensor(0., requires_grad=True)
    >>> _tensor_zero(qml.expval(qml.Hamiltonian([0.5, 0.2], [qml.Z(0), qml.X(0)])))
    0
    """
    from .numpy import tensor

    written = getattr(m, "obs", None)
    try:
        coeffs = written.terms()[0] if callable(getattr(written, "terms", None)) else ()
    except Exception:  # noqa: BLE001  (an operator without terms: no coefficients)
        coeffs = ()
    tensors = [c for c in coeffs if isinstance(c, tensor)]
    if not tensors:
        return 0
    return tensor(0.0, requires_grad=any(c.requires_grad for c in tensors))


def _operand_terms(m):
    """PennyLane's split of the expectation of a sum, product or scalar multiple written
    without a ``pauli_rep`` (a Hadamard, a projector, a Hermitian among its operands): its
    ``terms()`` as written, ``[(key, measurement, coefficient), ...]`` (a Pauli word by its
    word, measured as :func:`single_terms` measures words; an identity as a constant; any
    other operator's expectation as it is, equal operators measured once); None for every
    other measurement (a Pauli sum is split by its words)."""
    from ._operations import Identity, Prod, SProd, Sum

    obs = m.obs if m.kind == "expval" else None
    if not isinstance(obs, (Sum, Prod, SProd)) or obs.pauli_rep is not None:
        return None
    coeffs, ops = obs.terms()
    parts = []
    with detached():
        for c, o in zip(coeffs, ops):
            rep = getattr(o, "pauli_rep", None)
            if isinstance(o, Identity):
                parts.append((("word", ()), None, c))
            elif rep is not None and len(rep) == 1 and _unit_rep(rep):
                parts.append((("word", next(iter(as_observable(o).terms))), None, c))
            else:
                parts.append((("op", o.hash), expval(o), c))
    return parts


def _unit_rep(rep) -> bool:
    """Whether a ``pauli_rep`` is one Pauli word (or the identity) of coefficient 1."""
    (_, v), = rep.items()
    return not hasattr(v, "_value") and np.isclose(complex(v), 1.0)


def _key(m):
    obs = m.measured_obs
    if m.kind == "expval" and obs is not None and isinstance(getattr(obs, "terms", None), dict) \
            and getattr(obs, "_matrix", None) is None:
        if len(obs.terms) == 1 and _unit(obs):
            return ("word", next(iter(obs.terms)))
    return ("id", id(m))


def _combine(recipes, values, batch_size=None):
    values = [anp.array(v) if isinstance(v, list) else v for v in values]
    out = []
    for offset, uses in recipes:
        if len(uses) == 1 and uses[0][1] is None:
            out.append(values[uses[0][0]])
            continue
        total = offset
        if not uses and batch_size is not None:  # a constant of a broadcast tape: one per
            total = offset * anp.ones(batch_size)  # parameter set (PennyLane's)
        for k, c in uses:
            # a term's Jacobian (a tuple, one entry per parameter: a gradient transform's
            # tapes split) is summed as one array, PennyLane's
            v = anp.array(values[k]) if isinstance(values[k], tuple) else values[k]
            total = total + (v if c is None else c * v)
        out.append(total)
    return out[0] if len(out) == 1 else tuple(out)


def _letters(m) -> dict | None:
    """``{wire: Pauli letter}`` a single-term measurement reads (bit strings of some wires:
    Z on them); None if it is not a Pauli word (a matrix, the state, every wire)."""
    obs = m.measured_obs
    if obs is None and getattr(m, "op", None) is not None:  # probs(op=X(0)): X's word
        obs = as_observable(m.op)
    if obs is None:
        return {w: "Z" for w in m.wires} if m.wires and m.kind != "state" else None
    if getattr(obs, "_matrix", None) is not None:
        return None
    terms = getattr(obs, "terms", None)
    if not isinstance(terms, dict) or len(terms) != 1:
        return None
    return dict(next(iter(terms)))


def _wires_of(m, tape) -> set:
    letters = _letters(m)
    if letters is not None:
        return set(letters)
    return set(m.wires or ()) or set(getattr(m.measured_obs, "wires", ()) or ()) or set(tape.wires)


def _groups(terms, tape, strategy):
    """Indices of ``terms`` in groups measured together: None, one each; "wires", disjoint
    wires; "qwc"/"default", qubit-wise commuting Pauli words (PennyLane's largest-first
    colouring)."""
    if strategy is None:
        return [[k] for k in range(len(terms))]
    letters = [_letters(m) for m in terms]
    if strategy == "wires" or any(x is None for x in letters):
        groups, used = [], []
        for k, m in enumerate(terms):
            w = _wires_of(m, tape)
            for g, u in zip(groups, used):
                if u and w and not (u & w):
                    g.append(k)
                    u |= w
                    break
            else:
                groups.append([k])
                used.append(set(w) if (m.raw_wires or letters[k] is not None
                                       or m.measured_obs is not None) else set())
        return groups
    from .pauli import PauliWord, compute_partition_indices
    with detached():  # PennyLane's colouring of qubit-wise commuting words (largest first)
        words = [PauliWord(word).operation() for word in letters]
    return [list(g) for g in compute_partition_indices(words, "qwc", "lf")]


def _regroup(groups, batch_results):
    values = {}
    for g, res in zip(groups, batch_results):
        res = (res,) if len(g) == 1 else res
        for k, r in zip(g, res):
            values[k] = r
    return [values[k] for k in range(len(values))]


def _split_post(groups, recipes, results, batch_size=None):
    return _combine(recipes, _regroup(groups, results), batch_size)


def _uniform_shots(total_shots, coeffs_per_group, _seed):
    n = len(coeffs_per_group)
    shots, remainder = divmod(total_shots, n)
    out = np.full(n, shots)
    out[:remainder] += 1
    return out.astype(int)


def _weights(coeffs_per_group):
    norms = np.array([np.sum(np.abs([complex(_numpy(c)) for c in g])) for g in coeffs_per_group])
    return norms / np.sum(norms)


def _weighted_shots(total_shots, coeffs_per_group, _seed):
    out = np.floor(total_shots * _weights(coeffs_per_group))
    out[:int(total_shots - np.sum(out))] += 1
    return out.astype(int)


def _weighted_random_shots(total_shots, coeffs_per_group, seed):
    rng = seed if isinstance(seed, (np.random.Generator, np.random.RandomState)) \
        else np.random.RandomState(seed)
    return np.asarray(rng.multinomial(total_shots, _weights(coeffs_per_group))).astype(int)


# PennyLane's shot distributions of split_non_commuting (shots per group of a Hamiltonian's
# terms): uniform, by the groups' L1 norms of coefficients, or drawn with those weights
SHOT_DISTRIBUTIONS = {"uniform": _uniform_shots, "weighted": _weighted_shots,
                      "weighted_random": _weighted_random_shots}


def _word_of(op):
    terms = as_observable(op).terms
    return next(iter(terms)) if len(terms) == 1 else ("id", id(op))


def _hamiltonian_groups(obs):
    """A Hamiltonian's terms in its grouping (computed if not set): the groups of distinct
    words with their measurements and coefficients, and the identity terms' sum."""
    if obs.grouping_indices is None:
        obs.compute_grouping()
    coeffs, ops = obs.terms()
    seen, groups, offset = {}, [], 0
    for indices in obs.grouping_indices:
        group = []
        for i in indices:
            if ops[i].name == "Identity" and not ops[i].wires or _word_of(ops[i]) == ():
                offset = offset + coeffs[i]
                continue
            key = _word_of(ops[i])
            if key in seen:
                seen[key][1].append(coeffs[i])
                continue
            with detached():
                seen[key] = [expval(ops[i]), [coeffs[i]]]
            group.append(seen[key])
        if group:
            groups.append(group)
    return groups, offset


def _hamiltonian_post(groups, offset, results):
    total = offset
    for group, res in zip(groups, results):
        if len(group) == 1 and isinstance(res, (list, tuple)) and len(res) == 1:
            res = res[0]
        values = [res] if len(group) == 1 else list(res)
        for (_, cs), v in zip(group, values):
            for c in cs:
                total = total + c * v
    return total


def _split_hamiltonian(tape, shot_dist, seed):
    groups, offset = _hamiltonian_groups(tape.measurements[0].measured_obs)
    total = tape.shots.total_shots
    if total is None or shot_dist is None:
        tapes = [tape.copy(measurements=[m for m, _ in g]) for g in groups]
        return tapes, functools.partial(_hamiltonian_post, groups, offset)
    shots = shot_dist(total, [[c for _, cs in g for c in cs] for g in groups], seed)
    kept = [(g, int(n)) for g, n in zip(groups, shots) if int(n) != 0]
    tapes = [tape.copy(measurements=[m for m, _ in g], shots=n) for g, n in kept]
    return tapes, functools.partial(_hamiltonian_post, [g for g, _ in kept], offset)


def _per_copy(post, copies, results):
    """A shot vector's postprocessing: each tape's result is a tuple over the shot copies;
    ``post`` runs on each copy's results."""
    return tuple(post([r[i] for r in results]) for i in range(copies))


def _shot_vectors(tape, tapes, post):
    if tape.shots.has_partitioned_shots:
        return tapes, functools.partial(_per_copy, post, tape.shots.num_copies)
    return tapes, post


def _shot_dist_function(shot_dist):
    if shot_dist is None or callable(shot_dist):
        return shot_dist
    if isinstance(shot_dist, str):
        if shot_dist not in SHOT_DISTRIBUTIONS:
            raise ValueError(f"Unknown shot_dist='{shot_dist}'. Available options are "
                             f"{list(SHOT_DISTRIBUTIONS)}.")
        return SHOT_DISTRIBUTIONS[shot_dist]
    raise TypeError(f"shot_dist must be a callable or str or None, not {type(shot_dist)}.")


def _one_hamiltonian(tape, strategy) -> bool:
    if len(tape.measurements) != 1:
        return False
    m = tape.measurements[0]
    obs = m.measured_obs
    if m.kind != "expval" or obs is None or not callable(getattr(obs, "terms", None)) \
            or getattr(obs, "_matrix", None) is not None or len(obs.terms) < 2:
        return False
    if getattr(m.obs, "pauli_rep", None) is None:  # terms as written, not all Pauli words
        return False  # (PennyLane's: measured by single_terms, grouped by wires)
    return strategy in ("default", "qwc") or obs.grouping_indices is not None


@transform
def split_non_commuting(tape, grouping_strategy="default", shot_dist=None, seed=None):
    """PennyLane's ``qml.transforms.split_non_commuting``: one tape per group of
    measurements that can be made together; sums of Pauli words are split into their
    terms (identity terms become constants), and the postprocessing adds them back with
    their coefficients. ``grouping_strategy``: ``"default"``/``"qwc"`` (qubit-wise
    commuting Pauli words), ``"wires"`` (measurements on disjoint wires), None (one tape per
    term). A single Hamiltonian is split by its ``grouping_indices`` (computed if unset),
    and with finite shots ``shot_dist`` (``"uniform"``, ``"weighted"``, ``"weighted_random"``
    with ``seed``, or a function ``(total_shots, coeffs_per_group, seed) -> shots``) shares
    the shots among the groups.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RY(0.5, 0)], [qml.expval(qml.Z(0)), qml.expval(qml.X(0))])
    >>> tapes, fn = qml.transforms.split_non_commuting(t)
    >>> [round(float(v), 6) for v in fn(qml.execute(tapes, qml.device("default.qubit", wires=1)))]
    [0.877583, 0.479426]
    """
    if grouping_strategy not in ("default", "qwc", "wires", None):
        raise ValueError(f"grouping_strategy must be 'default', 'qwc', 'wires' or None, got "
                         f"{grouping_strategy!r}")
    if not tape.measurements:
        return [tape], null_postprocessing
    check_splittable(tape)
    shot_dist_fn = _shot_dist_function(shot_dist)
    if _one_hamiltonian(tape, grouping_strategy):
        return _shot_vectors(tape, *_split_hamiltonian(tape, shot_dist_fn, seed))
    if shot_dist is not None:
        warnings.warn(f"shot_dist='{shot_dist}' is not supported for multiple measurements.",
                      UserWarning, stacklevel=2)
    terms, recipes = single_terms(tape)
    groups = _groups(terms, tape, grouping_strategy)
    tapes = [tape.copy(measurements=[terms[k] for k in g]) for g in groups]
    return _shot_vectors(tape, tapes, functools.partial(_split_post, groups, recipes,
                                                        batch_size=tape.batch_size))


def _single_post(recipes, n_terms, batch_size, results):
    res = results[0]
    values = list(res) if n_terms > 1 else [res]
    return _combine(recipes, values, batch_size)


@functools.partial(transform, pass_name="split-to-single-terms")
def split_to_single_terms(tape):
    """PennyLane's ``qml.transforms.split_to_single_terms``: one tape measuring every term
    of the tape's sums of Pauli words (each distinct term once); the postprocessing adds
    them back with their coefficients (qsym measures non-commuting terms together).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Z(0) + 2 * qml.X(0))])
    >>> tapes, fn = qml.transforms.split_to_single_terms(t)
    >>> [m.measured_obs for m in tapes[0].measurements]
    [Observable(1 * Z(0)), Observable(1 * X(0))]
    """
    if not tape.measurements:
        return [tape], null_postprocessing
    check_splittable(tape)
    terms, recipes = single_terms(tape)
    if len(terms) == len(tape.measurements) and all(
            t is m for t, m in zip(terms, tape.measurements)):
        return (tape,), null_postprocessing  # nothing to split: the tape as it is
    batch = tape.batch_size
    if not terms:  # identity terms only: constants, nothing to execute
        return _shot_vectors(tape, [], functools.partial(_combine, recipes, batch_size=batch))
    return _shot_vectors(tape, [tape.copy(measurements=terms)],
                         functools.partial(_single_post, recipes, len(terms), batch))


def _stack(results):
    """Results of one structure (nested tuples of arrays; a shot vector, several
    measurements), stacked leaf by leaf along a new first axis (PennyLane's
    ``_nested_stack``)."""
    if isinstance(results[0], (tuple, list, SequenceBox)):
        return tuple(_stack([r[i] for r in results]) for i in range(len(results[0])))
    return anp.stack(list(results))


def _broadcast_post(size, n_meas, copies, results):
    """Stack the per-parameter-set results (PennyLane's layout: per shot copy, then per
    measurement, the batch axis first)."""
    def stack(rows):
        if n_meas > 1:
            return tuple(anp.stack([r[m] for r in rows]) for m in range(n_meas))
        return anp.stack(list(rows))

    if copies:
        return tuple(stack([results[b][s] for b in range(size)]) for s in range(copies))
    return stack(results)


def _unbatched(op, i, size):
    if getattr(op, "batch_size", None) is None:
        return op
    U = dict(getattr(op, "hyper", ()) or ()).get("U") if op.name == "QubitUnitary" else None
    if np.ndim(U) == 3:  # a stack of matrices: the i-th
        return type(op)(np.asarray(U)[i], wires=list(op.wires))
    return op.remake(tuple(d[i] if np.ndim(d) and len(d) == size else d for d in op.data))


@transform
def broadcast_expand(tape):
    """PennyLane's ``qml.transforms.broadcast_expand``: a tape with broadcast parameters
    (a batch of values) becomes one tape per batch element; the results are stacked (a
    tape that is not broadcast is returned as it is).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RX(qml.numpy.array([0.1, 0.2]), 0)], [qml.expval(qml.Z(0))])
    >>> tapes, fn = qml.transforms.broadcast_expand(t)
    >>> [tp.operations for tp in tapes]
    [[RX(tensor(0.1, requires_grad=True), wires=[0])], [RX(tensor(0.2, requires_grad=True), wires=[0])]]
    """
    size = tape.batch_size
    if size is None:
        return (tape,), null_postprocessing
    tapes = []
    for i in range(size):
        with detached():
            ops = [_unbatched(op, i, size) for op in tape.operations]
        tapes.append(tape.copy(operations=ops))
    copies = tape.shots.num_copies if tape.shots.has_partitioned_shots else 0
    return tapes, functools.partial(_broadcast_post, size, len(tape.measurements), copies)


def _numpy(x):
    while hasattr(x, "_value"):
        x = x._value
    if hasattr(x, "unwrap"):
        x = x.unwrap()
    return np.asarray(x)[()] if np.ndim(x) == 0 else np.asarray(x)


def _split_batch(tape, indices, size):
    """One tape per batch element: the parameters at ``indices`` (into ``tape.data``)
    replaced by their element ``b``; the gates without such a parameter kept as they are
    (the same objects); the trainable parameters kept (PennyLane's ``_split_operations``)."""
    params = gate_parameters(tape)
    tapes = []
    for b in range(size):
        ops, k = [], 0
        with detached():
            for op in tape.operations:
                n = len(op.data)
                if any(k + j in indices for j in range(n)):
                    op = op.remake(tuple(params[k + j][b] if k + j in indices else d
                                         for j, d in enumerate(op.data)))
                ops.append(op)
                k += n
        tapes.append(tape.copy(operations=ops, trainable_params=tape.trainable_params))
    return tapes, _stack


@transform
def batch_params(tape, all_operations=False):
    """PennyLane's ``qml.batch_params``: the tape's trainable parameters
    (``tape.trainable_params``: a QNode's are its tensors with ``requires_grad``; with
    ``all_operations=True`` every parameter) carry a leading batch dimension; one tape per
    batch element, results stacked.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> t = qml.tape.QuantumScript([qml.RX(qml.numpy.array([0.1, 0.2]), 0)], [qml.expval(qml.Z(0))])
    >>> len(qml.transforms.batch_params(t)[0])
    2
    """
    params = gate_parameters(tape)  # (the gates': observables are not batched)
    indices = list(range(len(params))) if all_operations else [
        i for i in tape.trainable_params if i < len(params)]
    if not indices:
        raise ValueError("There are no operations to transform. Either add trainable "
                         "parameters, or specify `all_operations=True`.")
    size = np.shape(_numpy(params[indices[0]]))[:1]
    if not size:
        raise ValueError(f"Parameter {params[0]} does not contain a batch dimension.")
    for i in indices:
        if np.shape(_numpy(params[i]))[:1] != size:
            raise ValueError(f"Parameter {params[i]} has incorrect batch dimension. Expecting "
                             f"first dimension of length {size[0]}.")
    return _split_batch(tape, indices, size[0])


@transform
def batch_input(tape, argnum):
    """PennyLane's ``qml.batch_input``: the parameters at positions ``argnum`` of the tape
    (its gates' parameters in order) carry a leading batch dimension; they must not be
    trainable (``requires_grad=False``; else PennyLane's ``ValueError``); one tape per batch
    element, results stacked.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.RY(qml.numpy.array([0.1, 0.2]), 0), qml.RX(0.3, 0)],
    ...                            [qml.expval(qml.Z(0))], trainable_params=[1])
    >>> len(qml.transforms.batch_input(t, argnum=0)[0])
    2
    """
    argnum = list(argnum) if isinstance(argnum, (list, tuple)) else [int(argnum)]
    if any(i in tape.trainable_params for i in argnum):
        raise ValueError("Batched inputs must be non-trainable. Please make sure that the "
                         "parameters indexed by 'argnum' are not marked as trainable.")
    params = gate_parameters(tape)
    sizes = {np.shape(_numpy(params[i]))[:1] for i in argnum}
    if len(sizes) != 1 or () in sizes:
        raise ValueError("Batch dimension for all gate arguments specified by 'argnum' must "
                         "be the same.")
    return _split_batch(tape, argnum, sizes.pop()[0])


def batch_partial(qnode, all_operations=False, preprocess=None, **partial_kwargs):
    """PennyLane's ``qml.batch_partial``: ``qnode`` under :func:`batch_params` with some
    arguments fixed (``partial_kwargs``: each numeric one repeated along the batch of the
    call) or computed per batch element from the arguments given (``preprocess``: a dict
    of name to function; then every other argument must be fixed, and the call passes
    them positionally). The first argument of a call sets the batch size.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def c(x, y):
    ...     qml.RX(x, wires=0)
    ...     qml.RY(y, wires=0)
    ...     return qml.expval(qml.Z(0))
    >>> f = batch_partial(c, y=np.array(0.0))
    >>> np.round(f(np.array([0.0, np.pi])), 6)
    tensor([ 1., -1.], requires_grad=True)
    """
    import inspect

    from . import math as qmath

    node = batch_params(qnode, all_operations=all_operations)
    preprocess = dict(preprocess or {})
    partial = not preprocess
    repeated = [k for k, v in partial_kwargs.items() if np.asarray(getval(v)).dtype != object]
    names = list(inspect.signature(node).parameters)
    if partial and len(names) <= len(partial_kwargs):
        raise ValueError("Partial evaluation must leave at least one unevaluated parameter")
    if not partial and len(names) > len(partial_kwargs) + len(preprocess):
        raise ValueError("Callable argument requires all other arguments to QNode be provided")

    @functools.wraps(node)
    def wrapper(*args, **kwargs):
        if not partial and kwargs:
            raise ValueError("Arguments must not be passed as keyword arguments to callable "
                             "within partial function")
        first = args[0] if args else next(iter(kwargs.values()), None)
        size = np.shape(getval(first))[:1]
        if not size:
            raise ValueError("Parameter with batch dimension must be provided")
        for key, fn in preprocess.items():
            # each argument's elements by indexing (autograd differentiates it; NumPy's
            # unstack has no derivative in autograd)
            rows = zip(*([x[i] for i in range(len(x))] for x in args))
            kwargs[key] = qmath.stack([fn(*a) for a in rows])
        for key, val in partial_kwargs.items():
            kwargs[key] = qmath.stack([val] * size[0]) if key in repeated else val
        given = args if partial else ()
        # all positional, in the QNode's order: a name's keyword, else the argument at
        # that position (PennyLane's _convert_to_args)
        return node(*(kwargs[n] if n in kwargs else given[i] for i, n in enumerate(names)))

    return wrapper


@transform
def convert_to_numpy_parameters(tape):
    """PennyLane's ``qml.transforms.convert_to_numpy_parameters``: the tape with every gate
    parameter a plain NumPy value (autograd boxes and ``qsym.numpy`` tensors unwrapped).

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> t = qml.tape.QuantumScript([qml.RX(np.array(0.5, requires_grad=True), 0)])
    >>> type(qml.transforms.convert_to_numpy_parameters(t)[0][0].operations[0].data[0]).__name__
    'float64'

    The tape's trainable parameters are kept (the same positions, a numbers' tape's too).
    """
    with detached():
        ops = [convert_op_to_numpy_data(op) for op in tape.operations]
        measurements = [convert_measurement_to_numpy_data(m) for m in tape.measurements]
    new = tape.copy(operations=ops, measurements=measurements)
    new.trainable_params = list(tape.trainable_params)  # PennyLane's: kept as they were
    return [new], null_postprocessing


def convert_op_to_numpy_data(op):
    """The gate with every parameter a plain NumPy value (PennyLane's
    ``_convert_op_to_numpy_data``, of ``qml.transforms.convert_to_numpy_parameters``); a
    gate without a wrapped parameter is returned as it is.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> op = convert_op_to_numpy_data(qml.RX(np.array(0.5, requires_grad=True), 0))
    >>> type(op.data[0]).__name__
    'float64'
    """
    if not any(_wrapped(d) for d in op.data):
        return op
    with detached():
        if hasattr(op, "remake"):
            return op.remake(tuple(_numpy(d) for d in op.data))
        from ._tapes import bind_new_parameters  # operator arithmetic: Sum, SProd, Prod, ...
        return bind_new_parameters(op, [_numpy(d) for d in op.data])


def _wrapped(x) -> bool:
    return hasattr(x, "_value") or hasattr(x, "unwrap")


def convert_measurement_to_numpy_data(m):
    """The measurement with its observable's parameters (or its eigenvalues) plain NumPy
    values (PennyLane's ``_convert_measurement_to_numpy_data``, of
    ``qml.transforms.convert_to_numpy_parameters``); one without a wrapped parameter is
    returned as it is.

    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> m = convert_measurement_to_numpy_data(qml.expval(qml.Hermitian(np.eye(2), 0)))
    >>> type(m.measured_obs.data[0]).__name__
    'ndarray'
    """
    from ._tapes import bind_new_parameters
    if m.measured_obs is None:
        eigvals = m.eigvals() if callable(getattr(m, "eigvals", None)) else None
        if eigvals is None or not _wrapped(eigvals):
            return m
        with detached():
            return type(m)(wires=m.wires, eigvals=_numpy(eigvals))
    if not any(_wrapped(d) for d in getattr(m.measured_obs, "data", ())):  # (a Pauli sum has none)
        return m
    with detached():
        return type(m)(obs=bind_new_parameters(m.measured_obs, [_numpy(d) for d in m.measured_obs.data]))


# --- sign_expand (the Xi decomposition of arXiv:2207.09479) ---------------------------------
def xi_decomposition(hamiltonian) -> tuple:
    """``(gaps, midpoints, offset, terms)``: the Xi decomposition of a Hermitian operator
    ``O`` with eigenvalues ``l_0 <= ... <= l_J`` (arXiv:2207.09479, eq. 8):
    ``O = offset * I + sum_x gap_x * Xi_x`` with ``offset = (l_0 + l_J) / 2``, for each
    distinct consecutive pair ``gap_x = (l_{x+1} - l_x) / 2`` and
    ``Xi_x = I - 2 sum_{j <= x} Pi_j`` (``Pi_j`` the projector on ``l_j``'s eigenvector);
    ``terms`` are the matrices ``gap_x * Xi_x`` on the operator's wires.

    >>> import qsym as qml
    >>> gaps, mids, offset, terms = xi_decomposition(qml.Z(0) + 2 * qml.Identity(0))
    >>> gaps, offset, terms[0].real
    ([1.0], 2.0, array([[ 1.,  0.],
           [ 0., -1.]]))
    """
    matrix = np.asarray(hamiltonian.matrix(wire_order=list(hamiltonian.wires)), dtype=complex)
    eigvals, vectors = np.linalg.eigh(matrix)
    gaps, mids, terms = [], [], []
    xi = np.eye(len(matrix), dtype=complex)
    for x in range(len(eigvals) - 1):
        xi = xi - 2 * np.outer(vectors[:, x], vectors[:, x].conj())
        gap = (eigvals[x + 1] - eigvals[x]) / 2
        if np.isclose(gap, 0):
            continue
        gaps.append(float(gap))
        mids.append(float(eigvals[x + 1] + eigvals[x]) / 2)
        terms.append(gap * xi)
    return gaps, mids, float(eigvals[0] + eigvals[-1]) / 2, terms


def sign_phases(J=10, delta=0.0) -> list:
    """The quantum-signal-processing phases ``sign_expand(circuit=True)`` uses for order
    ``J`` and gap ``delta``: PennyLane's stored optimization results (``J`` in 2, 4, ...,
    20; ``delta`` in 0, 0.04, 0.1, 0.2, 0.4), shipped with qsym as
    ``qsym/sign_expand_phases.json`` (Apache-2.0, from PennyLane 0.45.1). Another pair
    raises ``ValueError`` naming those stored.

    >>> [round(p, 4) for p in sign_phases(J=2, delta=0)]
    [1.5708, -1.5708]
    """
    table = _phase_table()
    key = (float(delta), int(J)) if np.isscalar(delta) and np.isscalar(J) else None
    if key not in table:
        raise ValueError(
            f"sign_expand(circuit=True) has no stored phases for J={J!r}, delta={delta!r}: "
            f"J is one of {sorted({j for _, j in table})} and delta one of "
            f"{sorted({d for d, _ in table})} (PennyLane's optimized phases)")
    return list(table[key])


@functools.lru_cache(maxsize=1)
def _phase_table() -> dict:
    import json
    from pathlib import Path
    data = json.loads((Path(__file__).with_name("sign_expand_phases.json")).read_text())
    return {(float(k.split(":")[0]), int(k.split(":")[1])): tuple(v["phases"])
            for k, v in data["phases"].items()}


def _controlled_word_evolution(theta, word, controls) -> list:
    """``exp(-i theta/2 (-1)^t P)`` on the branch where ``controls[0]`` is 1 (``t`` the
    value of ``controls[1]``) for a Pauli word ``P`` (``((wire, letter), ...)``): each
    wire turned to its ``Z`` basis, the sign flipped by a ``CNOT`` from ``controls[1]``,
    a controlled ``MultiRZ`` (PennyLane's circuit; the identity word is a ``CRZ`` of the
    two controls). PennyLane turns ``Y`` by ``RX(-pi/2)`` before and after, which is not
    its basis change back; qsym turns by ``RX(pi/2)`` and back by ``RX(-pi/2)``."""
    from ._opmath import ctrl
    G = _gate_classes()
    if not word:
        return [G["CRZ"](theta, wires=list(controls))]
    wires = [w for w, _ in word]
    before = [G["Hadamard"](wires=w) if p == "X" else G["RX"](np.pi / 2, wires=w)
              for w, p in word if p in "XY"]
    after = [G["Hadamard"](wires=w) if p == "X" else G["RX"](-np.pi / 2, wires=w)
             for w, p in word if p in "XY"]
    flip = G["CNOT"](wires=[controls[1], wires[0]])
    turn = ctrl(G["MultiRZ"](theta, wires=wires), control=controls[0])
    return [*before, flip, turn, G["CNOT"](wires=[controls[1], wires[0]]), *after]


def _gate_classes():
    from ._operations import GATE_CLASSES
    return GATE_CLASSES


def _sign_circuits(tape, obs, mids, times, phases, controls) -> list:
    """One tape per gap (PennyLane's ``construct_sgn_circuit``): ``tape``'s operations, a
    Hadamard test on ``controls[0]`` around the signal-processing sequence on
    ``controls[1]`` (``CRX(phase)``, the controlled evolution under ``obs - mid`` for
    ``2 * time``, ..., a final ``CRY(pi)``), measuring ``-Z`` (or ``Z``'s variance) of
    ``controls[0]``."""
    from ._operations import PauliZ, var
    G = _gate_classes()
    kind = tape.measurements[0].kind
    tapes = []
    with detached():
        for mid, time in zip(mids, times):
            ops = [G["Hadamard"](wires=controls[0])]
            for i, phi in enumerate(phases):
                ops.append(G["CRX"](phi, wires=list(controls)))
                if i == len(phases) - 1:
                    ops.append(G["CRY"](np.pi, wires=list(controls)))
                    continue
                for word, coeff in obs.terms.items():
                    ops += _controlled_word_evolution(float(np.real(coeff)) * 2 * time, word,
                                                      controls)
                ops.append(G["CRZ"](-2 * mid * time, wires=list(controls)))
            ops.append(G["Hadamard"](wires=controls[0]))
            z = PauliZ(controls[0])
            measurement = expval(-1 * z) if kind == "expval" else var(z)
            tapes.append(tape.copy(operations=list(tape.operations) + ops,
                                   measurements=[measurement]))
    return tapes


@transform
def sign_expand(tape, circuit=False, J=10, delta=0.0, controls=("Hadamard", "Target")):
    """PennyLane's ``qml.transforms.sign_expand``: a tape ending in ``qml.expval(H)`` or
    ``qml.var(H)`` of a sum ``H`` whose terms are jointly measurable becomes one tape per
    term of ``H``'s Xi decomposition (:func:`xi_decomposition`; each measures
    ``qml.Hermitian`` of ``gap * Xi``, with the tape's shots); the expectation value is
    their sum plus ``(l_min + l_max) / 2`` (PennyLane 0.45 leaves this constant out, so
    its result is off by it when the spectrum is not symmetric about 0), the variance
    PennyLane's estimator variance (the sum of the terms' variances times their number).
    ``circuit=True``: PennyLane's approximate circuits instead, one per gap, on the two
    extra wires ``controls`` (a Hadamard test of a quantum-signal-processing sequence of
    ``J`` steps with :func:`sign_phases`' phases, evolving under ``H`` for
    ``pi / (max|l| + |mid|)``: PennyLane takes ``l_max`` for ``max|l|``, which is too long
    when ``|l_min| > l_max``); the gaps weigh their results, the same constant is added.

    >>> import qsym as qml
    >>> H = qml.Z(0) + 0.5 * qml.Z(1)
    >>> t = qml.tape.QuantumScript([qml.X(0)], [qml.expval(H)])
    >>> tapes, fn = qml.transforms.sign_expand(t)
    >>> len(tapes), round(float(fn(qml.execute(tapes, qml.device("default.qubit")))), 6)
    (3, -0.5)
    >>> tapes, fn = qml.transforms.sign_expand(t, circuit=True)
    >>> round(float(fn(qml.execute(tapes, qml.device("default.qubit")))), 1)
    -0.5
    """
    from ._operations import Hermitian, Sum, var

    written = tape.measurements[0].written_obs if tape.measurements else None
    if (len(tape.measurements) != 1 or not isinstance(written, Sum)
            or tape.measurements[0].kind not in ("expval", "var")):
        raise ValueError("Passed tape must end in `qp.expval(H)` or 'qp.var(H)', where H is "
                         "of type `qp.ops.Sum`")
    phases = sign_phases(J, delta) if circuit else None
    written.compute_grouping()
    if len(written.grouping_indices) != 1:
        raise ValueError("Passed hamiltonian must be jointly measurable")
    gaps, mids, offset, terms = xi_decomposition(written)
    expectation = tape.measurements[0].kind == "expval"
    if circuit:
        reach = abs(offset) + sum(gaps)  # max |eigenvalue|
        times = [np.pi / (2 * (reach + abs(m))) for m in mids]
        tapes = _sign_circuits(tape, tape.measurements[0].measured_obs, mids, times, phases, controls)
        weights = anp.array(gaps)
        if expectation:
            return tapes, lambda results: anp.sum(anp.stack(list(results)) * weights) + offset
        return tapes, lambda results: anp.sum(anp.stack(list(results)) * weights) * len(results)
    measure = expval if expectation else var
    with detached():
        tapes = [tape.copy(measurements=[measure(Hermitian(m, wires=list(written.wires)))])
                 for m in terms]
    if expectation:
        return tapes, lambda results: anp.sum(anp.stack(list(results))) + offset
    return tapes, lambda results: anp.sum(anp.stack(list(results))) * len(results)
