"""Text drawings of circuits and numeric gate matrices (``qml.draw``, ``qml.matrix``).

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def c(x):
...     qml.RX(x, wires=0)
...     qml.CNOT(wires=[0, 1])
...     return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))
>>> print(qml.draw(c)(0.5))
0: ──RX(0.50)─╭●─┤ ╭<Z@Z>
1: ───────────╰X─┤ ╰<Z@Z>
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .ir import Circuit, evaluate, input_values

_CONTROL_LABELS = {"CNOT": ("●", "X"), "CZ": ("●", "Z"), "SWAP": ("SWAP", "SWAP")}


def _fmt(v: float, decimals: int) -> str:
    return f"{v:.{decimals}f}"


def draw_circuit(circuit: Circuit, x=(), d=(), decimals: int = 2) -> str:
    """Draw a traced circuit with its parameters evaluated at inputs ``x`` and data ``d``."""
    values = input_values(circuit, x, d)
    n = circuit.num_wires
    columns: list[dict[int, str]] = []
    last = [-1] * n
    for op in circuit.ops:
        lo, hi = min(op.wires), max(op.wires)
        layer = max(last[w] for w in range(lo, hi + 1)) + 1
        if op.params:
            pars = ",".join(
                _fmt(evaluate(p, values), decimals) for p in op.params
            )
            label = f"{op.name}({pars})"
        else:
            label = op.name
        cells = {}
        if op.name in _CONTROL_LABELS:
            a, b = _CONTROL_LABELS[op.name]
            cells = {op.wires[0]: a, op.wires[1]: b}
        else:
            cells = {w: label for w in op.wires}
        if len(op.wires) > 1:
            for w in range(lo, hi + 1):
                prefix = "╭" if w == lo else "╰" if w == hi else "├" if w in op.wires else "│"
                cells[w] = prefix + cells.get(w, "")
        while len(columns) <= layer:
            columns.append({})
        columns[layer].update(cells)
        for w in range(lo, hi + 1):
            last[w] = layer
    labels = [f"{circuit.wire_labels[w] if circuit.wire_labels else w}: " for w in range(n)]
    width = max(len(s) for s in labels)
    rows = [s.rjust(width) + "──" for s in labels]
    for col in columns:
        cw = max(len(c) for c in col.values())
        for w in range(n):
            cell = col.get(w, "")
            if cell.startswith("│"):
                rows[w] += cell.ljust(cw, "─")[:cw] + "─"
            else:
                rows[w] += cell.ljust(cw, "─") + "─"
    ends = [""] * n
    for m in circuit.measurements:
        for coeff, word in m.terms:
            if not word:
                continue
            name = "@".join(p for _, p in word)
            if len(m.terms) > 1:
                name = "𝓗"
            ws = [w for w, _ in word] if len(m.terms) == 1 else list(m.wires)
            for i, w in enumerate(ws):
                prefix = "" if len(ws) == 1 else "╭" if i == 0 else "╰" if i == len(ws) - 1 else "├"
                tag = f"{prefix}<{name}>"
                if tag not in ends[w]:
                    ends[w] = (ends[w] + "  " + tag).strip()
    return "\n".join(
        (r + "┤ " + e).rstrip() if e else (r + "┤").rstrip() for r, e in zip(rows, ends)
    )


def draw(qnode: Any, decimals: int = 2) -> Callable[..., str]:
    """``qml.draw``: a function of the QNode's arguments that returns a text drawing."""

    def drawer(*args, **kwargs):
        from .shapes import flat as _flat

        entry, xs, ds = qnode.compiled(args, kwargs)
        if entry.broadcast:  # the first parameter set of the batch
            x, d = entry.inputs(_flat(xs), _flat(ds))
            return draw_circuit(entry.circuit, x[0], d[0], decimals)
        return draw_circuit(entry.circuit, _flat(xs), _flat(ds), decimals)

    return drawer


def circuit_depth(circuit: Circuit) -> int:
    """The number of layers: each op goes one layer after the last op on any of its wires."""
    level = [0] * circuit.num_wires
    for op in circuit.ops:
        d = max(level[w] for w in op.wires) + 1
        for w in op.wires:
            level[w] = d
    return max(level, default=0)


def specs(qnode: Any) -> Callable[..., dict[str, Any]]:
    """``qml.specs``: a function of the QNode's arguments returning a report (a dict) of
    the traced circuit and of what each differentiation method will run.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=2)
    >>> @qml.qnode(dev)
    ... def c(x):
    ...     qml.RX(x[0], wires=0)
    ...     qml.CRX(x[1], wires=[0, 1])
    ...     return qml.expval(qml.PauliZ(1))
    >>> info = qml.specs(c)(np.array([0.1, 0.2]))
    >>> info["gate_types"], info["depth"], info["num_trainable_params"]
    ({'RX': 1, 'CRX': 1}, 2, 2)
    >>> info["executions"]  # 1 + 2 (RX) + 4 (CRX); adjoint: one pass; 1 + 4 per input
    {'parameter-shift': 7, 'adjoint': 1, 'finite-diff': 9}
    """

    def report(*args, **kwargs):
        entry, xs, _ = qnode.compiled(args, kwargs)
        c = entry.circuit
        gate_types: dict = {}
        for op in c.ops:
            gate_types[op.name] = gate_types.get(op.name, 0) + 1
        n_inputs = len(c.inputs)
        fd = 1 + qnode.approx_order * n_inputs
        return {
            "num_wires": c.num_wires,
            "num_gates": len(c.ops),
            "gate_types": gate_types,
            "depth": circuit_depth(c),
            "num_trainable_params": n_inputs,
            "num_trainable_gate_params": len(entry.plan.diff_slots),
            "num_pruned_gate_params": len(entry.plan.pruned),
            "measurements": [m.kind for m in c.measurements],
            "diff_method": qnode.diff_method,
            "executions": {
                "parameter-shift": entry.plan.executions,
                "adjoint": 1,
                "finite-diff": fd,
            },
        }

    return report


def matrix(op) -> np.ndarray:
    """The numeric matrix of a gate created outside a circuit (``qml.matrix``).

    >>> import qsym as qml
    >>> qml.matrix(qml.RZ(np.pi, wires=0)).round(12)
    array([[0.-1.j, 0.+0.j],
           [0.+0.j, 0.+1.j]])
    """
    from .operations import Operation

    if not isinstance(op, Operation):
        raise TypeError(f"qml.matrix takes a gate, e.g. qml.RX(0.1, wires=0); got {op!r}")
    return op.matrix()
