"""PennyLane's pattern-matching circuit optimization (``qml.transforms.pattern_matching_optimization``,
``qml.pattern_matching``) and the relative-phase rewrites built on it
(``match_relative_phase_toffoli``, ``match_controlled_iX_gate``).

The algorithm is Iten, Moyard, Metger, Sutter and Woerner, "Exact and practical pattern
matching for quantum circuit optimization" (doi.org/10.1145/3498325): a pattern is a circuit
implementing the identity. Both circuits become commutation DAGs
(:func:`qsym.transforms.commutation_dag`); for every pair of equal gates (a first match) and
every assignment of the pattern's remaining wires to circuit wires, the forward match grows
the match along the DAGs' successors, and the backward match explores, scenario by
scenario, which earlier unmatched circuit gates extend it. The maximal matches then replace
a matched part of the circuit by the inverse of the rest of the pattern when that rest costs
less (a gate-cost table, or the user's), the circuit's other gates kept before or after it
as the DAG requires. PennyLane's choices are followed step by step (the order gates are
visited, which matches are kept), so the output circuits and gate orders are PennyLane's.

>>> import qsym as qml
>>> pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
>>> tape = qml.tape.QuantumScript([qml.S(0), qml.Z(0), qml.S(1)], [qml.expval(qml.X(0))])
>>> [new], _ = pattern_matching_optimization(tape, pattern_tapes=[pattern])
>>> new.operations
[Adjoint(S(0)), S(1)]
"""

from __future__ import annotations

import itertools

import numpy as np

from ._attributes import symmetric_over_all_wires
from ._commutation_dag import CommutationDAG, trainable
from ._drawing import matrix
from ._op_transforms import map_wires
from ._operations import GATE_CLASSES
from ._opmath import AdjointOperation, adjoint, ctrl
from ._tapes import QuantumScript
from ._transform import VALUES_UNSEEN, detached, null_postprocessing, transform
from .errors import ArgumentError, QuantumFunctionError, TransformError

__all__ = ["pattern_matching_optimization", "pattern_matching", "ForwardMatch", "BackwardMatch",
           "Match", "MatchingScenarios", "MatchingScenariosList", "MaximalMatches",
           "SubstitutionConfig", "TemplateSubstitution", "update_qubits",
           "match_relative_phase_toffoli", "match_controlled_iX_gate", "CONTROL_BASE"]

# the gate a controlled gate applies to its targets (PennyLane's table; other controlled
# operators: their base's name)
CONTROL_BASE = {
    "CNOT": "PauliX", "CZ": "PauliZ", "CCZ": "PauliZ", "CY": "PauliY", "CH": "Hadamard",
    "CSWAP": "SWAP", "Toffoli": "PauliX", "ControlledPhaseShift": "PhaseShift", "CRX": "RX",
    "CRY": "RY", "CRZ": "RZ", "C(S)": "S", "CRot": "Rot", "MultiControlledX": "PauliX",
    "ControlledOperation": "ControlledOperation",
}

# PennyLane's default quantum costs; a MultiControlledX with n controls costs 8 n**2
DEFAULT_QUANTUM_COST = {
    "Identity": 0, "PauliX": 1, "PauliY": 1, "PauliZ": 1, "RX": 1, "RY": 1, "RZ": 1,
    "Hadamard": 1, "T": 1, "Adjoint(T)": 1, "S": 1, "Adjoint(S)": 1, "CNOT": 2, "CZ": 4,
    "SWAP": 6, "CSWAP": 63, "Toffoli": 21, "C(S)": 4, "CCZ": 21,
    "MultiControlledX": lambda op: 2 * 4 * len(op.control_wires) ** 2,
}


def _target_name(op) -> str:
    """The name of the gate a controlled ``op`` applies to its targets."""
    if op.name in CONTROL_BASE:
        return CONTROL_BASE[op.name]
    base = getattr(op, "base", None)
    return base.name if base is not None else op.name


def _check_pattern(tape, pattern) -> None:
    """PennyLane's refusals of a pattern: not a tape, measured, not the identity, too wide."""
    if not isinstance(pattern, QuantumScript):
        raise QuantumFunctionError("The pattern is not a valid quantum tape.")
    if pattern.measurements:
        raise QuantumFunctionError("The pattern contains measurements.")
    if not np.allclose(matrix(pattern, wire_order=pattern.wires), np.eye(2**pattern.num_wires)):
        raise QuantumFunctionError("Pattern is not valid, it does not implement identity.")
    if tape.num_wires < pattern.num_wires:
        raise QuantumFunctionError("Circuit has less qubits than the pattern.")


