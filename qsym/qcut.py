"""``qml.qcut``: PennyLane 0.45's circuit cutting (``pennylane/qcut``).

A circuit whose wires are marked with ``qml.WireCut`` runs as smaller fragments: each cut
wire is measured (``MeasureNode``) at the end of one fragment and prepared again
(``PrepareNode``) at the start of another. :func:`cut_circuit` (``qml.cut_circuit``)
runs every fragment with each cut wire prepared in |0>, |1>, |+>, |+i> and measured in the
Pauli bases, and contracts the results into the uncut circuit's expectation value (Peng
et al., arXiv:1904.00102), differentiably; :func:`cut_circuit_mc`
(``qml.cut_circuit_mc``) draws one random preparation and measurement per cut and shot,
and returns the uncut circuit's samples, or with ``classical_processing_fn`` a Monte
Carlo estimate of its expectation. With ``auto_cutter=True`` (or a partitioning
function) the cuts are placed by :func:`find_and_place_cuts` under a
:class:`CutStrategy` (KaHyPar by default: ``pip install kahypar``).

The building blocks are here too: :func:`tape_to_graph`, :func:`replace_wire_cut_nodes`,
:func:`fragment_graph`, :func:`graph_to_tape`, :func:`expand_fragment_tape`,
:func:`expand_fragment_tapes_mc`, :func:`qcut_processing_fn` (with
``qcut_processing_fn_sample``, ``qcut_processing_fn_mc``), :func:`contract_tensors`,
:func:`place_wire_cuts`, :func:`kahypar_cut`. Graphs are networkx graphs: networkx is
not a dependency of qsym (``pip install networkx``).

>>> import numpy as np
>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.cut_circuit
... @qml.qnode(dev)
... def circuit(x):
...     qml.RX(x, wires=0)
...     qml.CNOT(wires=[0, 1])
...     qml.WireCut(wires=0)
...     qml.RY(0.3, wires=0)
...     return qml.expval(qml.Z(0) @ qml.Z(1))
>>> round(float(circuit(0.4)), 6), round(float(np.cos(0.4) ** 2 * np.cos(0.3)
...     + np.sin(0.4) ** 2 * np.cos(0.3)), 6)
(0.955336, 0.955336)
"""

from __future__ import annotations

import copy
import functools
from itertools import product

import numpy as np

import sys
import types

from . import _qcut_processing as processing
from ._opfunctions import map_wires
from ._operations import ExpectationMP, Hadamard, Identity, LinearCombination, PauliX
from ._operations import PauliY, PauliZ, S, SampleMP, Sum, expval, sample
from ._qcut_graph import (MeasureNode, PrepareNode, add_operator_node, find_new_wire,
                          fragment_graph, graph_to_tape, networkx, place_wire_cuts,
                          remove_existing_cuts, replace_wire_cut_node,
                          replace_wire_cut_nodes, tape_to_graph)
from ._qcut_processing import (contract_tensors, get_symbol, process_tensor,
                               qcut_processing_fn, qcut_processing_fn_mc,
                               qcut_processing_fn_sample, reshape_results, to_tensors)
from ._qcut_strategy import CutStrategy, graph_to_hmetis, kahypar_cut
from ._tapes import QuantumScript
from ._transform import detached, transform
from .decomposition import gate_sets
from .pauli import partition_pauli_group, string_to_pauli_word
from .templates import WireCut
from .transforms import decompose, split_non_commuting

__all__ = [
    "MeasureNode", "PrepareNode", "CutStrategy", "tape_to_graph", "graph_to_tape",
    "replace_wire_cut_node", "replace_wire_cut_nodes", "fragment_graph", "place_wire_cuts",
    "find_and_place_cuts", "kahypar_cut", "expand_fragment_tape", "expand_fragment_tapes_mc",
    "contract_tensors", "qcut_processing_fn", "qcut_processing_fn_sample",
    "qcut_processing_fn_mc", "cut_circuit", "cut_circuit_mc",
]

