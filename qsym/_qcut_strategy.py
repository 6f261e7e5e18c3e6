"""Automatic cut placement's inputs (PennyLane 0.45's ``pennylane/qcut/cutstrategy`` and
``kahypar``): :class:`CutStrategy`, the device constraints turned into the partitioner's
arguments (numbers of fragments to probe, their imbalance), and :func:`kahypar_cut`, the
graph partitioned by KaHyPar (an optional package, not installed with qsym: without it,
an ImportError says how to install it), with the hMETIS hypergraph it reads
(:func:`graph_to_hmetis`).

>>> CutStrategy(max_free_wires=2).min_free_wires
1
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import InitVar, dataclass
from itertools import compress
from typing import Any, ClassVar

import numpy as np

from .devices import Device
from .templates import WireCut

__all__ = ["CutStrategy", "kahypar_cut", "graph_to_hmetis"]


def _device_sizes(devices) -> list | None:
    """The numbers of wires of ``devices`` (one device or a sequence), or None."""
    if devices is None:
        return None
    if isinstance(devices, Device):
        devices = (devices,)
    if not isinstance(devices, Sequence) or not all(isinstance(d, Device) for d in devices):
        raise ValueError("Argument `devices` must be a list or tuple containing elements of "
                         "type `qml.devices.LegacyDevice` or `qml.devices.Device`")
    return [len(d.wires) for d in devices]


@dataclass()
class CutStrategy:
    """PennyLane's ``qml.qcut.CutStrategy``: the constraints of automatic cut placement
    (the devices' or given numbers of wires and gates per fragment, the numbers of
    fragments to probe, the imbalance allowed) and the keyword arguments they give a
    partitioner (:meth:`get_cut_kwargs`).

    >>> s = CutStrategy(max_free_wires=2, num_fragments_probed=(2, 3))
    >>> s.max_free_wires, s.min_free_wires, s.k_lower, s.k_upper
    (2, 1, 2, 3)
    """

    devices: InitVar[Any] = None
    max_free_wires: int = None
    min_free_wires: int = None
    num_fragments_probed: None | int | Sequence[int] = None
    max_free_gates: int = None
    min_free_gates: int = None
    imbalance_tolerance: float = None
    trials_per_probe: int = 4

    HIGH_NUM_FRAGMENTS: ClassVar[int] = 20
    HIGH_PARTITION_ATTEMPTS: ClassVar[int] = 20

    def __post_init__(self, devices):
        if isinstance(self.num_fragments_probed, int):
            self.num_fragments_probed = [self.num_fragments_probed]
        if isinstance(self.num_fragments_probed, (list, tuple)):
            self.num_fragments_probed = sorted(self.num_fragments_probed)
            self.k_lower, self.k_upper = self.num_fragments_probed[0], self.num_fragments_probed[-1]
            if self.k_lower <= 0:
                raise ValueError("`num_fragments_probed` must be positive int(s)")
        else:
            self.k_lower, self.k_upper = None, None
        if devices is None and self.max_free_wires is None:
            raise ValueError("One of arguments `devices` and max_free_wires` must be provided.")
        sizes = _device_sizes(devices)
        if sizes is not None:
            self.max_free_wires = self.max_free_wires or max(sizes)
            self.min_free_wires = self.min_free_wires or min(sizes)
        tol = self.imbalance_tolerance
        if tol is not None and not (isinstance(tol, (float, int)) and tol >= 0):
            raise ValueError("The overall `imbalance_tolerance` is expected to be a "
                             f"non-negative number, got {type(tol)} with value {tol}.")
        self.min_free_wires = self.min_free_wires or 1

    def get_cut_kwargs(self, tape_dag, max_wires_by_fragment=None, max_gates_by_fragment=None,
                       exhaustive: bool = True) -> list[dict[str, Any]]:
        """The keyword arguments (``num_fragments``, ``imbalance``, and the per-fragment
        limits if given) of each partitioning to probe for the circuit graph
        ``tape_dag``."""
        wire_depths = {}
        for g in tape_dag:
            if not isinstance(g.obj, WireCut):
                for w in g.obj.wires:
                    wire_depths[w] = wire_depths.get(w, 0) + 1 / len(g.obj.wires)
        self._validate_input(max_wires_by_fragment, max_gates_by_fragment)
        return self._infer_probed_cuts(wire_depths, max_wires_by_fragment,
                                       max_gates_by_fragment, exhaustive)

    @staticmethod
    def _infer_imbalance(k, wire_depths, free_wires, free_gates, imbalance_tolerance=None):
        """The imbalance to allow ``k`` fragments of at most ``free_wires`` wires and
        ``free_gates`` gates."""
        num_wires, num_gates = len(wire_depths), sum(wire_depths.values())
        avg_wires, avg_gates = (num_wires - 1) // k + 1, (num_gates - 1) // k + 1
        if free_wires < avg_wires:
            raise ValueError("`free_wires` should be no less than the average number of "
                             f"wires per fragment. Got {free_wires} >= {avg_wires} .")
        if free_gates < avg_gates:
            raise ValueError("`free_gates` should be no less than the average number of "
                             f"gates per fragment. Got {free_gates} >= {avg_gates} .")
        if free_gates > num_gates - k:
            free_gates = num_gates - (k - 1 + (2 if avg_gates > 5 else 0))
        depth_imbalance = max(wire_depths.values()) * num_wires / num_gates - 1
        imbalance = min(depth_imbalance, free_gates / avg_gates - 1)
        if imbalance_tolerance is not None:
            imbalance = min(imbalance, imbalance_tolerance)
        return imbalance

    @staticmethod
    def _validate_input(max_wires_by_fragment, max_gates_by_fragment):
        """An error for per-fragment limits that are not lists of positive integers of
        one length."""
        for name, limits in (("max_wires_by_fragment", max_wires_by_fragment),
                             ("max_gates_by_fragment", max_gates_by_fragment)):
            if limits is None:
                continue
            if not isinstance(limits, (list, tuple)):
                raise ValueError(f"`{name}` is expected to be a list or tuple, but got "
                                 f"{type(limits)}.")
            if any(not (isinstance(i, int) and i > 0) for i in limits):
                raise ValueError(f"`{name}` is expected to contain positive integers only.")
        if max_wires_by_fragment is not None and max_gates_by_fragment is not None:
            if len(max_wires_by_fragment) != len(max_gates_by_fragment):
                raise ValueError(
                    "The lengths of `max_wires_by_fragment` and `max_gates_by_fragment` "
                    f"should be equal, but got {len(max_wires_by_fragment)} and "
                    f"{len(max_gates_by_fragment)}.")

    def _probed_ks(self, k_lb, k_ub) -> list:
        """The numbers of fragments to probe between the bounds (a warning if many)."""
        k_lower = self.k_lower if self.k_lower is not None else k_lb
        k_upper = self.k_upper if self.k_upper is not None else k_ub
        if k_lower < k_lb:
            warnings.warn(f"The provided `k_lower={k_lower}` is less than the lowest allowed "
                          f"value, will override and set `k_lower={k_lb}`.", stacklevel=3)
            k_lower = k_lb
        if k_lower > self.HIGH_NUM_FRAGMENTS:
            warnings.warn("The attempted number of fragments seems high with lower bound at "
                          f"{k_lower}.", stacklevel=3)
        ks = list(range(k_lower, k_upper + 1))
        if len(ks) > self.HIGH_PARTITION_ATTEMPTS:
            warnings.warn(f"The number of partition attempts seems high ({len(ks)}).",
                          stacklevel=3)
        return ks

    def _infer_probed_cuts(self, wire_depths, max_wires_by_fragment=None,
                           max_gates_by_fragment=None, exhaustive=True) -> list:
        """The partitioner's keyword arguments for each number of fragments probed."""
        n_wires, n_gates = len(wire_depths), int(sum(wire_depths.values()))
        max_wires, max_gates = self.max_free_wires or n_wires, self.max_free_gates or n_gates
        min_wires = self.min_free_wires or max_wires
        min_gates = self.min_free_gates or max_gates
        k_lb = 1 + max((n_wires - 1) // max_wires, (n_gates - 1) // max_gates)
        k_ub = 1 + max((n_wires - 1) // min_wires, (n_gates - 1) // min_gates)
        if exhaustive:
            k_lb, k_ub = max(2, k_lb), n_gates
        tolerance = k_ub if self.imbalance_tolerance is None else self.imbalance_tolerance
        if max_gates_by_fragment is None and max_wires_by_fragment is None:
            ks = self._probed_ks(k_lb, k_ub)
        else:
            ks = [len(max_wires_by_fragment or max_gates_by_fragment)]
        probed = []
        for k in ks:
            imbalance = self._infer_imbalance(
                k, wire_depths,
                max_wires if max_wires_by_fragment is None else max(max_wires_by_fragment),
                max_gates if max_gates_by_fragment is None else max(max_gates_by_fragment),
                tolerance)
            kwargs = {"num_fragments": k, "imbalance": imbalance}
            if max_wires_by_fragment is not None:
                kwargs["max_wires_by_fragment"] = max_wires_by_fragment
            if max_gates_by_fragment is not None:
                kwargs["max_gates_by_fragment"] = max_gates_by_fragment
            probed.append(kwargs)
        return probed


def graph_to_hmetis(graph, hyperwire_weight: int = 0, edge_weights=None) -> tuple:
    """PennyLane's ``qml.qcut._graph_to_hmetis``: ``(adjacent nodes, edge splits, edge
    weights)`` of the circuit graph as an hMETIS hypergraph (one hyperedge per graph edge,
    and with ``hyperwire_weight`` one per wire holding all its nodes).

    >>> import qsym as qml
    >>> from qsym.qcut import tape_to_graph
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.Y(0)]))
    >>> graph_to_hmetis(g)
    ([0, 1], [0, 2], None)
    """
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    edges = list(graph.edges(data="wire"))
    adj_nodes = [index[v] for pair in graph.edges(keys=False) for v in pair]
    edge_splits = np.cumsum([0] + [len(e) for e in graph.edges(keys=False)]).tolist()
    edge_weights = edge_weights if edge_weights is not None and len(edges) == len(
        edge_weights) else None
    if hyperwire_weight:
        hyperwires = {w: set() for _, _, w in edges}
        for v0, v1, wire in edges:
            hyperwires[wire].update([index[v0], index[v1]])
        for nodes_on_wire in hyperwires.values():
            edge_splits.append(len(nodes_on_wire) + edge_splits[-1])
            adj_nodes = adj_nodes + list(nodes_on_wire)
        if isinstance(hyperwire_weight, (int, float)):
            edge_weights = (edge_weights or [1] * len(edges)) + [hyperwire_weight] * len(
                hyperwires)
    return adj_nodes, edge_splits, edge_weights


def kahypar_cut(graph, num_fragments: int, imbalance: int = None, edge_weights=None,
                node_weights=None, fragment_weights=None, hyperwire_weight: int = 1,
                seed: int = None, config_path=None, trial=None, verbose: bool = False):
    """PennyLane's ``qml.qcut.kahypar_cut``: the edges to cut so that the circuit graph
    falls into ``num_fragments`` parts, found by the KaHyPar hypergraph partitioner (the
    optional package ``kahypar``: without it, an ImportError).

    >>> import sys
    >>> sys.modules["kahypar"] = None   # as if not installed
    >>> kahypar_cut(None, 2)
    Traceback (most recent call last):
    ...
    ImportError: KaHyPar must be installed to use this method for automatic cut placement. ...
    >>> del sys.modules["kahypar"]
    """
    try:
        import kahypar
    except ImportError as err:
        raise ImportError("KaHyPar must be installed to use this method for automatic cut "
                          "placement. Try pip install kahypar or visit https://kahypar.org/ "
                          "for installation instructions.") from err
    adjacent, splits, edge_weights = graph_to_hmetis(graph, hyperwire_weight, edge_weights)
    ne, nv = len(splits) - 1, max(adjacent) + 1
    if edge_weights is not None or node_weights is not None:
        hypergraph = kahypar.Hypergraph(nv, ne, splits, adjacent, num_fragments,
                                        edge_weights or [1] * ne, node_weights or [1] * nv)
    else:
        hypergraph = kahypar.Hypergraph(nv, ne, splits, adjacent, num_fragments)
    context = kahypar.Context()
    context.loadINIconfiguration(str(config_path) if config_path else _kahypar_config())
    context.setK(num_fragments)
    if isinstance(imbalance, float):
        context.setEpsilon(imbalance)
    if isinstance(fragment_weights, Sequence) and len(fragment_weights) == num_fragments:
        context.setCustomTargetBlockWeights(fragment_weights)
    context.suppressOutput(not verbose)
    context.setSeed(np.random.default_rng(seed).choice(2**15))
    kahypar.partition(hypergraph, context)
    mask = [hypergraph.connectivity(e) > 1 for e in hypergraph.edges()]
    return list(compress(graph.edges, mask))


def _kahypar_config() -> str:
    """An error: qsym ships no KaHyPar configuration file (PennyLane ships KaHyPar's
    ``cut_kKaHyPar_sea20.ini``); ``config_path=`` names one."""
    raise ValueError("kahypar_cut needs a KaHyPar configuration file: pass config_path= "
                     "(e.g. cut_kKaHyPar_sea20.ini from KaHyPar's config directory)")
