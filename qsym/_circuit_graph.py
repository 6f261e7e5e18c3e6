"""PennyLane's ``qml.CircuitGraph`` (``tape.graph``): a circuit as a directed acyclic graph.

The nodes are the circuit's operations then its measurements, named by their index in that
queue; an edge runs from each node to the next node on each of its wires (an operator
without wires acts on every wire of the graph), and from a mid-circuit measurement to each
``qml.cond`` operation that reads it. Ancestors, descendants, paths, the depth and
PennyLane's parametrized layers are worked out here on the queue's indices (the edges only
run forward in it); ``rustworkx`` (optional: ``pip install rustworkx``) is imported only for
:attr:`CircuitGraph.graph`, PennyLane's ``rustworkx.PyDiGraph`` of the circuit.
:meth:`CircuitGraph.serialize` builds PennyLane's string of a circuit, character for
character, and ``hash`` is Python's hash of it.

>>> import qsym as qml
>>> g = qml.CircuitGraph([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))], [0, 1])
>>> g.serialize()
'RX!0.3![0]CNOT[0, 1]|||ExpectationMP!PauliZ[1]'
>>> g.get_depth(), g.wire_indices(1)
(2, [1, 2])
"""

from __future__ import annotations

from collections import Counter, namedtuple
from collections.abc import Sequence

from ._mcm import Conditional
from ._opmath import ResourcesOperation
from .wires import Wires

# the operator types whose depth in a circuit is their ``resources().depth`` (PennyLane's
# ``ResourcesOperation`` subclasses; ``qsym._resource_paths`` adds ``TrotterProduct``)
RESOURCE_DEPTH_TYPES = [ResourcesOperation]

__all__ = ["CircuitGraph", "Layer", "LayerData"]

Layer = namedtuple("Layer", ["ops", "param_inds", "ops_inds"])
Layer.__doc__ = """One parametrized layer (PennyLane's ``circuit_graph.Layer``): the trainable
operations that do not depend on one another, their parameter indices, their queue indices.

>>> Layer([], [], []).ops
[]
"""

LayerData = namedtuple("LayerData", ["pre_ops", "ops", "param_inds", "post_ops"])
LayerData.__doc__ = """A parametrized layer with the operators before and after it (PennyLane's
``circuit_graph.LayerData``, what :meth:`CircuitGraph.iterate_parametrized_layers` yields).

>>> LayerData([], [], (), []).param_inds
()
"""


def _predecessors(queue, all_wires) -> tuple[list, dict]:
    """For each queue index, the indices with an edge into it (sorted), and the indices of
    the nodes on each wire, in order."""
    on_wire: dict = {}
    mcm_node: dict = {}  # id of a mid-circuit measurement -> its node
    preds = []
    for i, obj in enumerate(queue):
        wires = getattr(obj, "wires", None) or ()
        into = set()
        for w in (wires if len(wires) else all_wires):
            if on_wire.get(w):
                into.add(on_wire[w][-1])
            on_wire.setdefault(w, []).append(i)
        if isinstance(obj, Conditional):
            into.update(mcm_node[id(m)] for m in obj.meas_val.measurements if id(m) in mcm_node)
        mcm_node[id(obj)] = i
        preds.append(sorted(into))
    return preds, on_wire


def _not_one_operator(obj, method: str) -> None:
    if hasattr(obj, "wires"):
        raise ValueError(
            f"CircuitGraph.{method} accepts an iterable of operators and measurements, not "
            "operators and measurements themselves. (qsym: pass a list, e.g. [op])")


