"""Mid-circuit measurements simulated natively, branch by branch, on the circuit's own wires
(PennyLane's one-shot method: ``simulate_one_shot_native_mcm``, each shot samples its
measurements, collapses and renormalizes the state and goes on).

The deferral (:func:`qsym._mcm.defer`) copies a measured wire that is used again onto a
fresh wire with a ``CNOT``; afterwards the copy is only a control (of the conditioned gates,
of a reset), flipped by ``X`` around a control on 0, and read in the computational basis
(statistics of the values, the postselection). Such a wire is *classical*: the deferred
state is ``sum_b |b> (x) psi_b`` over the copies' bits ``b`` and the branches never
interfere, so each bit can be drawn when its ``CNOT`` runs (probability ``|psi_b|^2``, the
state collapsed and renormalized) and the circuit simulated on the other wires only.
Instead of one run per shot, the shots are split between the two outcomes of each
measurement by a binomial draw with the branch probabilities, and each distinct branch is
simulated once with its number of shots, depth first (one state per measurement depth in
memory): the same joint distribution as shot-by-shot execution, for ``2**own`` amplitudes
per state instead of ``2**(own + copies)``.

>>> import numpy as np, sympy as sp
>>> import qsym._ir as ir
>>> c = ir.Circuit(3, (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 2)), ir.Op("CNOT", (2, 0)),
...                    ir.Op("CNOT", (2, 1))), (ir.Measurement("probs", on=(1,)),))
>>> plan = branch_plan(c)
>>> plan.own, plan.classical
(2, (2,))
>>> leaves = list(branches(plan, c, (), (), 1000, np.random.default_rng(1)))
>>> sorted((bits, count) for _, bits, count in leaves)   # wire 2 read 0 or 1, shots split
[(0, 493), (1, 507)]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ._gates import numeric_matrix_function
from ._ir import evaluate, input_values
from ._shapes import postselection_impossible
from .errors import PostselectionError

__all__ = ["BranchPlan", "NotClassical", "branch_plan", "branches", "branch_memory", "copy_wires"]


class NotClassical(Exception):
    """A gate that, at the call's numbers, does not keep the copies' bits classical (it
    would put a copy wire in superposition), or whose parameters are not numbers of the
    inputs: the circuit is simulated deferred instead.

    >>> issubclass(NotClassical, Exception)
    True
    """


@dataclass(frozen=True)
class BranchPlan:
    """How a deferred circuit runs branch by branch (:func:`branch_plan`).

    Attributes:
        num_wires: the deferred circuit's wires.
        own: the wires simulated as a state: indices ``0 .. own - 1``.
        classical: the copy wires ``own .. num_wires - 1``, bits of each branch.
        steps: one per gate: ``("gate", op)``, ``("measure", wire, copy)`` (the copy's
            ``CNOT``), ``("flip", copy)`` (an ``X`` on a copy), ``("controlled", op,
            positions of the copies among its wires)``.
        required: ``{copy: bit}`` that a postselection keeps (its final value).
        flips_after: for each step, the copies flipped an odd number of times after it.

    >>> import qsym._ir as ir
    >>> c = ir.Circuit(2, (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 1)), ir.Op("PauliX", (1,))),
    ...                (ir.Measurement("probs", on=(1,)),))
    >>> plan = branch_plan(c)
    >>> plan.steps[2], plan.flips_after[1], plan.depth
    (('flip', 1), frozenset({1}), 1)
    """

    num_wires: int
    own: int
    classical: tuple
    steps: tuple
    required: dict
    flips_after: tuple

    @property
    def depth(self) -> int:
        """The number of measurements (states kept at once: one per depth, and one)."""
        return sum(1 for s in self.steps if s[0] == "measure")


def copy_wires(ops) -> set:
    """Wires written only by one ``CNOT`` onto a fresh wire (gates, or a recording's
    operations: their ``name`` and ``wires``), candidates for classical copies (used as
    controls or flipped by ``X`` afterwards: checked numerically at each call).

    >>> import qsym._ir as ir
    >>> sorted(copy_wires([ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 1)), ir.Op("CNOT", (0, 2)),
    ...                    ir.Op("CNOT", (0, 2))]))
    [1]
    """
    touched, copies, bad = set(), set(), set()
    for op in ops:
        name, wires = getattr(op, "name", None), tuple(getattr(op, "wires", None) or ())
        if name == "CNOT" and wires[1] not in touched and wires[0] not in copies:
            copies.add(wires[1])
        elif name == "CNOT" and wires[1] in copies:
            bad.add(wires[1])  # written twice
        touched.update(wires)
    return copies - bad


def _measured_diagonally(measurements, classical: set) -> bool:
    """Whether every measurement reads the copies in the computational basis only."""
    for m in measurements:
        if m.reduce or m.shadow or m.kind == "state":
            return False
        for _, word in tuple(m.terms) + tuple(m.post):
            if any(w in classical and p != "Z" for w, p in word):
                return False
        form = m.sampling or (("pauli",) if len(m.terms) == 1 else ("matrix",))
        if m.terms and form not in (("values",), ("pauli",)) and set(m.wires) & classical:
            return False  # (an eigenbasis over a copy: drawn from a state that holds it)
    return True


def _required(post, classical: set):
    """``{copy: bit}`` of a postselection's projector (Z words of copies only, one kept
    assignment), ``{}`` for none; None when it is not of that form."""
    if not post:
        return {}
    wires = sorted({w for _, word in post for w, _ in word})
    if not set(wires) <= classical or len(wires) > 20:
        return None
    kept = []
    for bits in itertools.product((0, 1), repeat=len(wires)):
        v = sum(complex(c).real * (-1) ** sum(bits[wires.index(w)] for w, _ in word)
                for c, word in post)
        if abs(v - 1) < 1e-9:
            kept.append(bits)
        elif abs(v) > 1e-9:
            return None
    return dict(zip(wires, kept[0])) if len(kept) == 1 else None


def branch_plan(circuit) -> BranchPlan | None:
    """The :class:`BranchPlan` of a deferred circuit whose last wires are classical copies
    (at least one; every measurement reads them in the computational basis, one
    postselection of copies shared by all); None where the circuit is not of that form.

    >>> import qsym._ir as ir
    >>> c = ir.Circuit(2, (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 1)), ir.Op("RX", (0,), (0.3,))),
    ...                (ir.Measurement("expval", terms=((1, ((1, "Z"),)),)),))
    >>> branch_plan(c).steps[1]
    ('measure', 0, 1)
    >>> branch_plan(ir.Circuit(1, (ir.Op("Hadamard", (0,)),), ())) is None
    True
    """
    n = circuit.num_wires
    copies = copy_wires(circuit.ops)
    own = n
    while own > 0 and own - 1 in copies:
        own -= 1
    classical = set(range(own, n))
    if not classical or not _measured_diagonally(circuit.measurements, classical):
        return None
    posts = {m.post for m in circuit.measurements}
    required = _required(next(iter(posts)), classical) if len(posts) == 1 else None
    if required is None:
        return None
    steps = []
    for op in circuit.ops:
        cpos = tuple(i for i, w in enumerate(op.wires) if w in classical)
        if not cpos:
            steps.append(("gate", op))
        elif op.name == "CNOT" and cpos == (1,):
            steps.append(("measure", op.wires[0], op.wires[1]))
        elif op.name == "PauliX":
            steps.append(("flip", op.wires[0]))
        else:
            steps.append(("controlled", op, cpos))
    flips, after = set(), []
    for step in reversed(steps):
        after.append(frozenset(flips))
        if step[0] == "flip":
            flips ^= {step[1]}
    return BranchPlan(n, own, tuple(sorted(classical)), tuple(steps), required,
                      tuple(reversed(after)))


def branch_memory(plan: BranchPlan) -> int:
    """Bytes of the states :func:`branches` keeps at once (two per measurement depth).

    >>> import qsym._ir as ir
    >>> c = ir.Circuit(2, (ir.Op("Hadamard", (0,)), ir.Op("CNOT", (0, 1))),
    ...                (ir.Measurement("probs", on=(1,)),))
    >>> branch_memory(branch_plan(c))   # one own wire, one measurement: four 2-amplitude states
    128
    """
    return 16 * 2**plan.own * (2 * plan.depth + 2)


def _matrices(plan: BranchPlan, circuit, x, d) -> dict:
    values = input_values(circuit, x, d)
    out = {}
    for i, step in enumerate(plan.steps):
        if step[0] in ("gate", "controlled"):
            op = step[1]
            try:
                pars = [evaluate(p, values) for p in op.params]
            except TypeError as exc:  # (a parameter not a number of the inputs given)
                raise NotClassical(f"{op.name}'s parameters are not numbers here") from exc
            out[i] = np.asarray(numeric_matrix_function(*op.variant)(*pars), dtype=complex)
    return out


def _block(mat, k: int, cpos: tuple, bits: tuple):
    """The gate's matrix on its other wires where its copies hold ``bits`` (None: the
    identity); refused (:class:`NotClassical`) where it would change them."""
    t = mat.reshape((2,) * (2 * k))
    index = [slice(None)] * (2 * k)
    for p, b in zip(cpos, bits):
        index[p] = index[k + p] = b
    block = t[tuple(index)]
    q = k - len(cpos)
    block = block.reshape(2**q, 2**q)
    if not np.isclose(np.sum(np.abs(block) ** 2), 2**q, atol=1e-9):
        raise NotClassical(f"a gate changes the copy wires {cpos} of its wires")
    return None if np.array_equal(block, np.eye(2**q)) else block  # (a control not met)


class _State:
    """A branch's state of the own wires: a tensor over the wires in ``wires`` (its axes in
    that order) times basis states of the others (``known``: wire -> bit), which a
    measurement detaches and a gate attaches again (a measured wire leaves the tensor
    until a gate acts on it, so the tensor is of the wires in use only)."""

    __slots__ = ("psi", "wires", "known")

    def __init__(self, psi, wires, known):
        self.psi, self.wires, self.known = psi, wires, known

    def attach(self, wires) -> list:
        """The axes of ``wires``, each known wire put back into the tensor first."""
        for w in wires:
            if w in self.known:
                unit = np.zeros(2, dtype=complex)
                unit[self.known.pop(w)] = 1.0
                self.psi = np.multiply.outer(self.psi, unit)
                self.wires = self.wires + [w]
        return [self.wires.index(w) for w in wires]

    def apply(self, mat, wires) -> None:
        """``mat`` on ``wires``: one ``einsum`` over the tensor's axes (the reference
        interpreter's ``tensordot`` and axis moves cost several times more per gate); an
        ``X`` on a known wire flips its bit."""
        if len(wires) == 1 and wires[0] in self.known and _is_x(mat):
            self.known[wires[0]] ^= 1
            return
        axes = self.attach(wires)
        n, k = self.psi.ndim, len(axes)
        result = list(range(n))
        for j, a in enumerate(axes):
            result[a] = n + j
        self.psi = np.einsum(mat.reshape((2,) * (2 * k)), list(range(n, n + k)) + axes,
                             self.psi, list(range(n)), result)

    def probabilities(self, wire: int):
        """The two outcomes' probabilities of ``wire``."""
        if wire in self.known:
            return (1.0, 0.0) if self.known[wire] == 0 else (0.0, 1.0)
        axis = self.wires.index(wire)
        p1 = float(np.sum(np.abs(np.take(self.psi, 1, axis=axis)) ** 2))
        p1 = min(max(p1, 0.0), 1.0)
        return 1.0 - p1, p1

    def collapsed(self, wire: int, v: int, p: float) -> "_State":
        """The state after outcome ``v`` (probability ``p``) of ``wire``, renormalized;
        the wire detached (its bit known)."""
        if wire in self.known:
            return _State(self.psi, self.wires, dict(self.known))
        axis = self.wires.index(wire)
        psi = np.take(self.psi, v, axis=axis) / np.sqrt(p)
        return _State(psi, self.wires[:axis] + self.wires[axis + 1:], {**self.known, wire: v})

    def tensor(self):
        """The state tensor of every own wire (axis ``w`` is wire ``w``)."""
        s = _State(self.psi, self.wires, dict(self.known))
        s.attach(sorted(self.known))
        return np.transpose(s.psi, np.argsort(s.wires))