# PennyLane's private names, imported by its tests and users' code
_add_operator_node, _find_new_wire, _remove_existing_cuts = (
    add_operator_node, find_new_wire, remove_existing_cuts)
_get_symbol, _process_tensor, _to_tensors, _reshape_results = (
    get_symbol, process_tensor, to_tensors, reshape_results)
_graph_to_hmetis = graph_to_hmetis
_networkx = networkx


def _prep_zero_state(wire):
    return [Identity(wire)]


def _prep_one_state(wire):
    return [PauliX(wire)]


def _prep_plus_state(wire):
    return [Hadamard(wire)]


def _prep_minus_state(wire):
    return [PauliX(wire), Hadamard(wire)]


def _prep_iplus_state(wire):
    return [Hadamard(wire), S(wires=wire)]


def _prep_iminus_state(wire):
    return [PauliX(wire), Hadamard(wire), S(wires=wire)]


PREPARE_SETTINGS = [_prep_zero_state, _prep_one_state, _prep_plus_state, _prep_iplus_state]


def _get_measurements(group, measurements) -> list:
    """The measurements of one expanded fragment tape: the expectation of the fragment's
    observable times each Pauli word of ``group`` (the words of its measured cut wires)."""
    if len(group) == 0:
        return measurements
    if len(measurements) > 1:
        raise ValueError("The circuit cutting workflow only supports circuits with a single "
                         "output measurement")
    if not measurements:
        return [expval(g) for g in group]
    if not isinstance(measurements[0], ExpectationMP):
        raise ValueError("The circuit cutting workflow only supports circuits with "
                         "expectation value measurements")
    return [expval(copy.copy(measurements[0].measured_obs) @ g) for g in group]


def expand_fragment_tape(tape) -> tuple:
    """PennyLane's ``qml.qcut.expand_fragment_tape``: ``(tapes, prepare nodes, measure
    nodes)`` of a fragment tape; the tapes have each prepare node replaced by one of
    |0>, |1>, |+>, |+i> (every combination) and measure the fragment's observable times
    each group of qubit-wise commuting Pauli words on its measured cut wires.

    >>> import qsym as qml
    >>> frag = qml.tape.QuantumScript([PrepareNode(wires=0), qml.RX(0.5, 0),
    ...                                MeasureNode(wires=0)])
    >>> tapes, preps, meas = expand_fragment_tape(frag)
    >>> len(tapes), tapes[6].operations, tapes[6].measurements
    (12, [H(0), RX(0.5, wires=[0])], [expval(I(0)), expval(Z(0))])
    """
    prepare_nodes = [o for o in tape.operations if isinstance(o, PrepareNode)]
    measure_nodes = [o for o in tape.operations if isinstance(o, MeasureNode)]
    wire_map = {mn.wires[0]: i for i, mn in enumerate(measure_nodes)}
    groups = partition_pauli_group(len(measure_nodes)) if measure_nodes else [[""]]
    tapes = []
    for settings in product(range(len(PREPARE_SETTINGS)), repeat=len(prepare_nodes)):
        prepare = {id(n): PREPARE_SETTINGS[s] for n, s in zip(prepare_nodes, settings)}
        for words in groups:
            with detached():
                group = ([string_to_pauli_word(w, wire_map=wire_map) for w in words]
                         if measure_nodes else [])
                ops = []
                for op in tape.operations:
                    if isinstance(op, PrepareNode):
                        ops.extend(prepare[id(op)](op.wires[0]))
                    elif not isinstance(op, MeasureNode):
                        ops.append(op)
                measurements = _get_measurements(group, tape.measurements)
            tapes.append(QuantumScript(ops, measurements))
    return tapes, prepare_nodes, measure_nodes


