"""The user-facing gates, observables and measurements (PennyLane's names and calls).

Each gate class is made from its row of the gate table (:mod:`qsym.gates`). Creating a gate
inside a circuit function records it on the active tape (:mod:`qsym.trace`); a gate used as
an observable (``qml.expval(qml.PauliZ(0))``, ``qml.PauliZ(0) @ qml.PauliX(1)``) is taken
off the tape again, as in PennyLane.

Observables are kept as sums of Pauli words with coefficients (:class:`Observable`), which
is what the kernels measure.

>>> from qsym import operations as ops
>>> H = 0.5 * ops.PauliZ(0) @ ops.PauliZ(1) - ops.PauliX(0)
>>> H
Observable(0.5 * Z(0) @ Z(1) - 1 * X(0))
>>> ops.RX(0.3, wires=0)
RX(0.3, wires=[0])
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np
import sympy as sp

from .errors import GateError, MeasurementError, TracingError, WireError
from .gates import GATES, gate_def
from .gates import matrix as _gate_matrix
from .trace import Traced, active_tape


def _wires_tuple(wires) -> tuple:
    """PennyLane accepts a single label or an iterable of labels."""
    labels = wires.ravel() if isinstance(wires, np.ndarray) else wires
    if isinstance(wires, Traced) or (
        isinstance(labels, (list, tuple, np.ndarray)) and any(isinstance(w, Traced) for w in labels)
    ):
        raise TracingError(
            f"wires={wires!r} uses a traced circuit input as a wire label; wires decide the "
            "circuit's structure: pass them as ints (static arguments)"
        )
    if isinstance(wires, (str, numbers.Integral)) or np.isscalar(wires):
        return (wires.item() if isinstance(wires, np.generic) else wires,)
    if isinstance(wires, np.ndarray):
        return tuple(w.item() for w in wires.ravel())
    if isinstance(wires, Iterable):
        return tuple(w.item() if isinstance(w, np.generic) else w for w in wires)
    raise WireError(f"wires must be a label or a list of labels, got {wires!r}")


def _check_param(name: str, value):
    """A gate parameter: a real number or a (real) sympy expression of traced inputs."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, Traced):
        value = value.expr
    if isinstance(value, sp.Basic):
        if not isinstance(value, sp.Expr):
            raise GateError(f"{name}: parameter {value!r} is not a number")
        if value.is_real is False:
            raise GateError(f"{name}: parameter {value} is not real; gate angles must be real")
        return value
    if isinstance(value, (bool, np.bool_)):
        raise GateError(f"{name}: parameter must be a real number, got a bool {value!r}")
    if isinstance(value, numbers.Real):
        v = float(value)
        if not np.isfinite(v):
            raise GateError(f"{name}: parameter is {v}; gate angles must be finite")
        return value
    if isinstance(value, numbers.Complex):
        raise GateError(f"{name}: parameter {value!r} is complex; gate angles must be real")
    if isinstance(value, (np.ndarray, list, tuple)):
        shape = np.shape(np.asarray(value, dtype=object))
        if len(shape) == 1 and shape[0] > 0:  # broadcast: one value per batch element
            from .broadcast import Batched

            return Batched(_check_param(name, v) for v in value)
        raise GateError(
            f"{name}: a parameter must be a scalar (or a 1-D array to broadcast over a "
            f"batch), got an array of shape {shape}; index it (e.g. params[0]) or unpack "
            "it (e.g. *params)"
        )
    raise GateError(f"{name}: parameter must be a real number, got {type(value).__name__}")


