"""PennyLane's arithmetic templates on integers held in wires (the first wire the most
significant bit): ``PhaseAdder`` (add ``k`` in the Fourier basis), ``Adder``,
``Multiplier``, ``OutAdder``, ``OutMultiplier``, ``ModExp``, each modulo ``mod``, as
PennyLane 0.45 decomposes them (Draper's Fourier adder, Beauregard's modular reduction with
one work wire), written as gates of the table, ``qml.ctrl`` and ``qml.adjoint`` of them.

Every template keeps PennyLane's hyperparameters (``k`` reduced modulo ``mod`` where
PennyLane reduces it, the wires as :class:`~qsym.wires.Wires`), its checks and messages,
``_flatten`` and ``map_wires``. The results are exact on inputs below ``mod`` (as in
PennyLane; other inputs are not in the arithmetic's domain).

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=5)
>>> @qml.qnode(dev)
... def add(x):
...     qml.BasisEmbedding(x, wires=[0, 1, 2])
...     qml.Adder(4, x_wires=[0, 1, 2], mod=7, work_wires=[3, 4])
...     return qml.probs(wires=[0, 1, 2])
>>> int(add(5).argmax())  # (5 + 4) mod 7
2
"""

from __future__ import annotations

import math
import numbers
import sys
import types

import numpy as np

from .errors import ArgumentError, InputAssertionError, MatrixUndefinedError
from ._mcm import MidMeasure, cond, measure
from ._operations import GATE_CLASSES, wires_tuple
from ._opmath import ControlledSequence, adjoint, change_op_basis, ctrl, prod
from ._tapes import apply
from ._trace import Tape, recording
from ._transform import detached, null_postprocessing, transform
from .decomposition import add_decomps, register_resources
from .math import binary_decimals
from .templates import QFT, BasisEmbedding, Template, pennylane_entries
from .wires import Wires

__all__ = ["PhaseAdder", "Adder", "Multiplier", "OutAdder", "OutMultiplier", "ModExp",
           "TemporaryAND", "SemiAdder", "OutPoly", "add_k_fourier", "semi_adder_ops",
           "controlled_semi_adder", "polynomial_coefficients", "mobius_inversion", "out_poly_ops"]


def _wires(w) -> Wires:
    return Wires(() if w is None else wires_tuple(w))


