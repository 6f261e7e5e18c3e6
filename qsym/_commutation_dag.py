"""PennyLane's ``qml.transforms.commutation_dag``: a circuit as the directed acyclic graph of
its gates' non-commutation (Iten et al., "Exact and practical pattern matching for quantum
circuit optimization", doi.org/10.1145/3498325).

Gate ``i`` gets an edge from an earlier gate ``j`` when the two do not commute
(``qml.is_commuting``) and ``j`` does not already precede ``i`` through other edges: the
transitive reduction of "``j`` before ``i`` and not commuting", so two gates are ordered
exactly when no sequence of pairwise commutations can swap them. Wires are relabelled
``0..n-1`` in the tape's wire order; the graph is a networkx ``MultiDiGraph`` whose edges
carry ``commute=False`` (networkx is imported when the transform runs).

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.Z(0), qml.CNOT([0, 1]), qml.X(0)])
>>> dag = qml.transforms.commutation_dag(t)
>>> dag.direct_successors(0), dag.direct_predecessors(2)
([2], [0, 1])
"""

from __future__ import annotations

import functools

from ._op_transforms import map_wires
from ._operations import GATE_CLASSES
from ._opfunctions import commutes_exactly
from ._opmath import is_trainable
from ._trace import Traced
from ._transform import detached, transform
from .wires import Wires

__all__ = ["commutation_dag", "CommutationDAG", "CommutationDAGNode"]


@functools.partial(transform, is_informative=True)
def commutation_dag(tape):
    """PennyLane's ``qml.transforms.commutation_dag`` (informative): the
    :class:`CommutationDAG` of the tape's gates (a QNode or quantum function called with
    its arguments gives it).

    >>> import qsym as qml
    >>> def circuit():
    ...     qml.CNOT(wires=[1, 0])
    ...     qml.Z(1)
    ...     qml.RX(0.3, wires=1)
    >>> dag = qml.transforms.commutation_dag(circuit)()
    >>> [edge[:2] for edge in dag.get_edges()]  # Z(1) commutes with the CNOT's control
    [(0, 2), (1, 2)]
    """
    def processing_fn(tapes):
        return CommutationDAG(tapes[0])

    return [tape], processing_fn


def _symbolic(v) -> bool:
    """Whether a parameter is a traced input of a QNode's circuit function or an
    expression of them."""
    return isinstance(v, Traced) or bool(getattr(v, "free_symbols", None))


def trainable(op) -> bool:
    """Whether a gate has parameters a pass must not decide on: trainable
    (:func:`qsym._opmath.is_trainable`: autograd boxes, ``requires_grad`` tensors), traced
    inputs of a QNode's circuit function or expressions of them.

    >>> import qsym as qml
    >>> trainable(qml.RX(qml.numpy.array(0.2, requires_grad=True), 0)), trainable(qml.RX(0.2, 0))
    (True, False)
    """
    return is_trainable(op) or any(_symbolic(v) for v in op.data)


def _unseen(op) -> bool:
    """Whether a gate holds parameters without a numeric matrix: autograd boxes (while
    differentiated), traced inputs of a QNode's circuit function or expressions of them."""
    return any(hasattr(v, "_value") or _symbolic(v) or getattr(v, "dtype", None) == object
               for v in op.data)


def commute(op1, op2) -> bool:
    """Whether two DAG gates commute (``qml.is_commuting``, decided exactly: ``PauliRot``
    too); gates on disjoint wires do, and two sharing a wire are kept ordered when one has parameters without numbers (boxed while
    differentiated, or traced: whether they commute could depend on the values).

    >>> import qsym as qml
    >>> commute(qml.RX(0.2, 0), qml.CNOT([1, 0])), commute(qml.RX(0.2, 0), qml.CNOT([0, 1]))
    (True, False)
    """
    if not set(op1.wires) & set(op2.wires):
        return True
    if _unseen(op1) or _unseen(op2):
        return False
    return commutes_exactly(op1, op2)


def relabelled(op, wire_map: dict):
    """``op`` on the wires ``wire_map`` gives, as PennyLane's ``qml.map_wires`` makes it for a
    DAG node: a ``MultiControlledX`` with every control on 1 and one control (or two and no
    work wires) becomes the ``CNOT`` (``Toffoli``) it equals, which is the gate PennyLane's
    nodes and pattern matching see.

    >>> import qsym as qml
    >>> relabelled(qml.MultiControlledX(wires=["a", "b", "c"]), {"a": 0, "b": 1, "c": 2})
    Toffoli(wires=[0, 1, 2])
    """
    new = map_wires(op, wire_map)
    if getattr(op, "name", None) != "MultiControlledX":
        return new
    n_controls = len(new.wires) - 1
    values = getattr(new, "control_values", None)
    if (values is not None and not all(values)) or not (
            n_controls == 1 or (n_controls == 2 and not len(getattr(new, "work_wires", ())))):
        return new
    return GATE_CLASSES["CNOT" if n_controls == 1 else "Toffoli"](wires=new.wires)


