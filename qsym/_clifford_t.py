"""PennyLane's ``qml.clifford_t_decomposition`` (also ``qml.transforms``'; module path
``qml.transforms.decompositions.clifford_t_transform``, which is this module): a circuit
compiled to Clifford gates, ``T`` and ``RZ`` rotations (one-qubit gates by ZXZ Euler
angles, two-qubit gates by qsym's ``two_qubit_decomposition``), its ``RZ`` rotations merged,
then each approximated in Clifford+T within ``epsilon`` divided by their number:
``method="sk"`` by the Solovay-Kitaev algorithm (:func:`qsym.ops.sk_decomposition`),
``method="gridsynth"`` by Ross-Selinger's (:func:`qsym.ops.rs_decomposition`). The approximations are cached per angle (``_CLIFFORD_T_CACHE``, PennyLane's
semantics of ``cache_size`` and ``cache_eps_rtol``).

>>> import qsym as qml
>>> t = qml.tape.QuantumScript([qml.RX(0.3, 0), qml.CNOT([0, 1])], [qml.expval(qml.Z(1))])
>>> (new,), _ = qml.clifford_t_decomposition(t, epsilon=0.1, method="sk")
>>> sorted({op.name for op in new.operations} - {"Hadamard", "S", "T", "Adjoint(T)",
...                                               "Adjoint(S)", "CNOT", "GlobalPhase"})
[]
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache, partial
from itertools import product

import numpy as np

from ._compilation import (
    cancel_inverses,
    commute_controlled,
    find_next_gate,
    fuse_global_phases,
    merge_rotations,
    remove_barrier,
)
from ._compilation import compile as _compile_transform
from ._drawing import Snapshot
from ._gridsynth import rs_decomposition
from ._mcm import MeasurementValue, MidMeasure
from ._operations import GATE_CLASSES
from ._opmath import AdjointOperation, QueuingManager, adjoint
from ._solovay_kitaev import sk_decomposition
from ._tapes import QuantumScript
from ._transform import null_postprocessing, transform
from ._unitary_decompositions import one_qubit_decomposition, two_qubit_decomposition
from .errors import ArgumentError
from .math import unwrap
from .templates import Barrier, WireCut

__all__ = ["check_clifford_t", "clifford_t_decomposition", "gridsynth"]

_G = GATE_CLASSES
# one- and two-qubit Clifford+T gates (PennyLane's lists), the rotations, the gates skipped
_CLIFFORD_T_ONE_GATES = [_G["Identity"], _G["PauliX"], _G["PauliY"], _G["PauliZ"],
                         _G["Hadamard"], _G["S"], _G["SX"], _G["T"]]
_CLIFFORD_T_TWO_GATES = [_G["CNOT"], _G["CY"], _G["CZ"], _G["SWAP"], _G["ISWAP"]]
_PARAMETER_GATES = (_G["RX"], _G["RY"], _G["RZ"], _G["Rot"], _G["PhaseShift"])
_CLIFFORD_T_GATES = tuple(_CLIFFORD_T_ONE_GATES + _CLIFFORD_T_TWO_GATES) + (_G["GlobalPhase"],)
_SKIP_OP_TYPES = (Barrier, Snapshot, WireCut, MeasurementValue, MidMeasure)

# the cached RZ approximations of the last call (a _CachedCallable), reused when compatible
_CLIFFORD_T_CACHE = None

_PAULIS = (np.eye(2), np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]),
           np.diag([1.0, -1.0]))


def _is_pauli_string(m, n: int) -> bool:
    """Whether ``m`` (``2**n`` square) is plus or minus one Pauli string."""
    found = 0
    for paulis in product(_PAULIS, repeat=n):
        p = paulis[0]
        for q in paulis[1:]:
            p = np.kron(p, q)
        c = np.trace(p @ m) / 2 ** n
        if abs(c) > 1e-8:
            if found or not np.isclose(abs(c), 1.0, atol=1e-6):
                return False
            found = 1
    return bool(found)


def _check_clifford_op(op, use_decomposition=False):
    """Whether ``op`` is a Clifford gate: ``U P U^dagger`` is a Pauli string for ``P`` each
    ``X`` and ``Z`` of its wires (the generators of the Pauli group). Its matrix, or with
    ``use_decomposition`` that of its decomposition; an operator with neither is not."""
    try:
        if use_decomposition:
            ops = op.decomposition()
            if not QuantumScript(ops).wires:
                return False
            from ._drawing import matrix
            u = matrix(QuantumScript(ops), wire_order=op.wires)
        else:
            if not op.has_matrix:
                return False
            u = op.matrix()
    except Exception:  # noqa: BLE001 - no matrix, no decomposition: not a Clifford gate
        return False
    u = np.asarray(unwrap(u), dtype=complex)
    n = len(op.wires)
    for k, pauli in product(range(n), (_PAULIS[1], _PAULIS[3])):
        p = np.kron(np.kron(np.eye(2 ** k), pauli), np.eye(2 ** (n - k - 1)))
        if not _is_pauli_string(u @ p @ u.conj().T, n):
            return False
    return True


def _number(x) -> float:
    return float(np.real(unwrap(x)))


def check_clifford_t(op, use_decomposition=False):
    """PennyLane's ``check_clifford_t``: whether ``op`` is a Clifford+T gate: one of
    ``Identity``, ``X``, ``Y``, ``Z``, ``H``, ``S``, ``SX``, ``T``, ``CNOT``, ``CY``, ``CZ``,
    ``SWAP``, ``ISWAP``, ``GlobalPhase`` or an adjoint of one, a rotation ``RX``, ``RY``,
    ``RZ``, ``Rot``, ``PhaseShift`` by multiples of pi, or a gate mapping Pauli strings to
    Pauli strings (its matrix, or that of its decomposition with ``use_decomposition``).

    >>> import numpy as np
    >>> import qsym as qml
    >>> check_clifford_t(qml.RX(3 * np.pi, 0)), check_clifford_t(qml.ECR([0, 1]))
    (True, True)
    >>> check_clifford_t(qml.CH([0, 1]))
    False
    """
    base = op.base if isinstance(op, AdjointOperation) else None
    if isinstance(op, _CLIFFORD_T_GATES) or isinstance(base, _CLIFFORD_T_GATES):
        return True
    if isinstance(op, _PARAMETER_GATES) or isinstance(base, _PARAMETER_GATES):
        return all(math.isclose(math.remainder(_number(t), math.pi), 0.0, abs_tol=1e-8)
                   for t in op.data)
    return _check_clifford_op(op, use_decomposition=use_decomposition)


def _simplify_param(theta, gate):
    """A rotation by a multiple of pi: ``[GlobalPhase(theta / 2)]``, then ``gate`` when the
    multiple is odd (``[GlobalPhase(0)]`` for 0); None otherwise."""
    value = _number(theta)
    if math.isclose(value, 0.0, abs_tol=1e-6):
        return [_G["GlobalPhase"](0.0)]
    k = value / math.pi
    if not math.isclose(k, round(k), abs_tol=1e-6):
        return None
    ops = [_G["GlobalPhase"](theta / 2)]
    if round(k) % 2:
        ops.append(gate)
    return ops


def _phase_shift_decompose(theta, wires):
    """``PhaseShift(theta)``: ``S``/``T`` gates when ``theta`` is an odd multiple of pi/2
    or pi/4, else ``RZ(theta)`` and a global phase."""
    value = _number(theta)
    for step, gate in ((math.pi / 2, "S"), (math.pi / 4, "T")):
        k = value / step
        if math.isclose(k, round(k), abs_tol=1e-6) and round(k) % 2:
            k = round(k) % 8 if gate == "T" else round(k) % 4
            g = _G[gate](wires)
            if gate == "S":
                return [g if k == 1 else adjoint(g)]
            # T**k: k = 1, 3 (T S), 5 (T Z), 7 (T^dagger)
            return {1: [g], 3: [g, _G["S"](wires)], 5: [g, _G["PauliZ"](wires)],
                    7: [adjoint(g)]}[k]
    return [_G["RZ"](theta, wires), _G["GlobalPhase"](-theta / 2)]


def _qubit_unitary_decompose(op):
    if len(op.wires) != 1:
        raise ValueError(f"Operation {op} acts on {len(op.wires)} wires: only a one-qubit "
                         "QubitUnitary is decomposed to rotations here")
    ops = one_qubit_decomposition(np.asarray(unwrap(op.matrix())), op.wires[0], "ZYZ",
                                  return_global_phase=True)
    return [g for o in ops[:-1] for g in _rot_decompose(o)] + [ops[-1]]


def _rot_decompose(op):
    """``RX``, ``RY``, ``RZ``, ``Rot``, ``PhaseShift`` (or an adjoint of one) or a one-qubit
    ``QubitUnitary`` as ``RZ``, ``S``, ``Hadamard`` (and Paulis, ``T``, ``GlobalPhase``):
    ``RX = H RZ H``, ``RY = S H RZ H S^dagger``, ``PhaseShift = RZ`` with a phase."""
    if isinstance(op, _G["QubitUnitary"]):
        return _qubit_unitary_decompose(op)
    wires = op.wires
    if isinstance(op, _G["Rot"]):
        phi, theta, omega = op.parameters
        return [g for r in (_G["RZ"](phi, wires), _G["RY"](theta, wires), _G["RZ"](omega, wires))
                for g in _rot_decompose(r)]
    if isinstance(op, AdjointOperation):
        return _rot_decompose(adjoint(op.base, lazy=False))
    theta = op.data[0] if op.data else None
    if isinstance(op, _G["RX"]):
        return _simplify_param(theta, _G["PauliX"](wires)) or [
            _G["Hadamard"](wires), _G["RZ"](theta, wires), _G["Hadamard"](wires)]
    if isinstance(op, _G["RY"]):
        return _simplify_param(theta, _G["PauliY"](wires)) or [
            adjoint(_G["S"](wires)), _G["Hadamard"](wires), _G["RZ"](theta, wires),
            _G["Hadamard"](wires), _G["S"](wires)]
    if isinstance(op, _G["RZ"]):
        return _simplify_param(theta, _G["PauliZ"](wires)) or [_G["RZ"](theta, wires)]
    if isinstance(op, _G["PhaseShift"]):
        ops = _simplify_param(theta, _G["PauliZ"](wires))
        if ops is None:
            return _phase_shift_decompose(theta, wires)
        return ops + [_G["GlobalPhase"](-theta / 2)]
    raise ValueError(f"Operation {op} is not a supported Pauli rotation: qp.RX, qp.RY, "
                     "qp.RZ, qp.Rot and qp.PhaseShift.")  # PennyLane's words


def _one_qubit_decompose(op):
    """``(gates, global phase)`` of a one-qubit gate by its ZXZ Euler angles, the rotations
    through :func:`_rot_decompose`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ops = one_qubit_decomposition(np.asarray(unwrap(_matrix_of(op))), op.wires[0], "ZXZ",
                                      return_global_phase=True)
    phase = ops.pop()
    return [g for o in ops for g in (_rot_decompose(o) if _is_rotation(o) else [o])], phase


