"""PennyLane's ``qml.ops.functions`` on operators: ``qml.is_commuting``,
``qml.commutator``, ``qml.map_wires``, ``qml.eigvals``, ``assert_valid``.

Operators with a Pauli form are handled through their ``pauli_rep`` (exact: words and
phases); others through their matrices on the union of their wires.

>>> import qsym as qml
>>> qml.commutator(qml.X(0), qml.Y(0))
2j * Z(0)
>>> qml.is_commuting(qml.X(0) @ qml.X(1), qml.Z(0) @ qml.Z(1))
True
"""

from __future__ import annotations

import copy
import pickle

import numpy as np

from .errors import GateError, MeasurementError
from ._operations import (METHODS, GateSequence, MeasurementProcess, Observable, Operation, Prod,
                          SProd, Sum, is_qutrit_record)
from ._opmath import Exp
from ._trace import Tape, recording
from .templates import gates_matrix
from .pauli import PauliSentence, PauliWord, pauli_sentence
from .wires import Wires

_OPERATOR = (Operation, Observable, Exp)


def _check(op, fn: str):
    if not isinstance(op, _OPERATOR):
        raise GateError(f"qml.{fn} takes operators (e.g. qml.X(0)), got {op!r}")


def _wires_of(*ops) -> list:
    seen: list = []
    for op in ops:
        seen += [w for w in op.wires if w not in seen]
    return seen


# utility operations that PennyLane's is_commuting says commute with nothing on their wires
_BLOCKING = ("Barrier", "WireCut")
# PennyLane 0.45's is_commuting: operators it refuses by name (QuantumFunctionError), and
# those it says commute with nothing on their wires (its ``non_commuting_operations``; qsym
# answers so for those it has no matrix of: templates and state preparations)
PL_UNSUPPORTED = frozenset({"PauliRot", "QubitDensityMatrix", "CVNeuralNetLayers",
                            "ApproxTimeEvolution", "ArbitraryUnitary", "CommutingEvolution",
                            "DisplacementEmbedding", "SqueezingEmbedding", "Exp"})
PL_NON_COMMUTING = frozenset({
    "StatePrep", "BasisState", "ArbitraryStatePreparation", "MottonenStatePreparation",
    "QubitCarry", "QubitSum", "SingleExcitation", "SingleExcitationMinus",
    "SingleExcitationPlus", "DoubleExcitation", "DoubleExcitationPlus", "DoubleExcitationMinus",
    "BasicEntanglerLayers", "GateFabric", "ParticleConservingU1", "ParticleConservingU2",
    "RandomLayers", "SimplifiedTwoDesign", "StronglyEntanglingLayers", "AllSinglesDoubles",
    "FermionicDoubleExcitation", "FermionicSingleExcitation", "Grover", "kUpCCGSD", "Permute",
    "QFT", "QuantumMonteCarlo", "QuantumPhaseEstimation", "UCCSD", "MPS", "TTN",
    "AmplitudeEmbedding", "AngleEmbedding", "BasisEmbedding", "IQPEmbedding", "QAOAEmbedding",
    "Barrier", "WireCut", "Snapshot"})
_EXACT_HINT = ("; to decide it exactly compare the matrices: A, B = qml.matrix(op1, "
               "wire_order=w), qml.matrix(op2, wire_order=w); qml.math.allclose(A @ B, B @ A)")


def _refuse_as_pennylane(op1, op2) -> None:
    """PennyLane's ``QuantumFunctionError`` for operators its ``is_commuting`` has no rule
    for: those named in its list, noise channels and continuous-variable operations, and
    (on shared wires) products, sums and scalar products without a Pauli form."""
    from .errors import QuantumFunctionError

    for op in (op1, op2):
        name = getattr(op, "name", type(op).__name__)
        if name in PL_UNSUPPORTED or hasattr(op, "kraus_matrices") \
                or hasattr(op, "heisenberg_expand"):
            raise QuantumFunctionError(f"Operation {name} not supported.{_EXACT_HINT}")
    if not set(op1.wires) & set(op2.wires):
        return
    for op in (op1, op2):
        if isinstance(op, (Prod, SProd, Sum)) and getattr(op, "pauli_rep", None) is None:
            raise QuantumFunctionError(
                f"Operation {op} currently not supported. Prod, Sprod, and Sum instances must "
                f"have a valid Pauli representation.{_EXACT_HINT}")


