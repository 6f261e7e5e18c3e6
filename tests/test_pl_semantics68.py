"""PennyLane 0.45.1's semantics left from stop 67 (issue #18): ``qml.ctrl`` / ``qml.adjoint``
of a gate-less ``qml.pow(op, 0)`` drawn as PennyLane draws them, ``qml.concurrency``'s
executors. Every expected text and number was printed by PennyLane 0.45.1 in /work/plvenv
(the same code with ``import pennylane as qml``), or is worked out by hand."""
import numpy as np
import pytest

import qsym as qml


def _controlled_zeroth_powers(x):
    qml.RY(x, wires=3)
    qml.ctrl(qml.pow(qml.Hadamard(wires=2), 0), control=[0, 3], control_values=[0, 1])
    qml.adjoint(qml.ctrl(qml.pow(qml.T(wires=1), 0), control=0))
    qml.ctrl(qml.adjoint(qml.pow(qml.SWAP(wires=[1, 2]), 0)), control=3)
    qml.adjoint(qml.adjoint(qml.pow(qml.X(0), 0)))
    qml.CNOT([0, 1])
    return qml.expval(qml.Z(3))


# PennyLane 0.45.1's qml.draw of the circuit above at 0.3 (the same at level="device")
PL_CONTROLLED_POWERS = (
    "0: ───────────╭○──╭(T⁰)†──((X⁰)†)†─╭●─┤     \n"
    "1: ───────────│───╰(T⁰)†─╭(SWAP⁰)†─╰X─┤     \n"
    "2: ───────────├H⁰────────├(SWAP⁰)†────┤     \n"
    "3: ──RY(0.30)─╰●─────────╰●───────────┤  <Z>")


@pytest.mark.parametrize("level", ["gradient", "device"])
def test_ctrl_and_adjoint_of_zeroth_powers_are_drawn_as_pennylane(level):
    node = qml.QNode(_controlled_zeroth_powers, qml.device("default.qubit", wires=4))
    assert qml.draw(node, level=level)(0.3) == PL_CONTROLLED_POWERS
    assert np.isclose(node(0.3), np.cos(0.3))  # by hand: every zeroth power is the identity


def test_ctrl_of_a_rotations_zeroth_power_beside_a_gateless_one():
    dev = qml.device("default.qubit", wires=3)

    @qml.qnode(dev)
    def circuit(x):
        qml.ctrl(qml.pow(qml.RX(x, wires=0), 0), control=1)
        qml.adjoint(qml.pow(qml.S(wires=2), 0))
        qml.ctrl(qml.pow(qml.Hadamard(wires=0), 0), control=[1, 2])
        return qml.expval(qml.Z(0))

    assert qml.draw(circuit)(0.3) == ("0: ─╭RX(0.30)⁰─╭H⁰─┤  <Z>\n"
                                      "1: ─╰●─────────├●──┤     \n"
                                      "2: ──(S⁰)†─────╰●──┤     ")


# --- qml.concurrency (PennyLane 0.45's executors); values by hand ---------------------------

def _add3(a, b, c=0):
    return a + b - c


def _double(x):
    return x * 2


@pytest.mark.parametrize("backend", ["serial", "cf_threadpool"])
def test_concurrency_executors_run_as_pennylanes(backend):
    from qsym.concurrency.executors import ExecBackends, create_executor, get_executor
    from qsym.concurrency.executors.native import SerialExec, ThreadPoolExec

    cls = {"serial": SerialExec, "cf_threadpool": ThreadPoolExec}[backend]
    assert get_executor(backend) is cls
    assert get_executor(ExecBackends.Serial) is SerialExec
    assert qml.concurrency.executors.get_supported_backends()[backend] is cls
    kwargs = {} if backend == "serial" else {"max_workers": 2}
    with create_executor(backend, **kwargs) as ex:
        assert isinstance(ex, cls) and ex.size == (1 if backend == "serial" else 2)
        assert ex.submit(_add3, 1, 2, c=4) == -1
        assert ex.map(_add3, [1, 2], [10, 20]) == [11, 22]
        # a function of one argument gets the one iterable whole (PennyLane 0.45.1's map)
        assert ex.map(_double, [1, 2]) == [[1, 2, 1, 2]]
        assert ex.starmap(_add3, [(1, 2), (3, 4)], c=1) == [2, 6]
        assert ex("map", _add3, [1], [1]) == [2]


def test_concurrency_persistent_pool_and_refusals():
    from qsym.concurrency.executors import create_executor
    from qsym.concurrency.executors.external import DaskExec

    ex = create_executor("cf_threadpool", max_workers=2, persist=True)
    assert ex.persist and ex.submit(abs, -3) == 3 and ex.starmap(_add3, [(4, 5)]) == [9]
    ex.shutdown()
    assert not ex.persist
    with pytest.raises(RuntimeError, match="more than 1 worker"):
        create_executor("serial", max_workers=2)
    with pytest.raises(ValueError, match="Unknown executor backend 'threads'"):
        create_executor("threads")
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="pip install dask distributed"):
            DaskExec()


def test_a_qnodes_executor_backend_is_a_concurrency_backend():
    """PennyLane's QNode takes ``executor_backend`` (its device spreads batches with it when
    it has ``max_workers``; the numbers do not change): qsym accepts the backends of
    ``qml.concurrency`` and refuses other values with their names."""
    from qsym.concurrency.executors import ExecBackends
    from qsym.concurrency.executors.native import ThreadPoolExec

    def f(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0))

    x = qml.numpy.array(0.3, requires_grad=True)
    for backend in ("cf_threadpool", ExecBackends.Serial, ThreadPoolExec):
        node = qml.QNode(f, qml.device("default.qubit", wires=1), executor_backend=backend)
        # by hand: <Z> = cos x, d/dx = -sin x
        assert np.isclose(node(x), np.cos(0.3)) and np.isclose(qml.grad(node)(x), -np.sin(0.3))
    with pytest.raises(qml.ArgumentError, match="executor_backend must be None.*'serial'"):
        qml.QNode(f, qml.device("default.qubit", wires=1), executor_backend="threads")