def _check_hyper(name: str, hyper: dict, n_wires: int) -> tuple:
    """Validate hyperparameters; return them as hashable ``(name, value)`` pairs."""
    row = GATES[name]
    missing = [h for h in row.hyper if h not in hyper and h != "control_values"]
    if missing:
        raise GateError(f"{name} needs {', '.join(missing)}")
    out = []
    for h in row.hyper:
        if h not in hyper or hyper[h] is None:
            continue
        v = hyper[h]
        if h == "pauli_word":
            if not isinstance(v, str) or not v or set(v) - set("IXYZ"):
                raise GateError(f"{name}: pauli_word must be a string of I, X, Y, Z; got {v!r}")
            if len(v) != n_wires:
                raise WireError(f"{name}: pauli_word {v!r} has {len(v)} letters for {n_wires} wires")
        elif h == "dim":
            if not isinstance(v, numbers.Integral) or not 0 <= v <= 2**n_wires:
                raise GateError(f"{name}: dim must be an int in 0..{2**n_wires}, got {v!r}")
            v = int(v)
        elif h == "control_values":
            bits = tuple(int(b) for b in (v if not isinstance(v, str) else list(v)))
            if len(bits) != n_wires - 1 or set(bits) - {0, 1}:
                raise GateError(
                    f"{name}: control_values must give 0 or 1 for each of the "
                    f"{n_wires - 1} control wires, got {v!r}"
                )
            v = bits
        elif h == "U":
            U = np.asarray(v, dtype=complex)
            if U.shape != (2**n_wires, 2**n_wires):
                raise GateError(
                    f"{name}: a matrix on {n_wires} wire(s) must be {2**n_wires}x{2**n_wires}, "
                    f"got shape {U.shape}"
                )
            if not np.allclose(U.conj().T @ U, np.eye(len(U)), atol=1e-10):
                raise GateError(f"{name}: the matrix is not unitary (U^dagger U != 1)")
            v = tuple(tuple(complex(x) for x in r) for r in U)
        out.append((h, v))
    if name == "MultiControlledX" and n_wires < 2:
        raise WireError("MultiControlledX needs at least 2 wires (controls and a target)")
    return tuple(out)


class Operation:
    """A gate application. Subclasses are made from the gate table, one per row."""

    num_params: int = 0
    num_wires: int = 1

    def __init__(self, *args, wires=None, id=None, **hyper):
        name = type(self).__name__
        row = GATES[name]
        n_par = self.num_params
        n_fixed = n_par + len(row.hyper)  # parameters, then hyperparameters, as in PennyLane
        unknown = set(hyper) - set(row.hyper)
        if unknown:
            raise GateError(f"{name} got unexpected keyword argument(s) {sorted(unknown)}")
        if wires is None and len(args) > n_fixed:
            wires = args[n_fixed]
            args = args[:n_fixed] + args[n_fixed + 1 :]
        if len(args) > n_fixed:
            raise GateError(f"{name} takes {n_par} parameter(s), got {len(args) - len(row.hyper)}")
        for hname, value in zip(row.hyper, args[n_par:]):
            if hname in hyper:
                raise GateError(f"{name} got {hname!r} twice")
            hyper[hname] = value
        args = args[:n_par]
        if len(args) != n_par:
            raise GateError(
                f"{name} takes {n_par} parameter(s), e.g. "
                f"{name}({', '.join(['0.1'] * n_par + ['wires=0'])}); got {len(args)}"
            )
        if wires is None:
            if name != "GlobalPhase":
                raise GateError(f"{name} needs wires=, e.g. {name}(..., wires=0)")
            wires = ()  # a global phase: any wire will do (the device's first)
        self.params = tuple(_check_param(name, a) for a in args)
        self.wires = _wires_tuple(wires)
        if self.num_wires and len(self.wires) != self.num_wires:
            raise WireError(
                f"{name} acts on {self.num_wires} wire(s), got {len(self.wires)}: "
                f"{list(self.wires)}"
            )
        if len(set(self.wires)) != len(self.wires):
            raise WireError(f"{name} got duplicate wires {list(self.wires)}")
        self.hyper = _check_hyper(name, hyper, len(self.wires))
        self.id = id
        tape = active_tape()
        if tape is not None:
            tape.append(self)

    @property
    def name(self) -> str:
        return type(self).__name__

    def matrix(self) -> np.ndarray:
        """The numeric matrix (parameters must be numbers).

        >>> PauliZ(0).matrix().real
        array([[ 1.,  0.],
               [ 0., -1.]])
        """
        return _gate_matrix(
            self.name,
            *[float(p) for p in self.params],
            num_wires=None if self.num_wires else max(len(self.wires), 1),
            **dict(self.hyper),
        )

    def __repr__(self):
        pars = ", ".join([str(p) for p in self.params] + [f"{h}={v!r}" for h, v in self.hyper])
        return f"{self.name}({pars + ', ' if pars else ''}wires={list(self.wires)})"

    # --- observable algebra: a gate with a Pauli form can be used as an observable --------
    def __matmul__(self, other):
        return as_observable(self) @ as_observable(other)

    def __rmatmul__(self, other):
        return as_observable(other) @ as_observable(self)

    def __mul__(self, other):
        return as_observable(self) * other

    __rmul__ = __mul__

    def __add__(self, other):
        return as_observable(self) + as_observable(other)

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:  # sum() starts from 0
            return as_observable(self)
        return as_observable(other) + as_observable(self)

    def __sub__(self, other):
        return as_observable(self) + (-1) * as_observable(other)

    def __rsub__(self, other):
        return as_observable(other) + (-1) * as_observable(self)

    def __neg__(self):
        return (-1) * as_observable(self)


