"""PennyLane's ``qml.ops.functions.assert_valid`` checks of an operator class a user wrote
(a subclass of ``qml.operation.Operator`` or of a gate, defined outside qsym), in
PennyLane's order and with its messages: data and wires, copies, the pytree protocol,
pickling, ``bind_new_parameters``, the decomposition (a list, the same as
``compute_decomposition`` and as what it queues, mapped with the wires), the matrix (or
``MatrixUndefinedError``), the matrix against the decomposition, and the eigenvalues with
the diagonalizing gates. :func:`qsym._opfunctions.assert_valid` runs them for such
classes (qsym's own operators keep its checks of their matrices).

>>> import qsym as qml
>>> class Twice(qml.operation.Operator):
...     __module__ = "my_project"  # (a class a user writes lives in their module)
...     @staticmethod
...     def compute_matrix():
...         return np.eye(2)
>>> check_user_operator(Twice(wires=(0, 1)), skip_pickle=True)
Traceback (most recent call last):
...
AssertionError: matrix must be two dimensional with shape (4, 4)
"""

from __future__ import annotations

import copy
import inspect
import pickle
from string import ascii_lowercase

import numpy as np

from .decomposition import resource_rep
from .errors import DecompositionUndefinedError, EigvalsUndefinedError, MatrixUndefinedError
from ._opmath import AnnotatedQueue
from ._mcm import MidMeasure
from ._operations import METHODS, Operation, equal, user_declares
from ._tapes import bind_new_parameters
from .wires import Wires

_TENSOR_LIKE = (int, float, complex, np.ndarray, np.generic, list, tuple)


def _raises(func, error, message, *args, **kwargs) -> None:
    try:
        func(*args, **kwargs)
    except error:
        return
    raise AssertionError(message)


def _same(a, b) -> bool:
    """PennyLane's ``assert_equal`` of two operators: qsym's ``equal`` and the
    hyperparameters compared with ``!=`` (an array among them is NumPy's ``ValueError``)."""
    if a.hyperparameters != b.hyperparameters:
        return False
    return bool(equal(a, b))


def _check_data_and_wires(op, skip_wire_mapping) -> None:
    # (a user's class that assigned another container: qsym stores a tuple, PennyLane
    # keeps what was assigned; _operations' data setter notes it)
    assert isinstance(op.data, tuple) and "_data_assigned" not in vars(op), \
        "op.data must be a tuple"
    assert isinstance(op.parameters, list), "op.parameters must be a list"
    for d, p in zip(op.data, op.parameters):
        assert isinstance(d, _TENSOR_LIKE) or hasattr(d, "_value"), \
            "each data element must be tensorlike"
        assert np.allclose(d, p), "data and parameters must match."
    if len(op.wires) > 26:
        return
    assert isinstance(op.wires, Wires), "wires must be a wires instance"
    if not skip_wire_mapping:
        wire_map = {w: ascii_lowercase[i] for i, w in enumerate(op.wires)}
        assert op.map_wires(wire_map).wires == Wires(list(ascii_lowercase[:len(op.wires)])), \
            "wires must be mappable with map_wires"


def _check_copy_and_pytree(op, skip_deepcopy) -> None:
    copied = copy.copy(op)
    assert _same(copied, op), "copied op must be equal with qp.equal"
    assert copied is not op, "copied op must be a separate instance from original operaiton"
    if not skip_deepcopy:
        assert _same(copy.deepcopy(op), op), "deep copied op must also be equal"
    data, metadata = op._flatten()
    try:
        hash(metadata)
    except Exception as exc:
        raise AssertionError("metadata output from _flatten must be hashable. Got metadata "
                             f"{metadata}") from exc
    try:
        new = type(op)._unflatten(data, metadata)
    except Exception as exc:
        raise AssertionError(
            f"{type(op).__name__}._unflatten must be able to reproduce the original operation "
            f"from {data} and {metadata}. You may need to override either the _unflatten or "
            "_flatten method. \nFor local testing, try type(op)._unflatten(*op._flatten())"
        ) from exc
    assert _same(op, new), "metadata and data must be able to reproduce the original operation"


