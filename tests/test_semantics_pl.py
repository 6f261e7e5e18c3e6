"""Small PennyLane 0.45.1 semantics that user code meets (issue #18): checked against
hand-derived values and PennyLane's documented behaviour, never against PennyLane itself."""
import numpy as np
import pytest

import qsym as qml


def test_sample_without_shots_is_pennylanes_device_error():
    """PennyLane's DefaultQubit() without shots refuses qml.sample with a DeviceError "not
    accepted for analytic simulation"; qsym's error is also its MeasurementError."""
    dev = qml.devices.DefaultQubit()

    @qml.qnode(dev, diff_method=None)
    def circuit():
        return qml.sample(wires=(0, 1))

    with pytest.raises(qml.DeviceError, match="not accepted for analytic simulation"):
        circuit()
    with pytest.raises(qml.MeasurementError, match="finite shots"):
        circuit()
    with pytest.raises(qml.DeviceError, match=r"counts\(PauliZ\) not accepted"):
        qml.QNode(lambda: qml.counts(qml.Z(0)), qml.device("default.qubit", wires=1))()
    # with shots the same circuit samples |00>: zeros of shape (shots, wires)
    assert np.array_equal(qml.set_shots(circuit, shots=10)(), np.zeros((10, 2)))