def _qcut_expand_fn(tape, max_depth: int = 1, auto_cutter=False):
    """The tape, decomposed up to ``max_depth`` times until a ``WireCut`` shows (an error
    if none does and no ``auto_cutter`` places cuts)."""
    if any(isinstance(op, WireCut) for op in tape.operations):
        return tape
    if max_depth > 0:
        # PennyLane's gate set ALL_OPS holds WireCut; qsym's does not: added, so the cuts
        # inside a template show instead of decomposing to nothing
        [tape], _ = decompose(tape, gate_set=gate_sets.ALL_OPS | {"WireCut"})
        return tapes._qcut_expand_fn(tape, max_depth=max_depth - 1, auto_cutter=auto_cutter)
    if not (auto_cutter is True or callable(auto_cutter)):
        raise ValueError("No WireCut operations found in the circuit. Consider increasing the "
                         "max_depth value if operations or nested tapes contain WireCut "
                         "operations.")
    return tape


def _is_valid_cut(fragments, num_cuts, max_frag_degree, num_fragments_requested,
                  cut_candidates, max_free_wires) -> bool:
    """Whether a probed cut gives at most the fragments requested, each fitting the
    device, with fewer cuts than the best candidate of its kind so far."""
    key = (len(fragments), max_frag_degree)
    best_yet = key not in cut_candidates or len(cut_candidates[key]) > num_cuts
    fits = all(len(graph_to_tape(f).wires) <= max_free_wires for f in fragments)
    return len(fragments) <= num_fragments_requested and best_yet and fits


def _get_optim_cut(valid_cut_edges, local_measurement=False):
    """The best valid cut: the fewest cuts (or, with ``local_measurement``, the least
    communication degree), then the fewest fragments."""
    if local_measurement:
        least = min(degree for _, degree in valid_cut_edges)
        best = {k: e for (k, degree), e in valid_cut_edges.items() if degree == least}
    else:
        least = min(len(e) for e in valid_cut_edges.values())
        best = {k: e for (k, _), e in valid_cut_edges.items() if len(e) == least}
    return best[min(best)]


def _probe_cuts(graph, cut_graph, cut_method, cut_strategy, kwargs) -> dict:
    """``{(fragments, max degree): cut edges}`` of the valid cuts the strategy probes."""
    seeds = np.random.default_rng(kwargs.pop("seed", None)).choice(
        2**15, cut_strategy.trials_per_probe).tolist()
    valid = {}
    for cut_kwargs in cut_strategy.get_cut_kwargs(cut_graph):
        for seed in seeds:
            cut_edges = cut_method(cut_graph, **{**cut_kwargs, **kwargs, "seed": seed})
            placed = place_wire_cuts(graph=graph, cut_edges=cut_edges)
            num_cuts = sum(isinstance(n.obj, WireCut) for n in placed.nodes)
            replace_wire_cut_nodes(placed)
            frags, comm = fragment_graph(placed)
            degree = max(dict(comm.degree()).values())
            if _is_valid_cut(frags, num_cuts, degree, cut_kwargs["num_fragments"], valid,
                             cut_strategy.max_free_wires):
                valid[(len(frags), degree)] = cut_edges
    return valid


def find_and_place_cuts(graph, cut_method=kahypar_cut, cut_strategy=None,
                        replace_wire_cuts=False, local_measurement=False, **kwargs):
    """PennyLane's ``qml.qcut.find_and_place_cuts``: the circuit graph with its existing
    cuts removed and new ``WireCut`` nodes where ``cut_method`` (a partitioner, KaHyPar's
    by default) says; with a :class:`CutStrategy`, the best of the cuts it probes that fit
    its constraints. ``replace_wire_cuts`` turns them into measure/prepare pairs.

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.Y(0)]))
    >>> first_edge = lambda graph, **kw: list(graph.edges)[:1]
    >>> cut = find_and_place_cuts(g, cut_method=first_edge)
    >>> sorted(type(n.obj).__name__ for n in cut.nodes)
    ['PauliX', 'PauliY', 'WireCut']
    """
    cut_graph = remove_existing_cuts(graph)
    if isinstance(cut_strategy, CutStrategy):
        valid = _probe_cuts(graph, cut_graph, cut_method, cut_strategy, kwargs)
        if not valid:
            raise ValueError("Unable to find a circuit cutting that satisfies all "
                             "constraints. Are the constraints too strict?")
        cut_edges = _get_optim_cut(valid, local_measurement=local_measurement)
    else:
        cut_edges = cut_method(cut_graph, **kwargs)
    cut_graph = place_wire_cuts(graph=graph, cut_edges=cut_edges)
    if replace_wire_cuts:
        replace_wire_cut_nodes(cut_graph)
    return cut_graph


