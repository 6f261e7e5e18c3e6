"""trust68 (stop 68): an adversarial pass on stop 67's mechanisms. Each test fails on
main 6ba6f1e8 and checks against an independent reference (values by hand, central
differences, PennyLane 0.45.1's behaviour). The powers of controlled gates:
tests/test_controlled_powers.py."""
import sys
import threading

import numpy as np

import qsym as qml


def fd_node():
    @qml.qnode(qml.device("default.qubit", wires=1), diff_method="finite-diff")
    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.PauliZ(0))

    return f


def test_gradient_kwargs_changed_by_threads_at_once_keep_every_change():
    """Four threads each set one key of one QNode's ``gradient_kwargs`` at once: a dict
    keeps all four (PennyLane's is a dict). Each change read the options, resolved them
    again and wrote them back unlocked, so a thread's write could drop another's key
    (16 of 200 rounds on main with a 1 us switch interval), and the QNode's attribute was
    the options' plain dict for a moment (a change made on it was lost); then the step
    used is the forward difference by hand of the step set."""
    keys = {"h": 0.5, "approx_order": 1, "validate_params": False, "atol": 1e-9}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        lost = []
        for _ in range(100):
            f = fd_node()
            barrier = threading.Barrier(len(keys))

            def put(key, f=f, barrier=barrier):
                barrier.wait()
                f.gradient_kwargs[key] = keys[key]

            threads = [threading.Thread(target=put, args=(k,)) for k in keys]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if dict(f.gradient_kwargs) != keys:
                lost.append(dict(f.gradient_kwargs))
    finally:
        sys.setswitchinterval(interval)
    assert not lost, lost[:3]
    x = qml.numpy.array(0.5, requires_grad=True)
    assert abs(qml.grad(f)(x) - (np.cos(1.0) - np.cos(0.5)) / 0.5) < 1e-12
