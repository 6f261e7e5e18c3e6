"""Circuit cutting's classical processing (PennyLane 0.45's ``pennylane/qcut/processing``):
the fragments' results as tensors in the Pauli basis of their cut wires, contracted along
the communication graph (``qcut_processing_fn``); the Monte Carlo estimators of
``cut_circuit_mc`` (``qcut_processing_fn_sample``, ``qcut_processing_fn_mc``).

A fragment with ``p`` prepared and ``m`` measured cut wires ran ``4**p`` preparations
(|0>, |1>, |+>, |+i>) times the ``4**m`` Pauli words of its measured wires (in the order of
``partition_pauli_group``); :func:`process_tensor` turns these into the tensor with one
axis per cut wire in the basis ``(I, X, Y, Z) / sqrt(2)``, where the contraction of the
fragments over their shared indices is the uncut circuit's value (Peng et al.,
arXiv:1904.00102). Every step is qsym.math, so the result is differentiable.

>>> import numpy as np
>>> np.asarray(process_tensor(np.array([1.0, 1.0, 0.0, 0.0]), 0, 1)) * np.sqrt(2)  # I, Z, X, Y
array([1., 0., 0., 1.])
"""

from __future__ import annotations

import string

import numpy as np

from . import math
from .pauli import partition_pauli_group

__all__ = ["get_symbol", "contract_tensors", "process_tensor", "to_tensors",
           "qcut_processing_fn", "reshape_results", "qcut_processing_fn_sample",
           "qcut_processing_fn_mc", "CHANGE_OF_BASIS"]

# rows: I, X, Y, Z as combinations of the projectors on |0>, |1>, |+>, |+i> (the states
# the preparations make): I = P0 + P1, X = 2P+ - P0 - P1, Y = 2P+i - P0 - P1, Z = P0 - P1
CHANGE_OF_BASIS = np.array([[1.0, 1.0, 0.0, 0.0], [-1.0, -1.0, 2.0, 0.0],
                            [-1.0, -1.0, 0.0, 2.0], [1.0, -1.0, 0.0, 0.0]])


def get_symbol(i: int) -> str:
    """The ``i``-th einsum index letter (an error past the 52 ASCII letters).

    >>> get_symbol(0), get_symbol(26)
    ('a', 'A')
    """
    if i >= len(string.ascii_letters):
        raise ValueError("Set the use_opt_einsum argument to True when applying more than "
                         f"{len(string.ascii_letters)} wire cuts to a circuit")
    return string.ascii_letters[i]


def _edges(adjacency):
    """The data of every edge in ``graph.pred[n]`` or ``graph.succ[n]``."""
    return [e for edges in adjacency.values() for e in edges.values()]


def _indices(communication_graph, prepare_nodes, measure_nodes, symbol) -> list:
    """One index string per fragment: its prepared cut wires', then its measured ones'."""
    ctr, indices, meas_map = 0, [""] * len(communication_graph.nodes), {}
    nodes = list(communication_graph.nodes)
    for i, (node, prep) in enumerate(zip(nodes, prepare_nodes)):
        for p in prep:
            for edge in _edges(communication_graph.pred[node]):
                meas_op, prep_op = edge["pair"]
                if p.node_uid == prep_op.obj.node_uid:
                    indices[i] += symbol(ctr)
                    meas_map[meas_op] = symbol(ctr)
                    ctr += 1
    for i, (node, meas) in enumerate(zip(nodes, measure_nodes)):
        for m in meas:
            for edge in _edges(communication_graph.succ[node]):
                meas_op, _ = edge["pair"]
                if m.node_uid == meas_op.obj.node_uid:
                    indices[i] += meas_map[meas_op]
    return indices