def _fragment_tapes(tape, auto_cutter, device_wires, kwargs) -> tuple:
    """``(fragment tapes on the device's wires, communication graph)`` of a tape: its
    cuts placed (``auto_cutter``) and replaced by measure/prepare pairs."""
    g = tape_to_graph(tape)
    if auto_cutter is True or callable(auto_cutter):
        if device_wires is None and kwargs.get("cut_strategy") is None:
            raise ValueError("Automatic cutting needs the device's wires: apply the "
                             "transform to a QNode, or pass device_wires= or cut_strategy=")
        strategy = kwargs.pop("cut_strategy", None) or CutStrategy(
            max_free_wires=len(device_wires))
        g = find_and_place_cuts(graph=g, cut_method=auto_cutter if callable(auto_cutter)
                                else kahypar_cut, cut_strategy=strategy, **kwargs)
    replace_wire_cut_nodes(g)
    fragments, communication_graph = fragment_graph(g)
    tapes = [graph_to_tape(f) for f in fragments]
    if device_wires is not None:  # (a tape already on its device's wires is kept)
        with detached():
            tapes = [t if all(a == b for a, b in zip(t.wires, device_wires)) else
                     map_wires(t, dict(zip(t.wires, device_wires)))[0][0] for t in tapes]
    return tapes, communication_graph


def _cut_circuit_expand(tape, use_opt_einsum=False, device_wires=None, max_depth=1,
                        auto_cutter=False, **kwargs):
    """``cut_circuit``'s expansion: a Hamiltonian measured is split into its terms (one
    cut circuit each); each tape is decomposed until its wire cuts show."""
    tapes, fn = [tape], (lambda res: res[0])
    meas = tape.measurements
    if meas and isinstance(getattr(meas[0], "measured_obs", None), Sum):
        if len(meas) > 1:
            raise NotImplementedError("Hamiltonian expansion is supported only with a single "
                                      "Hamiltonian")
        with detached():
            new = type(meas[0])(obs=LinearCombination(*meas[0].measured_obs.terms()))
        tapes, fn = split_non_commuting(tape.copy(measurements=[new]), grouping_strategy=None)
    return [cutcircuit._qcut_expand_fn(t, max_depth, auto_cutter) for t in tapes], fn


def _check_opt_einsum(use_opt_einsum) -> None:
    if use_opt_einsum:
        try:
            import opt_einsum  # noqa: F401
        except ImportError as err:
            raise ImportError("The opt_einsum package is required when use_opt_einsum is set "
                              "to True in the cut_circuit function. This package can be "
                              "installed using:\npip install opt_einsum") from err


@functools.partial(transform, expand_transform=_cut_circuit_expand)
def cut_circuit(tape, auto_cutter=False, use_opt_einsum: bool = False, device_wires=None,
                max_depth: int = 1, **kwargs):
    """PennyLane's ``qml.cut_circuit``: run a circuit measuring one expectation value as
    fragments cut at its ``qml.WireCut`` marks (or, ``auto_cutter=True``, at cuts found
    by :func:`find_and_place_cuts`), and contract their results into the uncut circuit's
    expectation value (differentiable). Each fragment runs ``4**p * 9**m``-ish tapes for
    ``p`` prepared and ``m`` measured cut wires (Pauli words grouped qubit-wise).

    >>> import numpy as np
    >>> import qsym as qml
    >>> @qml.cut_circuit
    ... @qml.qnode(qml.device("default.qubit", wires=2))
    ... def c(x):
    ...     qml.RX(x, wires=0)
    ...     qml.WireCut(wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.expval(qml.Z(1))
    >>> round(float(c(0.5)), 6), round(float(np.cos(0.5)), 6)
    (0.877583, 0.877583)
    """
    if len(tape.measurements) != 1:
        raise ValueError("The circuit cutting workflow only supports circuits with a single "
                         "output measurement")
    if not all(isinstance(m, ExpectationMP) for m in tape.measurements):
        raise ValueError("The circuit cutting workflow only supports circuits with "
                         "expectation value measurements")
    _check_opt_einsum(use_opt_einsum)
    fragment_tapes, communication_graph = _fragment_tapes(tape, auto_cutter, device_wires,
                                                          kwargs)
    expanded = [expand_fragment_tape(t) for t in fragment_tapes]
    tapes = tuple(t for configs, _, _ in expanded for t in configs)
    return tapes, functools.partial(
        cutcircuit.qcut_processing_fn, communication_graph=communication_graph,
        prepare_nodes=[p for _, p, _ in expanded], measure_nodes=[m for _, _, m in expanded],
        use_opt_einsum=use_opt_einsum)