@transform
def pattern_matching_optimization(tape, pattern_tapes, custom_quantum_cost=None):
    """Optimize a circuit with patterns (PennyLane's
    ``qml.transforms.pattern_matching_optimization``): each pattern is a tape of gates
    implementing the identity; wherever part of it matches the circuit (up to commuting
    gates) and the rest of the pattern costs less, that part is replaced by the inverse of
    the rest. ``custom_quantum_cost`` (``{gate name: cost}``) replaces the default costs.
    A pattern that is not a tape, has measurements, is not the identity, or has more wires
    than the circuit raises ``QuantumFunctionError``.

    >>> import qsym as qml
    >>> pattern = qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)])
    >>> @qml.transforms.pattern_matching_optimization(pattern_tapes=[pattern])
    ... @qml.qnode(qml.device("default.qubit", wires=2))
    ... def circuit():
    ...     qml.S(0)
    ...     qml.Z(0)
    ...     qml.CZ([0, 1])
    ...     return qml.expval(qml.X(0))
    >>> qml.workflow.construct_tape(circuit)().operations
    [Adjoint(S(0)), CZ(wires=[0, 1])]
    """
    measurements = tape.measurements
    for pattern in pattern_tapes:
        _check_pattern(tape, pattern)
        circuit_dag, pattern_dag = CommutationDAG(tape), CommutationDAG(pattern)
        max_matches = pattern_matching(circuit_dag, pattern_dag)
        if not max_matches:
            continue
        substitution = TemplateSubstitution(max_matches, circuit_dag, pattern_dag,
                                            custom_quantum_cost)
        substitution.substitution()
        if substitution.substitution_list:
            tape = QuantumScript(_substituted_ops(tape, substitution), shots=tape.shots)
    return [tape.copy(operations=tape.operations, measurements=measurements)], null_postprocessing


def _inverse(op):
    """PennyLane's ``adjoint(op, lazy=False)`` of a pattern gate: the gate's own inverse of
    the same kind (``RX(-x)``, a self-inverse gate, the base of an adjoint), else the lazy
    ``Adjoint(op)``."""
    if isinstance(op, AdjointOperation):
        return op.base
    try:
        inv = op.adjoint()
    except Exception:  # noqa: BLE001 - no adjoint of its own: the lazy one
        inv = None
    return inv if inv is not None and getattr(inv, "name", None) == op.name else adjoint(op)


def _substituted_ops(tape, substitution) -> list:
    """The circuit's gates after the chosen substitutions: per group, the circuit gates the
    match needs before it, then the inverse of the pattern's unmatched part (on the matched
    circuit wires); then the gates no group needed."""
    labels, dag = tape.wires, substitution.template_dag
    back = dict(enumerate(labels))

    def circuit_op(i):  # the tape's gate, or the CNOT/Toffoli its DAG node made of it
        node_op = substitution.circuit_dag.get_node(i).op
        op = tape.operations[i]
        return op if node_op.name == op.name else map_wires(node_op, back)

    out = []
    with detached():
        for group in substitution.substitution_list:
            out.extend(circuit_op(i) for i in group.pred_block)
            qubits = group.qubit_config[0]
            for index in group.template_config:
                op = dag.get_node(index).op
                wires = [labels[qubits[w]] for w in op.wires]
                out.append(_inverse(map_wires(op, dict(zip(op.wires, wires)))))
        out.extend(circuit_op(i) for i in substitution.unmatched_list)
    return out


def pattern_matching(circuit_dag, pattern_dag) -> list:
    """All maximal matches of a pattern in a circuit (PennyLane's ``qml.pattern_matching``),
    both given as :class:`~qsym.transforms.CommutationDAG`: a list of :class:`Match`, longest
    first, whose ``match`` is a list of ``[pattern gate, circuit gate]`` index pairs and
    ``qubit`` the circuit wires the pattern's wires were assigned (one list per assignment).

    >>> import qsym as qml
    >>> circuit = qml.transforms.commutation_dag(qml.tape.QuantumScript(
    ...     [qml.S(0), qml.Z(0), qml.S(1), qml.CZ([0, 1]), qml.S(1)]))
    >>> pattern = qml.transforms.commutation_dag(qml.tape.QuantumScript(
    ...     [qml.S(0), qml.S(0), qml.Z(0)]))
    >>> [m.match for m in pattern_matching(circuit, pattern)]
    [[[0, 0], [2, 1]], [[0, 2], [1, 4]], [[0, 4], [1, 2]]]
    """
    match_list = []
    for (id_c, node_c), (id_p, node_p) in itertools.product(circuit_dag.get_nodes(),
                                                            pattern_dag.get_nodes()):
        if not _same_operation(node_c, node_p):
            continue
        free = pattern_dag.num_wires - len(node_p.wires)
        others = [q for q in range(circuit_dag.num_wires) if q not in node_c.wires]
        for chosen in itertools.combinations(others, free):
            for permuted in itertools.permutations(chosen):
                for first in _first_match_qubits(node_c, node_p, pattern_dag.num_wires):
                    qubits = _merge(first, permuted)
                    wires, target_wires, control_wires = update_qubits(circuit_dag, qubits)
                    forward = ForwardMatch(circuit_dag, pattern_dag, id_c, id_p, wires,
                                           target_wires, control_wires)
                    forward.run_forward_match()
                    backward = BackwardMatch(
                        circuit_dag, pattern_dag, qubits, forward.match,
                        forward.circuit_matched_with, forward.circuit_blocked,
                        forward.pattern_matched_with, id_c, id_p, wires, control_wires,
                        target_wires)
                    backward.run_backward_match()
                    _add_match(match_list, backward.match_final)
    match_list.sort(key=lambda m: len(m.match), reverse=True)
    if not match_list:
        return match_list
    maximal = MaximalMatches(match_list)
    maximal.run_maximal_matches()
    return maximal.max_match_list