def _two_qubit_decompose(op):
    """A two-qubit gate as ``CNOT`` gates and one-qubit rotations (qsym's
    ``two_qubit_decomposition``), the rotations through :func:`_rot_decompose`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ops = two_qubit_decomposition(np.asarray(unwrap(_matrix_of(op))), op.wires)
    return [g for o in ops
            for g in (_rot_decompose(o) if _is_rotation(o) else [o])]


def _is_rotation(op) -> bool:
    """A one-qubit gate with parameters (a rotation, a ``QubitUnitary``)."""
    return len(op.wires) == 1 and bool(op.num_params or isinstance(op, _G["QubitUnitary"]))


def _matrix_of(op):
    from ._drawing import matrix
    return matrix(op, wire_order=op.wires)


def _merge_param_gates(operations, merge_ops=None):
    """``(gates, count)``: each gate named in ``merge_ops`` (all, for None) merged with the
    following gates of its name and wires that come next on its wires (angles added);
    ``count`` is the number of such gates left."""
    rest, merged, count = list(operations), [], 0
    while rest:
        gate = rest.pop(0)
        if merge_ops is not None and gate.name not in merge_ops:
            merged.append(gate)
            continue
        count += 1
        angles = list(gate.parameters)
        nxt, fused = find_next_gate(gate.wires, rest), False
        while nxt is not None and rest[nxt].name == gate.name and rest[nxt].wires == gate.wires:
            angles = [a + b for a, b in zip(angles, rest.pop(nxt).parameters)]
            nxt, fused = find_next_gate(gate.wires, rest), True
        merged.append(type(gate)(*angles, wires=gate.wires) if fused else gate)
    return merged, count


@lru_cache(maxsize=2000)
def _map_wires(op, wire):
    """``op`` (on wire 0) moved to ``wire`` (memoized: the approximations repeat gates)."""
    return op.map_wires({0: wire})


class _CachedCallable:
    """The approximation of ``RZ`` gates by ``method`` (``"sk"``, ``"gridsynth"``) within
    ``epsilon``, memoized per angle (``query``, an ``lru_cache`` of ``cache_size``)."""

    def __init__(self, method, epsilon, cache_size, is_qjit=False, **method_kwargs):
        if method == "sk":
            fn = partial(sk_decomposition, epsilon=epsilon, **method_kwargs)
        elif method == "gridsynth":
            fn = partial(rs_decomposition, epsilon=epsilon, **method_kwargs)
        else:
            raise NotImplementedError(
                "Currently we only support Solovay-Kitaev ('sk') and Ross-Selinger "
                f"('gridsynth') decompositions, got {method}")
        self.decompose_fn = lru_cache(maxsize=cache_size)(fn)
        self.method, self.epsilon, self.cache_size = method, epsilon, cache_size
        self.is_qjit, self.method_kwargs = is_qjit, method_kwargs
        self.query = lru_cache(maxsize=cache_size)(self.cached_decompose)

    def compatible(self, method, epsilon, cache_size, cache_eps_rtol, is_qjit, **method_kwargs):
        """Whether this cache serves a call with these arguments: same method, options and
        qjit, a cache as large, and approximations at least as precise (and, with
        ``cache_eps_rtol``, within that relative tolerance of ``epsilon``)."""
        return (self.method == method and self.epsilon <= epsilon
                and (cache_eps_rtol is None
                     or abs(self.epsilon - epsilon) <= cache_eps_rtol * abs(epsilon))
                and self.cache_size <= cache_size and self.is_qjit == is_qjit
                and self.method_kwargs == method_kwargs)

    def cached_decompose(self, op):
        """The gates (then a ``GlobalPhase``) of ``RZ(theta)`` on wire 0: for ``theta`` of
        2 pi or more, the adjoint of the approximation of ``RZ(-theta)``."""
        if op.data[0] < 2 * math.pi:
            return self.decompose_fn(op)
        seq = [adjoint(g, lazy=False) if g.name == "GlobalPhase" else _dagger_gate(g)
               for g in reversed(self.decompose_fn(adjoint(op, lazy=False)))]
        return seq[1:] + seq[:1]


def _dagger_gate(gate):
    """The inverse of a Clifford+T gate, as PennyLane writes it (``Adjoint(T)``, ``H``)."""
    if isinstance(gate, AdjointOperation):
        return gate.base
    if gate.name in ("S", "T", "SX"):
        return adjoint(gate)
    return adjoint(gate, lazy=False)


_BASIS_NAMES = tuple(c.__name__ for c in _PARAMETER_GATES + _CLIFFORD_T_GATES) + (
    "Barrier", "Snapshot", "WireCut", "MeasurementValue")


def _clifford_t_or_rz(op) -> tuple[list, list]:
    """``(gates, global phases)``: one compiled gate as Clifford gates, ``T`` and ``RZ``."""
    if isinstance(op, _SKIP_OP_TYPES):
        return [op], []
    if op.name == "GlobalPhase":
        return [], [op]
    if op.name in _BASIS_NAMES and check_clifford_t(op):
        return (_rot_decompose(op) if op.num_params else [op]), []
    if len(op.wires) == 1:
        if op.name in _BASIS_NAMES:
            return _rot_decompose(op), []
        ops, phase = _one_qubit_decompose(op)
        return ops, [phase]
    if len(op.wires) == 2:
        return _two_qubit_decompose(op), []
    raise ValueError(f"Cannot unroll {op} into the Clifford+T basis as no rule exists for its "
                     "decomposition")


_SELF_INVERSE = frozenset({"Identity", "PauliX", "PauliY", "PauliZ", "Hadamard", "CNOT", "CY",
                           "CZ", "SWAP"})
_INVERSE_NAMES = {"T": "Adjoint(T)", "Adjoint(T)": "T", "S": "Adjoint(S)", "Adjoint(S)": "S",
                  "SX": "Adjoint(SX)", "Adjoint(SX)": "SX"}


def _cancel_clifford_t_inverses(ops) -> list:
    """``cancel_inverses`` for Clifford+T gates, by name (fast on long sequences): a gate
    next on all its wires to its inverse on the same wires removes both, again and again."""
    out, last = [], {}  # last[wire]: the indices in out of the gates on it, in order
    for op in ops:
        wires = list(op.wires)
        before = {(last.get(w) or [None])[-1] for w in wires}
        if len(before) == 1 and wires and None not in before:
            prev = out[before.pop()]
            inverse = op.name in _SELF_INVERSE or _INVERSE_NAMES.get(op.name)
            if (list(prev.wires) == wires and (prev.name == op.name if inverse is True
                                                else prev.name == inverse)):
                for w in wires:
                    out[last[w].pop()] = None
                continue
        for w in wires:
            last.setdefault(w, []).append(len(out))
        out.append(op)
    return [op for op in out if op is not None]


def _cache(method, epsilon, cache_size, cache_eps_rtol, method_kwargs) -> _CachedCallable:
    """The module's cache of approximations, made anew unless compatible with this call."""
    global _CLIFFORD_T_CACHE
    if _CLIFFORD_T_CACHE is None or not _CLIFFORD_T_CACHE.compatible(
            method, epsilon, cache_size, cache_eps_rtol, False, **method_kwargs):
        _CLIFFORD_T_CACHE = _CachedCallable(method, epsilon, cache_size, **method_kwargs)
    return _CLIFFORD_T_CACHE


