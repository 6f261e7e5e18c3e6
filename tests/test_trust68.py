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


def test_exports_of_one_file_name_run_under_names_of_their_own(tmp_path):
    """numba names compiled code by module, qualified name, argument types and a counter of
    the compiling process, so two exports whose functions had one module name, each
    compiled in its own process (same counters: same structure) and loaded into one
    process from their disk caches, would call each other's code (stop 67's class of
    defect). An export runs as ``qsym_export_<hash>`` of its stated hash and real path,
    whatever its file is called (checked by hand at stop 68: two exports ``circuit.py``
    in two folders, compiled in two processes, loaded into a third from the disk cache,
    each its own values). Here, without numba: two circuits exported to one file name in
    two folders, and one folder's file overwritten by the other circuit, never share a
    module name; a plain import of the file runs under the name ``qml.load`` gives it."""
    import importlib.util
    import re

    from qsym import _aot

    def compiled(angle):
        @qml.qnode(qml.device("default.qubit", wires=2))
        def circuit(x):
            qml.RY(angle, wires=1)
            qml.RX(x, wires=0)
            qml.CNOT([0, 1])
            return qml.expval(qml.PauliZ(1))

        return qml.compile(circuit, 0.3)

    def stated(made, path):
        made.export(str(path))
        data = path.read_bytes()
        return re.search(rb'^SELF_SHA256 = "([0-9a-f]{64})"$', data, re.M).group(1).decode()

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    path_a, path_b = tmp_path / "a" / "circuit.py", tmp_path / "b" / "circuit.py"
    stated_a, stated_b = stated(compiled(0.4), path_a), stated(compiled(1.3), path_b)
    a, b = _aot.module_name(path_a, stated_a), _aot.module_name(path_b, stated_b)
    again = _aot.module_name(path_a, stated_b)  # the other circuit written over a's file
    assert len({a, b, again}) == 3 and all(n.startswith("qsym_export_") for n in (a, b, again))
    spec = importlib.util.spec_from_file_location("circuit", path_b)
    module = importlib.util.module_from_spec(spec)
    sys.modules["circuit"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop("circuit", None)
    assert module.__name__ == module.MODULE_NAME == b
    sys.modules.pop(b, None)