def _hidden(node) -> bool:
    """Whether a DAG gate's parameters are values a pass must not look at: trainable or
    traced (:func:`qsym._commutation_dag.trainable`), or any value while the transform runs
    inside a QNode's trace (the circuit's structure must not depend on them)."""
    return bool(node.op.data) and (VALUES_UNSEEN.get() or trainable(node.op))


def _same_operation(node_1, node_2) -> bool:
    """The same gate with the same parameters on as many wires (wires not compared); a gate
    whose parameters cannot be looked at (:func:`_hidden`) matches no gate with parameters."""
    d1, d2 = node_1.op.data, node_2.op.data
    if (node_1.op.name != node_2.op.name or len(node_1.wires) != len(node_2.wires)
            or len(d1) != len(d2) or _hidden(node_1) or _hidden(node_2)):
        return False
    return all(np.allclose(np.asarray(a, dtype=complex), np.asarray(b, dtype=complex))
               for a, b in zip(d1, d2))


def _first_match_qubits(node_c, node_p, n_qubits_p) -> list:
    """The circuit wires of the pattern's wires fixed by a first match of ``node_p`` with
    ``node_c`` (-1 for the others): one list per way the gates' wires can correspond
    (controls permuted; targets too for a gate symmetric in its wires)."""
    controls = list(node_c.op.control_wires)
    if controls:
        targets = [w for w in node_c.op.wires if w not in controls]
        target_orders = (list(itertools.permutations(targets))
                         if _target_name(node_p.op) in symmetric_over_all_wires else [targets])
        orders = [list(c) + list(t) for c in itertools.permutations(controls)
                  for t in target_orders]
    elif node_p.op.name in symmetric_over_all_wires:
        orders = [list(p) for p in itertools.permutations(node_c.wires)]
    else:
        orders = [list(node_c.wires)]
    out = []
    for order in orders:
        conf = [-1] * n_qubits_p
        for position, q in enumerate(node_p.wires):
            conf[q] = order[position]
        out.append(conf)
    return out


def _merge(first, permutation) -> list:
    """``first`` with its -1 entries filled by ``permutation`` in order."""
    rest = iter(permutation)
    return [next(rest) if q == -1 else q for q in first]


def update_qubits(circuit_dag, qubits_conf):
    """Each circuit gate's wires, target wires and control wires as positions in
    ``qubits_conf`` (the circuit wires assigned to the pattern's wires), ``[]`` where not all
    of them are assigned (PennyLane's ``pattern_matching._update_qubits``).

    >>> import qsym as qml
    >>> dag = qml.transforms.commutation_dag(qml.tape.QuantumScript(
    ...     [qml.CNOT([0, 1]), qml.X(2)]))
    >>> update_qubits(dag, [1, 0])
    ([[1, 0], []], [[0], []], [[1], []])
    """
    def positions(wires):
        found = [qubits_conf.index(q) for q in wires if q in qubits_conf]
        return found if len(found) == len(wires) else []

    nodes = [node for _, node in circuit_dag.get_nodes()]
    return ([positions(n.wires) for n in nodes], [positions(n.target_wires) for n in nodes],
            [positions(n.control_wires) for n in nodes])


def _add_match(match_list, backward_matches) -> None:
    """Add the backward match's results to ``match_list``; a match already there gets the
    new wire assignment instead (after one such, PennyLane adds none of the rest)."""
    already_in = False
    for b_match in backward_matches:
        for l_match in match_list:
            if b_match.match == l_match.match:
                l_match.qubit.append(b_match.qubit[0])
                already_in = True
        if not already_in:
            match_list.append(b_match)


def _same_qubits(node, wires1, control1, target1, wires2, control2, target2) -> bool:
    """Whether two equal gates sit on corresponding wires: the same controls (any order)
    and targets (any order for a symmetric target gate), else the same wires (any order
    for a gate symmetric in all its wires)."""
    if control1 and set(control1) == set(control2):
        if _target_name(node.op) in symmetric_over_all_wires and set(target1) == set(target2):
            return True
        if target1 == target2:
            return True
    else:
        if node.op.name in symmetric_over_all_wires and set(wires1) == set(wires2):
            return True
        if wires1 == wires2:
            return True
    return False


def _can_match(node_c, node_p, wires, target_wires, control_wires) -> bool:
    """Whether circuit gate ``node_c`` (its wires mapped to pattern positions) matches
    pattern gate ``node_p``."""
    if len(wires) != len(node_p.wires) or set(wires) != set(node_p.wires):
        return False
    if node_c.op.name != node_p.op.name or not _same_operation(node_c, node_p):
        return False
    return _same_qubits(node_c, wires, control_wires, target_wires, node_p.wires,
                        node_p.control_wires, node_p.target_wires)


def _drop_visited(items, drop) -> list:
    """``items`` without the elements ``drop`` selects, visited as PennyLane's loop that
    removes from the list it iterates over: the element after a removed one is not
    visited (and kept)."""
    out, i = list(items), 0
    while i < len(out):
        if drop(out[i]):
            out.pop(i)
        i += 1
    return out