@cut_circuit.custom_qnode_transform
def _qnode_transform(self, qnode, targs, tkwargs):
    tkwargs.setdefault("device_wires", qnode.device.wires)
    return self.default_qnode_transform(qnode, targs, tkwargs)


def _identity(wire):
    return sample(Identity(wires=wire))


def _pauliX(wire):
    return sample(PauliX(wire))


def _pauliY(wire):
    return sample(PauliY(wire))


def _pauliZ(wire):
    return sample(PauliZ(wire))


# the eight preparations and measurements of cut_circuit_mc's settings (PennyLane's order)
MC_STATES = [_prep_zero_state, _prep_one_state, _prep_plus_state, _prep_minus_state,
             _prep_iplus_state, _prep_iminus_state, _prep_zero_state, _prep_one_state]
MC_MEASUREMENTS = [_identity, _identity, _pauliX, _pauliX, _pauliY, _pauliY, _pauliZ, _pauliZ]


def _mc_tape(tape, setting_of: dict, shots: int):
    """A fragment's tape with each prepare node replaced by the state, each measure node
    by the sample (after the fragment's own), of its setting ``setting_of[node_uid]``."""
    ops, measurements = [], list(tape.measurements)
    with detached():
        for op in tape.operations:
            if isinstance(op, PrepareNode):
                ops.extend(MC_STATES[setting_of[op.node_uid]](op.wires[0]))
            elif isinstance(op, MeasureNode):
                measurements.append(MC_MEASUREMENTS[setting_of[op.node_uid]](op.wires[0]))
            else:
                ops.append(op)
    return QuantumScript(ops, measurements, shots=shots)


def _mc_settings(communication_graph, shots: int, seed) -> tuple:
    """``(settings, {node_uid: its cut's settings row})``: one uniform setting (0-7) per
    cut and shot, shared by the cut's measure and prepare nodes."""
    pairs = [e[-1] for e in communication_graph.edges.data("pair")]
    settings = np.random.default_rng(seed).choice(range(8), size=(len(pairs), shots),
                                                  replace=True)
    by_uid = {}
    for pair, row in zip(pairs, settings):
        by_uid[pair[0].obj.node_uid] = by_uid[pair[1].obj.node_uid] = row
    return settings, by_uid


def expand_fragment_tapes_mc(tapes, communication_graph, shots: int, seed=None) -> tuple:
    """PennyLane's ``qml.qcut.expand_fragment_tapes_mc``: ``(per fragment, its ``shots``
    one-shot tapes; settings)``. ``settings[c, s]`` (0-7, uniformly drawn) says how cut
    ``c`` is measured and prepared at shot ``s`` (``MC_MEASUREMENTS``, ``MC_STATES``).

    >>> import qsym as qml
    >>> g = tape_to_graph(qml.tape.QuantumScript([qml.X(0), qml.WireCut(0), qml.Y(0)],
    ...                                          [qml.sample(wires=[0])]))
    >>> replace_wire_cut_nodes(g)
    >>> frags, comm = fragment_graph(g)
    >>> configs, settings = expand_fragment_tapes_mc([graph_to_tape(f) for f in frags],
    ...                                              comm, shots=3, seed=1)
    >>> [len(c) for c in configs], settings.shape
    ([3, 3], (1, 3))
    """
    settings, by_uid = _mc_settings(communication_graph, shots, seed)
    configs = [[_mc_tape(tape, {u: int(row[shot]) for u, row in by_uid.items()}, 1)
                for shot in range(shots)] for tape in tapes]
    return configs, settings