def _make_gate_class(row) -> type:
    doc = (
        f"The {row.name} gate ({row.num_params} parameter(s), "
        f"{row.num_wires or 'any number of'} wire(s)). {row.doc}\n\n"
        f"Matrix: :data:`qsym.gates.GATES`[{row.name!r}]."
    )
    return type(
        row.name,
        (Operation,),
        {"num_params": row.num_params, "num_wires": row.num_wires, "__doc__": doc},
    )


GATE_CLASSES: dict[str, type] = {name: _make_gate_class(row) for name, row in GATES.items()}
globals().update(GATE_CLASSES)


def _exact_matrix(value, what: str) -> sp.Matrix:
    """An exact sympy matrix from numbers (floats read as the decimals they print as)."""
    from .rules import _exact_number

    if isinstance(value, Observable):
        raise GateError(f"{what}: give the generator on wires 0..k-1 as a matrix or Pauli sum")
    m = sp.Matrix(value)
    return m.applyfunc(
        lambda v: v if isinstance(v, sp.Basic) and v.is_number and not isinstance(v, sp.Float)
        else (_exact_number(sp.re(v), what) + sp.I * _exact_number(sp.im(v), what))
    )


def _pauli_sum_matrix(terms, num_wires: int) -> sp.Matrix:
    """``sum(c * word)`` for words given as strings of I, X, Y, Z (wire 0 first)."""
    from .gates import _pauli_matrix

    out = sp.zeros(2**num_wires)
    for c, word in terms:
        if len(word) != num_wires or set(word) - set("IXYZ"):
            raise GateError(f"Pauli word {word!r} is not a word of {num_wires} letters I, X, Y, Z")
        out += _exact_matrix([[c]], "a Pauli coefficient")[0] * _pauli_matrix(word)
    return out