class ForwardMatch:
    """The forward part of the matching (PennyLane's ``ForwardMatch``): from a first match of
    circuit gate ``node_id_c`` with pattern gate ``node_id_p``, the circuit's successors are
    visited in order and matched with the pattern's candidates; an unmatched one is blocked
    with its successors. ``wires``, ``target_wires``, ``control_wires`` are
    :func:`update_qubits`' lists. After :meth:`run_forward_match`: ``match`` (``[pattern,
    circuit]`` pairs), ``circuit_matched_with``, ``pattern_matched_with``,
    ``circuit_blocked``.

    >>> import qsym as qml
    >>> c = qml.transforms.commutation_dag(qml.tape.QuantumScript([qml.X(0), qml.Z(0)]))
    >>> p = qml.transforms.commutation_dag(qml.tape.QuantumScript([qml.X(0), qml.Z(0), qml.Y(0)]))
    >>> f = ForwardMatch(c, p, 0, 0, *update_qubits(c, [0]))
    >>> f.run_forward_match()
    >>> f.match
    [[0, 0], [1, 1]]
    """

    def __init__(self, circuit_dag, pattern_dag, node_id_c, node_id_p, wires, target_wires,
                 control_wires):
        self.circuit_dag, self.pattern_dag = circuit_dag, pattern_dag
        self.node_id_c, self.node_id_p = node_id_c, node_id_p
        self.wires, self.target_wires, self.control_wires = wires, target_wires, control_wires
        size = circuit_dag.size
        self.successors_to_visit = [circuit_dag.direct_successors(i) if i == node_id_c else []
                                    for i in range(size)]
        self.circuit_blocked = [False] * size
        self.circuit_matched_with = [[node_id_p] if i == node_id_c else [] for i in range(size)]
        self.pattern_matched_with = [[node_id_c] if i == node_id_p else []
                                     for i in range(pattern_dag.size)]
        self.updated_qubits = []
        self.match = [[node_id_p, node_id_c]]
        self.candidates = []
        self.matched_nodes_list = [[node_id_c, circuit_dag.get_node(node_id_c),
                                    self.successors_to_visit[node_id_c]]]

    def _find_forward_candidates(self, node_id_p) -> None:
        """The pattern gates that may match next after ``node_id_p``: its direct successors,
        neither matched nor after an unmatched direct successor of an earlier match."""
        matches = [m[0] for m in self.match]
        pred = sorted(matches)
        pred.remove(node_id_p)
        direct = self.pattern_dag.direct_successors(node_id_p)
        if direct:
            pred = _drop_visited(pred, lambda e: e > direct[-1])
        block = []
        for node_id in pred:
            for succ in self.pattern_dag.direct_successors(node_id):
                if succ not in matches:
                    block += self.pattern_dag.successors(succ)
        self.candidates = list(set(direct) - set(matches) - set(block))

    def _try_match(self, label, node) -> bool:
        """Match circuit gate ``label`` with the first fitting candidate; its unvisited
        direct successors become the visits it schedules."""
        for i in self.candidates:
            node_p = self.pattern_dag.get_node(i)
            if not _can_match(node, node_p, self.wires[label], self.target_wires[label],
                              self.control_wires[label]):
                continue
            self.circuit_matched_with[label] = [i]
            self.pattern_matched_with[i] = [label]
            self.match.append([i, label])
            potential = _drop_visited(
                self.circuit_dag.direct_successors(label),
                lambda s: self.circuit_blocked[s] or self.circuit_matched_with[s] != [])
            self.matched_nodes_list.append([label, node, sorted(potential)])
            self.matched_nodes_list.sort(key=lambda x: x[2])
            return True
        return False

    def run_forward_match(self) -> None:
        """Grow the match along the circuit's successors."""
        while self.matched_nodes_list:
            _, v_first, to_visit = self.matched_nodes_list.pop(0)
            if not to_visit:
                continue
            label = to_visit.pop(0)
            node = self.circuit_dag.get_node(label)
            self.matched_nodes_list.append([v_first.node_id, v_first, to_visit])
            self.matched_nodes_list.sort(key=lambda x: x[2])
            if self.circuit_blocked[label] or self.circuit_matched_with[label] != []:
                continue
            self._find_forward_candidates(self.circuit_matched_with[v_first.node_id][0])
            if not self._try_match(label, node):
                self.circuit_blocked[label] = True
                for succ in node.successors:
                    self.circuit_blocked[succ] = True


class Match:
    """A match (PennyLane's ``Match``): ``match``, the ``[pattern gate, circuit gate]``
    pairs, and ``qubit``, the list of circuit-wire assignments it was found with.

    >>> Match([[0, 1]], [2, 0]).qubit
    [[2, 0]]
    """

    def __init__(self, match, qubit):
        self.match = match
        self.qubit = qubit if any(isinstance(q, list) for q in qubit) else [qubit]


class MatchingScenarios:
    """A scenario of the backward match (PennyLane's ``MatchingScenarios``): which circuit
    and pattern gates are matched and blocked, the ``matches`` and the ``counter`` of
    circuit gates considered.

    >>> MatchingScenarios([], [], [], [], [[0, 0]], 1).counter
    1
    """

    def __init__(self, circuit_matched, circuit_blocked, pattern_matched, pattern_blocked,
                 matches, counter):
        self.circuit_matched, self.circuit_blocked = circuit_matched, circuit_blocked
        self.pattern_matched, self.pattern_blocked = pattern_matched, pattern_blocked
        self.matches, self.counter = matches, counter

    def copy(self, counter=None) -> "MatchingScenarios":
        """A scenario of copies of the lists (``counter`` replaced when given)."""
        return MatchingScenarios(
            self.circuit_matched.copy(), self.circuit_blocked.copy(), self.pattern_matched.copy(),
            self.pattern_blocked.copy(), self.matches.copy(),
            self.counter if counter is None else counter)