class CircuitGraph:
    """PennyLane's ``qml.CircuitGraph``: operations ``ops`` and measurements ``obs`` (in
    order) on ``wires`` as a directed acyclic graph; ``par_info`` and ``trainable_params``
    (a tape's) are for :attr:`parametrized_layers`. ``tape.graph`` is the tape's.

    >>> import qsym as qml
    >>> ops = [qml.RX(0.1, 0), qml.RY(0.2, 1), qml.CNOT([0, 1]), qml.Z(2)]
    >>> g = qml.CircuitGraph(ops, [qml.expval(qml.Z(0))], wires=[0, 1, 2])
    >>> g.ancestors([ops[2]]), g.descendants([ops[0]])
    ([RX(0.1, wires=[0]), RY(0.2, wires=[1])], [CNOT(wires=[0, 1]), expval(Z(0))])
    >>> g.has_path(ops[1], ops[3]), g.get_depth()
    (False, 2)
    """

    def __init__(self, ops, obs, wires, par_info=None, trainable_params=None):
        self._operations = ops
        self._observables = obs
        self.par_info = par_info
        self.trainable_params = trainable_params
        self._queue = list(ops) + list(obs)
        self.wires = Wires(wires)
        self.num_wires = len(self.wires)
        self._preds, self._nodes_on_wires = _predecessors(self._queue, self.wires)
        self._indices: dict = {}  # id of an object -> its queue indices
        for i, obj in enumerate(self._queue):
            self._indices.setdefault(id(obj), []).append(i)
        self._graph = self._succ = self._depth = self._max_measurements = None

    def __str__(self) -> str:
        ops = "\n".join(repr(op) for op in self.operations)
        obs = "\n".join(repr(m) for m in self.observables)
        return f"Operations\n==========\n{ops}\n\nObservables\n===========\n{obs}\n"

    @property
    def operations(self) -> list:
        """The operations, in order."""
        return self._operations

    @property
    def observables(self) -> list:
        """The measurements (PennyLane's name), in order."""
        return self._observables

    def serialize(self) -> str:
        """PennyLane's string of the circuit: each operation's name, ``!param!`` for each
        parameter and its wires list, then ``|||``, then each measurement's class name,
        ``!`` and its observable's name (``Identity`` without one), parameters and wires.

        >>> import qsym as qml
        >>> CircuitGraph([qml.X(0)], [qml.probs(wires=[0, 1])], [0, 1]).serialize()
        'PauliX[0]|||ProbabilityMP!Identity[0, 1]'
        """
        parts = []
        for op in self.operations:
            parts.append(op.name + "".join(f"!{p}!" for p in op.data) + str(op.wires.tolist()))
        parts.append("|||")
        for mp in self.observables:
            obs = getattr(mp, "written_obs", getattr(mp, "measured_obs", None))  # as the user wrote it
            obs, data, name = (mp, [], "Identity") if obs is None else (obs, obs.data, str(obs.name))
            parts.append(f"{type(mp).__name__}!{name}" + "".join(f"!{p}!" for p in data)
                         + str(obs.wires.tolist()))
        return "".join(parts)

    @property
    def hash(self) -> int:
        """``hash(self.serialize())``: equal for circuits of the same gates, parameters,
        wires and measurements (within one Python process).

        >>> import qsym as qml
        >>> a = CircuitGraph([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))], [0])
        >>> b = CircuitGraph([qml.RX(0.5, 0)], [qml.expval(qml.Z(0))], [0])
        >>> a.hash == b.hash
        True
        """
        return hash(self.serialize())

    @property
    def graph(self):
        """PennyLane's ``rustworkx.PyDiGraph`` of the circuit: node ``i`` holds the queue
        index ``i``, each edge the payload ``""`` (needs ``rustworkx``).

        >>> import qsym as qml
        >>> g = CircuitGraph([qml.X(0), qml.CNOT([0, 1])], [], [0, 1]).graph
        >>> len(g), list(g.edge_list())
        (2, [(0, 1)])
        """
        if self._graph is None:
            try:
                import rustworkx as rx
            except ImportError as exc:
                raise ImportError("CircuitGraph.graph is a rustworkx.PyDiGraph: install "
                                  "rustworkx (pip install rustworkx)") from exc
            graph = rx.PyDiGraph(multigraph=False)
            graph.add_nodes_from(range(len(self._queue)))
            graph.add_edges_from([(p, i, "") for i, ps in enumerate(self._preds) for p in ps])
            self._graph = graph
        return self._graph

    def wire_indices(self, wire) -> list:
        """The queue indices of the nodes on ``wire``, in order."""
        return self._nodes_on_wires[wire]

    def _closure(self, indexes, forward: bool) -> list:
        """The indices reachable from ``indexes`` (not themselves unless reached), sorted."""
        if forward and self._succ is None:  # the edges out of each node, made once
            self._succ = [[] for _ in self._queue]
            for i, ps in enumerate(self._preds):
                for p in ps:
                    self._succ[p].append(i)
        step = self._succ if forward else self._preds
        seen, todo = set(), list(indexes)
        while todo:
            for j in step[todo.pop()]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
        return sorted(seen)

    def _single_index(self, op, message: str) -> int:
        found = self._indices.get(id(op), [])
        if len(found) > 1:
            raise ValueError(message)
        if not found:
            raise ValueError(f"{op!r} is not in this CircuitGraph (qsym: pass one of its "
                             "operations or measurements, the objects themselves)")
        return found[0]

    def ancestors(self, ops, sort=False) -> list:
        """The operators some of ``ops`` (an iterable) depend on, in queue order (``sort``
        is accepted: the order is always the queue's)."""
        _not_one_operator(ops, "ancestors")
        ops = list(ops)
        msg = ("Cannot calculate ancestors for an operator that occurs multiple times. "
               "Please use ancestors_of_indexes instead.")
        return self.ancestors_of_indexes([self._single_index(op, msg) for op in ops], sort)

    def descendants(self, ops, sort=False) -> list:
        """The operators that depend on some of ``ops`` (an iterable), in queue order."""
        _not_one_operator(ops, "descendants")
        ops = list(ops)
        msg = ("cannot calculate decendents for an operator that occurs multiple times. "
               "Please use descendants_of_indexes instead.")
        return self.descendants_of_indexes([self._single_index(op, msg) for op in ops], sort)

    def ancestors_of_indexes(self, indexes: Sequence[int], sort=False) -> list:
        """:meth:`ancestors` of the nodes at queue ``indexes`` (a repeated operator's)."""
        return [self._queue[i] for i in self._closure(indexes, forward=False)]

    def descendants_of_indexes(self, indexes: Sequence[int], sort=False) -> list:
        """:meth:`descendants` of the nodes at queue ``indexes``."""
        return [self._queue[i] for i in self._closure(indexes, forward=True)]

    def nodes_between(self, a, b) -> list:
        """The nodes on the directed paths from ``a`` to ``b`` (both included when there is
        one; empty otherwise)."""
        after = self.descendants([a]) + [a]
        before = self.ancestors([b]) + [b]
        return [x for x in after if any(x is y for y in before)]

    def has_path_idx(self, a_idx: int, b_idx: int) -> bool:
        """Whether a directed path runs from queue index ``a_idx`` to ``b_idx`` (True when
        they are equal)."""
        return a_idx == b_idx or b_idx in self._closure([a_idx], forward=True)

    def has_path(self, a, b) -> bool:
        """Whether a directed path runs from operator ``a`` to ``b`` (``a is b``: True)."""
        if a is b:
            return True
        msg = ("CircuitGraph.has_path does not work with operations that have been repeated. "
               "Consider using has_path_idx instead.")
        return self.has_path_idx(self._single_index(a, msg), self._single_index(b, msg))

    @property
    def parametrized_layers(self) -> list:
        """PennyLane's layers of the trainable parameters (:class:`Layer`): in parameter
        order, a parameter joins the current layer unless its operation depends on one
        there, which starts a new layer."""
        current = Layer([], [], [])
        layers = [current]
        trainable = self.trainable_params or ()
        for idx, info in enumerate(self.par_info or ()):
            if idx not in trainable:
                continue
            before = set(self._closure([info["op_idx"]], forward=False))
            if any(k in before for k in current.ops_inds):
                current = Layer([], [], [])
                layers.append(current)
            current.ops.append(info["op"])
            current.ops_inds.append(info["op_idx"])
            current.param_inds.append(idx)
        return layers

    def iterate_parametrized_layers(self):
        """Each of :attr:`parametrized_layers` as a :class:`LayerData`: the operators before
        it and after it, in queue order."""
        for ops, param_inds, indexes in self.parametrized_layers:
            yield LayerData(self.ancestors_of_indexes(indexes), ops, tuple(param_inds),
                            self.descendants_of_indexes(indexes))

    def update_node(self, old, new) -> None:
        """Put ``new`` where ``old`` is (the edges unchanged: it must act on the same
        wires, else ValueError)."""
        if new.wires != old.wires:
            raise ValueError("The new Operator must act on the same wires as the old one.")
        self._indices[id(new)] = self._indices.pop(id(old), [])
        for seq in (self._operations, self._observables, self._queue):
            for i, obj in enumerate(seq):
                if obj is old:
                    seq[i] = new
        self._depth = self._max_measurements = None

    def get_depth(self) -> int:
        """The depth of the operations: the longest chain of them through shared wires,
        an operation counting 1, or its ``resources().depth`` when it is a
        ``qml.resource.ResourcesOperation``."""
        if self._depth is None:
            ops = list(self.operations)
            preds, _ = _predecessors(ops, self.wires)
            finish = []
            for op, ps in zip(ops, preds):
                weight = (op.resources().depth if isinstance(op, tuple(RESOURCE_DEPTH_TYPES))
                          else 1)
                finish.append(weight + max((finish[p] for p in ps), default=0))
            self._depth = max(finish, default=0)
        return self._depth

    @property
    def max_simultaneous_measurements(self) -> int:
        """The most measurements on one wire (1 when none names a wire, e.g. ``state()``)."""
        if self._max_measurements is None:
            counts = Counter(w for m in self.observables for w in m.wires)
            self._max_measurements = max(counts.values(), default=1)
        return self._max_measurements
