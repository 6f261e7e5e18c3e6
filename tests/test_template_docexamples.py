"""Issue #18: PennyLane's template docstring examples: ``ApproxTimeEvolution``'s
``compute_decomposition(*coeffs_and_time, wires, hamiltonian, n)`` and the QFT's gate
parameters as Python floats. Expected angles are written out (2 t c / n, pi / 2**k)."""

import math

import numpy
import pytest

import qsym as qml
from qsym import ApproxTimeEvolution


def test_approx_time_evolution_compute_decomposition_pennylane_signature():
    H = qml.Hamiltonian([0.1, 0.2, 0.3, 0.7], [qml.Z(0) @ qml.Z(1), qml.X(0), qml.I(0), qml.Y(1)])
    ops = ApproxTimeEvolution.compute_decomposition(0.1, 0.2, 0.3, 0.7, 0.5, wires=range(2),
                                                    n=2, hamiltonian=H)
    # the identity term gives no gate; one round repeated n = 2 times: angle 2 t c / n
    assert [op.name for op in ops] == ["PauliRot"] * 6
    assert [op.hyperparameters["pauli_word"] for op in ops] == ["ZZ", "X", "Y"] * 2
    assert [list(op.wires) for op in ops] == [[0, 1], [0], [1]] * 2
    assert numpy.allclose([op.data[0] for op in ops], [0.05, 0.1, 0.35] * 2)
    # PennyLane 0.45 reads the Hamiltonian's own coefficients and the last argument's time
    with qml.queuing.AnnotatedQueue() as q:
        ops = ApproxTimeEvolution.compute_decomposition(9.0, 9.0, 9.0, 9.0, 1.5, wires=range(2),
                                                        n=1, hamiltonian=H)
    assert q.queue == ops
    assert numpy.allclose([op.data[0] for op in ops], [0.3, 0.6, 2.1])


def test_approx_time_evolution_decomposition_matches_the_template():
    H = qml.Hamiltonian([0.4, -0.25], [qml.X(0) @ qml.Y(1), qml.Z(1)])
    ops = ApproxTimeEvolution.compute_decomposition(0.4, -0.25, 0.8, wires=[0, 1], n=3,
                                                    hamiltonian=H)
    U = qml.matrix(qml.ApproxTimeEvolution(H, 0.8, 3), wire_order=[0, 1])
    V = numpy.eye(4)
    for op in ops:
        V = qml.matrix(op, wire_order=[0, 1]) @ V
    assert numpy.allclose(U, V)


def test_qft_gates_have_float_parameters():
    ops = qml.QFT.compute_decomposition(wires=(0, 1, 2))
    angles = [op.data[0] for op in ops if op.name == "ControlledPhaseShift"]
    assert angles == [math.pi / 2, math.pi / 4, math.pi / 2]
    assert all(type(a) is float for a in angles)
    assert numpy.isclose(numpy.cos(angles[1]), math.sqrt(0.5))  # usable as numbers
    aqft = qml.AQFT.compute_decomposition((0, 1, 2), order=1)
    assert [type(op.data[0]) for op in aqft if op.data] == [float, float]
    # the transform is unchanged: QFT |01> (j = 1) has amplitudes exp(2 pi i j k / 4) / 2
    dev = qml.device("default.qubit", wires=2)

    @qml.qnode(dev)
    def c():
        qml.X(1)
        qml.QFT(wires=[0, 1])
        return qml.state()

    expected = numpy.exp(2j * numpy.pi * numpy.arange(4) / 4) / 2
    assert numpy.allclose(c(), expected)


def test_get_transform_program_is_the_deprecated_pipeline_accessor():
    from qsym.exceptions import PennyLaneDeprecationWarning

    dev = qml.device("default.qubit")

    @qml.metric_tensor
    @qml.transforms.merge_rotations
    @qml.transforms.cancel_inverses
    @qml.qnode(dev, diff_method="parameter-shift", gradient_kwargs={"shifts": numpy.pi / 4})
    def circuit():
        qml.RX(0.5, 0)
        return qml.expval(qml.Z(0))

    with pytest.warns(PennyLaneDeprecationWarning, match="get_compile_pipeline"):
        top = qml.workflow.get_transform_program(circuit, level="top")
    assert len(top) == 0
    with pytest.warns(PennyLaneDeprecationWarning):
        two = qml.workflow.get_transform_program(circuit, level=2)
    assert [t.tape_transform.__name__ for t in two] == ["cancel_inverses", "merge_rotations"]
    with pytest.warns(PennyLaneDeprecationWarning):
        device = qml.workflow.get_transform_program(circuit)
    # PennyLane's default level is "device": the user transforms, the gradient expansion,
    # then the device's preprocessing
    names = [t.tape_transform.__name__ for t in device]
    assert names[:2] == ["cancel_inverses", "merge_rotations"] and "metric_tensor" in names
    assert "_expand_transform_param_shift" in names and len(names) > 5

    @qml.transforms.cancel_inverses
    @qml.qnode(dev)
    def needs_x(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    with pytest.warns(PennyLaneDeprecationWarning):
        assert len(qml.workflow.get_transform_program(needs_x, level="user")) == 1
    with pytest.warns(PennyLaneDeprecationWarning), \
            pytest.raises(qml.errors.ArgumentError, match="get_compile_pipeline"):
        qml.workflow.get_transform_program(needs_x)


def test_order_states_at_pennylanes_template_paths():
    # the first m = 4 basis states are 0000..0011; 0001 is among them (a fixed point), the
    # others take the free ones in order: 0000, 0010, 0011
    states = [[1, 1, 0, 0], [0, 1, 0, 1], [0, 0, 0, 1], [1, 0, 0, 1]]
    expected = {(0, 0, 0, 1): (0, 0, 0, 1), (1, 1, 0, 0): (0, 0, 0, 0),
                (0, 1, 0, 1): (0, 0, 1, 0), (1, 0, 0, 1): (0, 0, 1, 1)}
    assert qml.templates.order_states(states) == expected
    assert qml.templates.state_preparations.order_states(states) == expected