class MatchingScenariosList:
    """The queue of backward-match scenarios (PennyLane's ``MatchingScenariosList``).

    >>> q = MatchingScenariosList()
    >>> q.append_scenario(MatchingScenarios([], [], [], [], [], 3))
    >>> q.pop_scenario().counter
    3
    """

    def __init__(self):
        self.matching_scenarios_list = []

    def append_scenario(self, matching) -> None:
        """Add a scenario at the end."""
        self.matching_scenarios_list.append(matching)

    def pop_scenario(self) -> MatchingScenarios:
        """Remove and return the first scenario."""
        return self.matching_scenarios_list.pop(0)


class BackwardMatch:
    """The backward part of the matching (PennyLane's ``BackwardMatch``): the circuit gates
    left unmatched and unblocked by the :class:`ForwardMatch`, latest first, each either
    matched with a pattern gate before the first match or left out (blocking its successors
    or its predecessors), scenario by scenario. After :meth:`run_backward_match`,
    ``match_final`` holds the longest :class:`Match` es found.

    >>> import qsym as qml
    >>> c = qml.transforms.commutation_dag(qml.tape.QuantumScript([qml.Z(1), qml.X(0)]))
    >>> p = qml.transforms.commutation_dag(qml.tape.QuantumScript(
    ...     [qml.X(0), qml.Z(1), qml.X(0), qml.Z(1)]))
    >>> w, t, ctl = update_qubits(c, [1, 0])  # pattern wire 0 on X's wire, 1 on Z's
    >>> f = ForwardMatch(c, p, 1, 0, w, t, ctl)
    >>> f.run_forward_match()
    >>> b = BackwardMatch(c, p, [1, 0], f.match, f.circuit_matched_with, f.circuit_blocked,
    ...                   f.pattern_matched_with, 1, 0, w, ctl, t)
    >>> b.run_backward_match()
    >>> [m.match for m in b.match_final]  # the circuit's Z is either of the pattern's
    [[[0, 1], [3, 0]], [[0, 1], [1, 0]]]
    """

    def __init__(self, circuit_dag, pattern_dag, qubits_conf, forward_matches, circuit_matched,
                 circuit_blocked, pattern_matched, node_id_c, node_id_p, wires, control_wires,
                 target_wires):
        self.circuit_dag, self.pattern_dag = circuit_dag, pattern_dag
        self.circuit_matched, self.circuit_blocked = circuit_matched, circuit_blocked
        self.pattern_matched, self.qubits_conf = pattern_matched, qubits_conf
        self.wires, self.control_wires, self.target_wires = wires, control_wires, target_wires
        self.node_id_c, self.node_id_p = node_id_c, node_id_p
        self.forward_matches = forward_matches
        self.match_final = []
        self.matching_list = MatchingScenariosList()

    def _find_backward_candidates(self, pattern_blocked, matches) -> list:
        """The pattern gates after the first match, neither its successors, blocked nor
        matched, latest first."""
        size, first = self.pattern_dag.size, self.node_id_p
        successors = self.pattern_dag.get_node(first).successors
        matched = {m[0] for m in matches}
        return sorted((i for i in range(first + 1, size) if i not in successors
                       and not pattern_blocked[i] and i not in matched), reverse=True)

    def _keeps(self, matches, match_backward) -> bool:
        """Whether a scenario keeps the first match and every backward match so far."""
        return ([self.node_id_p, self.node_id_c] in matches
                and all(m in matches for m in match_backward))

    def _match_scenarios(self, scenario, circuit_id, match_backward) -> tuple:
        """Queue a scenario per pattern gate circuit gate ``circuit_id`` matches (their
        unmatched pattern successors blocked, which may break later matches): whether one
        was queued, and per fitting gate whether it broke a match."""
        node_c = self.circuit_dag.get_node(circuit_id)
        broken_flags, matched = [], False
        for pattern_id in self._find_backward_candidates(scenario.pattern_blocked,
                                                         scenario.matches):
            node_p = self.pattern_dag.get_node(pattern_id)
            if not _can_match(node_c, node_p, self.wires[circuit_id],
                              self.target_wires[circuit_id], self.control_wires[circuit_id]):
                continue
            new, block_list, broken = scenario.copy(scenario.counter + 1), [], []
            for potential in self.pattern_dag.successors(pattern_id):
                if new.pattern_matched[potential]:
                    continue
                new.pattern_blocked[potential] = True
                block_list.append(potential)
                for block_id in block_list:
                    for succ in self.pattern_dag.successors(block_id):
                        new.pattern_blocked[succ] = True
                        if new.pattern_matched[succ]:
                            new.circuit_matched[new.pattern_matched[succ][0]] = []
                            new.pattern_matched[succ] = []
                            broken.append(succ)
            broken_flags.append(bool(broken))
            new.matches = [m for m in new.matches if m[0] not in broken]
            if self._keeps(new.matches, match_backward):
                matched = True
                new.pattern_matched[pattern_id] = [circuit_id]
                new.circuit_matched[circuit_id] = [pattern_id]
                new.matches.append([pattern_id, circuit_id])
                self.matching_list.append_scenario(new)
        return matched, broken_flags

    def _skip_after_match(self, scenario, circuit_id, match_backward, broken_flags) -> None:
        """The other choices for a gate that matched: left out with its successors blocked
        (their matches broken); if that breaks a match and every match broke one, also
        left out with its predecessors blocked."""
        node = self.circuit_dag.get_node(circuit_id)
        new, broken = scenario.copy(scenario.counter + 1), []
        new.circuit_blocked[circuit_id] = True
        for succ in node.successors:
            new.circuit_blocked[succ] = True
            if new.circuit_matched[succ]:
                broken.append(succ)
                new.pattern_matched[new.circuit_matched[succ][0]] = []
                new.circuit_matched[succ] = []
        new.matches = [m for m in new.matches if m[1] not in broken]
        if self._keeps(new.matches, match_backward):
            self.matching_list.append_scenario(new)
        if broken and all(broken_flags):
            left = scenario.copy(scenario.counter + 1)
            left.circuit_blocked[circuit_id] = True
            for pred in node.predecessors:
                left.circuit_blocked[pred] = True
            self.matching_list.append_scenario(left)

    def _no_match(self, scenario, circuit_id, match_backward) -> None:
        """Circuit gate ``circuit_id`` matches nothing: it is blocked; when matched gates
        follow it and it has predecessors, it is moved left (predecessors blocked) or right
        (successors blocked, their matches dropped)."""
        node = self.circuit_dag.get_node(circuit_id)
        scenario.circuit_blocked[circuit_id] = True
        following = [s for s in node.successors if scenario.circuit_matched[s]]
        if not node.predecessors or not following:
            scenario.counter += 1
            self.matching_list.append_scenario(scenario)
            return
        right = scenario.copy(scenario.counter + 1)
        for pred in node.predecessors:
            scenario.circuit_blocked[pred] = True
        scenario.counter += 1
        self.matching_list.append_scenario(scenario)
        broken = []
        for succ in node.successors:
            right.circuit_blocked[succ] = True
            if right.circuit_matched[succ]:
                broken.append(succ)
                right.circuit_matched[succ] = []
        kept = [m for m in right.matches if m[1] not in broken]
        if [self.node_id_p, self.node_id_c] in right.matches and all(
                m in kept for m in match_backward):
            right.matches = kept
            self.matching_list.append_scenario(right)

    def run_backward_match(self) -> None:
        """Explore the scenarios; keep the longest matches in ``match_final``."""
        stored = []
        self.matching_list = MatchingScenariosList()
        self.matching_list.append_scenario(MatchingScenarios(
            self.circuit_matched, self.circuit_blocked, self.pattern_matched,
            [False] * self.pattern_dag.size, self.forward_matches, 1))
        gate_indices = [i for i in range(len(self.circuit_matched) - 1, -1, -1)
                        if not self.circuit_matched[i] and not self.circuit_blocked[i]]
        to_match = self.pattern_dag.size - (self.node_id_p - 1) - len(self.forward_matches)
        while self.matching_list.matching_scenarios_list:
            scenario = self.matching_list.pop_scenario()
            match_backward = [m for m in scenario.matches if m not in self.forward_matches]
            if scenario.counter > len(gate_indices) or len(match_backward) == to_match:
                scenario.matches.sort(key=lambda m: m[0])
                stored.append(Match(scenario.matches, self.qubits_conf))
                continue
            circuit_id = gate_indices[scenario.counter - 1]
            if scenario.circuit_blocked[circuit_id]:
                scenario.counter += 1
                self.matching_list.append_scenario(scenario)
                continue
            matched, broken_flags = self._match_scenarios(scenario, circuit_id, match_backward)
            if matched:
                self._skip_after_match(scenario, circuit_id, match_backward, broken_flags)
            else:
                self._no_match(scenario, circuit_id, match_backward)
        length = max((len(m.match) for m in stored), default=0)
        for m in stored:
            if len(m.match) == length and not any(m.match == x.match for x in self.match_final):
                self.match_final.append(m)