def _mc_batch(tapes, by_uid: dict, shots: int) -> tuple:
    """``(tapes, layout)``: per fragment, one tape per distinct setting of its cut nodes,
    run with as many shots as draws gave that setting (the same samples' distribution as
    one one-shot tape per draw); ``layout[f]`` lists ``(tape index, its shots' indices)``."""
    batch, layout = [], []
    for tape in tapes:
        uids = [op.node_uid for op in tape.operations
                if isinstance(op, (PrepareNode, MeasureNode))]
        groups = {}
        for shot in range(shots):
            groups.setdefault(tuple(int(by_uid[u][shot]) for u in uids), []).append(shot)
        layout.append([])
        for key, shot_list in groups.items():
            layout[-1].append((len(batch), shot_list))
            batch.append(_mc_tape(tape, dict(zip(uids, key)), len(shot_list)))
    return batch, layout


def _per_shot(results, layout, shots: int) -> list:
    """The batch's results as one flat result per fragment and shot (fragment-major), as
    the one-shot tapes of :func:`expand_fragment_tapes_mc` would give them."""
    flat = []
    for fragment in layout:
        per_shot = [None] * shots
        for index, shot_list in fragment:
            parts = results[index] if isinstance(results[index], (tuple, list)) else (
                results[index],)
            rows = np.concatenate([np.reshape(np.asarray(p), (len(shot_list), -1))
                                   for p in parts], axis=1)
            for shot, row in zip(shot_list, rows):
                per_shot[shot] = row
        flat.extend(per_shot)
    return flat


def _cut_circuit_mc_expand(tape, classical_processing_fn=None, max_depth=1,
                           device_wires=None, auto_cutter=False, **kwargs):
    """``cut_circuit_mc``'s expansion: the tape decomposed until its wire cuts show."""
    return [cutcircuit_mc._qcut_expand_fn(tape, max_depth, auto_cutter)], (lambda res: res[0])


def _check_mc_tape(tape, kwargs) -> None:
    """An error for a tape ``cut_circuit_mc`` cannot run: one computational-basis
    ``qml.sample`` measured, with finite shots."""
    if len(tape.measurements) != 1:
        raise ValueError("The Monte Carlo circuit cutting workflow only supports circuits "
                         "with a single output measurement")
    if not all(isinstance(m, SampleMP) for m in tape.measurements):
        raise ValueError("The Monte Carlo circuit cutting workflow only supports circuits "
                         "with sampling-based measurements")
    if any(m.measured_obs is not None for m in tape.measurements):
        raise ValueError("The Monte Carlo circuit cutting workflow only supports "
                         "measurements in the computational basis. Please only specify "
                         "wires to be sampled within qml.sample(), do not pass observables.")
    if "shots" in kwargs:
        raise ValueError("shots has been removed from cut_circuit_mc. Please specify the "
                         "shots on the tape.")
    if not tape.shots:
        raise ValueError("cut_circuit_mc requires finite shots.")