def _approximate_rotations(ops, cache) -> list:
    """``ops`` (ending with one ``GlobalPhase``) with each ``RZ`` replaced by its cached
    Clifford+T approximation; the phases summed into a final ``GlobalPhase`` (none if 0)."""
    phase, out = ops[-1].data[0], []
    for op in ops[:-1]:
        if op.name != "RZ":
            out.append(op)
            continue
        theta = _number(op.data[0]) % (4 * math.pi)
        if math.isclose(theta, 0.0, abs_tol=1e-8) or math.isclose(theta, 4 * math.pi):
            continue  # the identity
        gates = cache.query(_G["RZ"](theta, [0]))
        phase = phase + gates[-1].data[0]
        out.extend(_map_wires(g, op.wires[0]) for g in gates[:-1])
    if not math.isclose(_number(phase), 0.0, abs_tol=1e-8):
        out.append(_G["GlobalPhase"](phase))
    return out


@transform
def clifford_t_decomposition(tape, epsilon=1e-4, method="gridsynth", cache_size=1000,
                             cache_eps_rtol=None, **method_kwargs):
    """PennyLane's ``qml.clifford_t_decomposition`` (also ``qml.transforms``'): the circuit
    in the Clifford+T basis (``Identity``, Paulis, ``H``, ``S``, ``SX``, ``T``, their
    adjoints, ``CNOT``, ``CY``, ``CZ``, ``SWAP``, ``ISWAP``, ``GlobalPhase``), within
    ``epsilon`` in operator norm of the whole circuit.

    The gates are compiled (templates expanded, inverses cancelled, rotations merged),
    rotations written with ``RZ``, ``S`` and ``H``, other one- and two-qubit gates
    decomposed (ZXZ Euler angles; ``CNOT`` and rotations), a gate on more wires without a
    decomposition is PennyLane's ``ValueError``; then each remaining ``RZ`` is approximated
    within ``epsilon / (number of RZ)``: ``method="sk"`` by the Solovay-Kitaev algorithm
    (:func:`qsym.ops.sk_decomposition`, its options ``max_depth``, ``basis_set``,
    ``basis_length`` as ``method_kwargs``), ``method="gridsynth"`` (the default) by
    Ross-Selinger's ``rs_decomposition``. Approximations are cached per angle
    (``cache_size`` of them), the cache reused by later calls asking for the same method
    and options and no more precision (within ``cache_eps_rtol`` of ``epsilon``, if given).

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=2))
    ... def circuit(x):
    ...     qml.RX(x, 0)
    ...     qml.CNOT([0, 1])
    ...     return qml.expval(qml.Z(1))
    >>> approx = qml.clifford_t_decomposition(circuit, epsilon=1e-2, method="sk")
    >>> round(float(circuit(1.1)), 3), round(float(approx(1.1)), 2)
    (0.454, 0.45)
    """
    if not epsilon > 0:
        raise ArgumentError(f"clifford_t_decomposition: epsilon must be positive, got {epsilon}")
    with QueuingManager.stop_recording():
        pipeline = [remove_barrier, commute_controlled, cancel_inverses, merge_rotations]
        [compiled], _ = _compile_transform(tape, pipeline, basis_set=list(_BASIS_NAMES))
        ops, phases = [], []
        for op in compiled.operations:
            gates, phase = _clifford_t_or_rz(op)
            ops.extend(gates)
            phases.extend(phase)
        merged, number_ops = _merge_param_gates(ops, merge_ops=["RZ"])
        ops = fuse_global_phases(merged + phases)
        cache = _cache(method, epsilon / (number_ops or 1), cache_size, cache_eps_rtol,
                       method_kwargs)
        ops = _cancel_clifford_t_inverses(_approximate_rotations(ops, cache))
    return [compiled.copy(operations=ops)], null_postprocessing