def _check_bind(op) -> None:
    new_data = [d * 0.0 for d in op.data]
    new = bind_new_parameters(op, new_data)
    assert len(new.data) == len(new_data) and all(
        np.allclose(a, b) for a, b in zip(new.data, new_data)), \
        "bind_new_parameters must be able to update the operator with new data."


def _raw(method):
    """The user's function under qsym's wrapper that queues only what it returns."""
    return inspect.unwrap(method)


def _queued(op) -> list:
    """What ``op``'s decomposition queues (everything it makes, as PennyLane's)."""
    with AnnotatedQueue() as q:
        if user_declares(type(op), "decomposition"):
            _raw(type(op).decomposition)(op)
        else:
            _raw(type(op).compute_decomposition)(*op.data, wires=op.wires, **op.hyperparameters)
    return [o for o in q.queue if isinstance(o, (Operation, MidMeasure))]


def _decompositions(op):
    """``(decomposition, compute_decomposition)`` as the user's class gives them."""
    compute = _raw(type(op).compute_decomposition)
    try:
        computed = compute(*op.data, wires=op.wires, **op.hyperparameters)
    except (DecompositionUndefinedError, TypeError):
        computed = None
    if user_declares(type(op), "decomposition"):
        decomp = _raw(type(op).decomposition)(op)
    else:
        decomp = computed if user_declares(type(op), "compute_decomposition") \
            else op.decomposition()
    if computed is None:
        computed = decomp
    return decomp, computed


def _same_part(a, b) -> bool:
    if isinstance(a, MidMeasure):
        return isinstance(b, MidMeasure) and a.wires == b.wires and a.reset == b.reset \
            and a.postselect == b.postselect
    return _same(a, b)


def _check_decomposition(op, skip_wire_mapping) -> None:
    if not op.has_decomposition:
        message = ("If has_decomposition is False, then decomposition must raise a "
                   "``DecompositionUndefinedError``.")
        _raises(op.decomposition, DecompositionUndefinedError, message)
        _raises(_raw(type(op).compute_decomposition), DecompositionUndefinedError, message,
                *op.data, wires=op.wires, **op.hyperparameters)
        return
    decomp, computed = _decompositions(op)
    assert isinstance(decomp, list), "decomposition must be a list"
    assert isinstance(computed, list), "decomposition must be a list"
    assert not any(o is op or (type(o) is type(op) and _same(o, op)) for o in decomp), \
        "an operator should not be included in its own decomposition"
    queued = _queued(op)
    computed_msg = "decomposition must match compute_decomposition"
    queue_msg = "decomposition must match queued operations"
    assert len(decomp) == len(computed), computed_msg
    assert len(decomp) == len(queued), queue_msg
    for o1, o2, o3 in zip(decomp, computed, queued):
        assert _same_part(o1, o2), computed_msg
        assert _same_part(o1, o3), queue_msg
    if skip_wire_mapping:
        return
    wire_map = {w: ascii_lowercase[i] for i, w in enumerate(op.wires)}
    mapped = op.map_wires(wire_map)
    if mapped.has_decomposition:
        for m, o in zip(mapped.decomposition(), op.decomposition()):
            assert m.wires == Wires([wire_map.get(w, w) for w in o.wires]), \
                "Operators in decomposition of wire-mapped operator must have mapped wires."


def _product(ops, wires) -> np.ndarray:
    u = np.eye(2 ** len(wires), dtype=complex)
    for g in ops:
        u = np.asarray(g.matrix(wire_order=list(wires)), dtype=complex) @ u
    return u


def _check_matrix(op, skip_decomp_matrix_check=False) -> None:
    if not op.has_matrix:
        _raises(op.matrix, MatrixUndefinedError, "If has_matrix is False, the matrix method "
                "must raise a ``MatrixUndefinedError``.")
        return
    mat = op.matrix()
    assert isinstance(mat, _TENSOR_LIKE) and np.asarray(mat).dtype.kind in "biufc", \
        "matrix must be a TensorLike"
    n = 2 ** len(op.wires)
    assert np.shape(mat) == (n, n), f"matrix must be two dimensional with shape ({n}, {n})"
    if op.has_decomposition and not skip_decomp_matrix_check:
        parts = op.decomposition()
        dm = _product(parts, op.wires)
        assert np.allclose(mat, dm), ("matrix and matrix from decomposition must match. Got "
                                      f"\n{mat}\n\n {dm}")


