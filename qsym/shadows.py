"""``qml.shadows``: PennyLane 0.45's classical-shadow module (``pennylane/shadows``).

The post-processing lives in :mod:`qsym._shadows` with the measurements it reads
(``qml.classical_shadow``, ``qml.shadow_expval``); this module gives it PennyLane's paths
and adds the one transform PennyLane 0.45 still has:

- :class:`ClassicalShadow` (``qml.ClassicalShadow``): snapshots, ``expval`` (median of
  means), ``entropy``;
- :func:`median_of_means`, :func:`pauli_expval`: the estimators;
- :func:`shadow_state`: a circuit returning ``qml.classical_shadow`` turned into one
  returning the reconstructed density matrix of some of its wires, either the mean of the
  global snapshots (``diffable=False``) or, differentiably, ``sum_P <P> P / 2**n`` over
  all ``4**n`` Pauli words ``P``, each ``<P>`` a ``qml.shadow_expval`` estimate
  (``diffable=True``: the gradient of the estimate is, in expectation, the state's).

PennyLane's module paths are importable too: ``qml.shadows.classical_shadow``
(``from pennylane.shadows.classical_shadow import _project_density_matrix_spectrum``) and
``qml.shadows.transforms`` (``_replace_obs``).

>>> import numpy as np
>>> import qsym as qml
>>> bits, recipes = np.array([[0, 1], [0, 0]]), np.array([[2, 2], [2, 0]])
>>> shadow = qml.shadows.ClassicalShadow(bits, recipes)
>>> float(shadow.expval(qml.Z(0)))   # two snapshots measured Z on wire 0, both +1: 3 each
3.0
"""

from __future__ import annotations

import functools
import itertools
import sys
import types
import warnings

import autograd.numpy as anp
import numpy as np

from ._operations import GATE_CLASSES, Observable, Prod
from ._shadows import (
    PAULIS,
    ClassicalShadow,
    ClassicalShadowMP,
    median_of_means,
    pauli_expval,
    project_density_matrix_spectrum,
    shadow_expval,
)
from ._tapes import QuantumScript
from ._transform import detached, transform
from .errors import MeasurementError

__all__ = [
    "ClassicalShadow",
    "median_of_means",
    "pauli_basis",
    "pauli_expval",
    "replace_obs",
    "shadow_state",
    "state_from_paulis",
]

_BASIS = np.concatenate([np.eye(2, dtype=complex)[None], PAULIS])  # I, X, Y, Z


@transform
def replace_obs(tape, obs, *args, **kwargs):
    """The tape's gates with one new measurement ``obs(*args, **kwargs)`` in place of its
    measurements (PennyLane's ``qml.shadows.transforms._replace_obs``); the result is the
    new tape's.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.Hadamard(0)], [qml.classical_shadow(wires=0)])
    >>> (new,), fn = qml.shadows.replace_obs(tape, qml.probs, wires=0)
    >>> new.operations, new.measurements
    ([H(0)], [probs(wires=[0])])
    """
    with detached():  # made here, recorded on no tape being built around the transform
        mp = obs(*args, **kwargs)
    new = QuantumScript(tape.operations, [mp], shots=tape.shots)
    return [new], lambda results: results[0]


def pauli_basis(wires) -> list:
    """The ``4**n`` Pauli words on ``wires`` as observables, in PennyLane's order (``I``,
    ``X``, ``Y``, ``Z`` per wire, the last wire fastest).

    >>> [str(w) for w in pauli_basis([0])]
    ['Observable(1.0 * I)', 'Observable(1.0 * X(0))', 'Observable(1.0 * Y(0))',
     'Observable(1.0 * Z(0))']
    """
    return [Observable({tuple((w, p) for w, p in zip(wires, letters) if p != "I"): 1.0})
            for letters in itertools.product("IXYZ", repeat=len(wires))]


def _word_products(wires) -> list:
    """:func:`pauli_basis`'s words as PennyLane's ``shadow_state`` writes them: products of
    ``Identity``, ``PauliX``, ``PauliY``, ``PauliZ`` on every wire (so the shadow measures
    ``wires`` in their order, identities included)."""
    names = {"I": "Identity", "X": "PauliX", "Y": "PauliY", "Z": "PauliZ"}
    with detached():  # one Prod of all factors per word (what PennyLane's ``@`` chain
        # flattens to), the 4 n factors made once and shared (4**n words)
        factors = [{p: GATE_CLASSES[names[p]](w) for p in "IXYZ"} for w in wires]
        return [Prod(*[f[p] for f, p in zip(factors, letters)])
                for letters in itertools.product("IXYZ", repeat=len(wires))]