def gridsynth_setup_inputs(epsilon: float = 1e-4, ppr_basis: bool = False):
    """The arguments of :data:`gridsynth` as keywords, checked (PennyLane's ``ValueError``
    for a ``ppr_basis`` that is not a bool or an ``epsilon`` that is not a float).

    >>> gridsynth_setup_inputs(1e-6)
    ((), {'epsilon': 1e-06, 'ppr_basis': False})
    """
    if not isinstance(ppr_basis, bool):
        raise ValueError(f"ppr_basis must be of type bool. Got {ppr_basis}")
    if not isinstance(epsilon, float):
        raise ValueError(f"epsilon must be of type float. Got {epsilon}.")
    return (), {"epsilon": epsilon, "ppr_basis": ppr_basis}


#: PennyLane's ``qml.transforms.gridsynth`` (``qml.transforms.decompositions.gridsynth``): the
#: name of Catalyst's ``gridsynth`` compiler pass, with no tape implementation (PennyLane runs
#: it only under ``qml.qjit``, which qsym does not provide): applied to a tape it raises
#: PennyLane's ``NotImplementedError``. Decompose ``RZ`` gates into Clifford+T with
#: ``qml.clifford_t_decomposition(circuit, method="gridsynth")`` or ``qml.ops.rs_decomposition``.
gridsynth = transform(pass_name="gridsynth", setup_inputs=gridsynth_setup_inputs)