def define_gate(name: str, num_wires: int, *, generator=None, matrix=None, doc: str = ""):
    """Add a one-parameter gate to qsym: ``U(t) = exp(-i t G)`` or ``U(t) = matrix(t)``.

    qsym finds its frequencies, derives its shift rule and proves it before the gate can be
    used; a gate with no exact rule (its matrix is not a trigonometric polynomial in
    ``t``) is refused with the reason. The gate then works like a built-in one:
    ``qml.<name>(t, wires=...)`` in circuits, gradients, ``qsym rules``.

    Args:
        name: a new gate name (a Python identifier).
        num_wires: the number of wires it acts on.
        generator: a Hermitian matrix (nested lists, NumPy or sympy), or a Pauli sum as a
            list of ``(coefficient, "XZ")`` pairs, for ``U(t) = exp(-i t G)``.
        matrix: or a function of one parameter returning the matrix. It is called with a
            sympy symbol, so write it with sympy functions (``sympy.cos``...).

    Returns:
        The new gate class (also available as ``qsym.<name>``).

    >>> import qsym as qml
    >>> XY = qml.define_gate("XYRotation", 2, generator=[(0.5, "XY")])
    >>> qml.rules.rule_for_gate("XYRotation", 0).frequencies
    (1,)
    >>> qml.undefine_gate("XYRotation")
    """
    from . import rules
    from .errors import RuleError
    from .gates import GateDef, register, unregister

    if not isinstance(name, str) or not name.isidentifier():
        raise GateError(f"a gate name must be a Python identifier, got {name!r}")
    if not isinstance(num_wires, numbers.Integral) or num_wires < 1:
        raise WireError(f"num_wires must be a positive int, got {num_wires!r}")
    if (generator is None) == (matrix is None):
        raise GateError("give exactly one of generator= or matrix=")
    dim = 2**num_wires
    t = sp.Symbol("t", real=True)
    gen = None
    if generator is not None:
        if isinstance(generator, (list, tuple)) and generator and isinstance(generator[0], tuple):
            gen = _pauli_sum_matrix(generator, num_wires)
        else:
            gen = _exact_matrix(generator, f"{name} generator")
        if gen.shape != (dim, dim):
            raise GateError(f"{name}: the generator must be {dim}x{dim}, got {gen.shape}")
        if (gen - gen.H).applyfunc(sp.simplify) != sp.zeros(dim):
            raise GateError(f"{name}: the generator is not Hermitian")
        exact = (-sp.I * t * gen).exp()

        def mat_fn(p):
            return exact.xreplace({t: p})

        gen_fn = lambda: gen  # noqa: E731
    else:
        try:
            exact = sp.Matrix(matrix(t))
        except Exception as exc:
            raise GateError(
                f"{name}: the matrix function failed on a sympy symbol ({exc}); write it with "
                "sympy functions (sympy.cos, sympy.exp, sympy.I) so that qsym can find its "
                "shift rule exactly"
            ) from None
        if exact.shape != (dim, dim):
            raise GateError(f"{name}: the matrix must be {dim}x{dim}, got {exact.shape}")
        for value in (0.3, -1.7):
            num = np.array(exact.xreplace({t: value}).evalf(), dtype=complex)
            if not np.allclose(num.conj().T @ num, np.eye(dim), atol=1e-10):
                raise GateError(f"{name}: the matrix is not unitary at t = {value}")

        def mat_fn(p):
            return exact.xreplace({t: p})

        gen_fn = None
    row = GateDef(name, num_wires, 1, mat_fn, doc=doc or "user-defined", generator=gen_fn)
    register(row)
    try:
        rules.rule_for_gate(name, 0)
    except RuleError as exc:
        unregister(name)
        raise RuleError(f"{name} has no exact shift rule, so qsym will not differentiate it: {exc}") from None
    cls = _make_gate_class(row)
    GATE_CLASSES[name] = cls
    globals()[name] = cls
    import qsym

    setattr(qsym, name, cls)
    return cls


def undefine_gate(name: str) -> None:
    """Remove a gate added by :func:`define_gate` (qsym's own gates cannot be removed)."""
    from . import rules
    from .gates import unregister

    unregister(name)
    GATE_CLASSES.pop(name, None)
    globals().pop(name, None)
    import qsym

    if hasattr(qsym, name):
        delattr(qsym, name)
    rules.rule_for_gate.cache_clear()
    # the printed matrix code is memoized by gate name too: a gate defined again under
    # this name with another matrix must not get the old one's code
    from .emit import gate_body

    gate_body.cache_clear()

# --- Pauli algebra ---------------------------------------------------------------------
# product of single-qubit Paulis: (a, b) -> (phase, letter); "" is the identity
_PAULI_MUL = {
    ("X", "Y"): (1j, "Z"),
    ("Y", "Z"): (1j, "X"),
    ("Z", "X"): (1j, "Y"),
    ("Y", "X"): (-1j, "Z"),
    ("Z", "Y"): (-1j, "X"),
    ("X", "Z"): (-1j, "Y"),
}


def _mul_words(w1: tuple, w2: tuple):
    """Product of two Pauli words (tuples of (wire label, letter)): (phase, word)."""
    letters = dict(w1)
    order = [w for w, _ in w1]
    phase = 1
    for wire, b in w2:
        a = letters.get(wire)
        if a is None:
            letters[wire] = b
            order.append(wire)
        elif a == b:
            del letters[wire]
            order.remove(wire)
        else:
            ph, c = _PAULI_MUL[(a, b)]
            phase *= ph
            letters[wire] = c
    word = tuple(sorted(((w, letters[w]) for w in order), key=lambda t: repr(t[0])))
    return phase, word