def is_commuting(operation1, operation2) -> bool:
    """Whether two operators commute (PennyLane's ``qml.is_commuting``): exactly, by their
    Pauli words when both have a Pauli form, else by their matrices; a ``Barrier`` (or
    ``WireCut``) commutes only with operators on other wires, as PennyLane's, and so do the
    templates PennyLane lists as commuting with nothing (``qml.QFT``, embeddings, state
    preparations). As PennyLane 0.45, it raises ``QuantumFunctionError`` for what its rules
    do not cover: ``PauliRot``, ``qml.exp``, noise channels, CV operations, and products or
    sums without a Pauli form sharing a wire (compare their ``qml.matrix`` instead).

    >>> import qsym as qml
    >>> qml.is_commuting(qml.X(0), qml.Z(0)), qml.is_commuting(qml.CNOT([0, 1]), qml.Z(0))
    (False, True)
    >>> qml.is_commuting(qml.Barrier(wires=0), qml.I(0)), qml.is_commuting(qml.Barrier(wires=0), qml.X(1))
    (False, True)
    >>> qml.is_commuting(qml.X(0), qml.QFT(wires=[1, 0]))
    False
    """
    _refuse_as_pennylane(operation1, operation2)
    listed = [op for op in (operation1, operation2)
              if not isinstance(op, _OPERATOR) and getattr(op, "name", None) in PL_NON_COMMUTING]
    if listed:
        for op in (operation1, operation2):
            if op not in listed:
                _check(op, "is_commuting")
        return not set(operation1.wires) & set(operation2.wires)
    return commutes_exactly(operation1, operation2)


def commutes_exactly(operation1, operation2) -> bool:
    """Whether two operators commute, decided exactly (:func:`is_commuting` without
    PennyLane's refusals: ``PauliRot`` and other gates by their matrices; qsym's passes use
    it): by their Pauli words when both have a Pauli form, else by their matrices; a
    ``Barrier`` (or ``WireCut``) commutes only with operators on other wires.

    >>> import qsym as qml
    >>> commutes_exactly(qml.X(0), qml.PauliRot(0.3, "X", wires=0))
    True
    """
    barriers = [op for op in (operation1, operation2) if type(op).__name__ in _BLOCKING]
    if barriers:  # PennyLane's: a barrier commutes with nothing on its wires (it blocks moves)
        for op in (operation1, operation2):
            if op not in barriers:
                _check(op, "is_commuting")
        return not set(operation1.wires) & set(operation2.wires)
    _check(operation1, "is_commuting")
    _check(operation2, "is_commuting")
    p1, p2 = getattr(operation1, "pauli_rep", None), getattr(operation2, "pauli_rep", None)
    if p1 is not None and p2 is not None:
        return len(p1.commutator(p2)) == 0
    order = _wires_of(operation1, operation2)
    a, b = operation1.matrix(wire_order=order), operation2.matrix(wire_order=order)
    return bool(np.allclose(a @ b, b @ a))


# the target of each controlled gate of the table (PennyLane's ``_get_target_name``), one
# row each; a ``Controlled`` operator's target is its base
CONTROLLED_TARGETS = {
    "CNOT": "PauliX",
    "CZ": "PauliZ",
    "CCZ": "PauliZ",
    "CY": "PauliY",
    "CH": "Hadamard",
    "CSWAP": "SWAP",
    "Toffoli": "PauliX",
    "ControlledPhaseShift": "PhaseShift",
    "CRX": "RX",
    "CRY": "RY",
    "CRZ": "RZ",
    "CRot": "Rot",
    "MultiControlledX": "PauliX",
}


def target_name(op) -> str:
    """The name of the operation a controlled operator applies to its target wires (its
    own name for an operator that is not controlled), as PennyLane's
    ``qml.ops.functions.is_commuting._get_target_name``.

    >>> import qsym as qml
    >>> target_name(qml.CNOT([0, 1])), target_name(qml.ctrl(qml.RX(0.1, 1), 0)), target_name(qml.S(0))
    ('PauliX', 'RX', 'S')
    """
    if op.name in CONTROLLED_TARGETS:
        return CONTROLLED_TARGETS[op.name]
    base = getattr(op, "base", None)
    if base is not None and getattr(op, "control_wires", None):
        return base.name
    return op.name


