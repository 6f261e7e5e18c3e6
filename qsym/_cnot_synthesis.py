"""PennyLane's CNOT-circuit intermediate representations and routing transforms:
``parity_matrix`` (the GF(2) matrix of a CNOT circuit), ``phase_polynomial`` (parity
matrix, parity table and angles of a {CNOT, RZ} circuit), ``rowcol`` (RowCol re-synthesis
of a CNOT circuit on a connectivity graph, Wu et al., arXiv:1910.14478) and ``transpile``
(SWAP insertion for a coupling map). ``rowcol`` and ``transpile`` take networkx graphs
and import networkx when they run (an optional dependency of qsym).

A CNOT with control ``c`` and target ``t`` maps the basis state ``x`` to ``x`` with
``x_t ^= x_c``: the parity matrix ``P`` of a circuit is the product of those row
additions, ``U|x> = |P x mod 2>``.

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.CNOT([1, 2])])
>>> qml.transforms.parity_matrix(t)
array([[1, 0, 0],
       [1, 1, 0],
       [1, 1, 1]])
"""

from __future__ import annotations

import functools

import numpy as np

from ._operations import GATE_CLASSES, LinearCombination, Prod, StateMP, density_matrix
from ._tapes import QuantumScript
from ._transform import detached, null_postprocessing, transform
from ._compilation import decomposition_gen
from .errors import WireError
from .math import binary_solve_linear_system
from .wires import Wires

__all__ = ["parity_matrix", "phase_polynomial", "rowcol", "rowcol_parity_matrix",
           "postorder_traverse", "preorder_traverse", "transpile", "state_transposition"]


def _networkx(what: str):
    try:
        import networkx
    except ImportError as exc:  # pragma: no cover - networkx is installed with qsym[test]
        raise ImportError(f"{what} takes networkx graphs: pip install networkx") from exc
    return networkx


def _wire_index(tape, wire_order) -> dict:
    """``{wire: row}`` of ``wire_order`` (default: the tape's wires), which must hold
    every wire of the tape."""
    order = tape.wires if wire_order is None else wire_order
    if not Wires(order).contains_wires(tape.wires):
        raise WireError(f"The provided wire_order {order} does not contain all wires of the "
                        f"circuit {tape.wires}")
    return {w: i for i, w in enumerate(order)}


def _parity(tape, wire_order=None) -> np.ndarray:
    index = _wire_index(tape, wire_order)
    if any(op.name != "CNOT" for op in tape.operations):
        raise TypeError("parity_matrix requires all input circuits to consist solely of CNOT "
                        f"gates. Received circuit with the following gates: {tape.operations}")
    P = np.eye(len(index), dtype=int)
    for op in tape.operations:
        control, target = op.wires
        P[index[target]] ^= P[index[control]]
    return P


@functools.partial(transform, is_informative=True)
def parity_matrix(tape, wire_order=None):
    """PennyLane's ``qml.transforms.parity_matrix``: the parity matrix (GF(2), entries 0 and
    1) of a circuit of ``CNOT`` gates only, rows and columns in ``wire_order`` (default:
    the circuit's wires), with ``U|x> = |P x mod 2>``. A tape gives the matrix; a QNode or
    a quantum function, a function of the same arguments returning it. Another gate is a
    ``TypeError``, a wire missing from ``wire_order`` a :class:`qsym.errors.WireError`.

    >>> import qsym as qml
    >>> def circuit():
    ...     qml.CNOT((3, 2))
    ...     qml.CNOT((0, 2))
    ...     qml.CNOT((2, 1))
    >>> qml.transforms.parity_matrix(circuit, wire_order=range(4))()
    array([[1, 0, 0, 0],
           [1, 1, 1, 1],
           [1, 0, 1, 1],
           [0, 0, 0, 1]])
    """
    return [tape], lambda tapes: _parity(tapes[0], wire_order)


def _phase_polynomial(tape, wire_order):
    index = _wire_index(tape, wire_order)
    P = np.eye(len(index), dtype=int)
    table, angles = [], []
    for op in tape.operations:
        if op.name == "CNOT":
            control, target = op.wires
            P[index[target]] ^= P[index[control]]
        elif op.name == "RZ":
            angles.append(op.data[0])
            table.append(P[index[op.wires[0]]].copy())  # the parity the RZ sees now
        else:
            raise TypeError(f"phase_polynomial can only handle CNOT and RZ operators, received {op}")
    return P, np.array(table).T, np.array(angles)