def contract_tensors(tensors, communication_graph, prepare_nodes, measure_nodes,
                     use_opt_einsum: bool = False):
    """PennyLane's ``qml.qcut.contract_tensors``: the fragments' tensors contracted over
    the cuts of ``communication_graph`` (each cut an index shared by the tensor that
    measures it and the one that prepares it); ``use_opt_einsum`` contracts with
    opt_einsum (installed separately).

    >>> import networkx as nx, numpy as np
    >>> from qsym.qcut import MeasureNode, PrepareNode
    >>> from qsym.queuing import WrappedObj
    >>> m, p = MeasureNode(wires=0), PrepareNode(wires=0)
    >>> g = nx.MultiDiGraph([(0, 1, {"pair": (WrappedObj(m), WrappedObj(p))})])
    >>> float(contract_tensors([np.array([1., 2.]), np.array([3., 4.])], g, [[], [p]], [[m], []]))
    11.0
    """
    if use_opt_einsum:
        try:
            from opt_einsum import contract, get_symbol as symbol
        except ImportError as err:
            raise ImportError("The opt_einsum package is required when use_opt_einsum is "
                              "set to True in the contract_tensors function. This package "
                              "can be installed using:\npip install opt_einsum") from err
        kwargs = {}
    else:
        contract, symbol, kwargs = math.einsum, get_symbol, {"like": tensors[0]}
    indices = _indices(communication_graph, prepare_nodes, measure_nodes, symbol)
    return contract(",".join(indices), *tensors, **kwargs)


def process_tensor(results, n_prep: int, n_meas: int):
    """PennyLane's ``qml.qcut._process_tensor``: one fragment's ``4**(n_prep + n_meas)``
    results as its tensor, one axis of size 4 per cut wire (prepared wires first) in the
    basis ``(I, X, Y, Z) / sqrt(2)``.

    >>> import numpy as np
    >>> z = np.array([1.0, -1.0, 0.0, 0.0])  # <Z> after preparing |0>, |1>, |+>, |+i>
    >>> np.asarray(process_tensor(z, 1, 0)) * np.sqrt(2)  # the Z component only
    array([0., 0., 0., 2.])
    """
    n = n_prep + n_meas
    tensor = math.reshape(results, (4,) * n_prep + (4**n_meas,))
    grouped = [term for group in partition_pauli_group(n_meas) for term in group]
    order = np.argsort(grouped)
    tensor = tensor[tuple([slice(None)] * n_prep + [order])]
    tensor = math.reshape(tensor, (4,) * n)
    change = math.convert_like(CHANGE_OF_BASIS, tensor)
    for i in range(n_prep):
        tensor = math.tensordot(change, tensor, axes=[[1], [i]])
    tensor = math.transpose(tensor, axes=list(reversed(range(n_prep))) + list(range(n_prep, n)))
    return tensor * 2 ** (-(n_meas + n_prep) / 2)


# looked up when to_tensors runs (PennyLane's module qml.qcut.processing is this one:
# patching its _process_tensor reaches to_tensors, as in PennyLane)
_process_tensor = process_tensor


def to_tensors(results, prepare_nodes, measure_nodes) -> list:
    """PennyLane's ``qml.qcut._to_tensors``: the flat results of every fragment's tapes,
    cut into one tensor per fragment (:func:`process_tensor`).

    >>> import numpy as np
    >>> [t.shape for t in to_tensors(np.ones(4 + 16), [[], ["p0", "p1"]], [["m"], []])]
    [(4,), (4, 4)]
    """
    ctr, tensors = 0, []
    for p, m in zip(prepare_nodes, measure_nodes):
        dim = 4 ** (len(p) + len(m))
        tensors.append(_process_tensor(results[ctr:ctr + dim], len(p), len(m)))
        ctr += dim
    if results.shape[0] != ctr:
        raise ValueError(f"The results argument should be a flat list of length {ctr}")
    return tensors


