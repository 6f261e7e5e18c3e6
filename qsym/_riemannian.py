"""PennyLane's ``RiemannianGradientOptimizer``: gradient flow on the unitary group.

Each step measures the Riemannian gradient of ``<H>`` in a basis of Pauli words ``P_j``,
``omega_j = Tr([rho, H] P_j)`` (by the parameter-shift form: the circuit with
``PauliRot(+-pi/2, P_j)`` appended, PennyLane's ``algebra_commutator``), then appends the
time evolution ``exp(-i t sum_j -omega_j P_j)`` to the circuit (Trotterized with
``ApproxTimeEvolution``, or exact with ``qml.evolve``), PennyLane's
``append_time_evolution`` (arXiv:2202.06976). The circuit grows by one evolution per step
(its gates, or the exact evolution as one ``QubitUnitary``); every value is computed by
qsym's compiled circuits.

>>> import qsym as qml
>>> dev = qml.device("default.qubit", wires=2)
>>> H = qml.Hamiltonian([-1.0, -1.0], [qml.PauliX(0), qml.PauliZ(1)])
>>> @qml.qnode(dev)
... def circuit():
...     qml.RY(0.5, wires=0)
...     return qml.expval(H)
>>> opt = qml.RiemannianGradientOptimizer(circuit, stepsize=0.1)
>>> _, cost = opt.step_and_cost()
>>> round(float(cost), 6)  # -sin(0.5) - 1
-1.479426
>>> bool(opt.circuit() < cost)  # the step lowered the energy
True
"""

from __future__ import annotations

import warnings

import numpy as np

from ._operations import GATE_CLASSES, LinearCombination
from ._runtime import QNode
from ._tapes import QuantumScript
from ._transform import transform
from .pauli import pauli_group, pauli_word_to_string

__all__ = ["RiemannianGradientOptimizer", "append_time_evolution", "algebra_commutator"]


def _first(results):
    return results[0]


@transform
def append_time_evolution(tape: QuantumScript, riemannian_gradient, t, n, exact=False):
    """The tape with the evolution ``exp(-i t G)`` of ``riemannian_gradient`` ``G`` (a
    Hamiltonian) appended, as PennyLane's transform: if ``exact``, the matrix exponential
    (PennyLane's ``qml.evolve``), here a ``QubitUnitary`` of ``V diag(exp(-i t w)) V^dagger``
    from the eigendecomposition ``G = V diag(w) V^dagger``; else ``n`` Trotter steps, the
    gates of ``ApproxTimeEvolution(G, t, n)`` (PennyLane appends the template itself: the
    same unitary).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([qml.Hadamard(0)], [qml.expval(qml.PauliX(0))])
    >>> (new,), _ = append_time_evolution(t, qml.Hamiltonian([0.5], [qml.PauliZ(0)]), 0.1, 1)
    >>> [op.name for op in new.operations]
    ['Hadamard', 'PauliRot']
    """
    from ._trace import Tape, recording
    from .templates import ApproxTimeEvolution

    wires = list(riemannian_gradient.wires)
    with recording(Tape()):
        if exact:
            g = np.asarray(riemannian_gradient.matrix(wire_order=wires), dtype=complex)
            w, v = np.linalg.eigh(g)
            u = (v * np.exp(-1j * t * w)) @ v.conj().T
            ops = [GATE_CLASSES["QubitUnitary"](u, wires=wires)]
        else:
            ops = list(ApproxTimeEvolution(riemannian_gradient, t, n).decomposition())
    return [tape.copy(operations=list(tape.operations) + ops)], _first


@transform
def algebra_commutator(tape: QuantumScript, lie_algebra_basis_names, nqubits):
    """The coefficients ``Tr([rho, H] P_j)`` of the tape's state ``rho`` and measured
    Hamiltonian ``H`` for each Pauli word ``P_j`` (strings on wires ``0..nqubits-1``): the
    tape with ``PauliRot(pi/2, P_j)`` appended minus the tape with ``PauliRot(-pi/2, P_j)``
    (PennyLane's transform, the parameter-shift form of the commutator).

    >>> import qsym as qml
    >>> t = qml.tape.QuantumScript([], [qml.expval(qml.Hamiltonian([1.0], [qml.PauliZ(0)]))])
    >>> tapes, fn = algebra_commutator(t, ["Y"], 1)
    >>> [op.name for tape in tapes for op in tape.operations]
    ['PauliRot', 'PauliRot']
    """
    wires = list(range(nqubits))
    rot = GATE_CLASSES["PauliRot"]
    plus = [tape.copy(operations=list(tape.operations) + [rot(np.pi / 2, w, wires=wires)])
            for w in lie_algebra_basis_names]
    minus = [tape.copy(operations=list(tape.operations) + [rot(-np.pi / 2, w, wires=wires)])
             for w in lie_algebra_basis_names]

    def omegas(results):
        half = len(results) // 2
        return np.hstack(results[:half]) - np.hstack(results[half:])

    return plus + minus, omegas