@functools.partial(transform, expand_transform=_cut_circuit_mc_expand)
def cut_circuit_mc(tape, classical_processing_fn=None, auto_cutter=False, max_depth: int = 1,
                   device_wires=None, **kwargs):
    """PennyLane's ``qml.cut_circuit_mc``: run a sampling circuit (finite shots, one
    ``qml.sample`` in the computational basis) as fragments cut at its ``qml.WireCut``
    marks, one random preparation and measurement per cut and shot; the result is the
    uncut circuit's samples, or with ``classical_processing_fn`` (bits -> [-1, 1]) a
    Monte Carlo estimate of its expectation.

    >>> import qsym as qml
    >>> @qml.cut_circuit_mc
    ... @qml.set_shots(5)
    ... @qml.qnode(qml.device("default.qubit", wires=2))
    ... def c():
    ...     qml.X(0)
    ...     qml.WireCut(wires=0)
    ...     qml.CNOT(wires=[0, 1])
    ...     return qml.sample(wires=[0, 1])
    >>> c().shape
    (5, 2)
    """
    _check_mc_tape(tape, kwargs)
    shots = tape.shots.total_shots
    fragment_tapes, communication_graph = _fragment_tapes(tape, auto_cutter, device_wires,
                                                          kwargs)
    settings, by_uid = _mc_settings(communication_graph, shots, kwargs.get("seed"))
    tapes, layout = _mc_batch(fragment_tapes, by_uid, shots)
    if classical_processing_fn:
        def processing_fn(results):
            return cutcircuit_mc.qcut_processing_fn_mc(
                _per_shot(results, layout, shots), communication_graph=communication_graph,
                settings=settings, shots=shots, classical_processing_fn=classical_processing_fn)
    else:
        def processing_fn(results):
            return cutcircuit_mc.qcut_processing_fn_sample(
                _per_shot(results, layout, shots), communication_graph=communication_graph,
                shots=shots)[0]
    return tapes, processing_fn


@cut_circuit_mc.custom_qnode_transform
def _qnode_transform_mc(self, qnode, targs, tkwargs):
    tkwargs.setdefault("device_wires", qnode.device.wires)
    return self.default_qnode_transform(qnode, targs, tkwargs).update(cache=False)


# PennyLane's module paths (qml.qcut.tapes, ...): the names each of PennyLane's modules
# holds. The transforms look their steps up here when they run, as PennyLane's modules
# do, so patching e.g. qml.qcut.cutcircuit.qcut_processing_fn reaches them.
_PATHS = {
    "tapes": dict(tape_to_graph=tape_to_graph, graph_to_tape=graph_to_tape,
                  expand_fragment_tape=expand_fragment_tape, _qcut_expand_fn=_qcut_expand_fn,
                  _get_measurements=_get_measurements, _find_new_wire=find_new_wire,
                  _add_operator_node=add_operator_node, PREPARE_SETTINGS=PREPARE_SETTINGS),
    "utils": dict(MeasureNode=MeasureNode, PrepareNode=PrepareNode,
                  find_and_place_cuts=find_and_place_cuts, fragment_graph=fragment_graph,
                  place_wire_cuts=place_wire_cuts, replace_wire_cut_node=replace_wire_cut_node,
                  replace_wire_cut_nodes=replace_wire_cut_nodes,
                  _remove_existing_cuts=remove_existing_cuts, _is_valid_cut=_is_valid_cut,
                  _get_optim_cut=_get_optim_cut),
    "ops": dict(MeasureNode=MeasureNode, PrepareNode=PrepareNode),
    "cutcircuit": dict(cut_circuit=cut_circuit, qcut_processing_fn=qcut_processing_fn,
                       _qcut_expand_fn=_qcut_expand_fn, _cut_circuit_expand=_cut_circuit_expand,
                       expand_fragment_tape=expand_fragment_tape),
    "cutcircuit_mc": dict(cut_circuit_mc=cut_circuit_mc, _qcut_expand_fn=_qcut_expand_fn,
                          qcut_processing_fn_mc=qcut_processing_fn_mc,
                          qcut_processing_fn_sample=qcut_processing_fn_sample,
                          expand_fragment_tapes_mc=expand_fragment_tapes_mc,
                          MC_STATES=MC_STATES, MC_MEASUREMENTS=MC_MEASUREMENTS),
    "kahypar": dict(kahypar_cut=kahypar_cut, _graph_to_hmetis=graph_to_hmetis),
    "cutstrategy": dict(CutStrategy=CutStrategy),
}
for _name, _names in _PATHS.items():
    _path = types.ModuleType(f"{__name__}.{_name}", f"PennyLane's path qml.qcut.{_name}")
    _path.__dict__.update(_names)
    sys.modules.setdefault(_path.__name__, _path)
    globals()[_name] = _path
sys.modules.setdefault(f"{__name__}.processing", processing)  # qml.qcut.processing