def _is_x(mat) -> bool:
    return mat.shape == (2, 2) and np.array_equal(mat, np.array([[0, 1], [1, 0]]))


def _outcome_counts(plan, i, copy, probs, count, rng, fill):
    """``{outcome: shots}`` at measurement step ``i``, and the shots a postselection
    discards there (its kept outcome known: ``required`` of the copy's final value)."""
    if copy not in plan.required:
        n1 = int(rng.binomial(count, probs[1]))
        return {0: count - n1, 1: n1}, 0
    v = plan.required[copy] ^ (copy in plan.flips_after[i])
    if postselection_impossible(probs[v]):
        if fill:
            raise PostselectionError(
                "The probability of the postselected mid-circuit measurement outcome is 0. "
                "This leads to invalid results when using postselect_mode='fill-shots'. "
                "(qsym: use postselect_mode='hw-like' to get no samples)")
        return {}, count
    kept = count if fill else int(rng.binomial(count, probs[v]))
    return {v: kept}, count - kept


def branches(plan: BranchPlan, circuit, x, d, shots: int, rng, fill: bool = False):
    """Each branch of the measured outcomes with its shots, depth first: ``(psi, bits,
    count)``, ``psi`` the normalized state tensor of the own wires, ``bits`` the copies'
    values as a basis index of all wires, ``count`` its shots (``psi`` None: shots a
    postselection discarded, PennyLane's ``"hw-like"``; ``fill``: ``"fill-shots"``, every
    shot kept, an impossible outcome refused)."""
    mats = _matrices(plan, circuit, x, d)
    n, blocks = plan.num_wires, {}
    state = _State(np.ones((), dtype=complex), [], {w: 0 for w in range(plan.own)})
    stack = [(0, state, 0, int(shots))]
    while stack:
        i, state, bits, count = stack.pop()
        while i < len(plan.steps):
            step = plan.steps[i]
            if step[0] == "gate":
                state.apply(mats[i], list(step[1].wires))
            elif step[0] == "flip":
                bits ^= 1 << (n - 1 - step[1])
            elif step[0] == "controlled":
                op, cpos = step[1], step[2]
                value = tuple((bits >> (n - 1 - op.wires[p])) & 1 for p in cpos)
                if (i, value) not in blocks:
                    blocks[(i, value)] = _block(mats[i], len(op.wires), cpos, value)
                block = blocks[(i, value)]
                if block is not None:
                    state.apply(block, [w for p, w in enumerate(op.wires) if p not in cpos])
            else:
                _, wire, copy = step
                probs = state.probabilities(wire)
                counts, discarded = _outcome_counts(plan, i, copy, probs, count, rng, fill)
                if discarded:
                    yield None, bits, discarded
                for v in (1, 0):  # (0 popped first)
                    if counts.get(v):
                        stack.append((i + 1, state.collapsed(wire, v, probs[v]),
                                      bits ^ (v << (n - 1 - copy)), counts[v]))
                break
            i += 1
        else:
            yield state.tensor(), bits, count