def matrices_commute(op1, op2) -> bool:
    """Whether the matrices of two operators on the same wires commute (PennyLane's
    ``qml.ops.functions.is_commuting._check_mat_commutation``).

    >>> import qsym as qml
    >>> matrices_commute(qml.S(0), qml.T(0)), matrices_commute(qml.X(0), qml.Z(0))
    (True, False)
    """
    a, b = op1.matrix(), op2.matrix()
    return bool(np.allclose(a @ b, b @ a))


def _square_matrix(op, fn: str) -> np.ndarray:
    _check(op, fn)
    given = getattr(op, "sparse_given", None)  # a QubitUnitary given sparse: made dense
    return np.asarray(op.matrix() if given is None else given.toarray())


def is_hermitian(op) -> bool:
    """Whether an operator's matrix equals its conjugate transpose (PennyLane's
    ``qml.is_hermitian``).

    >>> import qsym as qml
    >>> qml.is_hermitian(qml.X(0) @ qml.Z(1)), qml.is_hermitian(qml.S(0))
    (True, False)
    """
    m = _square_matrix(op, "is_hermitian")
    return bool(np.allclose(m, np.conj(np.swapaxes(m, -1, -2))))


def is_unitary(op) -> bool:
    """Whether an operator's matrix times its conjugate transpose is the identity
    (PennyLane's ``qml.is_unitary``).

    >>> import qsym as qml
    >>> qml.is_unitary(qml.RX(0.3, 0)), qml.is_unitary(qml.X(0) + qml.Z(0))
    (True, False)
    """
    m = _square_matrix(op, "is_unitary")
    eye = np.eye(m.shape[-1])
    return bool(np.allclose(m @ np.conj(np.swapaxes(m, -1, -2)), eye))


def commutator(op1, op2, pauli=False):
    """``[op1, op2] = op1 op2 - op2 op1`` (PennyLane's ``qml.commutator``): of operators
    with a Pauli form, the simplified sum of words (a ``PauliSentence`` with
    ``pauli=True``); else ``op1 @ op2 + -1.0 * (op2 @ op1)``.

    >>> import qsym as qml
    >>> qml.commutator(qml.X(0) + qml.Y(0), qml.Z(0))
    -2j * Y(0) + 2j * X(0)
    >>> qml.commutator(qml.X(0), qml.Y(0), pauli=True)
    2j * Z(0)
    """
    reps = []
    for op in (op1, op2):
        if isinstance(op, (PauliWord, PauliSentence)):
            reps.append(pauli_sentence(op))
        else:
            _check(op, "commutator")
            reps.append(op.pauli_rep)
    if reps[0] is not None and reps[1] is not None:
        out = reps[0].commutator(reps[1])
        return out if pauli else out.operation()
    if pauli:
        raise MeasurementError("qml.commutator(..., pauli=True) needs operators with a Pauli form")
    return Sum(Prod(op1, op2), SProd(-1.0, Prod(op2, op1)))


def map_wires(input, wire_map: dict, queue=False, replace=False):  # noqa: A002
    """The operator on the wires ``wire_map`` gives (PennyLane's ``qml.map_wires``); a
    Pauli word or sentence or a measurement too; a tape gives PennyLane's transform result
    ``([mapped tape], postprocessing)``.

    >>> import qsym as qml
    >>> qml.map_wires(qml.X(0) @ qml.Y(1), {0: "a"})
    X('a') @ Y(1)
    >>> qml.map_wires(qml.GroverOperator(wires=[0, 1]), {0: 5, 1: 6})
    GroverOperator(wires=[5, 6], work_wires=[])
    >>> (t,), _ = qml.map_wires(qml.tape.QuantumScript([qml.CNOT([0, 1])]), {0: "a"})
    >>> t.operations
    [CNOT(wires=['a', 1])]
    """
    if isinstance(input, (PauliWord, PauliSentence, MeasurementProcess)):
        return input.map_wires(wire_map)
    if hasattr(input, "operations") and hasattr(input, "measurements") and hasattr(input, "map_wires"):
        return [input.map_wires(wire_map)], _first_result  # a tape (QuantumScript)
    if isinstance(input, Observable) and not hasattr(input, "operands"):
        terms = {tuple(sorted(((wire_map.get(w, w), p) for w, p in word), key=lambda t: repr(t[0]))): c
                 for word, c in input.terms.items()}
        return Observable(terms)
    if isinstance(input, (Operation, Observable, GateSequence)):  # (a template: PennyLane's too)
        return input.map_wires(wire_map)
    raise GateError(f"qml.map_wires takes an operator (QNodes and tapes are not supported), got {input!r}")