class MaximalMatches:
    """The maximal matches among ``pattern_matches`` (sorted longest first): a match is
    dropped when one of its pairs is in a kept match at least as long (PennyLane's
    ``MaximalMatches``); after :meth:`run_maximal_matches`, ``max_match_list``.

    >>> m = MaximalMatches([Match([[0, 1], [1, 2]], [0]), Match([[0, 1]], [0]), Match([[0, 3]], [0])])
    >>> m.run_maximal_matches()
    >>> [x.match for x in m.max_match_list]
    [[[0, 1], [1, 2]], [[0, 3]]]
    """

    def __init__(self, pattern_matches):
        self.pattern_matches = pattern_matches
        self.max_match_list = []

    def run_maximal_matches(self) -> None:
        """Keep the maximal matches, in order, their pairs sorted."""
        first = self.pattern_matches[0]
        self.max_match_list = [Match(sorted(first.match), first.qubit)]
        for matches in self.pattern_matches[1:]:
            present = any(pair in kept.match and len(matches.match) <= len(kept.match)
                          for kept in self.max_match_list for pair in matches.match)
            if not present:
                self.max_match_list.append(Match(sorted(matches.match), matches.qubit))


class SubstitutionConfig:
    """One chosen substitution (PennyLane's ``SubstitutionConfig``): the matched
    ``circuit_config`` gates, the ``template_config`` pattern gates whose inverses replace
    them, the ``pred_block`` circuit gates placed before, the ``qubit_config`` wire
    assignments and the ``template_dag``.

    >>> SubstitutionConfig([0, 2], [1], [], [[0]], None).circuit_config
    [0, 2]
    """

    def __init__(self, circuit_config, template_config, pred_block, qubit_config, template_dag):
        self.template_dag = template_dag
        self.circuit_config, self.template_config = circuit_config, template_config
        self.qubit_config, self.pred_block = qubit_config, pred_block