def _scalar(c):
    if isinstance(c, np.ndarray) and c.ndim == 0:
        c = c[()]
    if isinstance(c, Traced):
        c = c.expr
    if isinstance(c, sp.Basic) or isinstance(c, numbers.Number):
        return c
    raise MeasurementError(f"an observable can only be scaled by a number, got {c!r}")


class Observable:
    """A Hermitian observable as a sum of Pauli words: ``{word: coefficient}``.

    A word is a tuple of ``(wire label, "X" | "Y" | "Z")``; the empty word is the identity.
    Coefficients are numbers, or sympy expressions of traced inputs (a Hamiltonian whose
    coefficients are circuit arguments).
    """

    def __init__(self, terms: dict):
        self.terms = {w: c for w, c in terms.items() if not (isinstance(c, numbers.Number) and c == 0)}

    @property
    def wires(self) -> tuple:
        seen = []
        for word in self.terms:
            for w, _ in word:
                if w not in seen:
                    seen.append(w)
        return tuple(seen)

    def __matmul__(self, other):
        other = as_observable(other)
        out: dict = {}
        for w1, c1 in self.terms.items():
            for w2, c2 in other.terms.items():
                phase, w = _mul_words(w1, w2)
                out[w] = out.get(w, 0) + phase * c1 * c2
        return Observable(out)

    def __rmatmul__(self, other):
        return as_observable(other) @ self

    def __mul__(self, other):
        if isinstance(other, (Observable, Operation)):
            return self @ other
        c = _scalar(other)
        return Observable({w: c * v for w, v in self.terms.items()})

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1 / _scalar(other))

    def __add__(self, other):
        other = as_observable(other)
        out = dict(self.terms)
        for w, c in other.terms.items():
            out[w] = out.get(w, 0) + c
        return Observable(out)

    def __radd__(self, other):
        if isinstance(other, numbers.Number) and other == 0:
            return self
        return as_observable(other) + self

    def __sub__(self, other):
        return self + (-1) * as_observable(other)

    def __rsub__(self, other):
        return as_observable(other) + (-1) * self

    def __neg__(self):
        return (-1) * self

    def __repr__(self):
        if not self.terms:
            return "Observable(0)"
        parts = []
        for word, c in self.terms.items():
            ops = " @ ".join(f"{p}({w!r})" for w, p in word) or "I"
            parts.append(f"{c} * {ops}")
        return "Observable(" + " + ".join(parts).replace("+ -", "- ") + ")"


def as_observable(obj) -> Observable:
    """Turn a gate with a Pauli form, or an Observable, into an Observable.

    A gate used this way is taken off the active tape: it is measured, not applied.
    """
    if isinstance(obj, Observable):
        return obj
    if isinstance(obj, Operation):
        row = gate_def(obj.name)
        if row.pauli is None:
            raise MeasurementError(
                f"{obj.name} cannot be used as an observable; qsym measures PauliX, PauliY, "
                "PauliZ, Identity and Hadamard, their tensor products (@), scalar multiples "
                "and sums (qml.Hamiltonian)"
            )
        tape = active_tape()
        if tape is not None:
            tape.remove(obj)
        terms = {}
        for coeff, letters in row.pauli:
            word = tuple(
                sorted(
                    ((w, p) for w, p in zip(obj.wires, letters) if p != "I"),
                    key=lambda t: repr(t[0]),
                )
            )
            terms[word] = terms.get(word, 0) + coeff
        if row.name == "Identity":
            terms = {(): 1}
        elif len(obj.wires) != 1:
            raise MeasurementError(f"{obj.name} on {len(obj.wires)} wires is not an observable")
        return Observable(terms)
    raise MeasurementError(
        f"expected an observable (e.g. qml.PauliZ(0)), got {type(obj).__name__}: {obj!r}"
    )