def _first_result(results):
    """The postprocessing of a one-tape transform result: its only result."""
    return results[0]


def _on_axes(vec: np.ndarray, wires: list, order: list) -> np.ndarray:
    """A diagonal ``vec`` on ``wires`` as a tensor over all wires of ``order``."""
    t = np.asarray(vec).reshape((2,) * len(wires))
    rest = [w for w in order if w not in wires]
    t = t.reshape(t.shape + (1,) * len(rest))
    axes = list(wires) + rest
    return t.transpose([axes.index(w) for w in order])


def _groups(ops) -> list:
    """Operands in groups whose wires overlap (PennyLane's ``overlapping_ops``)."""
    groups: list = []
    for op in ops:
        wires = set(op.wires)
        hit = [g for g in groups if g[0] & wires]
        merged = (wires.union(*[g[0] for g in hit]), [o for g in hit for o in g[1]] + [op])
        groups = [g for g in groups if g not in hit] + [merged]
    return groups


def eigvals(op, k=1, which="SA") -> np.ndarray:
    """The eigenvalues of an operator (PennyLane's ``qml.eigvals``): of a gate, its own; of
    a scalar product, the scalar times the base's; of a sum or product whose operands fall
    into groups on separate wires, the groups' eigenvalues combined in the computational
    basis of the wires (as PennyLane orders them); otherwise those of the matrix, ascending
    for a Hermitian one.

    >>> import qsym as qml
    >>> qml.eigvals(qml.Hamiltonian([1.0, 2.0], [qml.X(0), qml.Z(1)]))
    array([ 3., -1.,  1., -3.])
    """
    if type(op).__name__ == "SparseHamiltonian" and isinstance(op, Observable):
        return _sparse_eigvals(op, k, which)
    if isinstance(op, (Operation, Exp)) or is_qutrit_record(op):  # (a qutrit record refuses)
        return op.eigvals()
    if callable(op) and not isinstance(op, Observable) and "matrix" in METHODS:
        # a QNode or a function of gates: the eigenvalues of qml.matrix of it
        return lambda *args, **kwargs: np.linalg.eigvals(METHODS["matrix"](op)(*args, **kwargs))
    if not isinstance(op, Observable):
        raise GateError(f"qml.eigvals takes an operator, a QNode or a function of gates, got {op!r}")
    if isinstance(op, SProd):
        return complex(op.scalar) * np.asarray(eigvals(op.base), dtype=complex) \
            if isinstance(op.scalar, complex) else op.scalar * np.asarray(eigvals(op.base))
    groups = _groups(op.operands) if isinstance(op, (Sum, Prod)) else []
    if len(groups) < 2:
        return _matrix_eigvals(op, list(op.wires))
    order, total = list(op.wires), None
    for wires, members in groups:
        if len(members) == 1:
            vals = _on_axes(np.asarray(eigvals(members[0])), list(members[0].wires), order)
        else:
            inner = Sum(*members) if isinstance(op, Sum) else Prod(*members)
            gw = [w for w in order if w in wires]
            vals = _on_axes(_matrix_eigvals(inner, gw), gw, order)
        total = vals if total is None else (total + vals if isinstance(op, Sum) else total * vals)
    out = np.broadcast_to(total, (2,) * len(order)).reshape(-1)
    return out.real if np.iscomplexobj(out) and np.allclose(out.imag, 0) else out