class TemplateSubstitution:
    """Choose the substitutions from the maximal matches (PennyLane's
    ``TemplateSubstitution``): a match is used when the pattern's matched gates cost more
    than the rest (``custom_quantum_cost`` or the default costs by gate name; a
    ``MultiControlledX`` costs ``8 n**2`` for ``n`` controls) and it shares no circuit gate
    with one used before. After :meth:`substitution`: ``substitution_list``
    (:class:`SubstitutionConfig`, in circuit order) and ``unmatched_list``.

    >>> import qsym as qml
    >>> c = qml.transforms.commutation_dag(qml.tape.QuantumScript([qml.S(0), qml.Z(0)]))
    >>> p = qml.transforms.commutation_dag(qml.tape.QuantumScript([qml.S(0), qml.S(0), qml.Z(0)]))
    >>> sub = TemplateSubstitution(pattern_matching(c, p), c, p)
    >>> sub.substitution()
    >>> sub.substitution_list[0].template_config, sub.unmatched_list
    ([1], [])
    """

    def __init__(self, max_matches, circuit_dag, template_dag, custom_quantum_cost=None):
        self.match_stack = max_matches
        self.circuit_dag, self.template_dag = circuit_dag, template_dag
        self.substitution_list, self.unmatched_list = [], []
        self.quantum_cost = dict(DEFAULT_QUANTUM_COST if custom_quantum_cost is None
                                 else custom_quantum_cost)

    def _pred_block(self, circuit_sublist, index) -> list:
        """The circuit gates the match needs before it and no earlier group placed."""
        pred = set()
        for node_id in circuit_sublist:
            pred |= set(self.circuit_dag.get_node(node_id).predecessors)
        for elem in self.substitution_list[:index]:
            pred -= set(elem.circuit_config) | set(elem.pred_block)
        return sorted(pred - set(circuit_sublist))

    def _cost(self, node_ids) -> float:
        total = 0
        for i in node_ids:
            op = self.template_dag.get_node(i).op
            if op.name not in self.quantum_cost:
                raise TransformError(
                    f"pattern_matching_optimization has no quantum cost for the pattern's gate "
                    f"{op.name}: pass custom_quantum_cost with a cost for every gate of the "
                    f"pattern ({{'{op.name}': ...}})")
            cost = self.quantum_cost[op.name]
            total += cost(op) if callable(cost) else cost
        return total

    def _quantum_cost(self, left, right) -> bool:
        """Whether replacing the pattern gates ``left`` by ``right`` lowers the cost."""
        return self._cost(left) > self._cost(right)

    def _rules(self, circuit_sublist, template_sublist, template_complement) -> bool:
        """Whether a match is substituted: cheaper, and no gate already substituted."""
        if not self._quantum_cost(template_sublist, template_complement):
            return False
        used = {x for config in self.substitution_list for x in config.circuit_config}
        return not any(elem in used for elem in circuit_sublist)

    def _template_inverse(self, template_list, template_sublist, template_complement) -> list:
        """The unmatched pattern gates in the order their inverses replace the match: those
        before the match (latest first), then those after it or commuting (latest first)."""
        pred, succ = set(), set()
        for index in template_sublist:
            pred |= set(self.template_dag.get_node(index).predecessors)
            succ |= set(self.template_dag.get_node(index).successors)
        pred -= set(template_sublist)
        succ -= set(template_sublist)
        left = sorted((e for e in template_complement if e in pred), reverse=True)
        right = sorted((e for e in template_complement if e not in pred), reverse=True)
        return left + right

    def _circuit_predecessors(self, config) -> set:
        pred = set()
        for index in config.circuit_config:
            pred |= set(self.circuit_dag.get_node(index).predecessors)
        return pred

    def _substitution_sort(self) -> None:
        """Move a group before another one that precedes it in the circuit."""
        while not self._permutation():
            pass

    def _permutation(self) -> bool:
        """One move of a group before a group it precedes; True when none is needed."""
        for index, scenario in enumerate(self.substitution_list):
            pred = self._circuit_predecessors(scenario) - set(scenario.circuit_config)
            for index2 in range(index, len(self.substitution_list)):
                if set(self.substitution_list[index2].circuit_config) & pred:
                    self.substitution_list.insert(index, self.substitution_list.pop(index2))
                    return False
        return True

    def _remove_impossible(self) -> None:
        """Drop a group when it and an earlier kept group each precede the other."""
        preds = [self._circuit_predecessors(s) for s in self.substitution_list]
        removed = set()
        for a, scenario_a in enumerate(self.substitution_list):
            if a in removed:
                continue
            for b in range(a + 1, len(self.substitution_list)):
                scenario_b = self.substitution_list[b]
                if b not in removed and set(scenario_a.circuit_config) & preds[b] and (
                        set(scenario_b.circuit_config) & preds[a]):
                    removed.add(b)
        self.substitution_list = [s for i, s in enumerate(self.substitution_list)
                                  if i not in removed]

    def substitution(self) -> None:
        """Choose the substitutions, their order, the gates each needs before it and the
        gates left unmatched."""
        template_list = range(self.template_dag.size)
        while self.match_stack:
            current = self.match_stack.pop(0)
            template_sublist = [x[0] for x in current.match]
            circuit_sublist = sorted(x[1] for x in current.match)
            complement = list(set(template_list) - set(template_sublist))
            if self._rules(circuit_sublist, template_sublist, complement):
                inverse = self._template_inverse(template_list, template_sublist, complement)
                self.substitution_list.append(SubstitutionConfig(
                    circuit_sublist, inverse, [], current.qubit, self.template_dag))
        self._remove_impossible()
        self.substitution_list.sort(key=lambda x: x.circuit_config[0])
        self._substitution_sort()
        for index, scenario in enumerate(self.substitution_list):
            scenario.pred_block = self._pred_block(scenario.circuit_config, index)
        placed = set()
        for elem in self.substitution_list:
            placed |= set(elem.circuit_config) | set(elem.pred_block)
        self.unmatched_list = sorted(set(range(self.circuit_dag.size)) - placed)