@functools.partial(transform, is_informative=True)
def phase_polynomial(tape, wire_order=None):
    """PennyLane's ``qml.transforms.phase_polynomial``: ``(parity matrix, parity table,
    angles)`` of a circuit of ``CNOT`` and ``RZ`` gates, with
    ``U|x> = exp(-i/2 sum_k angles[k] (1 - 2 (x . table[:, k] mod 2))) |P x mod 2>``: column
    ``k`` of the table is the parity (over the input bits) on the wire of the ``k``-th
    ``RZ`` when it acts. Rows in ``wire_order`` (default: the circuit's wires); another
    gate is a ``TypeError``.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.RZ(0.5, 1), qml.CNOT([0, 1])])
    >>> pmat, ptab, angles = qml.transforms.phase_polynomial(t)
    >>> pmat.tolist(), ptab.tolist(), angles.tolist()
    ([[1, 0], [0, 1]], [[1], [1]], [0.5])
    """
    return [tape], lambda tapes: _phase_polynomial(tapes[0], wire_order)


def postorder_traverse(tree, source, source_parent=None) -> list:
    """PennyLane's ``postorder_traverse``: the nodes of the networkx tree ``tree`` below
    ``source`` in post-order (children in the graph's neighbour order, then the node),
    each as ``(node, parent)``, ``source`` itself left out.

    >>> import networkx as nx
    >>> postorder_traverse(nx.Graph([(0, 1), (0, 2), (1, 3)]), 0)
    [(3, 1), (1, 0), (2, 0)]
    """
    out = []
    for child in tree.neighbors(source):
        if child != source_parent:
            out.extend(postorder_traverse(tree, child, source))
    if source_parent is not None:
        out.append((source, source_parent))
    return out


def preorder_traverse(tree, source, source_parent=None) -> list:
    """PennyLane's ``preorder_traverse``: the nodes of the networkx tree ``tree`` below
    ``source`` in pre-order (the node, then its children in the graph's neighbour order),
    each as ``(node, parent)``, ``source`` itself left out.

    >>> import networkx as nx
    >>> preorder_traverse(nx.Graph([(0, 1), (0, 2), (1, 3)]), 0)
    [(1, 0), (3, 1), (2, 0)]
    """
    out = [(source, source_parent)] if source_parent is not None else []
    for child in tree.neighbors(source):
        if child != source_parent:
            out.extend(preorder_traverse(tree, child, source))
    return out


def _steiner_set(P, idx, nodes, mode) -> set:
    """RowCol's S (column ``idx``'s ones) or S' (the rows whose sum is row ``idx`` of the
    inverse's transpose), with ``idx`` and within the remaining ``nodes``."""
    if mode == "column":
        b = P[:, idx]
    else:
        e = np.zeros(len(P), dtype=int)
        e[idx] = 1
        b = binary_solve_linear_system(P.T, e)
    return ({int(i) for i in np.flatnonzero(b)} | {idx}) & set(nodes)


def _eliminate(P, graph, idx, mode) -> list:
    """Make column (``mode="column"``) or row ``idx`` of ``P`` a unit vector in place with
    CNOTs along a Steiner tree of ``graph``; the ``(control, target)`` pairs applied."""
    S = _steiner_set(P, idx, graph.nodes(), mode)
    if len(S) == 1:
        return []
    from networkx.algorithms.approximation import steiner_tree

    tree = steiner_tree(graph, list(S))
    post = postorder_traverse(tree, idx)
    cnots = []

    def apply(control, target):
        P[target] ^= P[control]
        cnots.append((control, target))

    if mode == "column":
        for child, parent in post:  # fill the zeros of column idx on the tree...
            if P[child, idx] == 1 and P[parent, idx] == 0:
                apply(child, parent)
        for child, parent in post:  # ...then clear every entry but idx's
            apply(parent, child)
    else:
        for child, parent in preorder_traverse(tree, idx):
            if child not in S:
                apply(child, parent)
        for child, parent in post:
            apply(child, parent)
    return cnots


