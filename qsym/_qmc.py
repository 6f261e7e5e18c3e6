"""PennyLane's quantum Monte Carlo transforms (``qml.transforms.quantum_monte_carlo``,
``qml.transforms.apply_controlled_Q``; Rebentrost et al., arXiv:1805.00109): a circuit for
the unitary ``F`` becomes the phase estimation of ``Q = (F Z F^dagger V)^2``, whose phase
holds ``mu``, the probability of ``|1>`` on the target wire after ``F``.

The ``QuantumMonteCarlo`` template (:mod:`qsym._encodings`) builds the same from a
distribution and a function; these transforms start from your circuit for ``F``.
"""

from __future__ import annotations

from ._operations import GATE_CLASSES
from ._opmath import adjoint
from ._transform import detached, transform
from .templates import QFT
from .wires import Wires

__all__ = ["apply_controlled_Q", "quantum_monte_carlo", "controlled_z", "controlled_v"]


def controlled_z(wires, control_wire, work_wires) -> list:
    """The gates (recorded where they are made) of the reflection ``Z`` about ``|0...0>`` on ``wires`` controlled by
    ``control_wire``: X and H on the first wire around a
    multi-controlled X whose other ``wires`` control on 0 and ``control_wire`` on 1
    (PennyLane's ``_apply_controlled_z``).

    >>> [op.name for op in controlled_z(Wires([0, 1]), Wires([2]), Wires([]))]
    ['PauliX', 'Hadamard', 'MultiControlledX', 'Hadamard', 'PauliX']
    """
    wires, control_wire = Wires(wires), Wires(control_wire)
    target = wires[0]
    X, H, MCX = GATE_CLASSES["PauliX"], GATE_CLASSES["Hadamard"], GATE_CLASSES["MultiControlledX"]
    first = [X(target), H(target)]
    flip = MCX(wires=[*wires[1:], *control_wire, target],
               control_values=[0] * (len(wires) - 1) + [1], work_wires=work_wires)
    return [*first, flip, H(target), X(target)]


def controlled_v(target_wire, control_wire) -> list:
    """The gate (recorded where it is made) of ``V = Z`` on ``target_wire`` controlled by ``control_wire``: one CZ
    (PennyLane's ``_apply_controlled_v``).

    >>> controlled_v(Wires([0]), Wires([3]))
    [CZ(wires=[3, 0])]
    """
    return [GATE_CLASSES["CZ"](wires=[Wires(control_wire)[0], Wires(target_wire)[0]])]


def _controlled_q(operations, wires, target_wire, control_wire, work_wires) -> list:
    wires, target_wire, control_wire = Wires(wires), Wires(target_wire), Wires(control_wire)
    work_wires = Wires([]) if work_wires is None else Wires(work_wires)
    if not wires.contains_wires(target_wire):
        raise ValueError("The target wire must be contained within wires: pass a target_wire "
                         f"among {wires.tolist()}")
    with detached():  # the gates are made here, recorded by the caller's tape only
        inverse = [adjoint(op) for op in reversed(operations)]
        half = [*controlled_v(target_wire, control_wire), *inverse,
                *controlled_z(wires, control_wire, work_wires), *operations]
    return half + half


@transform
def apply_controlled_Q(tape, wires, target_wire, control_wire, work_wires):
    """PennyLane's ``qml.transforms.apply_controlled_Q``: the circuit of ``F`` becomes the
    controlled ``Q = (F Z F^dagger V)^2`` of quantum Monte Carlo, controlled by
    ``control_wire`` (``V`` is Z on ``target_wire``, which must be among ``wires``).

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RY(0.3, 0)])
    >>> [t], _ = qml.apply_controlled_Q(tape, wires=[0], target_wire=0, control_wire=1,
    ...                                 work_wires=None)
    >>> [op.name for op in t.operations][:4]
    ['CZ', 'Adjoint(RY)', 'PauliX', 'Hadamard']
    """
    ops = _controlled_q(list(tape.operations), wires, target_wire, control_wire, work_wires)
    return [tape.copy(operations=ops)], lambda results: results[0]


@transform
def quantum_monte_carlo(tape, wires, target_wire, estimation_wires):
    """PennyLane's ``qml.transforms.quantum_monte_carlo``: the circuit of ``F`` (on
    ``wires``, its result's probability of ``|1>`` on ``target_wire`` is ``mu``) followed by
    phase estimation of ``Q`` on ``estimation_wires``: ``mu = (1 - cos(pi theta)) / 2`` for
    the estimated phase ``theta``.

    >>> import qsym as qml
    >>> tape = qml.tape.QuantumScript([qml.RY(0.3, 0)], [qml.probs([1, 2])])
    >>> [t], _ = qml.quantum_monte_carlo(tape, wires=[0], target_wire=0,
    ...                                   estimation_wires=[1, 2])
    >>> t.operations[-1].name
    'Adjoint(QFT)'
    """
    wires, target_wire = Wires(wires), Wires(target_wire)
    estimation_wires = Wires(estimation_wires)
    if Wires.shared_wires([wires, estimation_wires]):
        raise ValueError("No wires can be shared between the wires and estimation_wires "
                         "registers: pick estimation wires outside the circuit's wires")
    operations = list(tape.operations)
    out = list(operations)
    hadamard = GATE_CLASSES["Hadamard"]
    for i, control in enumerate(estimation_wires):
        with detached():
            out.append(hadamard(control))
        work = Wires(estimation_wires.toset() - {control})
        q = _controlled_q(operations, wires, target_wire, Wires(control), work)
        out.extend(q * 2 ** (len(estimation_wires) - i - 1))
    with detached():
        out.append(adjoint(QFT(wires=estimation_wires)))
    return [tape.copy(operations=out)], lambda results: results[0]