def _gates(*specs) -> list:
    """Gates from ``(name, wires)`` pairs; a name ``"T†"``/``"S†"`` is the lazy adjoint and
    ``("C(S)", controls, target)`` a controlled ``S``."""
    out = []
    with detached():
        for name, *wires in specs:
            if name == "C(S)":
                out.append(ctrl(GATE_CLASSES["S"](wires=wires[1]), control=wires[0]))
            elif name.endswith("†"):
                out.append(adjoint(GATE_CLASSES[name[:-1]](wires=wires[0])))
            else:
                out.append(GATE_CLASSES[name](wires=wires[0]))
    return out


@transform
def match_relative_phase_toffoli(tape):
    """Replace 4-qubit relative-phase Toffolis by their 18-gate Clifford+T circuit
    (PennyLane's ``qml.transforms.match_relative_phase_toffoli``; Maslov,
    arXiv:1508.03273): :func:`pattern_matching_optimization` with the pattern made of
    ``CCZ([0, 1, 3])``, ``ctrl(S(1), 0)``, ``ctrl(S(2), [0, 1])``,
    ``MultiControlledX([0, 1, 2, 3])`` and the circuit's inverse, so parts of that pattern
    are replaced too when the rest costs less.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.CCZ([0, 1, 3]), qml.ctrl(qml.S(1), control=[0]),
    ...     qml.ctrl(qml.S(2), control=[0, 1]), qml.MultiControlledX([0, 1, 2, 3])])
    >>> [new], _ = qml.transforms.match_relative_phase_toffoli(tape)
    >>> len(new.operations), new.operations[:3]
    (18, [H(3), T(3), CNOT(wires=[2, 3])])
    """
    chain = [("Hadamard", 3), ("T", 3), ("CNOT", [2, 3]), ("T†", 3), ("Hadamard", 3)]
    pattern = QuantumScript(_gates(
        ("CCZ", [0, 1, 3]), ("C(S)", [0], 1), ("C(S)", [0, 1], 2),
        ("MultiControlledX", [0, 1, 2, 3]), *chain, ("T", 3), ("CNOT", [1, 3]), ("T†", 3),
        ("CNOT", [0, 3]), ("T", 3), ("CNOT", [1, 3]), ("T†", 3), ("CNOT", [0, 3]), *chain))
    return pattern_matching_optimization(tape, pattern_tapes=[pattern])


@transform
def match_controlled_iX_gate(tape, num_controls=1):  # noqa: N802 - PennyLane's name
    """Replace controlled-iX gates (a controlled ``S`` followed by a ``MultiControlledX``
    on its wires and one more) by their Clifford+T circuit (PennyLane's
    ``qml.transforms.match_controlled_iX_gate``; Giles and Selinger, arXiv:1212.0506):
    :func:`pattern_matching_optimization` with that pattern, so parts of it are replaced too
    when the rest costs less. ``num_controls`` (at least 1, else ``ArgumentError``, a
    ``ValueError``) is the number of controls of the ``S``.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.ctrl(qml.S(1), control=[0]), qml.Toffoli([0, 1, 2])])
    >>> [new], _ = qml.transforms.match_controlled_iX_gate(tape, 1)
    >>> new.operations[:4]
    [H(2), Adjoint(T(2)), CNOT(wires=[1, 2]), T(2)]
    """
    if num_controls < 1:
        raise ArgumentError(
            "There must be at least one control wire for the controlled iX gate decomposition: "
            f"pass num_controls >= 1 (got {num_controls}).")
    n = num_controls
    controls, target = list(range(n)), n + 1
    pattern = QuantumScript(_gates(
        ("C(S)", controls, n), ("MultiControlledX", list(range(n + 2))), ("Hadamard", target),
        ("MultiControlledX", controls + [target]), ("T†", target), ("CNOT", [n, target]),
        ("T", target), ("MultiControlledX", controls + [target]), ("T†", target),
        ("CNOT", [n, target]), ("T", target), ("Hadamard", target)))
    return pattern_matching_optimization(tape, pattern_tapes=[pattern])