def _sparse_eigvals(op, k, which) -> np.ndarray:
    """PennyLane's ``qml.eigvals`` of a ``SparseHamiltonian``: ``k`` eigenvalues by
    ``scipy.sparse.linalg.eigsh(..., which=which)`` while ``k < N - 1`` (its limit), else all
    of them, ascending, from the dense matrix."""
    m = op.sparse_matrix()  # (scipy imported, or qsym's GateError saying it is needed)
    if k < m.shape[0] - 1:
        from scipy.sparse.linalg import eigsh

        return eigsh(m, k=k, which=which)[0]
    return np.linalg.eigvalsh(m.toarray())


def _matrix_eigvals(op, order) -> np.ndarray:
    """The eigenvalues of ``op``'s matrix as PennyLane's ``eigendecomposition`` orders them:
    ascending (``eigh``) where ``op.is_verified_hermitian``, else ``eig``'s order (so
    ``qml.prod(qml.I(1), qml.Z(1))``, not verified Hermitian, has ``[1, -1]``); real where
    every imaginary part is 0 to rounding."""
    m = np.asarray(op.matrix(wire_order=order))
    if getattr(op, "is_verified_hermitian", False):
        return np.linalg.eigvalsh(m)
    w = np.linalg.eigvals(m)
    return w.real if np.allclose(w.imag, 0) else w


def assert_valid(op, skip_pickle=False, skip_wire_mapping=False, skip_differentiation=False,
                 skip_new_decomp=False, heuristic_resources=False, skip_deepcopy=False,
                 skip_decomp_matrix_check=False, skip_capture=False, **options) -> None:
    """A faithful subset of PennyLane's ``qml.ops.functions.assert_valid``: the wires are
    ``Wires``; ``data`` is a tuple; copies (the deep copy unless ``skip_deepcopy``) and
    (unless skipped) pickles are equal; the matrix is square on the operator's wires and
    agrees with ``eigvals``; a decomposition (where there is one, unless
    ``skip_decomp_matrix_check``) multiplies to the matrix; ``map_wires`` keeps the matrix.
    Raises ``AssertionError`` saying which check failed. (``skip_capture``: PennyLane's
    program-capture check, which qsym has nothing for.) An operator class written
    outside qsym gets PennyLane's checks, in its order and with its messages
    (:mod:`qsym._operator_checks`).

    >>> import qsym as qml
    >>> qml.ops.functions.assert_valid(qml.RX(0.3, wires=0))
    """
    if not type(op).__module__.startswith("qsym") and "assert_valid_user" in METHODS:
        METHODS["assert_valid_user"](op, skip_pickle=skip_pickle, skip_deepcopy=skip_deepcopy,
                                     skip_wire_mapping=skip_wire_mapping,
                                     skip_decomp_matrix_check=skip_decomp_matrix_check, **options)
        return
    assert isinstance(op.wires, Wires), f"{op!r}: op.wires is not a Wires object"
    assert isinstance(op.data, tuple), f"{op!r}: op.data must be a tuple"
    from ._operations import equal

    assert equal(copy.copy(op), op) and (skip_deepcopy or equal(copy.deepcopy(op), op)), \
        f"{op!r}: copies differ"
    if not skip_pickle:
        assert equal(pickle.loads(pickle.dumps(op)), op), f"{op!r}: pickling changes it"
    if getattr(op, "has_matrix", True):  # PennyLane checks the matrix of those that have one
        _check_matrix(op, skip_wire_mapping, skip_decomp_matrix_check)
    elif not skip_wire_mapping:
        wire_map = {w: f"mapped_{i}" for i, w in enumerate(op.wires)}  # (distinct labels)
        assert list(op.map_wires(wire_map).wires) == [wire_map[w] for w in op.wires], \
            f"{op!r}: map_wires"