def Hamiltonian(coeffs, observables) -> Observable:
    """``sum(c * o for c, o in zip(coeffs, observables))``, PennyLane's Hamiltonian.

    >>> Hamiltonian([0.5, -1.0], [PauliZ(0), PauliX(0) @ PauliX(1)])
    Observable(0.5 * Z(0) - 1.0 * X(0) @ X(1))
    """
    coeffs = list(np.asarray(coeffs, dtype=object).ravel()) if not isinstance(coeffs, list) else coeffs
    observables = list(observables)
    if len(coeffs) != len(observables):
        raise MeasurementError(
            f"Hamiltonian got {len(coeffs)} coefficients and {len(observables)} observables"
        )
    total = Observable({})
    for c, o in zip(coeffs, observables):
        total = total + _scalar(c) * as_observable(o)
    return total


LinearCombination = Hamiltonian

_PAULI_NP = {
    "I": np.eye(2, dtype=complex),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0 + 0j, -1.0]),
}


def _pauli_decomposition(M: np.ndarray, wires: tuple) -> Observable:
    """``M = sum_P tr(P M) / 2^k  P`` over the 4^k Pauli words on ``wires``."""
    import itertools

    k = len(wires)
    terms = {}
    for letters in itertools.product("IXYZ", repeat=k):
        P = np.array([[1.0 + 0j]])
        for letter in letters:
            P = np.kron(P, _PAULI_NP[letter])
        c = np.trace(P @ M).real / 2**k
        if abs(c) > 1e-15:
            word = tuple(
                sorted(((w, l) for w, l in zip(wires, letters) if l != "I"), key=lambda t: repr(t[0]))
            )
            terms[word] = terms.get(word, 0) + float(c)
    return Observable(terms)


def Hermitian(A, wires) -> Observable:
    """A Hermitian matrix as an observable (PennyLane's ``qml.Hermitian``).

    It is decomposed exactly into Pauli words (4^k of them on k wires), so expectation
    values and all gradient methods work on it like on any Pauli sum.

    >>> Hermitian([[1, 0], [0, 0]], wires=0)  # |0><0| = (I + Z) / 2
    Observable(0.5 * I + 0.5 * Z(0))
    """
    wires = _wires_tuple(wires)
    M = np.asarray(A, dtype=complex)
    k = len(wires)
    if M.shape != (2**k, 2**k):
        raise MeasurementError(
            f"Hermitian on {k} wire(s) needs a {2**k}x{2**k} matrix, got shape {M.shape}"
        )
    if not np.all(np.isfinite(M)):
        raise MeasurementError("Hermitian: the matrix has NaN or infinite entries")
    if not np.allclose(M, M.conj().T, atol=1e-10):
        raise MeasurementError("Hermitian: the matrix is not Hermitian (A != A^dagger)")
    if len(set(wires)) != k:
        raise WireError(f"Hermitian got duplicate wires {list(wires)}")
    if k > 8:
        raise MeasurementError("Hermitian on more than 8 wires: write it as a Pauli sum")
    return _pauli_decomposition(M, wires)


def Projector(state, wires) -> Observable:
    """The projector on a basis state (a list of 0/1, one per wire) or on a state vector
    (2^k amplitudes), as PennyLane's ``qml.Projector``.

    >>> Projector([1], wires=0)  # |1><1| = (I - Z) / 2
    Observable(0.5 * I - 0.5 * Z(0))
    """
    wires = _wires_tuple(wires)
    v = np.asarray(state)
    k = len(wires)
    if v.shape == (k,) and set(np.unique(v).tolist()) <= {0, 1}:
        obs = Observable({(): 1})
        for w, b in zip(wires, v.tolist()):
            sign = 1 if b == 0 else -1
            obs = obs @ Observable({(): 0.5, ((w, "Z"),): 0.5 * sign})
        return obs
    if v.shape == (2**k,):
        v = v.astype(complex)
        norm = np.linalg.norm(v)
        if not np.isclose(norm, 1.0, atol=1e-10):
            raise MeasurementError(f"Projector: the state vector has norm {norm}, not 1")
        return Hermitian(np.outer(v, v.conj()), wires)
    raise MeasurementError(
        f"Projector on {k} wire(s) takes a basis state of {k} bits or a state vector of "
        f"{2**k} amplitudes, got shape {v.shape}"
    )