def _integer(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _disjoint(a, b, text) -> None:
    if any(w in b for w in a):
        raise ArgumentError(text)


def add_k_fourier(k, wires) -> list:
    """The phases that add ``k`` to the integer in ``wires`` in the Fourier basis (after
    :class:`~qsym.templates.QFT`): ``PhaseShift(k pi / 2**j)`` on the ``j``-th wire
    (PennyLane's ``_add_k_fourier``).

    >>> [op.parameters[0] / np.pi for op in add_k_fourier(2, wires=[0, 1])]
    [2.0, 1.0]
    """
    return [GATE_CLASSES["PhaseShift"](k * np.pi / 2 ** j, wires=w)
            for j, w in enumerate(wires_tuple(wires))]


def _inverse_qft(wires) -> None:
    adjoint(QFT)(wires=wires)


def _phase_adder_entries(k, mod, x, work) -> list:
    """The operators of PennyLane's ``PhaseAdder.compute_decomposition``."""
    out = list(add_k_fourier(k, x))
    if mod == 2 ** len(x):
        return out
    aux, X = x[0], GATE_CLASSES["PauliX"]
    out += [adjoint(op) for op in reversed(add_k_fourier(mod, x))]
    out.append(change_op_basis(adjoint(QFT)(wires=x), ctrl(X(work), control=aux), QFT(wires=x)))
    out += [ctrl(op, control=work) for op in add_k_fourier(mod, x)]
    out.append(change_op_basis(
        prod(X(aux), adjoint(QFT)(wires=x), *[adjoint(op) for op in add_k_fourier(k, x)]),
        GATE_CLASSES["CNOT"](wires=[aux, work[0]]),
        prod(*add_k_fourier(k, x)[::-1], QFT(wires=x), X(aux))))
    return out


def _sequence(k, controls, register, mod, work):
    """PennyLane's ``ControlledSequence(PhaseAdder(k, register, mod, work), control=controls)``."""
    return ControlledSequence(PhaseAdder(k, register, mod, work), control=controls)


class _Arithmetic(Template):
    """Shared: PennyLane's hyperparameters as set by the template, no data."""

    @property
    def parameters(self) -> list:
        return []

    @property
    def num_params(self) -> int:
        return 0

    def _flatten(self):
        return (), tuple(self.hyperparameters.items())

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(**dict(metadata))

    def map_wires(self, wire_map: dict):
        hyper = {k: (Wires([wire_map.get(w, w) for w in v]) if k.endswith("_wires")
                     or k == "work_wire" else v) for k, v in self.hyperparameters.items()}
        return type(self)(**hyper)

    def matrix(self, wire_order=None) -> np.ndarray:
        """The unitary of its gates on ``wire_order`` (default: its wires, if its gates stay
        on them; else ``MatrixUndefinedError``: give a ``wire_order`` with the work wire; a
        :class:`PhaseAdder`'s work wire is not one of its wires, as in PennyLane)."""
        if wire_order is None and not all(w in self.wires for g in self._ops for w in g.wires):
            raise MatrixUndefinedError(
                f"{self.name} acts on its work wire too, which is not one of its wires: "
                "its matrix needs a wire_order that includes the work wire")
        return super().matrix(wire_order)


def _modulus(mod, default: int):
    """``mod`` (``default``: ``2**len(wires)`` if None); an integer below 1 is an
    ArgumentError (``mod=0`` was a ZeroDivisionError, as in PennyLane)."""
    if mod is None:
        return default
    if isinstance(mod, numbers.Integral) and not isinstance(mod, bool) and mod < 1:
        raise ArgumentError(f"mod must be a positive integer (the modulus of the arithmetic), "
                            f"got {mod}")
    return mod


class PhaseAdder(_Arithmetic):
    """PennyLane's ``qml.PhaseAdder(k, x_wires, mod=None, work_wire=())``: ``QFT|x>`` to
    ``QFT|(x + k) mod mod>`` (``mod`` default ``2**len(x_wires)``; another ``mod`` needs one
    ``work_wire``, returned to ``|0>``). Its wires are ``x_wires``.

    >>> op = PhaseAdder(6, x_wires=[0, 1, 2], mod=7, work_wire=[3])
    >>> op.hyperparameters["k"], op.wires
    (6, Wires([0, 1, 2]))
    """

    def __init__(self, k, x_wires, mod=None, work_wire=(), id=None):
        work_wire, x_wires = _wires(work_wire), _wires(x_wires)
        mod = _modulus(mod, 2 ** len(x_wires))
        if mod != 2 ** len(x_wires) and len(work_wire) != 1:
            raise ArgumentError(f"If mod is not 2^{len(x_wires)}, one work wire should be provided.")
        if not _integer(k) or not _integer(mod):
            raise ArgumentError("Both k and mod must be integers")
        if mod > 2 ** len(x_wires):
            raise ArgumentError(
                "PhaseAdder must have enough x_wires to represent mod. The maximum mod with "
                f"len(x_wires)={len(x_wires)} is {2 ** len(x_wires)}, but received {mod}.")
        _disjoint(x_wires, work_wire, "None of the wires in work_wire should be included in x_wires.")
        self.hyperparameters = {"k": k % mod, "mod": mod, "work_wire": work_wire,
                                "x_wires": x_wires}
        self.wires, self.id = x_wires, id
        self._record()

    def decomposition(self) -> list:
        """PennyLane's: the phases adding ``k``; for another ``mod`` than ``2**n`` the
        phases subtracting ``mod`` (adjoints), ``change_op_basis(Adjoint(QFT), CNOT,
        QFT)`` copying the sign bit, the phases adding ``mod`` controlled by the work wire
        and ``change_op_basis`` of products uncomputing the work wire.

        >>> [op.name for op in PhaseAdder(1, x_wires=[0, 1], mod=3, work_wire=[2]).decomposition()][-4:]
        ['ChangeOpBasis', 'ControlledPhaseShift', 'ControlledPhaseShift', 'ChangeOpBasis']
        """
        h = self.hyperparameters
        return pennylane_entries(lambda: _phase_adder_entries(
            h["k"], h["mod"], h["x_wires"], h["work_wire"]))

    def _build(self):
        h = self.hyperparameters
        k, mod, x, work = h["k"], h["mod"], h["x_wires"], h["work_wire"]
        add_k_fourier(k, x)
        if mod == 2 ** len(x):
            return
        aux = x[0]  # Beauregard: subtract mod, copy the sign bit out, add mod back if negative
        for op in reversed(add_k_fourier(mod, x)):
            adjoint(op)
        _inverse_qft(x)
        GATE_CLASSES["CNOT"](wires=[aux, work[0]])
        QFT(wires=x)
        for op in add_k_fourier(mod, x):
            ctrl(op, control=work)
        # uncompute the work wire: it is 1 exactly when x + k - mod was negative
        for op in add_k_fourier(k, x):
            adjoint(op)
        _inverse_qft(x)
        GATE_CLASSES["PauliX"](wires=aux)
        GATE_CLASSES["CNOT"](wires=[aux, work[0]])
        GATE_CLASSES["PauliX"](wires=aux)
        QFT(wires=x)
        add_k_fourier(k, x)


def _fourier_register(target, mod, work_wires):
    """The wires the Fourier adder works on and its work wire: ``target`` itself for
    ``mod = 2**len(target)``, else the first work wire in front (an overflow bit) and the
    second as the adder's work wire."""
    if mod == 2 ** len(target):
        return Wires(target), Wires(())
    return Wires(list(work_wires[:1]) + list(target)), Wires(work_wires[1:])


def _controlled_adders(k, controls, register, mod, work) -> None:
    """Add ``k * 2**p`` (mod ``mod``) to ``register`` (in the Fourier basis) for each
    control wire set to 1, ``p`` its place value (the first control the most significant):
    PennyLane's ``ControlledSequence(PhaseAdder(k, ...), control=controls)``."""
    n = len(controls)
    for i, c in enumerate(controls):
        ctrl(PhaseAdder(k * 2 ** (n - 1 - i) % mod, register, mod, work), control=c)


def _check_out_wires(x_wires, y_wires, output_wires, work_wires) -> None:
    if len(work_wires) != 0:
        _disjoint(x_wires, work_wires, "None of the wires in work_wires should be included in x_wires.")
        _disjoint(y_wires, work_wires, "None of the wires in work_wires should be included in y_wires.")
    _disjoint(x_wires, y_wires, "None of the wires in y_wires should be included in x_wires.")
    _disjoint(output_wires, x_wires, "None of the wires in x_wires should be included in output_wires.")
    _disjoint(output_wires, y_wires, "None of the wires in y_wires should be included in output_wires.")


class Adder(_Arithmetic):
    """PennyLane's ``qml.Adder(k, x_wires, mod=None, work_wires=())``: ``|x>`` to
    ``|(x + k) mod mod>`` (another ``mod`` than ``2**len(x_wires)`` needs two
    ``work_wires``, returned to ``|0>``): the QFT, :class:`PhaseAdder`, the inverse QFT.

    >>> Adder(3, x_wires=[0, 1]).hyperparameters
    {'k': 3, 'mod': 4, 'work_wires': Wires([]), 'x_wires': Wires([0, 1])}
    """

    def __init__(self, k, x_wires, mod=None, work_wires=(), id=None):
        x_wires, work_wires = _wires(x_wires), _wires(work_wires)
        mod = _modulus(mod, 2 ** len(x_wires))
        if mod != 2 ** len(x_wires) and len(work_wires) != 2:
            raise ArgumentError(f"If mod is not 2^{len(x_wires)}, two work wires should be provided")
        if not _integer(k) or not _integer(mod):
            raise ArgumentError("Both k and mod must be integers")
        _disjoint(x_wires, work_wires, "None of the wires in work_wires should be included in x_wires.")
        if mod > 2 ** len(x_wires):
            raise ArgumentError(
                "Adder must have enough x_wires to represent mod. The maximum mod with "
                f"len(x_wires)={len(x_wires)} is {2 ** len(x_wires)}, but received {mod}.")
        self.hyperparameters = {"k": k, "mod": mod, "work_wires": work_wires, "x_wires": x_wires}
        self.wires, self.id = x_wires + work_wires, id
        self._record()

    def decomposition(self) -> list:
        """PennyLane's: ``change_op_basis(QFT, PhaseAdder)`` on the Fourier register.

        >>> Adder(1, x_wires=[0, 1]).decomposition()[0].decomposition()
        [QFT(wires=[0, 1]), PhaseAdder(wires=[0, 1]), Adjoint(QFT(wires=[0, 1]))]
        """
        h = self.hyperparameters
        register, work = _fourier_register(h["x_wires"], h["mod"], h["work_wires"])
        return pennylane_entries(lambda: [change_op_basis(
            QFT(wires=register), PhaseAdder(h["k"], register, h["mod"], work))])

    def _build(self):
        h = self.hyperparameters
        register, work = _fourier_register(h["x_wires"], h["mod"], h["work_wires"])
        QFT(wires=register)
        PhaseAdder(h["k"], register, h["mod"], work)
        _inverse_qft(register)


class Multiplier(_Arithmetic):
    """PennyLane's ``qml.Multiplier(k, x_wires, mod=None, work_wires=())``: ``|x>`` to
    ``|k x mod mod>`` (``k`` invertible modulo ``mod``); ``work_wires``: as many as
    ``x_wires`` (``mod = 2**len(x_wires)``), else two more; returned to ``|0>``.

    >>> Multiplier(3, x_wires=[0, 1], work_wires=[2, 3]).wires
    Wires([0, 1, 2, 3])
    """

    def __init__(self, k, x_wires, mod=None, work_wires=(), id=None):
        x_wires, work_wires = _wires(x_wires), _wires(work_wires)
        if len(work_wires) == 0:
            raise ArgumentError("Work wires must be specified for Multiplier")
        _disjoint(x_wires, work_wires, "None of the wire in work_wires should be included in x_wires.")
        mod = _modulus(mod, 2 ** len(x_wires))
        if mod != 2 ** len(x_wires) and len(work_wires) != len(x_wires) + 2:
            raise ArgumentError("Multiplier needs as many work_wires as x_wires plus two.")
        if len(work_wires) < len(x_wires):
            raise ArgumentError("Multiplier needs as many work_wires as x_wires.")
        if mod > 2 ** len(x_wires):
            raise ArgumentError(
                "Multiplier must have enough wires to represent mod. The maximum mod with "
                f"len(x_wires)={len(x_wires)} is {2 ** len(x_wires)}, but received {mod}.")
        k = k % mod
        if math.gcd(k, mod) != 1:
            raise ArgumentError("The operator cannot be built because k has no inverse modulo mod.")
        self.hyperparameters = {"k": k, "mod": mod, "work_wires": work_wires, "x_wires": x_wires}
        self.wires, self.id = x_wires + work_wires, id
        self._record()

    def _registers(self) -> tuple:
        """``(adder work wire, Fourier register, wires swapped with x)``."""
        h = self.hyperparameters
        x, work = h["x_wires"], h["work_wires"]
        if h["mod"] != 2 ** len(x):
            return work[:1], work[1:], work[2:]
        return Wires(()), work[:len(x)], work[:len(x)]

    def decomposition(self) -> list:
        """PennyLane's: ``change_op_basis(QFT, ControlledSequence(PhaseAdder(k)))``, the
        swaps as one product, ``change_op_basis(QFT, Adjoint(ControlledSequence(
        PhaseAdder(k^-1))))``.

        >>> [op.name for op in Multiplier(3, x_wires=[0, 1], work_wires=[2, 3]).decomposition()]
        ['ChangeOpBasis', 'Prod', 'ChangeOpBasis']
        """
        h = self.hyperparameters
        k, mod, x = h["k"], h["mod"], h["x_wires"]
        adder_work, register, swap_with = self._registers()

        def make():
            swaps = [GATE_CLASSES["SWAP"](wires=[a, b]) for a, b in zip(x, swap_with)]
            return [change_op_basis(QFT(wires=register), _sequence(k, x, register, mod, adder_work)),
                    prod(*reversed(swaps)),
                    change_op_basis(QFT(wires=register), adjoint(
                        _sequence(pow(k, -1, mod), x, register, mod, adder_work)))]
        return pennylane_entries(make)

    def _build(self):
        h = self.hyperparameters
        k, mod, x = h["k"], h["mod"], h["x_wires"]
        adder_work, register, swap_with = self._registers()
        # |x>|0> -> |x>|k x> -> swap -> |k x>|x> -> subtract k^-1 (k x) = x -> |k x>|0>
        QFT(wires=register)
        _controlled_adders(k, x, register, mod, adder_work)
        _inverse_qft(register)
        for a, b in reversed(list(zip(x, swap_with))):
            GATE_CLASSES["SWAP"](wires=[a, b])
        QFT(wires=register)
        adjoint(_controlled_adders)(pow(k, -1, mod), x, register, mod, adder_work)
        _inverse_qft(register)


class OutAdder(_Arithmetic):
    """PennyLane's ``qml.OutAdder(x_wires, y_wires, output_wires, mod=None,
    work_wires=())``: ``|x>|y>|b>`` to ``|x>|y>|(b + x + y) mod mod>`` (another ``mod``
    than ``2**len(output_wires)`` needs two ``work_wires``, returned to ``|0>``).

    >>> OutAdder([0, 1], [2, 3], [4, 5, 6]).hyperparameters["mod"]
    8
    """

    def __init__(self, x_wires, y_wires, output_wires, mod=None, work_wires=(), id=None):
        x_wires, y_wires = _wires(x_wires), _wires(y_wires)
        output_wires, work_wires = _wires(output_wires), _wires(work_wires)
        mod = _modulus(mod, 2 ** len(output_wires))
        if mod > 2 ** len(output_wires):
            raise ArgumentError(
                "OutAdder must have enough wires to represent mod. The maximum mod with "
                f"len(output_wires)={len(output_wires)} is {2 ** len(output_wires)}, but "
                f"received {mod}.")
        if mod != 2 ** len(output_wires) and len(work_wires) != 2:
            raise ArgumentError(f"If mod is not 2^{len(output_wires)}, two work wires should be provided.")
        _check_out_wires(x_wires, y_wires, output_wires, work_wires)
        self.hyperparameters = {"x_wires": x_wires, "y_wires": y_wires,
                                "output_wires": output_wires, "work_wires": work_wires, "mod": mod}
        self.wires, self.id = x_wires + y_wires + output_wires + work_wires, id
        self._record()

    def decomposition(self) -> list:
        """PennyLane's: ``change_op_basis(QFT, ControlledSequence(PhaseAdder(1), y) @
        ControlledSequence(PhaseAdder(1), x))`` on the Fourier register.

        >>> OutAdder([0], [1], [2]).decomposition()[0].decomposition()[1].name
        'Prod'
        """
        h = self.hyperparameters
        register, work = _fourier_register(h["output_wires"], h["mod"], h["work_wires"])
        return pennylane_entries(lambda: [change_op_basis(QFT(wires=register), prod(
            _sequence(1, h["y_wires"], register, h["mod"], work),
            _sequence(1, h["x_wires"], register, h["mod"], work)))])

    def _build(self):
        h = self.hyperparameters
        register, work = _fourier_register(h["output_wires"], h["mod"], h["work_wires"])
        QFT(wires=register)
        _controlled_adders(1, h["x_wires"], register, h["mod"], work)
        _controlled_adders(1, h["y_wires"], register, h["mod"], work)
        _inverse_qft(register)


class OutMultiplier(_Arithmetic):
    """PennyLane's ``qml.OutMultiplier(x_wires, y_wires, output_wires, mod=None,
    work_wires=())``: ``|x>|y>|b>`` to ``|x>|y>|(b + x y) mod mod>`` (another ``mod`` than
    ``2**len(output_wires)`` needs two ``work_wires``, returned to ``|0>``).

    >>> OutMultiplier([0, 1], [2, 3], [4, 5, 6, 7]).hyperparameters["mod"]
    16
    """

    def __init__(self, x_wires, y_wires, output_wires, mod=None, work_wires=(), id=None):
        x_wires, y_wires = _wires(x_wires), _wires(y_wires)
        output_wires, work_wires = _wires(output_wires), _wires(work_wires)
        mod = _modulus(mod, 2 ** len(output_wires))
        if mod != 2 ** len(output_wires) and len(work_wires) != 2:
            raise ArgumentError(f"If mod is not 2^{len(output_wires)}, two work wires should be provided.")
        if mod > 2 ** len(output_wires):
            raise ArgumentError(
                "OutMultiplier must have enough wires to represent mod. The maximum mod with "
                f"len(output_wires)={len(output_wires)} is {2 ** len(output_wires)}, but "
                f"received {mod}.")
        _check_out_wires(x_wires, y_wires, output_wires, work_wires)
        self.hyperparameters = {"work_wires": work_wires, "x_wires": x_wires, "y_wires": y_wires,
                                "output_wires": output_wires, "mod": mod}
        self.wires, self.id = x_wires + y_wires + output_wires + work_wires, id
        self._record()

    def decomposition(self) -> list:
        """PennyLane's: ``change_op_basis(QFT, ControlledSequence(ControlledSequence(
        PhaseAdder(1), x), y))`` on the Fourier register.

        >>> OutMultiplier([0], [1], [2]).decomposition()[0].decomposition()[1].name
        'ControlledSequence'
        """
        h = self.hyperparameters
        mod, x, y = h["mod"], h["x_wires"], h["y_wires"]
        register, work = _fourier_register(h["output_wires"], mod, h["work_wires"])
        return pennylane_entries(lambda: [change_op_basis(QFT(wires=register), ControlledSequence(
            _sequence(1, x, register, mod, work), control=y))])

    def _build(self):
        h = self.hyperparameters
        mod, x, y = h["mod"], h["x_wires"], h["y_wires"]
        register, work = _fourier_register(h["output_wires"], mod, h["work_wires"])
        QFT(wires=register)
        for j, cy in enumerate(y):
            for i, cx in enumerate(x):
                place = 2 ** (len(y) - 1 - j) * 2 ** (len(x) - 1 - i)
                ctrl(PhaseAdder(place % mod, register, mod, work), control=[cy, cx])
        _inverse_qft(register)


class ModExp(_Arithmetic):
    """PennyLane's ``qml.ModExp(x_wires, output_wires, base, mod=None, work_wires=())``:
    ``|x>|b>`` to ``|x>|b * base**x mod mod>`` (``base`` invertible modulo ``mod``): a
    :class:`Multiplier` by ``base**(2**p)`` controlled by each bit of ``x``.

    >>> ModExp([0], [1, 2], base=3, mod=4, work_wires=[3, 4]).hyperparameters["base"]
    3
    """

    def __init__(self, x_wires, output_wires, base, mod=None, work_wires=(), id=None):
        x_wires, output_wires, work_wires = _wires(x_wires), _wires(output_wires), _wires(work_wires)
        if len(work_wires) == 0:
            raise ArgumentError("Work wires must be specified for ModExp")
        mod = _modulus(mod, 2 ** len(output_wires))
        if len(output_wires) == 0 or mod > 2 ** len(output_wires):
            raise ArgumentError("ModExp must have enough wires to represent mod.")
        if mod != 2 ** len(output_wires) and len(work_wires) < len(output_wires) + 2:
            raise ArgumentError("ModExp needs as many work_wires as output_wires plus two.")
        if mod == 2 ** len(output_wires) and len(work_wires) < len(output_wires):
            raise ArgumentError("ModExp needs as many work_wires as output_wires.")
        _disjoint(x_wires, work_wires, "None of the wires in work_wires should be included in x_wires.")
        _disjoint(output_wires, work_wires,
                  "None of the wires in work_wires should be included in output_wires.")
        _disjoint(x_wires, output_wires, "None of the wires in x_wires should be included in output_wires.")
        if math.gcd(base, mod) != 1:
            raise ArgumentError("The operator cannot be built because base has no inverse modulo mod.")
        self.hyperparameters = {"x_wires": x_wires, "output_wires": output_wires,
                                "work_wires": work_wires, "base": base % mod, "mod": mod}
        self.wires, self.id = x_wires + output_wires + work_wires, id
        self._record()

    def decomposition(self) -> list:
        """PennyLane's: ``ControlledSequence(Multiplier(base), control=x_wires)``.

        >>> ModExp([0], [1, 2], base=3, mod=4, work_wires=[3, 4]).decomposition()
        [ControlledSequence(Multiplier(wires=[1, 2, 3, 4]), control=[0])]
        """
        h = self.hyperparameters
        return pennylane_entries(lambda: [ControlledSequence(Multiplier(
            h["base"], h["output_wires"], h["mod"], h["work_wires"]), control=h["x_wires"])])

    def _build(self):
        h = self.hyperparameters
        x, n = h["x_wires"], len(h["x_wires"])
        for i, c in enumerate(x):
            factor = pow(h["base"], 2 ** (n - 1 - i), h["mod"])
            ctrl(Multiplier(factor, h["output_wires"], h["mod"], h["work_wires"]), control=c)


class TemporaryAND(Template):
    """PennyLane's ``qml.TemporaryAND(wires, control_values=(1, 1))`` (alias ``qml.Elbow``):
    Gidney's temporary logical AND, ``|a, b, 0> -> |a, b, a AND b>`` (each control compared
    with its ``control_values`` entry) for a target starting in ``|0>``, in 4 T gates:
    ``H``, ``T``, ``CNOT``, ``T^dagger`` around a ``CNOT`` from the first control, then
    ``S^dagger`` (PennyLane's decomposition; ``X`` on a control whose value is 0). Its
    adjoint uncomputes a target that holds ``a AND b``.

    >>> op = TemporaryAND(wires=[0, 1, 2])
    >>> bool(np.isclose(abs(op.matrix()[7, 6]), 1.0))  # |110> -> |111>
    True
    """

    drawn_as_elbow = True  # (qml.draw: PennyLane's elbow marks, qsym._drawing._elbow)

    has_matrix = True  # PennyLane's: a matrix of its own

    num_wires = 3
    num_params = 0

    def __init__(self, wires, control_values=(1, 1), id=None):
        self.wires, self.id = Wires(wires_tuple(wires)), id
        self.hyperparameters = {"control_values": tuple(control_values)}
        self._record()

    def __repr__(self):
        values = self.hyperparameters["control_values"]
        if all(values):
            return f"TemporaryAND(wires={self.wires!r})"
        return f"TemporaryAND(wires={self.wires!r}, control_values={values})"

    @property
    def parameters(self) -> list:
        return []

    @property
    def resource_params(self) -> dict:
        """None (PennyLane's: the control values do not change its cost)."""
        return {}

    def _flatten(self):
        return (), (self.wires, self.hyperparameters["control_values"])

    @classmethod
    def _unflatten(cls, data, metadata):
        return cls(wires=metadata[0], control_values=metadata[1])

    def __eq__(self, other):
        """PennyLane's ``==`` (``qml.equal``): the same wires and control values.

        >>> TemporaryAND(wires=[0, 1, 2]) == TemporaryAND(wires=[0, 1, 2], control_values=(1, 1))
        True
        """
        return type(other) is type(self) and self.wires == other.wires and tuple(
            self.hyperparameters["control_values"]) == tuple(other.hyperparameters["control_values"])

    def __hash__(self):
        return hash(("TemporaryAND", tuple(self.wires), tuple(self.hyperparameters["control_values"])))

    def map_wires(self, wire_map: dict):
        return TemporaryAND([wire_map.get(w, w) for w in self.wires],
                            self.hyperparameters["control_values"])

    @staticmethod
    def compute_matrix(control_values=(1, 1), **_) -> np.ndarray:
        """The matrix of its gates on wires ``[0, 1, 2]``.

        >>> m = TemporaryAND.compute_matrix(control_values=(0, 1))
        >>> bool(np.isclose(abs(m[3, 2]), 1.0))  # |010> -> |011>
        True
        """
        with recording(Tape()):
            return TemporaryAND([0, 1, 2], control_values).matrix()

    def _build(self):
        _temporary_and_gates(self.wires, self.hyperparameters["control_values"])


def _ladder_and(out, wires, inverse=False) -> None:
    """``TemporaryAND`` (or its adjoint) on ``wires``, appended to ``out``."""
    op = TemporaryAND(wires=list(wires))
    out.append(adjoint(op) if inverse else op)


def _cnot(out, a, b, ctrl_kwargs=None) -> None:
    """``CNOT(a, b)`` (controlled further by ``ctrl_kwargs``), appended to ``out``."""
    op = GATE_CLASSES["CNOT"](wires=[a, b])
    out.append(ctrl(op, **ctrl_kwargs) if ctrl_kwargs else op)


def _left_ladder(out, x, y, work) -> None:
    """Gidney's carry computation (arXiv:1709.06648, figure 2, left), little endian."""
    _ladder_and(out, [x[0], y[0], work[0]])
    crossover = min(len(y) - 1, len(x))
    for i in range(1, crossover):
        ck, ik, tk, aux = work[i - 1], x[i], y[i], work[i]
        _cnot(out, ck, ik)
        _cnot(out, ck, tk)
        _ladder_and(out, [ik, tk, aux])
        _cnot(out, ck, aux)
    for i in range(crossover, len(y) - 1):  # no bits of x left: propagate the carry
        ck, tk, aux = work[i - 1], y[i], work[i]
        _cnot(out, ck, tk)
        _ladder_and(out, [ck, tk, aux])
        _cnot(out, ck, aux)


def _right_ladder(out, x, y, work, ctrl_kwargs=None) -> None:
    """The uncomputation of the carries, adding into ``y`` (figure 2, right; with
    ``ctrl_kwargs``, figure 4: the additions into ``y`` controlled)."""
    crossover = min(len(y) - 1, len(x))
    for i in range(len(y) - 2, crossover - 1, -1):
        ck, tk, aux = work[i - 1], y[i], work[i]
        _cnot(out, ck, aux)
        _ladder_and(out, [ck, tk, aux], inverse=True)
        if ctrl_kwargs:
            _cnot(out, ck, tk, ctrl_kwargs)
            _cnot(out, ck, tk)
    for i in range(crossover - 1, 0, -1):
        ck, ik, tk, aux = work[i - 1], x[i], y[i], work[i]
        _cnot(out, ck, aux)
        _ladder_and(out, [ik, tk, aux], inverse=True)
        if ctrl_kwargs:
            _cnot(out, ik, tk, ctrl_kwargs)
            _cnot(out, ck, tk)
            _cnot(out, ck, ik)
        else:
            _cnot(out, ck, ik)
            _cnot(out, ik, tk)
    _ladder_and(out, [x[0], y[0], work[0]], inverse=True)
    _cnot(out, x[0], y[0], ctrl_kwargs)


def semi_adder_ops(x_wires, y_wires, work_wires, ctrl_kwargs=None) -> list:
    """The operators of PennyLane's ``SemiAdder`` decomposition (Gidney's adder,
    arXiv:1709.06648), applied where it is called: ``TemporaryAND``, its adjoint and
    ``CNOT``; with ``ctrl_kwargs`` (``control``, ``control_values``, ``work_wires``,
    ``work_wire_type`` of ``qml.ctrl``), the controlled adder of its figure 4, whose
    ladders stay uncontrolled.

    >>> from qsym._trace import Tape, recording
    >>> with recording(Tape()):
    ...     [op.name for op in semi_adder_ops([0], [1, 2], [3])]
    ['TemporaryAND', 'CNOT', 'Adjoint(TemporaryAND)', 'CNOT']
    """
    x, y, work = list(x_wires), list(y_wires), list(work_wires or ())
    out: list = []
    if len(y) == 1:
        _cnot(out, x[-1], y[0], ctrl_kwargs)
        return out
    if len(work) < len(y) - 1:
        raise ArgumentError(f"SemiAdder needs at least {len(y) - 1} work_wires to add into "
                            f"{len(y)} y_wires; give work_wires=")
    # little endian; bits of x beyond y's width cannot change the sum
    x, y, work = x[::-1][:len(y)], y[::-1], work[:len(y) - 1][::-1]
    _left_ladder(out, x, y, work)
    _cnot(out, work[-1], y[-1], ctrl_kwargs)
    if len(x_wires) >= len(y_wires):
        _cnot(out, x[-1], y[-1], ctrl_kwargs)
    _right_ladder(out, x, y, work, ctrl_kwargs)
    return out


class SemiAdder(_Arithmetic):
    """PennyLane's ``qml.SemiAdder(x_wires, y_wires, work_wires)``: ``|x>|y>`` to
    ``|x>|(x + y) mod 2**len(y_wires)>`` (Gidney's adder, arXiv:1709.06648: ``TemporaryAND``
    ladders, ``len(y_wires) - 1`` work wires starting and ending in ``|0>``). Its wires are
    ``x_wires``, ``y_wires``, then ``work_wires``.

    >>> op = SemiAdder([0, 1], [2, 3], [4])
    >>> [g.name for g in op.decomposition()]
    ['TemporaryAND', 'CNOT', 'CNOT', 'Adjoint(TemporaryAND)', 'CNOT']
    """

    def __init__(self, x_wires, y_wires, work_wires=None, id=None):
        x_wires, y_wires, work_wires = _wires(x_wires), _wires(y_wires), _wires(work_wires)
        if len(work_wires) != 0:
            if len(work_wires) < len(y_wires) - 1:
                raise ArgumentError(f"At least {len(y_wires) - 1} work_wires should be provided.")
            _disjoint(work_wires, x_wires, "None of the wires in work_wires should be included in x_wires.")
            _disjoint(work_wires, y_wires, "None of the wires in work_wires should be included in y_wires.")
        _disjoint(x_wires, y_wires, "None of the wires in y_wires should be included in x_wires.")
        self.hyperparameters = {"x_wires": x_wires, "y_wires": y_wires, "work_wires": work_wires}
        self.wires, self.id = x_wires + y_wires + work_wires, id
        self._record()

    @property
    def resource_params(self) -> dict:
        """PennyLane's resource parameters: the sizes of the three registers."""
        h = self.hyperparameters
        return {"num_x_wires": len(h["x_wires"]), "num_y_wires": len(h["y_wires"]),
                "num_work_wires": len(h["work_wires"])}

    def decomposition(self) -> list:
        """PennyLane's decomposition: ``TemporaryAND``, ``Adjoint(TemporaryAND)``, ``CNOT``."""
        h = self.hyperparameters
        with recording(Tape()):
            return semi_adder_ops(h["x_wires"], h["y_wires"], h["work_wires"])

    def _build(self):
        h = self.hyperparameters
        semi_adder_ops(h["x_wires"], h["y_wires"], h["work_wires"])


def controlled_semi_adder(base, control_wires, control_values=None, work_wires=None,
                          work_wire_type="borrowed", **_) -> None:
    """PennyLane's rule for ``qml.ctrl(SemiAdder)`` (``C(SemiAdder)`` in
    ``qml.list_decomps``): only the additions into ``y`` are controlled
    (arXiv:1709.06648, figure 4); work wires of ``base`` beyond ``len(y_wires) - 1`` help
    the controls.

    >>> from qsym._trace import Tape, recording
    >>> base = SemiAdder([0], [1], None)
    >>> with recording(Tape()) as tape:
    ...     controlled_semi_adder(base, [2])
    >>> [g.name for g in tape.items]
    ['Toffoli']
    """
    h = base.hyperparameters
    y = h["y_wires"]
    extra = list(h["work_wires"][len(y) - 1:])
    ctrl_kwargs = {"control": list(_wires(control_wires)), "control_values": control_values,
                   "work_wires": list(_wires(work_wires)) + extra,
                   "work_wire_type": work_wire_type}
    semi_adder_ops(h["x_wires"], y, h["work_wires"][:len(y) - 1], ctrl_kwargs)


def polynomial_coefficients(f, mod, *variable_sizes) -> dict:
    """The integer polynomial in the bits of the inputs that equals ``f`` modulo ``mod``
    on every input (PennyLane's ``_get_polynomial``): keys are bit masks (a 1 for each bit
    in the monomial, the variables' bits in order, most significant first), values the
    nonzero coefficients modulo ``mod``, found by Moebius inversion over subsets.

    >>> polynomial_coefficients(lambda x, y: x * y, 16, 2, 1)
    {(0, 1, 1): 1, (1, 0, 1): 2}
    """
    total = sum(variable_sizes)
    bits = [[int(b) for b in format(s, f"0{total}b")] for s in range(2 ** total)]
    values = []
    for row in bits:
        args, start = [], 0
        for size in variable_sizes:
            args.append(int("".join(map(str, row[start:start + size])) or "0", 2))
            start += size
        values.append(f(*args) % mod)
    values = mobius_inversion(values, mod)
    return {tuple(bits[s]): v for s, v in enumerate(values) if not math.isclose(v, 0.0)}


def mobius_inversion(f_values, mod) -> list:
    """The Moebius inversion of a zeta transform over subsets of bit masks, modulo
    ``mod``, in place (PennyLane's ``_mobius_inversion_of_zeta_transform``): for each bit,
    subtract from every mask with the bit set the value of the mask without it.

    >>> mobius_inversion([1, 3, 4, 10], 20)
    [1, 2, 3, 4]
    """
    n = len(f_values).bit_length() - 1
    for i in range(n):
        bit = 1 << i
        for mask in range(len(f_values)):
            if mask & bit:
                f_values[mask] = (f_values[mask] - f_values[mask ^ bit]) % mod
    return f_values


def _poly_register(output_wires, work_wires):
    """The Fourier register (the first work wire as overflow bit, if any) and the
    :class:`PhaseAdder` work wire."""
    if len(work_wires) == 0:
        return Wires(output_wires), Wires(())
    return Wires([work_wires[0]] + list(output_wires)), Wires(work_wires[1:2])


def out_poly_ops(input_registers, output_wires, mod, work_wires, coeffs_list) -> list:
    """The operators of PennyLane's ``OutPoly`` decomposition, applied where it is called:
    the QFT of the output register, a :class:`PhaseAdder` of each coefficient controlled by
    the bits of its monomial (a constant term: uncontrolled), the inverse QFT.

    >>> from qsym._trace import Tape, recording
    >>> with recording(Tape()):
    ...     [op.name for op in out_poly_ops([[0], [1]], [2], 2, (), (((1, 1), 1),))]
    ['QFT', 'C(PhaseAdder)', 'Adjoint(QFT)']
    """
    register, adder_work = _poly_register(output_wires, work_wires)
    inputs = [w for reg in input_registers for w in reg]
    out = [QFT(wires=register)]
    for item, coeff in dict(coeffs_list).items():
        if 1 not in item:  # the constant term
            out.append(PhaseAdder(int(coeff), register))
            continue
        controls = [inputs[i] for i, bit in enumerate(item) if bit == 1]
        out.append(ctrl(PhaseAdder(int(coeff) % mod, register, work_wire=adder_work, mod=mod),
                        control=controls))
    out.append(adjoint(QFT(wires=register)))
    return out


class OutPoly(_Arithmetic):
    """PennyLane's ``qml.OutPoly(polynomial_function, input_registers, output_wires,
    mod=None, work_wires=())``: ``|x_1>...|x_m>|b>`` to ``|x_1>...|x_m>|(b + f(x_1, ...,
    x_m)) mod mod>`` for ``f`` with integer coefficients (Section II-B of arXiv:2112.10537:
    ``f`` as a polynomial in the input bits, each monomial a controlled :class:`PhaseAdder`);
    ``mod`` other than ``2**len(output_wires)`` needs two ``work_wires``.

    >>> op = OutPoly(lambda x, y: x + y, [[0, 1], [2]], [3])
    >>> [g.name for g in op.decomposition()]
    ['QFT', 'C(PhaseAdder)', 'C(PhaseAdder)', 'Adjoint(QFT)']
    """

    def __init__(self, polynomial_function, input_registers, output_wires, mod=None,
                 work_wires=(), id=None, **kwargs):
        regs = [_wires(r) for r in input_registers]
        output_wires, work_wires = _wires(output_wires), _wires(work_wires)
        mod = _modulus(mod, 2 ** len(output_wires))
        if mod != 2 ** len(output_wires) and len(work_wires) != 2:
            raise ArgumentError(f"If mod is not 2^{len(output_wires)}, two work wires should be provided")
        if not isinstance(mod, int):
            raise ArgumentError("mod must be an integer.")
        coeffs = kwargs.get("coeffs_list") or tuple(polynomial_coefficients(
            polynomial_function, mod, *[len(r) for r in regs]).items())
        if not all(float(c) == math.floor(c) for _, c in coeffs):
            raise InputAssertionError("The polynomial function must have integer coefficients")
        wires = [w for r in regs for w in r] + list(output_wires) + list(work_wires)
        if len(set(wires)) != len(wires):
            raise ArgumentError("None of the wires in a register should be included in other register.")
        self.hyperparameters = {"input_registers": tuple(regs), "output_wires": output_wires,
                                "polynomial_function": polynomial_function, "mod": mod,
                                "work_wires": work_wires, "coeffs_list": tuple(coeffs)}
        self.wires, self.id = Wires(wires), id
        self._record()

    @property
    def resource_params(self) -> dict:
        """PennyLane's resource parameters."""
        h = self.hyperparameters
        return {"num_output_wires": len(h["output_wires"]), "num_work_wires": len(h["work_wires"]),
                "mod": h["mod"], "coeffs_list": h["coeffs_list"]}

    def map_wires(self, wire_map: dict):
        """A copy on the wires ``wire_map`` gives (PennyLane's ``op.map_wires``)."""
        h = self.hyperparameters
        with recording(Tape()):
            return OutPoly(h["polynomial_function"],
                           [[wire_map.get(w, w) for w in r] for r in h["input_registers"]],
                           [wire_map.get(w, w) for w in h["output_wires"]], h["mod"],
                           [wire_map.get(w, w) for w in h["work_wires"]])

    def _structured(self, record: bool) -> list:
        h = self.hyperparameters
        args = (h["input_registers"], h["output_wires"], h["mod"], h["work_wires"], h["coeffs_list"])
        if record:
            return out_poly_ops(*args)
        with recording(Tape()):
            return out_poly_ops(*args)

    def decomposition(self) -> list:
        """PennyLane's decomposition: ``QFT``, controlled ``PhaseAdder``s, ``Adjoint(QFT)``."""
        return self._structured(False)

    def _build(self):
        self._structured(True)


def _flip_zero_controls(wires, control_values) -> None:
    for w, v in zip(wires[:2], control_values):
        if not v:
            GATE_CLASSES["PauliX"](wires=w)


def _temporary_and_gates(wires, control_values) -> None:
    c0, c1, t = wires
    _flip_zero_controls(wires, control_values)
    g = GATE_CLASSES
    g["Hadamard"](wires=t)
    g["T"](wires=t)
    g["CNOT"](wires=[c1, t])
    adjoint(g["T"](wires=t))
    g["CNOT"](wires=[c0, t])
    g["T"](wires=t)
    g["CNOT"](wires=[c1, t])
    adjoint(g["T"](wires=t))
    g["Hadamard"](wires=t)
    adjoint(g["S"](wires=t))
    _flip_zero_controls(wires, control_values)


def _toffoli_gates(wires, control_values) -> None:
    _flip_zero_controls(wires, control_values)
    GATE_CLASSES["Toffoli"](wires=list(wires))
    _flip_zero_controls(wires, control_values)


def _temporary_and(wires, **hyper) -> None:
    _temporary_and_gates(wires, hyper["control_values"])


def _temporary_and_to_toffoli(wires, **hyper) -> None:
    _toffoli_gates(wires, hyper["control_values"])


def _adjoint_temporary_and(wires, **hyper) -> None:
    """Uncompute ``a AND b`` by measuring the target in the X basis (reset to 0) and, on
    outcome 1, a ``CZ`` between the controls (the phase the measurement left)."""
    values = hyper["base"].hyperparameters["control_values"]
    _flip_zero_controls(wires, values)
    GATE_CLASSES["Hadamard"](wires=wires[2])
    m = measure(wires[2], reset=True)
    cond(m, GATE_CLASSES["CZ"])(wires=[wires[0], wires[1]])
    _flip_zero_controls(wires, values)


def _adjoint_temporary_and_to_toffoli(wires, **hyper) -> None:
    _toffoli_gates(wires, hyper["base"].hyperparameters["control_values"])


_AND_RULES = (
    register_resources({GATE_CLASSES["Toffoli"]: 1, GATE_CLASSES["PauliX"]: 2},
                       _temporary_and_to_toffoli, exact=False),
    register_resources({GATE_CLASSES["Hadamard"]: 2, GATE_CLASSES["T"]: 4, GATE_CLASSES["CNOT"]: 3,
                        GATE_CLASSES["S"]: 1, GATE_CLASSES["PauliX"]: 4}, _temporary_and, exact=False))
_ADJOINT_AND_RULES = (
    # (the measurement counted, as PennyLane's: a gate set without one takes the Toffoli rule)
    register_resources({GATE_CLASSES["Hadamard"]: 1, MidMeasure: 1, GATE_CLASSES["CZ"]: 1,
                        GATE_CLASSES["PauliX"]: 2}, _adjoint_temporary_and, exact=False),
    register_resources({GATE_CLASSES["Toffoli"]: 1, GATE_CLASSES["PauliX"]: 2},
                       _adjoint_temporary_and_to_toffoli, exact=False))
add_decomps(TemporaryAND, _AND_RULES[1], _AND_RULES[0])  # PennyLane's order
add_decomps("Adjoint(TemporaryAND)", *_ADJOINT_AND_RULES)


def _template_rule(cls):
    """The template's decomposition (``op.decomposition()``'s entries, applied where the
    rule is called) as a rule of ``qml.list_decomps`` (its resources are not counted: the
    graph decomposes the entries by their own rules). The template itself is made aside:
    recorded, the rule would make the operator it decomposes (the graph-based
    ``qml.transforms.decompose`` then never got past it)."""
    def rule(*_, wires=None, **hyper):
        with recording(Tape()):
            entries = cls(**hyper).decomposition()
        for entry in entries:  # (qml.apply's: a user's queue holds the entry itself)
            apply(entry)

    rule.__name__ = f"_{cls.__name__.lower()}_decomposition"
    return register_resources({}, rule, exact=False)


for _cls in (PhaseAdder, Adder, Multiplier, OutAdder, OutMultiplier, ModExp, SemiAdder, OutPoly):
    add_decomps(_cls, _template_rule(_cls))
del _cls
_CONTROLLED_SEMI_ADDER = register_resources({}, controlled_semi_adder, exact=False)
add_decomps("C(SemiAdder)", _CONTROLLED_SEMI_ADDER)


ARITHMETIC = {cls.__name__: cls for cls in (PhaseAdder, Adder, Multiplier, OutAdder,
                                             OutMultiplier, ModExp, TemporaryAND, SemiAdder,
                                             OutPoly)}


def rz_phase_gradient_op(phi, wire, angle_wires, phase_grad_wires, work_wires):
    """PennyLane's phase-gradient form of ``RZ(phi)`` on ``wire`` (made, not applied):
    ``phi`` in binary (``len(angle_wires)`` bits, in units of ``2 pi``) loaded on the angle
    wires controlled by ``wire``, added into the phase-gradient register by
    :class:`SemiAdder`, loaded again to clear the angle wires (``change_op_basis``). It
    is ``PhaseShift(phi)`` up to the phase-gradient state (the caller adds the global
    phase ``-phi / 2`` that makes it ``RZ``)."""
    return change_op_basis(*phase_gradient_ops(phi, wire, angle_wires, phase_grad_wires,
                                               work_wires))


def phase_gradient_ops(phi, wire, angle_wires, phase_grad_wires, work_wires) -> list:
    """The three operators of :func:`rz_phase_gradient_op`, in the order they apply: the
    controlled load of ``phi``'s bits, the :class:`SemiAdder`, the load again (a new
    operator each, made without recording them)."""
    precision = len(angle_wires)
    bits = binary_decimals(phi, precision, unit=2 * np.pi)
    value = int(2 ** np.arange(precision - 1, -1, -1) @ bits)
    def load():  # each made on a tape of its own: the embedding starts from its |0...0>
        with detached():
            return ctrl(BasisEmbedding(features=value, wires=angle_wires), control=wire)

    with detached():
        adder = SemiAdder(angle_wires, phase_grad_wires, work_wires)
    return [load(), adder, load()]


@transform
def rz_phase_gradient(tape, angle_wires, phase_grad_wires, work_wires):
    """PennyLane's ``qml.transforms.rz_phase_gradient``: every ``RZ(phi)`` becomes its
    phase-gradient circuit (:func:`rz_phase_gradient_op`: ``phi`` rounded to
    ``len(angle_wires)`` binary digits of a turn, added into ``phase_grad_wires``, which
    must hold the phase-gradient state ``sum_m exp(-2 pi i m / N) |m> / sqrt(N)``
    prepared beforehand; ``work_wires``: the adder's), and one ``GlobalPhase`` of the
    summed ``phi / 2`` ends the circuit. The angle decides the gates: a circuit input
    used as an angle is looked at, so its QNode traces at every call.

    >>> import qsym as qml
    >>> def grad_state(wires):  # the phase-gradient state
    ...     for i, w in enumerate(wires):
    ...         qml.H(w)
    ...         qml.PhaseShift(-np.pi / 2**i, w)
    >>> @qml.qnode(qml.device("default.qubit"))
    ... @rz_phase_gradient(angle_wires=[1, 2], phase_grad_wires=[3, 4], work_wires=[5])
    ... def rx(phi):
    ...     grad_state([3, 4])
    ...     qml.H(0)
    ...     qml.RZ(phi, 0)
    ...     qml.H(0)
    ...     return qml.probs(0)
    >>> np.round(rx(np.pi / 2), 6)  # (0.01)_2 of a turn: RX(pi/2), probabilities 1/2
    array([0.5, 0.5])
    """
    if len(phase_grad_wires) < len(angle_wires):
        raise ArgumentError(
            "phase_grad_wires needs to be at least as large as angle_wires. Got "
            f"{len(phase_grad_wires)} phase_grad_wires, which is fewer than the "
            f"{len(angle_wires)} angle wires.")
    operations, phases = [], []
    for op in tape.operations:
        if getattr(op, "name", None) == "RZ":
            phi = op.parameters[0]
            phases.append(phi / 2)
            # PennyLane's one ChangeOpBasis of the three operators (its tape's entry: drawn
            # as one box, counted as one operator)
            with detached():
                operations.append(rz_phase_gradient_op(phi, op.wires, angle_wires,
                                                       phase_grad_wires, work_wires))
        else:
            operations.append(op)
    with detached():
        operations.append(GATE_CLASSES["GlobalPhase"](sum(phases)))
    return [tape.copy(operations=operations)], null_postprocessing


def _module_paths() -> None:
    """PennyLane's module paths of the templates:
    ``from pennylane.templates.subroutines.arithmetic.phase_adder import _add_k_fourier``."""
    files = {"PhaseAdder": "phase_adder", "Adder": "adder", "Multiplier": "multiplier",
             "OutAdder": "out_adder", "OutMultiplier": "out_multiplier", "ModExp": "mod_exp",
             "TemporaryAND": "temporary_and", "SemiAdder": "semi_adder", "OutPoly": "out_poly"}
    package = "qsym.templates.subroutines.arithmetic"
    sys.modules.setdefault(package, types.ModuleType(package, "PennyLane's arithmetic templates"))
    vars(sys.modules[package]).update(ARITHMETIC)
    for name, file in files.items():
        mod = types.ModuleType(f"{package}.{file}", f"PennyLane's module path of {name}")
        vars(mod)[name] = ARITHMETIC[name]
        if name == "PhaseAdder":
            vars(mod)["_add_k_fourier"] = add_k_fourier
        if name == "SemiAdder":
            vars(mod)["_controlled_semi_adder"] = controlled_semi_adder
        if name == "OutPoly":
            vars(mod).update(_get_polynomial=polynomial_coefficients,
                             _mobius_inversion_of_zeta_transform=mobius_inversion)
        if name == "TemporaryAND":  # PennyLane's rules, by their names there
            vars(mod).update(Elbow=TemporaryAND, _temporary_and_to_toffoli=_AND_RULES[0],
                             _temporary_and=_AND_RULES[1],
                             _adjoint_temporary_and=_ADJOINT_AND_RULES[0],
                             _adjoint_temporary_and_to_toffoli=_ADJOINT_AND_RULES[1])
        sys.modules.setdefault(mod.__name__, mod)
        setattr(sys.modules[package], file, sys.modules[mod.__name__])
    mod = types.ModuleType("qsym.transforms.rz_phase_gradient", "PennyLane's module path")
    vars(mod).update(rz_phase_gradient=rz_phase_gradient, _rz_phase_gradient=rz_phase_gradient_op)
    sys.modules.setdefault(mod.__name__, mod)


_module_paths()
