"""PennyLane 0.45's QRAM templates (``qml.templates.subroutines.qram``): ``BBQRAM`` (a
bucket-brigade QRAM with explicit bus routing), ``HybridQRAM`` (the high address bits
selected, the low ones by a bucket-brigade tree) and ``SelectOnlyQRAM`` (one
multi-controlled ``X`` per stored bit). Each XORs ``data[address]`` onto the target wires,
``address`` the integer the control wires hold (first wire most significant), and leaves
the work wires as it found them.

The bucket brigade, as PennyLane writes it: the tree has ``2**n - 1`` nodes (level ``l``,
prefix ``p``: node ``2**l - 1 + p``), three work wires each (a router and two ports) and a
bus. The address bits are routed down the tree one level at a time onto the routers; then,
per target bit, the target is turned to the X basis, swapped onto the bus, routed to the
leaf the address names, a ``Z`` on each leaf whose stored bit is 1 kicks back a phase, and
everything is routed back and undone. Every routing gate is its own inverse (``SWAP``,
``CSWAP``, ``SWAP`` controlled on a router in ``|0>``), so routing up is routing down
reversed.

>>> import qsym as qml
>>> @qml.qnode(qml.device("default.qubit", wires=7))
... def read(address):
...     qml.BasisEmbedding(address, wires=[0])
...     qml.BBQRAM(["01", "10"], control_wires=[0], target_wires=[1, 2], work_wires=[3, 4, 5, 6])
...     return qml.probs(wires=[1, 2])
>>> np.round(read(1), 6)
array([0., 0., 1., 0.])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import ctrl
from .decomposition import add_decomps, register_resources
from ._subroutines import template_module
from .errors import GateError, WireError
from .templates import BasisEmbedding, Template
from .wires import Wires


def _bits_table(data, what: str) -> np.ndarray:
    """The stored bitstrings as a 2-D integer array (strings of 0 and 1, or rows of bits)."""
    if isinstance(data, (list, tuple)) and not data or np.size(data) == 0:
        raise GateError("'data' cannot be empty.")
    rows = [[int(b) for b in str(r)] if isinstance(r, (str, np.str_)) else list(np.ravel(r))
            for r in data]
    table = np.asarray(rows)
    if table.ndim != 2 or not np.isin(table, (0, 1)).all():
        raise GateError(f"{what}: 'data' must be bitstrings of one length (strings of 0 and 1, "
                        "or rows of bits)")
    return table.astype(int)


@dataclass
class QRAMWires:
    """The wires of a bucket-brigade tree (PennyLane's ``_QRAMWires``): the address
    (control) and target wires, the bus, and per node (level order) a router and two
    ports."""

    control_wires: Wires
    target_wires: Wires
    bus_wire: Wires
    dir_wires: Wires
    portL_wires: Wires
    portR_wires: Wires

    @staticmethod
    def node(level: int, prefix: int) -> int:
        """The node of ``level`` whose path from the root is ``prefix``, in level order."""
        return (1 << level) - 1 + prefix

    def node_in_wire(self, level: int, prefix: int):
        """The wire that feeds the node: the bus at the root, else its parent's port."""
        if level == 0:
            return self.bus_wire[0]
        parent = self.node(level - 1, prefix >> 1)
        return (self.portL_wires if prefix % 2 == 0 else self.portR_wires)[parent]

    def router(self, level: int, prefix: int):
        return self.dir_wires[self.node(level, prefix)]

    def portL(self, level: int, prefix: int):
        return self.portL_wires[self.node(level, prefix)]

    def portR(self, level: int, prefix: int):
        return self.portR_wires[self.node(level, prefix)]

    def leaf(self, depth: int, address: int):
        """The port at the bottom of a tree of ``depth`` levels that ``address`` reaches."""
        return (self.portL if address % 2 == 0 else self.portR)(depth - 1, address >> 1)


def _tree_wires(control, target, work) -> QRAMWires:
    """``work`` = bus, then the routers, left ports, right ports (a third each)."""
    third = (len(work) - 1) // 3
    return QRAMWires(Wires(tuple(control)), Wires(tuple(target)), Wires((work[0],)),
                     Wires(tuple(work[1:1 + third])), Wires(tuple(work[1 + third:1 + 2 * third])),
                     Wires(tuple(work[1 + 2 * third:1 + 3 * third])))


def _route_down(wm: QRAMWires, levels: int) -> list:
    """The steps that move the bus down ``levels`` levels: at each node a ``SWAP`` of its
    input with the right port when the router is 1, with the left port when it is 0."""
    steps = []
    for level in range(levels):
        for p in range(1 << level):
            into, d = wm.node_in_wire(level, p), wm.router(level, p)
            steps += [("SWAP", (into, wm.portR(level, p)), (d,), (1,)),
                      ("SWAP", (into, wm.portL(level, p)), (d,), (0,))]
    return steps


def _load_address(wm: QRAMWires, controls) -> list:
    """The steps that write the address bits ``controls`` onto the routers, one level at
    a time through the bus."""
    bus = wm.bus_wire[0]
    steps = [("SWAP", (controls[0], bus), (), ()), ("SWAP", (bus, wm.router(0, 0)), (), ())]
    for level in range(1, len(controls)):
        steps.append(("SWAP", (controls[level], bus), (), ()))
        steps += _route_down(wm, level)
        steps += [("SWAP", (wm.node_in_wire(level, p), wm.router(level, p)), (), ())
                  for p in range(1 << level)]
    return steps


def _apply(steps, signal=None, entry=None) -> None:
    """Apply routing steps ``(gate, wires, controls, control values)``, each also controlled
    by ``signal`` (a wire in ``|1>``) when one is given; ``entry`` (a template's
    ``_one_entry``) makes a controlled operator one entry of its decomposition."""
    for name, wires, controls, values in steps:
        if signal is not None:
            controls, values = (signal, *controls), (1, *values)
        if name == "SWAP" and values == (1,):
            GATE_CLASSES["CSWAP"](wires=[controls[0], *wires])  # PennyLane's CSWAP
            continue
        if not controls:
            GATE_CLASSES[name](wires=list(wires))
            continue

        def make(name=name, wires=wires, controls=controls, values=values):
            return ctrl(GATE_CLASSES[name](wires=list(wires)), control=list(controls),
                        control_values=list(values))

        entry(make) if entry is not None else make()


def _tree_query(data, wm: QRAMWires, controls, offset=0, signal=None, entry=None) -> None:
    """One bucket-brigade read of ``data[offset + address]`` (the address on ``controls``),
    XORed onto the target wires."""
    depth, bus = len(controls), wm.bus_wire[0]
    load = _load_address(wm, controls)
    _apply(load, signal, entry)
    down = _route_down(wm, depth)
    for j, tw in enumerate(wm.target_wires):
        enter = [("Hadamard", (tw,), (), ()), ("SWAP", (tw, bus), (), ())]
        _apply(enter + down, signal, entry)
        leaves = [("PauliZ", (wm.leaf(depth, p),), (), ()) for p in range(1 << depth)
                  if data[offset + p][j]]
        _apply(leaves, signal, entry)
        _apply(down[::-1] + enter[::-1], signal, entry)
    _apply(load[::-1], signal, entry)


def _bucket_brigade_rule(data, wires=None, wire_manager=None, entry=None, **_):
    """PennyLane's ``_bucket_brigade_qram_decomposition``."""
    wm = wire_manager
    _tree_query(_bits_table(data, "BBQRAM"), wm, list(wm.control_wires), entry=entry)


def _hybrid_rule(data, wires=None, tree_wire_manager=None, select_wires=(), signal_wire=(),
                 entry=None, **_):
    """PennyLane's ``_hybrid_qram_decomposition``: per value of the select wires, the
    signal wire set by a multi-controlled ``X``, a tree read of that block controlled on it,
    the signal reset."""
    data, wm = _bits_table(data, "HybridQRAM"), tree_wire_manager
    k, signal = len(select_wires), signal_wire[0]
    tree_controls = list(wm.control_wires)[k:]
    for block in range(1 << k):
        values = [(block >> (k - 1 - i)) & 1 for i in range(k)]
        flips = [("PauliX", (signal,), tuple(select_wires), tuple(values))] if k else \
            [("PauliX", (signal,), (), ())]
        _apply(flips, entry=entry)
        _tree_query(data, wm, tree_controls, block << len(tree_controls), signal, entry)
        _apply(flips, entry=entry)


def _select_only_rule(data, wires=None, control_wires=(), target_wires=(), select_wires=(),
                      select_value=None, entry=None, **_):
    """PennyLane's ``_select_only_qram_decomposition``: ``X`` on the target bits of each
    stored bitstring, controlled by the select and control wires holding its address."""
    data = _bits_table(data, "SelectOnlyQRAM")
    controls = list(select_wires) + list(control_wires)
    n, k = len(controls), len(select_wires)
    if select_value is not None and k:
        BasisEmbedding(select_value, wires=list(select_wires))
    for address, bits in enumerate(data):
        if select_value is not None and k and address >> (n - k) != select_value:
            continue
        values = [(address >> (n - 1 - i)) & 1 for i in range(n)]
        flips = [("PauliX", (w,), (), ()) for w, v in zip(controls, values) if v == 0]
        _apply(flips)
        _apply([("PauliX", (t,), tuple(controls), (1,) * n)
                for t, b in zip(target_wires, bits) if b], entry=entry)
        _apply(flips)


class QRAMTemplate(Template):
    """What the QRAM templates share: their data, the stored bitstrings, is PennyLane's
    ``op.data``."""

    data_bits: np.ndarray

    @property
    def parameters(self) -> list:
        """PennyLane's ``op.data``: the bitstrings."""
        return [self.data_bits]


class BBQRAM(QRAMTemplate):
    """PennyLane's ``qml.BBQRAM(data, control_wires, target_wires, work_wires)``: the
    bucket-brigade QRAM; ``data`` has ``2**len(control_wires)`` bitstrings of
    ``len(target_wires)`` bits, ``work_wires`` are the bus, then the routers, left and right
    ports of the ``2**n - 1`` nodes (``1 + 3 (2**n - 1)`` wires, starting and ending in
    ``|0>``).

    >>> import qsym as qml
    >>> op = qml.BBQRAM(["0", "1"], control_wires=[0], target_wires=[1], work_wires=[2, 3, 4, 5])
    >>> op.hyperparameters["wire_manager"].dir_wires
    Wires([3])
    """

    resource_keys = frozenset({"num_controls", "num_target_wires"})

    def __init__(self, data, control_wires, target_wires, work_wires, id=None):
        table = _bits_table(data, "BBQRAM")
        control, target = wires_tuple(control_wires), wires_tuple(target_wires)
        work = wires_tuple(work_wires)
        if 1 << len(control) != table.shape[0]:
            raise WireError("data.shape[0] must be 2^(len(control_wires)).")
        if table.shape[1] != len(target):
            raise WireError("len(target_wires) must equal bitstring length.")
        nodes = (1 << len(control)) - 1 if control else 0
        if len(work) != 1 + 3 * nodes:
            raise WireError(f"work_wires must have length {1 + 3 * nodes}.")
        if not control:
            raise WireError("BBQRAM needs at least one control (address) wire")
        self.data_bits, self.id = table, id
        self.hyperparameters = {"wire_manager": _tree_wires(control, target, work)}
        self.wires = Wires(control + target + work)
        self._record()

    @property
    def resource_params(self) -> dict:
        wm = self.hyperparameters["wire_manager"]
        return {"num_controls": len(wm.control_wires), "num_target_wires": len(wm.target_wires)}

    def _build(self):
        _bucket_brigade_rule(self.data_bits, wire_manager=self.hyperparameters["wire_manager"],
                             entry=self._one_entry)


class HybridQRAM(QRAMTemplate):
    """PennyLane's ``qml.HybridQRAM(data, control_wires, target_wires, work_wires, k)``: the
    first ``k`` control wires select a block of ``2**(n - k)`` bitstrings, read by a
    bucket-brigade tree on the other ``n - k`` controlled by a signal wire;
    ``work_wires`` are the signal, the bus, then the tree's routers, left and right ports
    (``2 + 3 (2**(n - k) - 1)`` wires).

    >>> import qsym as qml
    >>> op = qml.HybridQRAM(["0", "1", "1", "0"], [0, 1], [2], [3, 4, 5, 6, 7], k=1)
    >>> op.hyperparameters["select_wires"], op.hyperparameters["signal_wire"]
    (Wires([0]), Wires([3]))
    """

    resource_keys = frozenset({"num_target_wires", "num_select_wires", "num_tree_control_wires"})

    def __init__(self, data, control_wires, target_wires, work_wires, k, id=None):
        table = _bits_table(data, "HybridQRAM")
        control, target = wires_tuple(control_wires), wires_tuple(target_wires)
        work = wires_tuple(work_wires)
        if not control:
            raise WireError("len(control_wires) must be > 0.")
        if not 0 <= k < len(control):
            raise WireError("k must satisfy 0 <= k < len(control_wires).")
        if len(target) != table.shape[1]:
            raise WireError("len(target_wires) must equal bitstring length.")
        if table.shape[0] != 1 << len(control):
            raise WireError("data.shape[0] must be 2^(len(control_wires)).")
        expected = 2 + 3 * ((1 << (len(control) - k)) - 1)
        if len(work) != expected:
            raise WireError(f"work_wires must have length {expected} for k={k} and "
                            f"len(control_wires)={len(control)}.")
        self.data_bits, self.k, self.id = table, int(k), id
        self.hyperparameters = {"select_wires": Wires(control[:k]), "signal_wire": Wires(work[:1]),
                                "tree_wire_manager": _tree_wires(control, target, work[1:])}
        self.wires = Wires(control + target + work)
        self._record()

    @property
    def resource_params(self) -> dict:
        wm, k = self.hyperparameters["tree_wire_manager"], self.k
        return {"num_target_wires": len(wm.target_wires), "num_select_wires": k,
                "num_tree_control_wires": len(wm.control_wires) - k}

    def _build(self):
        _hybrid_rule(self.data_bits, entry=self._one_entry, **self.hyperparameters)


class SelectOnlyQRAM(QRAMTemplate):
    """PennyLane's ``qml.SelectOnlyQRAM(data, control_wires, target_wires, select_wires=None,
    select_value=None)``: ``data`` has ``2**(len(select_wires) + len(control_wires))``
    bitstrings, the address on the select wires then the control wires; with
    ``select_value`` the select wires are set to it (``BasisEmbedding``) and only its block
    is written.

    >>> import qsym as qml
    >>> [g.name for g in qml.SelectOnlyQRAM(["1", "0"], control_wires=[0], target_wires=[1]).decomposition()]
    ['PauliX', 'CNOT', 'PauliX']
    """

    resource_keys = frozenset({"num_control_wires", "select_value", "num_select_wires",
                               "num_target_wires"})

    def __init__(self, data, control_wires, target_wires, select_wires=None, select_value=None,
                 id=None):
        table = _bits_table(data, "SelectOnlyQRAM")
        target = wires_tuple(target_wires)
        if table.shape[1] != len(target):
            raise WireError("len(target_wires) must equal bitstring length.")
        control = wires_tuple(control_wires)
        select = () if select_wires is None else wires_tuple(select_wires)
        if 1 << (len(select) + len(control)) != table.shape[0]:
            raise WireError("data.shape[0] must be 2^(len(select_wires)+len(control_wires)).")
        if select_value is not None:
            if not select:
                raise WireError("select_value cannot be used when len(select_wires) == 0.")
            if not 0 <= select_value < 1 << len(select):
                raise WireError(f"select_value must be an integer in [0, {(1 << len(select)) - 1}].")
        self.data_bits, self.id = table, id
        self.hyperparameters = {"control_wires": Wires(control), "target_wires": Wires(target),
                                "select_wires": Wires(select), "select_value": select_value}
        self.wires = Wires(control + target + select)
        self._record()

    @property
    def resource_params(self) -> dict:
        h = self.hyperparameters
        return {"num_control_wires": len(h["control_wires"]), "select_value": h["select_value"],
                "num_select_wires": len(h["select_wires"]),
                "num_target_wires": len(h["target_wires"])}

    def _build(self):
        _select_only_rule(self.data_bits, entry=self._one_entry, **self.hyperparameters)


_RULES = {BBQRAM: _bucket_brigade_rule, HybridQRAM: _hybrid_rule, SelectOnlyQRAM: _select_only_rule}
for _cls, _rule in _RULES.items():
    add_decomps(_cls, register_resources({}, _rule, exact=False))
template_module("qram", "PennyLane's QRAM templates", BBQRAM=BBQRAM, HybridQRAM=HybridQRAM,
                SelectOnlyQRAM=SelectOnlyQRAM)