def qcut_processing_fn(results, communication_graph, prepare_nodes, measure_nodes,
                       use_opt_einsum: bool = False):
    """PennyLane's ``qml.qcut.qcut_processing_fn``: the uncut circuit's expectation value
    from the results of every fragment's expanded tapes (in order).

    >>> import networkx as nx, numpy as np
    >>> g = nx.MultiDiGraph(); g.add_node(0)
    >>> float(qcut_processing_fn([np.array(0.25)], g, [[]], [[]]))   # one fragment, no cut
    0.25
    """
    results = [math.stack(r) if isinstance(r, tuple) else math.reshape(r, [-1])
               for r in results]
    tensors = to_tensors(math.concatenate(results), prepare_nodes, measure_nodes)
    return contract_tensors(tensors, communication_graph, prepare_nodes, measure_nodes,
                            use_opt_einsum)


def reshape_results(results, shots: int) -> list:
    """The flat per-tape results of ``cut_circuit_mc`` regrouped per shot: one list (a
    result per fragment) for each of the ``shots`` draws.

    >>> reshape_results([1, 2, 3, 4], 2)
    [[array([1]), array([3])], [array([2]), array([4])]]
    """
    results = [math.stack(r) if isinstance(r, tuple) else r for r in results]
    results = [np.ravel(np.asarray(r)) for r in results]
    results = [results[i:i + shots] for i in range(0, len(results), shots)]
    return list(map(list, zip(*results)))


def qcut_processing_fn_sample(results, communication_graph, shots: int) -> list:
    """PennyLane's ``qml.qcut.qcut_processing_fn_sample``: the uncut circuit's samples
    from ``cut_circuit_mc``'s fragment samples (each fragment's terminal measurements,
    without its cut wires' samples).

    >>> import networkx as nx, numpy as np
    >>> g = nx.MultiDiGraph(); g.add_node(0)
    >>> qcut_processing_fn_sample([np.array([0, 1]), np.array([1, 1])], g, 2)
    [array([[0, 1], [1, 1]])]
    """
    results = reshape_results(results, shots)
    out_degrees = [d for _, d in communication_graph.out_degree]
    samples = [np.hstack([r[:-d or None] for r, d in zip(result, out_degrees)])
               for result in results]
    return [np.array(samples)]


_EVALS = (0.5, 0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5)


def _mc_term(result, setting, out_degrees, classical_processing_fn) -> float:
    """One shot's term ``8**K c_s f(terminal) prod(mid)`` of the Monte Carlo estimate."""
    terminal = np.hstack([r[:-d or None] for r, d in zip(result, out_degrees)])
    mid = np.hstack([r[-d or len(r):] for r, d in zip(result, out_degrees)])
    f = classical_processing_fn(terminal)
    if not -1 <= f <= 1:
        raise ValueError("The classical processing function supplied must give output in "
                         "the interval [-1, 1]")
    c_s = np.prod([_EVALS[s] for s in setting])
    return 8 ** len(mid) * c_s * f * np.prod(mid)


def qcut_processing_fn_mc(results, communication_graph, settings, shots: int,
                          classical_processing_fn):
    """PennyLane's ``qml.qcut.qcut_processing_fn_mc``: the Monte Carlo estimate of the
    expectation of ``classical_processing_fn`` (a function of the uncut circuit's bits,
    valued in [-1, 1]) from ``cut_circuit_mc``'s fragment samples and ``settings``.

    >>> import networkx as nx, numpy as np
    >>> g = nx.MultiDiGraph(); g.add_node(0)
    >>> float(qcut_processing_fn_mc([np.array([0]), np.array([1])], g, np.zeros((0, 2), int),
    ...                             2, lambda bits: 1 - 2 * bits[0]))
    0.0
    """
    results = reshape_results(results, shots)
    out_degrees = [d for _, d in communication_graph.out_degree]
    terms = [_mc_term(result, setting, out_degrees, classical_processing_fn)
             for result, setting in zip(results, np.asarray(settings).T)]
    return np.asarray(np.mean(terms))