# --- measurements ----------------------------------------------------------------------
class MeasurementProcess:
    """What a circuit returns: ``kind`` ``"expval"`` or ``"var"`` of an
    :class:`Observable`, or ``"probs"`` on ``wires`` (None: every wire of the device)."""

    def __init__(self, kind: str, obs: Observable | None = None, wires=None):
        self.kind = kind
        self.obs = obs
        self.wires = wires

    def __repr__(self):
        if self.kind == "probs" or (self.kind in ("sample", "counts") and self.obs is None):
            return f"{self.kind}(wires={self.wires})"
        if self.kind == "state":
            return "state()"
        return f"{self.kind}({self.obs!r})"


def var(obs) -> MeasurementProcess:
    """The variance ``<O^2> - <O>^2`` of an observable (PennyLane's ``qml.var``).

    Computed from two Pauli sums measured on the same state, ``O^2`` and ``O``; its
    derivative is ``d<O^2> - 2 <O> d<O>``.

    >>> var(PauliZ(0))
    var(Observable(1 * Z(0)))
    """
    return MeasurementProcess("var", as_observable(obs))


def state() -> MeasurementProcess:
    """The final state vector (PennyLane's ``qml.state``): complex, ``2**n`` amplitudes,
    wire 0 most significant. A value only: it has no gradient.

    >>> state()
    state()
    """
    return MeasurementProcess("state")


def probs(wires=None, op=None) -> MeasurementProcess:
    """Probabilities of the computational basis states of ``wires`` (PennyLane's
    ``qml.probs``): an array of ``2**len(wires)`` values, the first wire most significant.
    With no wires, every wire of the device.

    >>> probs(wires=[0, 1])
    probs(wires=(0, 1))
    """
    if op is not None:
        raise MeasurementError(
            "probs(op=...) (probabilities in an observable's eigenbasis) is not supported; "
            "rotate to the computational basis and use probs(wires=...)"
        )
    return MeasurementProcess("probs", wires=None if wires is None else _wires_tuple(wires))


def _sampled(kind, op, wires):
    if op is not None and wires is not None:
        raise MeasurementError(f"qml.{kind}: give an observable or wires, not both")
    if op is not None:
        return MeasurementProcess(kind, as_observable(op))
    return MeasurementProcess(kind, wires=None if wires is None else _wires_tuple(wires))


def sample(op=None, wires=None) -> MeasurementProcess:
    """Samples (PennyLane's ``qml.sample``; needs a device or QNode with ``shots``): of an
    observable, its eigenvalues, shape ``(shots,)``; else the computational-basis outcomes
    of ``wires`` (all wires if None), integers 0/1 of shape ``(shots, len(wires))``.

    >>> sample(PauliZ(0)), sample(wires=[0, 1])
    (sample(Observable(1 * Z(0))), sample(wires=(0, 1)))
    """
    return _sampled("sample", op, wires)


def counts(op=None, wires=None, all_outcomes=False) -> MeasurementProcess:
    """Outcome counts (PennyLane's ``qml.counts``; needs shots): a dict from bit strings
    (``"01"``, first wire first) or from observable eigenvalues to how often each was seen;
    observed outcomes only, sorted.

    >>> counts(wires=[1])
    counts(wires=(1,))
    """
    if all_outcomes:
        raise MeasurementError(
            "qml.counts(all_outcomes=True) is not supported; missing keys have count 0"
        )
    return _sampled("counts", op, wires)


class _Expval:
    """``qml.expval(obs)``; also the old spelling ``qml.expval.PauliZ(0)``."""

    def __call__(self, obs) -> MeasurementProcess:
        """The expectation value of an observable.

        >>> expval(PauliZ(0))
        expval(Observable(1 * Z(0)))
        """
        return MeasurementProcess("expval", as_observable(obs))

    def __getattr__(self, name):
        row = GATES.get(name)
        if row is None or row.pauli is None:
            raise AttributeError(
                f"qml.expval.{name}: no such observable; use qml.expval(qml.{name}(...))"
                if row is None
                else f"{name} is not an observable"
            )
        cls = GATE_CLASSES[name]

        def make(*args, **kwargs):
            return self(cls(*args, **kwargs))

        make.__name__ = name
        return make

    def __repr__(self):
        return "<qsym.expval>"


expval = _Expval()