class RiemannianGradientOptimizer:
    """Riemannian gradient flow on ``SU(2**n)`` (PennyLane's
    ``qml.RiemannianGradientOptimizer``) of a QNode without arguments that returns the
    expectation value of a Hamiltonian; see :mod:`qsym._riemannian`.

    Args:
        circuit: the QNode (no arguments; ``qml.expval`` of a Hamiltonian).
        stepsize: the evolution time ``t`` of each step.
        restriction: a Hamiltonian whose Pauli words span the directions used (default:
            the whole Pauli group, ``4**n`` words).
        exact: ``True``: append the exact evolution (``qml.evolve``); ``False``: Trotterize.
        trottersteps: the Trotter steps of each evolution.

    ``step()`` returns the new circuit (a QNode with the evolutions appended), ``step_and_cost()``
    it and the cost before the step; ``get_omegas()`` the gradient's coefficients.

    >>> import qsym as qml
    >>> dev = qml.device("default.qubit", wires=1)
    >>> @qml.qnode(dev)
    ... def circuit():
    ...     qml.Hadamard(wires=0)
    ...     return qml.expval(qml.Hamiltonian([1.0], [qml.PauliZ(0)]))
    >>> opt = qml.RiemannianGradientOptimizer(circuit)
    >>> opt.lie_algebra_basis_names
    ['I', 'Z', 'X', 'Y']
    """

    def __init__(self, circuit, stepsize=0.01, restriction=None, exact=False, trottersteps=1):
        if not isinstance(circuit, QNode):
            raise TypeError(f"circuit must be a QNode, received {type(circuit)}")
        self.circuit = circuit.update(diff_method=None)
        self.exact = exact
        self.trottersteps = trottersteps
        self.stepsize = stepsize
        self.nqubits = len(circuit.device.wires)
        measured = circuit.func()
        self.hamiltonian = getattr(measured, "measured_obs", None)
        if not isinstance(self.hamiltonian, LinearCombination):
            raise TypeError(
                "circuit must return the expectation value of a Hamiltonian,"
                f"received {type(getattr(measured, 'measured_obs', measured))}")
        self.coeffs, self.observables = self.hamiltonian.terms()
        if self.nqubits > 4:
            warnings.warn(
                "The exact Riemannian gradient is exponentially expensive in the number of "
                f"qubits, optimizing a {self.nqubits} qubit circuit may be slow.", UserWarning)
        if restriction is not None and not isinstance(restriction, LinearCombination):
            raise TypeError(f"restriction must be a Hamiltonian, received {type(restriction)}")
        self.lie_algebra_basis_ops, self.lie_algebra_basis_names = self.get_su_n_operators(
            restriction)

    def step(self):
        """One step; returns the new circuit."""
        return self.step_and_cost()[0]

    def step_and_cost(self):
        """One step; returns the new circuit and the cost before the step."""
        cost = self.circuit()
        omegas = np.asarray(self.get_omegas())
        nonzero = np.nonzero(omegas)[0]
        gradient = LinearCombination(list(-omegas[nonzero]),
                                     [self.lie_algebra_basis_ops[i] for i in nonzero])
        self.circuit = append_time_evolution(self.circuit, gradient, self.stepsize,
                                             self.trottersteps, self.exact)
        return self.circuit, cost

    def get_su_n_operators(self, restriction):
        """The Pauli words of the directions and their strings: the restriction's, or the
        whole Pauli group on the device's wires in PennyLane's order."""
        wire_map = {i: i for i in range(self.nqubits)}
        ops = list(restriction.ops) if restriction else list(pauli_group(self.nqubits))
        return ops, [pauli_word_to_string(op, wire_map=wire_map) for op in ops]

    def get_omegas(self):
        """The coefficients ``Tr([rho, H] P_j)`` of the Riemannian gradient in the basis of
        Pauli words (:func:`algebra_commutator`)."""
        return algebra_commutator(self.circuit, self.lie_algebra_basis_names, self.nqubits)()