def _check_eigen(op) -> None:
    if not op.has_diagonalizing_gates or not op.has_matrix:
        return
    try:
        eg = np.asarray(type(op).compute_eigvals(*op.data, **op.hyperparameters))
    except (EigvalsUndefinedError, TypeError):
        return
    u = _product(op.diagonalizing_gates(), op.wires)
    rebuilt = u.conj().T @ np.diag(eg) @ u
    mat = np.asarray(op.matrix(), dtype=complex)
    assert np.allclose(rebuilt, mat), ("eigenvalues and diagonalizing gates must be able to "
                                       f"reproduce the original operator. Got \n{rebuilt}\n\n{mat}")


def check_user_operator(op, *, skip_deepcopy=False, skip_pickle=False,
                        skip_wire_mapping=False, skip_decomp_matrix_check=False,
                        **_) -> None:
    """PennyLane's ``assert_valid`` checks of ``op``, an instance of a class written outside
    qsym; an ``AssertionError`` with PennyLane's message names the first that fails.

    >>> import qsym as qml
    >>> class Flip(qml.operation.Operator):
    ...     __module__ = "my_project"  # (a class a user writes lives in their module)
    ...     @staticmethod
    ...     def compute_decomposition(wires):
    ...         return [qml.X(wires[0])]
    >>> check_user_operator(Flip(wires=0), skip_pickle=True)
    """
    _check_data_and_wires(op, skip_wire_mapping)
    _check_copy_and_pytree(op, skip_deepcopy)
    if not skip_pickle:
        assert pickle.loads(pickle.dumps(op)) == op, \
            "operation must be able to be pickled and unpickled"
    _check_bind(op)
    _check_decomposition(op, skip_wire_mapping)
    _check_matrix(op, skip_decomp_matrix_check)
    _check_eigen(op)


METHODS["assert_valid_user"] = check_user_operator


def check_rule_resources(rule, params, gates) -> None:
    """PennyLane's check of a decomposition rule's declared resources against the gates
    it made (``gates``, for an operator of resource parameters ``params``): with exact
    resources the counts must agree (zero counts ignored); otherwise every gate made must
    be among those declared. An ``AssertionError`` lists the differences.

    >>> import qsym as qml
    >>> rule = qml.register_resources({qml.X: 2})(lambda wires: [qml.X(w) for w in wires])
    >>> check_rule_resources(rule, {}, [qml.X(0), qml.X(1)])
    """
    declared = rule.compute_resources(**params).gate_counts
    actual: dict = {}
    for g in gates:
        g = getattr(g, "base", g) if type(g).__name__ == "Conditional" else g
        rep = resource_rep(type(g), **getattr(g, "resource_params", {}))
        actual[rep] = actual.get(rep, 0) + 1
    if not rule.exact_resources:
        missing = [o for o in actual if o not in declared]
        assert not missing, (
            "\nGate counts expected from resource function to contain actual gates:\n"
            f"{list(declared)}\nActual gates:\n{list(actual)}\n"
            f"Missing in gate counts from resource function:\n{missing}")
        return
    declared = {k: v for k, v in declared.items() if v > 0}
    if declared == actual:
        return
    off = [(o, n, declared[o]) for o, n in actual.items() if o in declared and n != declared[o]]
    text = ""
    if off:
        width = max([8] + [len(str(o)) for o, *_ in off])
        text = (f"\nThe numbers are off for following ops:\n{'Operator'.rjust(width)} : "
                "Actual  !=  Resource function\n" + "\n".join(
                    f"{str(o).rjust(width)} : {str(n).rjust(6)}  !=  {d}" for o, n, d in off))
    raise AssertionError(
        f"\nGate counts expected from resource function:\n{declared}\nActual gate counts:\n"
        f"{actual}{text}\nMissing entirely in gate counts from resource function:\n"
        f"{[o for o in actual if o not in declared]}\nMissing entirely in actual gate counts:"
        f"\n{[o for o in declared if o not in actual]}")


METHODS["check_rule_resources"] = check_rule_resources