class CommutationDAGNode:
    """A gate of a :class:`CommutationDAG` (PennyLane's ``CommutationDAGNode``): ``op``,
    its ``wires``, ``target_wires`` and ``control_wires`` (lists), ``node_id``, the sorted
    ids of all its ``successors`` and ``predecessors``, and ``reachable`` (bookkeeping of
    the construction); ``op`` is on the relabelled wires and keeps the tape gate's
    parameters (trainable tensors and autograd boxes too: :func:`trainable` reads them).

    >>> CommutationDAGNode(node_id=3).successors
    []
    """

    __slots__ = ["op", "wires", "target_wires", "control_wires", "node_id", "successors",
                 "predecessors", "reachable"]

    def __init__(self, op=None, wires=None, target_wires=None, control_wires=None,
                 successors=None, predecessors=None, reachable=None, node_id=-1):
        self.op = op
        self.wires = wires
        self.target_wires = target_wires
        self.control_wires = [] if control_wires is None else control_wires
        self.node_id = node_id
        self.successors = [] if successors is None else successors
        self.predecessors = [] if predecessors is None else predecessors
        self.reachable = reachable


class CommutationDAG:
    """The commutation DAG of a tape (PennyLane's ``CommutationDAG``; made by
    :func:`commutation_dag`): ``graph`` (networkx ``MultiDiGraph``, node attribute
    ``node``), ``get_node``, ``get_nodes``, ``get_edge``, ``get_edges``, ``add_node``,
    ``add_edge``, the direct and all ``successors`` / ``predecessors`` of a node, ``size``,
    ``num_wires`` and the tape's ``observables`` on the relabelled wires.

    >>> import qsym as qml
    >>> dag = CommutationDAG(qml.tape.QuantumScript([qml.X("a"), qml.Z("b"), qml.CZ(["a", "b"])]))
    >>> dag.size, dag.get_node(1).op, dag.predecessors(2)
    (3, Z(1), [0])
    """

    def __init__(self, tape):
        import networkx as nx

        self._multi_graph = nx.MultiDiGraph()
        self.num_wires = len(tape.wires)
        self.node_id = -1
        relabel = dict(zip(tape.wires, Wires(range(len(tape.wires)))))
        with detached():
            for op in tape.operations:
                self.add_node(relabelled(op, relabel))
            self.observables = [map_wires(obs, relabel) for obs in tape.observables]
        self._add_successors()

    @property
    def graph(self):
        """The networkx ``MultiDiGraph``."""
        return self._multi_graph

    @property
    def size(self) -> int:
        """The number of nodes."""
        return len(self._multi_graph)

    def add_node(self, operation) -> None:
        """Add ``operation`` as the last node, with its edges from the earlier nodes it does
        not commute with and does not already follow."""
        controls = list(operation.control_wires)
        self.node_id += 1
        node = CommutationDAGNode(
            op=operation, wires=list(operation.wires), node_id=self.node_id,
            target_wires=[w for w in operation.wires if w not in controls], control_wires=controls)
        self._multi_graph.add_node(self.node_id, node=node)
        self._connect(self.node_id)

    def _connect(self, new: int) -> None:
        """Edges into ``new`` from the latest earlier nodes first: a node that does not
        commute with it gets one unless it already precedes it (then its ancestors do)."""
        op, above = self.get_node(new).op, set()
        for earlier in range(new - 1, -1, -1):
            if earlier in above or commute(self.get_node(earlier).op, op):
                continue
            self.add_edge(earlier, new)
            above.add(earlier)
            above.update(self.get_node(earlier).predecessors)
        self.get_node(new).predecessors = sorted(above)

    def _add_successors(self) -> None:
        for node_id in range(self.size - 1, -1, -1):
            below = set()
            for child in self.direct_successors(node_id):
                below.add(child)
                below.update(self.get_node(child).successors)
            self.get_node(node_id).successors = sorted(below)

    def get_node(self, node_id):
        """The :class:`CommutationDAGNode` of ``node_id``."""
        return self._multi_graph.nodes[node_id]["node"]

    def get_nodes(self):
        """``(id, node)`` pairs (networkx's ``NodeDataView``)."""
        return self._multi_graph.nodes(data="node")

    def add_edge(self, node_in: int, node_out: int):
        """An edge (non-commutation) from ``node_in`` to ``node_out``; returns its key."""
        return self._multi_graph.add_edge(node_in, node_out, commute=False)

    def get_edge(self, node_in: int, node_out: int):
        """``{key: attributes}`` of the edges between the two nodes, or None."""
        return self._multi_graph.get_edge_data(node_in, node_out)

    def get_edges(self):
        """``(in, out, attributes)`` triples of all edges."""
        return self._multi_graph.edges.data()

    def direct_predecessors(self, node_id: int) -> list:
        """The sorted ids of the nodes with an edge into ``node_id``."""
        return sorted(self._multi_graph.pred[node_id])

    def predecessors(self, node_id: int) -> list:
        """The sorted ids of every node with a path into ``node_id``."""
        import networkx as nx

        return sorted(nx.ancestors(self._multi_graph, node_id))

    def direct_successors(self, node_id: int) -> list:
        """The sorted ids of the nodes with an edge from ``node_id``."""
        return sorted(self._multi_graph.succ[node_id])

    def successors(self, node_id: int) -> list:
        """The sorted ids of every node reachable from ``node_id``."""
        import networkx as nx

        return sorted(nx.descendants(self._multi_graph, node_id))