def rowcol_parity_matrix(P, connectivity=None) -> list:
    """PennyLane's ``_rowcol_parity_matrix``: CNOTs ``(control, target)`` (indices of the
    rows of ``P``) whose circuit has the parity matrix ``P``, each on an edge of
    ``connectivity`` (a networkx graph on the nodes ``0..n-1``; None: the complete graph).
    ``P`` and ``connectivity`` are left as they are.

    >>> rowcol_parity_matrix(np.array([[1, 0], [1, 1]]))
    [(0, 1)]
    """
    nx = _networkx("rowcol")
    P = np.array(P, dtype=int) % 2
    n = len(P)
    graph = nx.complete_graph(n) if connectivity is None else connectivity.copy()
    cut = set() if connectivity is None else set(nx.articulation_points(graph))
    cnots = []
    while graph.number_of_nodes() > 1:
        i = next(v for v in graph.nodes() if v not in cut)  # removing it keeps graph connected
        try:
            for mode in ("column", "row"):
                cnots.extend(_eliminate(P, graph, i, mode))
        except np.linalg.LinAlgError as exc:
            raise ValueError("rowcol: the parity matrix is singular (not the matrix of a CNOT "
                             "circuit)") from exc
        graph.remove_node(i)
        cut = set(nx.articulation_points(graph))
    if not np.array_equal(P, np.eye(n, dtype=int)):
        raise ValueError("rowcol: the parity matrix is singular (not the matrix of a CNOT "
                         "circuit), or the connectivity graph is not connected")
    return cnots[::-1]


@transform
def rowcol(tape, connectivity=None):
    """PennyLane's ``qml.transforms.rowcol``: the CNOT circuit ``tape`` re-synthesised by
    the RowCol algorithm (Wu et al., arXiv:1910.14478) with CNOTs only between wires that
    are neighbours in ``connectivity`` (a networkx graph on ``0..n-1``, the positions of
    the tape's wires; None: all pairs), with the same parity matrix. Gates other than
    ``CNOT`` are a ``TypeError``.

    >>> import networkx as nx
    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.CNOT([0, 1]), qml.CNOT([0, 2])], [qml.probs()])
    >>> (new,), _ = qml.transforms.rowcol(t, nx.path_graph(3))
    >>> new.operations
    [CNOT(wires=[1, 2]), CNOT(wires=[0, 1]), CNOT(wires=[1, 2])]
    >>> P = qml.transforms.parity_matrix
    >>> bool((P(new, wire_order=[0, 1, 2]) == P(t, wire_order=[0, 1, 2])).all())
    True
    """
    order = tape.wires
    cnots = rowcol_parity_matrix(_parity(tape, order), connectivity)
    with detached():
        ops = [GATE_CLASSES["CNOT"](wires=[order[i], order[j]]) for i, j in cnots]
    return [tape.copy(operations=ops)], null_postprocessing


def state_transposition(results, mps, new_wire_order, original_wire_order):
    """PennyLane's postprocessing of ``transpile`` with a device: each ``qml.state()``
    result (of the only tape in ``results``), on the wires ``new_wire_order``, put back in
    ``original_wire_order``.

    >>> state_transposition((np.arange(4),), [StateMP()], [1, 0], [0, 1]).real.tolist()
    [0.0, 2.0, 1.0, 3.0]
    """
    original = Wires(original_wire_order)
    new_order = Wires(new_wire_order)
    if len(mps) == 1:
        return StateMP(wires=original).process_state(results[0], wire_order=new_order)
    out = list(results[0])
    for i, mp in enumerate(mps):
        if isinstance(mp, StateMP):
            out[i] = StateMP(wires=original).process_state(out[i], wire_order=new_order)
    return tuple(out)


def _stops_decomposition(op) -> bool:
    """``transpile`` expands templates only: gates of qsym's table, mid-circuit
    measurements, conditionals and operators without a decomposition are kept."""
    return (op.name in GATE_CLASSES or type(op).__name__ in ("MidMeasure", "Conditional")
            or not getattr(op, "has_decomposition", False))


def _check_transpilable(tape, graph) -> None:
    if any(w not in graph.nodes for w in tape.wires):
        raise ValueError(f"Not all wires present in coupling map! wires: {tape.wires.tolist()}, "
                         f"coupling map: {graph.nodes}")
    if any(isinstance(getattr(m, "measured_obs", None), (LinearCombination, Prod))
           for m in tape.measurements):
        raise NotImplementedError(
            "Measuring expectation values of tensor products or Hamiltonians is not yet supported")
    if any(len(op.wires) > 2 for op in tape.operations):
        raise NotImplementedError(
            "The transpile transform only supports gates acting on 1 or 2 qubits.")


