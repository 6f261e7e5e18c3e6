"""Operators that wrap one other and change only how tools see it: PennyLane's
``LabelledOp`` (``qml.drawer.label``: a custom label in drawings) and ``MarkedOp``
(``qml.fourier.mark``: a marker :func:`qsym.fourier.circuit_spectrum` reads).

Both act as their base does: the same wires, parameters (``data``), matrix, generator and
gradient; in a circuit they are applied as the base (their decomposition), so a marked or
labelled gate is differentiated like the gate itself. ``qml.equal`` compares the label or
marker and then the bases.

>>> import qsym as qml
>>> op = label(qml.RX(1.23456, wires=0), "my-rx")
>>> op.custom_label, op.label(), op.label(decimals=2)
('my-rx', 'RX("my-rx")', 'RX\\n(1.23, "my-rx")')
>>> mark(qml.X(0), "x0").marker
'x0'
"""

from __future__ import annotations

from ._opbase import SymbolicOp
from ._trace import active_tape
from .templates import BoxKey, add_draw_group

__all__ = ["LabelledOp", "MarkedOp", "label", "mark"]


class _Wrapped(SymbolicOp):
    """A symbolic operator with one string hyperparameter (``_key``) beside its base."""

    _key = ""
    _what = ""  # PennyLane's words for the setting in qml.equal's message
    compared_by_base = True  # qml.equal: the setting (equal_first), then the base

    def __init__(self, base, text: str):
        tape = active_tape()
        circuit = tape is not None and tape.log is None  # a circuit being traced
        held = circuit and any(item is base for item in tape.items)
        super().__init__(base)
        self.hyperparameters[self._key] = text
        if circuit:  # the base's gates are what runs, drawn in a box of this label
            tape.remove(self)
            if held:
                tape.append(base)
            for gate in getattr(base, "table_gates", None) or (base,):
                add_draw_group(gate, BoxKey(self), self, self.wires)

    @property
    def name(self) -> str:
        return type(self).__name__

    def _text(self) -> str:
        return self.hyperparameters[self._key]

    def _flatten(self):
        return (self.base,), ((self._key, self._text()),)

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(data[0], **dict(metadata))

    def __repr__(self):
        return f'{type(self).__name__}({self.base}, {self._key}="{self._text()}")'

    def label(self, decimals=None, base_label=None, cache=None) -> str:
        """The base's label with this operator's text added (PennyLane's form:
        ``RX("text")``, or ``RX\\n(1.23, "text")`` with parameters)."""
        base = self.base.label(decimals, base_label, cache)
        if base.endswith(")"):
            return f'{base[:-1]}, "{self._text()}")'
        return f'{base}("{self._text()}")'

    def matrix(self, wire_order=None):
        return self.base.matrix(wire_order=wire_order)

    @property
    def shift_gate(self):
        """The gate whose shift rule differentiates this operator: its base's."""
        return getattr(self.base, "shift_gate", self.base)

    def remake(self, params=None):
        """This operator again around its base remade with ``params`` (default: its own),
        where it is called (in a circuit: applied), as a tape re-runs its operators."""
        return type(self)(self.base.remake(params), self._text())

    def decomposition(self) -> list:
        return [self.base]

    @property
    def resource_params(self) -> dict:
        return {"base_class": type(self.base),
                "base_params": getattr(self.base, "resource_params", {})}

    def map_wires(self, wire_map: dict):
        return type(self)(self.base.map_wires(wire_map), self._text())

    def equal_first(self, other):
        """``qml.equal``'s first check (PennyLane's message), before the bases."""
        if other._text() != self._text():
            return (f"op1 and op2 have different {self._what}s. Got {self._text()} and "
                    f"{other._text()} respectively.")
        return True

    @property
    def hash(self) -> int:
        return hash((type(self).__name__, self._text(), self.base.hash))


class LabelledOp(_Wrapped):
    """PennyLane's ``qml.drawer.label.LabelledOp``: ``base`` shown as ``custom_label`` in
    drawings, otherwise the base itself (:func:`label` makes one).

    >>> import qsym as qml
    >>> LabelledOp(qml.X(0), "my-x")
    LabelledOp(X(0), custom_label="my-x")
    """

    _key = "custom_label"
    _what = "custom label"

    def __init__(self, base, custom_label: str):
        super().__init__(base, custom_label)

    @property
    def custom_label(self) -> str:
        """The label drawings show."""
        return self._text()


class MarkedOp(_Wrapped):
    """PennyLane's ``qml.fourier.mark.MarkedOp``: ``base`` with a ``marker`` (the name of the
    input it encodes, for :func:`qsym.fourier.circuit_spectrum`); :func:`mark` makes one.

    >>> import qsym as qml
    >>> op = MarkedOp(qml.RX(0.5, wires=0), "x0")
    >>> op.marker, op.has_generator, op.data
    ('x0', True, (0.5,))
    """

    _key = "marker"
    _what = "marker"

    def __init__(self, base, marker: str):
        super().__init__(base, marker)

    @property
    def marker(self) -> str:
        """The marker (the input this gate encodes)."""
        return self._text()

    @property
    def has_generator(self) -> bool:
        return bool(getattr(self.base, "has_generator", False))

    def generator(self):
        return self.base.generator()


def label(op, new_label: str) -> LabelledOp:
    """PennyLane's ``qml.drawer.label``: ``op`` with a custom label for drawings.

    >>> import qsym as qml
    >>> print(label(qml.X(0), "my-x").custom_label)
    my-x
    """
    return LabelledOp(op, new_label)


def mark(op, marker: str) -> MarkedOp:
    """PennyLane's ``qml.fourier.mark``: ``op`` marked as encoding the input ``marker``
    (:func:`qsym.fourier.circuit_spectrum` joins the spectra of the gates with one marker).

    >>> import qsym as qml
    >>> mark(qml.RX(0.3, wires=0), "x0").marker
    'x0'
    """
    return MarkedOp(op, marker)