def _check_matrix(op, skip_wire_mapping, skip_decomp_matrix_check=False) -> None:
    """``assert_valid``'s checks of an operator's matrix: square on its wires, its
    eigenvalues, its decomposition's product, kept by ``map_wires``."""
    m = np.asarray(op.matrix(), dtype=complex)
    n = 2 ** len(op.wires)
    assert m.shape == (n, n), f"{op!r}: matrix shape {m.shape} on {len(op.wires)} wires"
    if hasattr(op, "eigvals"):  # templates have none (PennyLane's compute it from the matrix)
        ev = np.sort_complex(np.asarray(op.eigvals(), dtype=complex).round(8))
        assert np.allclose(ev, np.sort_complex(np.linalg.eigvals(m).round(8)), atol=1e-6), \
            f"{op!r}: eigvals disagree with the matrix"
    if getattr(op, "has_decomposition", False) and not skip_decomp_matrix_check:
        dec = op.decomposition()
        order = list(op.wires)
        u = np.eye(n, dtype=complex)
        for g in dec:
            u = np.asarray(g.matrix(wire_order=order) if g.wires else g.matrix() * np.eye(n), dtype=complex) @ u
        assert np.allclose(u, m, atol=1e-8), f"{op!r}: the decomposition's matrix differs"
    if not skip_wire_mapping:
        wire_map = {w: f"mapped_{i}" for i, w in enumerate(op.wires)}  # (distinct labels)
        mapped = op.map_wires(wire_map)
        assert list(mapped.wires) == [wire_map[w] for w in op.wires], f"{op!r}: map_wires"
        assert np.allclose(np.asarray(mapped.matrix(), dtype=complex), m), f"{op!r}: map_wires changes the matrix"


def check_decomposition_rule(op, rule, skip_decomp_matrix_check=False, heuristic_resources=False):
    """PennyLane's ``_test_decomposition_rule`` (``qml.ops.functions.assert_valid``'s check
    of one rule of ``qml.list_decomps``; nothing for a rule whose conditions ``op`` does not
    meet, as PennyLane's): applied to its parameters, wires and hyperparameters it acts on ``op``'s wires only, and (unless
    ``skip_decomp_matrix_check``) the product of its gates is ``op``'s matrix. Raises
    ``AssertionError`` saying which check failed.

    >>> import qsym as qml
    >>> op = qml.SWAP(wires=[0, 1])
    >>> check_decomposition_rule(op, qml.list_decomps(qml.SWAP)[0])
    """
    params = getattr(op, "resource_params", None) or {}
    if hasattr(rule, "is_applicable") and not rule.is_applicable(**params):
        return  # PennyLane's: a rule whose conditions ``op`` does not meet is not checked
    tape = Tape()
    with recording(tape):
        rule(*op.data, wires=op.wires, **op.hyperparameters)
    gates = list(tape.items)
    allocated = [w for g in gates if type(g).__name__ == "Allocate" for w in g.wires]
    if allocated:  # the rule's own work wires (qml.allocate): new wires, zeroed, as PennyLane's
        fresh = {w: f"_allocated_{i}" for i, w in enumerate(dict.fromkeys(allocated))}
        gates = [g.map_wires(fresh) for g in gates
                 if type(g).__name__ not in ("Allocate", "Deallocate")]
    # the declared gate counts of a rule written outside qsym (qsym's own rules declare
    # theirs by class, coarser than PennyLane's resource representations)
    func = getattr(rule, "impl", None)
    if (hasattr(rule, "compute_resources") and "check_rule_resources" in METHODS
            and not getattr(func, "__module__", "qsym").startswith("qsym")):
        METHODS["check_rule_resources"](rule, params, gates)
    work = [w for k, v in op.hyperparameters.items() if "work_wire" in k
            for w in (v if isinstance(v, (list, tuple, Wires)) else [v]) if w not in op.wires]
    work += list(dict.fromkeys(fresh.values())) if allocated else []
    outside = {w for g in gates for w in g.wires} - set(op.wires) - set(work)
    assert not outside, f"{rule!r} acts on wires {sorted(outside, key=str)} outside {op!r}"
    if skip_decomp_matrix_check or not getattr(op, "has_matrix", True):
        return
    order = list(op.wires) + work  # work wires last: the block where they start and end in 0
    step = 2 ** len(work)
    block = gates_matrix(gates, order, range(0, 2 ** len(order), step))[::step]
    assert np.allclose(block, np.asarray(op.matrix(), dtype=complex), atol=1e-8), \
        f"{rule!r}: the gates' matrix differs from {op!r}'s"


METHODS["eigvals"] = eigvals