def _device_measurements(tape, device_wires, mixed) -> list:
    """The measurements, those of every wire given the device's wires (``qml.state()`` on
    ``default.mixed``: its density matrix)."""
    out = list(tape.measurements)
    if device_wires:
        for i, m in enumerate(out):
            if isinstance(m, StateMP):
                if mixed:
                    out[i] = density_matrix(wires=device_wires)
            elif not m.wires:
                out[i] = type(m)(wires=device_wires)
    return out


def _route(ops, graph, wire_order, measurements):
    """PennyLane's routing: each two-qubit gate off the coupling graph is preceded by SWAPs
    along a shortest path bringing its second wire next to its first, and the gates and
    measurements after it are relabelled; ``(gates, wire order, measurements)``."""
    nx = _networkx("transpile")
    ops, gates = list(ops), []
    while ops:
        op = ops.pop(0)
        if len(op.wires) <= 1 or (graph.has_edge(op.wires[0], op.wires[1])
                                  or graph.has_edge(op.wires[1], op.wires[0])):
            gates.append(op)
            continue
        wire_map = {w: w for w in wire_order}
        path = nx.shortest_path(graph, op.wires[0], op.wires[1])
        for i in range(len(path) - 1, 1, -1):
            w0, w1 = path[i - 1], path[i]
            gates.append(GATE_CLASSES["SWAP"](wires=[w0, w1]))
            wire_map = {k: (w0 if v == w1 else w1 if v == w0 else v) for k, v in wire_map.items()}
        gates.append(_moved(op, wire_map))
        ops = [_moved(o, wire_map) for o in ops]
        wire_order = [wire_map[w] for w in wire_order]
        measurements = [_moved(m, wire_map) for m in measurements]
    return gates, wire_order, measurements


def _moved(obj, wire_map):
    """``obj`` (a gate or measurement) on the wires ``wire_map`` gives; ``obj`` itself when
    none of its wires moves (a conditional keeps its identity, which its equality is)."""
    if all(wire_map.get(w, w) == w for w in obj.wires):
        return obj
    return obj.map_wires(wire_map)


@transform
def transpile(tape, coupling_map, device=None):
    """PennyLane's ``qml.transforms.transpile``: the circuit with ``SWAP`` gates inserted so
    that every two-qubit gate acts on an edge of ``coupling_map`` (a list of edges or a
    networkx graph): a gate off the graph gets SWAPs along a shortest path moving its
    second wire next to its first, and the gates and measurements after it follow the
    moved wires. Templates are expanded first; a gate on more than two wires, or the
    expectation of a ``Prod`` or ``Hamiltonian``, is a ``NotImplementedError``; a wire
    missing from the map a ``ValueError``. Given the ``device`` (on a QNode: the QNode's),
    measurements of every wire get the device's wires and ``qml.state()`` results are
    put back in the device's wire order.

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.CNOT([0, 2])], [qml.probs(wires=[0, 1, 2])])
    >>> (new,), _ = qml.transforms.transpile(t, coupling_map=[(0, 1), (1, 2)])
    >>> new.operations, new.measurements
    ([SWAP(wires=[1, 2]), CNOT(wires=[0, 1])], [probs(wires=[0, 2, 1])])
    """
    device_wires = device.wires if device is not None else None
    mixed = device is not None and device.name == "default.mixed"
    nx = _networkx("transpile")
    graph = coupling_map if isinstance(coupling_map, nx.Graph) else nx.Graph(coupling_map)
    _check_transpilable(tape, graph)
    with detached():
        ops = [g for op in tape.operations for g in decomposition_gen(op, _stops_decomposition)]
        measurements = _device_measurements(tape, device_wires, mixed)
        wire_order = list(device_wires or tape.wires)
        gates, wire_order, measurements = _route(ops, graph, wire_order, measurements)
    new = tape.copy(operations=gates, measurements=measurements)
    if device_wires is None or not any(type(m) is StateMP for m in measurements):
        return (new,), null_postprocessing
    return (new,), functools.partial(state_transposition, mps=measurements,
                                     new_wire_order=wire_order, original_wire_order=device_wires)


@transpile.custom_qnode_transform
def _transpile_qnode(self, qnode, targs, tkwargs):
    """On a QNode, ``transpile`` takes the QNode's device (PennyLane's)."""
    if tkwargs.get("device", None):
        raise ValueError("Cannot provide a 'device' value directly to the transpile decorator "
                         "when transforming a QNode.")
    tkwargs.setdefault("device", qnode.device)
    return self.default_qnode_transform(qnode, targs, tkwargs)