def state_from_paulis(values, n: int):
    """The matrix ``sum_P values[P] P / 2**n`` of ``4**n`` values in :func:`pauli_basis`'s
    order (the first wire most significant); one wire's Pauli axis contracted at a time
    (no ``4**n`` matrices made), in autograd's NumPy: differentiable.

    >>> state_from_paulis(np.array([1.0, 0.0, 0.0, 1.0]), 1).real   # (I + Z) / 2
    array([[1., 0.],
           [0., 0.]])
    """
    t = anp.reshape(values, (4,) * n)
    for _ in range(n):  # axis 0 is the next wire's; its row and column go to the end
        t = anp.tensordot(t, _BASIS, axes=([0], [0]))
    order = list(range(0, 2 * n, 2)) + list(range(1, 2 * n, 2))
    return anp.reshape(anp.transpose(t, order), (2**n, 2**n)) / 2**n


def _wires_list(wires) -> tuple:
    """``(list of wire lists, one list given)``: ``wires`` is one list of wires or a list
    of them (one state each)."""
    wires = list(wires)
    if not wires:
        raise MeasurementError("shadow_state needs the wires of the state to reconstruct "
                               "(a list of wires, or a list of such lists)")
    nested = isinstance(wires[0], (list, tuple, range))
    return ([list(w) for w in wires] if nested else [wires]), not nested


def _state_diffable(tape, wires):
    """``sum_P <P> P / 2**n`` from one ``qml.shadow_expval`` of every Pauli word."""
    wires_list, single = _wires_list(wires)
    if any(len(w) >= 8 for w in wires_list):
        warnings.warn("Differentiable state reconstruction for more than 8 qubits is not "
                      "recommended", UserWarning)
    observables = [o for w in wires_list for o in _word_products(w)]
    tapes, _ = replace_obs(tape, shadow_expval, observables)

    def postprocessing(results):
        values = results[0]
        states, start = [], 0
        for w in wires_list:
            states.append(state_from_paulis(values[start:start + 4 ** len(w)], len(w)))
            start += 4 ** len(w)
        return states[0] if single else states

    return tapes, postprocessing


def _state_undiffable(tape, wires):
    """The mean of the global snapshots of the tape's own ``qml.classical_shadow``."""
    wires_list, single = _wires_list(wires)
    mps = tape.measurements
    if len(mps) != 1 or not isinstance(mps[0], ClassicalShadowMP):
        raise MeasurementError(
            "shadow_state(diffable=False) reconstructs the state from the circuit's "
            f"classical shadow: the circuit must return qml.classical_shadow alone, got {mps}")
    measured = list(mps[0].wires)
    for w in (w for ws in wires_list for w in ws):
        if w not in measured:
            raise MeasurementError(f"wire {w!r} is not in the classical shadow (its wires: "
                                   f"{measured})")

    def postprocessing(results):
        bits, recipes = results[0]
        shadow = ClassicalShadow(np.asarray(bits), np.asarray(recipes), wire_map=measured)
        states = [np.mean(shadow.global_snapshots(wires=[measured.index(w) for w in ws]), 0)
                  for ws in wires_list]
        return states[0] if single else states

    return [tape], postprocessing


@functools.partial(transform, final_transform=True)
def shadow_state(tape, wires, diffable=False):
    """PennyLane's ``qml.shadows.shadow_state``: a circuit that returns a classical shadow
    made to return the reconstructed density matrix of ``wires`` (or a list of them for
    each list of wires). ``diffable=False``: the mean of the shadow's global snapshots;
    ``diffable=True``: ``sum_P <P> P / 2**n`` over the ``4**n`` Pauli words, the ``<P>``
    estimated by ``qml.shadow_expval`` (one shadow of the circuit, differentiable: its
    derivative approaches the state's in expectation). A final transform. Wires are the
    shadow's wire labels (PennyLane's ``diffable=False`` reads them as column indices:
    the same when the shadow measures ``range(n)``).

    >>> import qsym as qml
    >>> @qml.set_shots(2000)
    ... @qml.shadows.shadow_state(wires=[0])
    ... @qml.qnode(qml.device("default.qubit", wires=1, seed=3))
    ... def plus():
    ...     qml.Hadamard(0)
    ...     return qml.classical_shadow(wires=[0], seed=5)
    >>> bool(abs(plus()[0, 1] - 0.5) < 0.1)   # exact: [[1/2, 1/2], [1/2, 1/2]]
    True
    """
    return _state_diffable(tape, wires) if diffable else _state_undiffable(tape, wires)


# PennyLane's module paths: pennylane.shadows.classical_shadow, pennylane.shadows.transforms
_PATHS = {
    "classical_shadow": {"ClassicalShadow": ClassicalShadow, "median_of_means": median_of_means,
                         "pauli_expval": pauli_expval,
                         "_project_density_matrix_spectrum": project_density_matrix_spectrum},
    "transforms": {"shadow_state": shadow_state, "_replace_obs": replace_obs,
                   "_shadow_state_diffable": _state_diffable,
                   "_shadow_state_undiffable": _state_undiffable},
}
for _name, _names in _PATHS.items():
    _path = types.ModuleType(f"{__name__}.{_name}", f"PennyLane's path qml.shadows.{_name}")
    _path.__dict__.update(_names)
    sys.modules.setdefault(_path.__name__, _path)
    globals()[_name] = _path
