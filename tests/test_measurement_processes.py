"""PennyLane 0.45's measurement-process API on qsym's classes: ``process_state`` (the state
already rotated to the observable's eigenbasis), ``process_density_matrix``, ``hash``,
``copy``, PennyLane's module paths and errors; ``qml.Tracker`` on a shot vector.

Every expected number is worked out here by hand (probabilities, traces, logarithms)."""

import copy
import importlib

import numpy as np
import pytest

import qsym as qml
from qsym.measurements import (DensityMatrixMP, ExpectationMP, MutualInfoMP, ProbabilityMP,
                               PurityMP, StateMP, VarianceMP, VnEntropyMP)


# --- process_state / process_density_matrix ----------------------------------------------
def test_process_state_takes_the_state_as_rotated():
    """PennyLane's rule: the state given is the measured one, after the observable's
    diagonalizing gates, so <X> is p(0) - p(1) of it (not <psi|X|psi>)."""
    psi = np.array([0.6, 0.8])
    assert ExpectationMP(qml.X(0)).process_state(psi, [0]) == pytest.approx(0.36 - 0.64)
    assert VarianceMP(qml.X(0)).process_state(psi, [0]) == pytest.approx(1 - 0.28**2)
    # a Hermitian's eigenvalues in ascending order: outcome 0 is 1, outcome 1 is 3
    h = qml.Hermitian(np.diag([3.0, 1.0]), wires=0)
    assert ExpectationMP(h).process_state(psi, [0]) == pytest.approx(0.36 * 1 + 0.64 * 3)


def test_process_state_on_a_batch_and_wire_order():
    psi = np.zeros((2, 4))
    psi[0, 1] = 1.0  # |01> on wire order [0, 1]
    psi[1, 2] = 1.0  # |10>
    np.testing.assert_allclose(ProbabilityMP(wires=[1]).process_state(psi, [0, 1]),
                               [[0, 1], [1, 0]])
    np.testing.assert_allclose(qml.probs(wires=[1, 0]).process_state(psi[0], [0, 1]),
                               [0, 0, 1, 0])  # wire 1 first: |10>
    np.testing.assert_allclose(ExpectationMP(qml.Z(1)).process_state(psi, [0, 1]), [-1, 1])


def test_complex_coefficients_give_complex_values():
    """PennyLane's 1j * Z has eigenvalues 1j, -1j; the processed values are complex."""
    np.testing.assert_allclose((1j * qml.Z(0)).eigvals(), [1j, -1j])
    assert ExpectationMP(1j * qml.Z(0)).process_state([1, 0], [0]) == pytest.approx(1j)
    rho = np.diag([0.75, 0.25])
    assert ExpectationMP((1 + 1j) * qml.Z(0)).process_density_matrix(rho, [0]) == \
        pytest.approx(0.5 * (1 + 1j))
    counts = {"000": 100, "100": 100}
    assert qml.expval((1 + 1j) * qml.Z(1)).process_counts(counts, [0, 1, 2]) == \
        pytest.approx(1 + 1j)


def test_process_density_matrix_of_expval_var_probs():
    rho = np.array([[0.75, 0.1], [0.1, 0.25]])
    assert ExpectationMP(qml.Z(0)).process_density_matrix(rho, [0]) == pytest.approx(0.5)
    assert VarianceMP(qml.Z(0)).process_density_matrix(rho, [0]) == pytest.approx(1 - 0.25)
    np.testing.assert_allclose(ProbabilityMP(wires=[0]).process_density_matrix(rho, [0]),
                               [0.75, 0.25])
    batch = np.stack([rho, np.diag([0.0, 1.0])])
    np.testing.assert_allclose(ExpectationMP(qml.Z(0)).process_density_matrix(batch, [0]),
                               [0.5, -1.0])


def test_an_observable_without_wires_is_its_eigenvalue():
    assert ExpectationMP(qml.Identity()).process_density_matrix(np.eye(2) / 2, [0]) == 1.0


def bell_rho(p=0.5):
    """cos|00> + sin|11> with weights p, 1 - p, as a density matrix."""
    psi = np.array([np.sqrt(p), 0, 0, np.sqrt(1 - p)])
    return psi, np.outer(psi, psi)


def test_quantities_of_the_state_from_states_and_density_matrices():
    psi, rho = bell_rho(0.36)
    s = -(0.36 * np.log(0.36) + 0.64 * np.log(0.64))  # the entropy of diag(0.36, 0.64)
    for process, arg in (("process_state", psi), ("process_density_matrix", rho)):
        np.testing.assert_allclose(getattr(DensityMatrixMP(wires=[1]), process)(arg, [0, 1]),
                                   np.diag([0.36, 0.64]))
        assert getattr(PurityMP(wires=[0]), process)(arg, [0, 1]) == \
            pytest.approx(0.36**2 + 0.64**2)
        assert getattr(PurityMP(wires=[0, 1]), process)(arg, [0, 1]) == pytest.approx(1.0)
        assert getattr(VnEntropyMP(wires=[0]), process)(arg, [0, 1]) == pytest.approx(s)
        assert getattr(qml.vn_entropy(wires=[0], log_base=2), process)(arg, [0, 1]) == \
            pytest.approx(s / np.log(2))
        assert getattr(MutualInfoMP(wires=([0], [1])), process)(arg, [0, 1]) == \
            pytest.approx(2 * s)


def test_density_matrix_on_wire_labels_and_batches():
    _, rho = bell_rho(0.36)
    batch = np.stack([rho, np.diag([0.0, 1.0, 0.0, 0.0])])  # second: |01>
    out = DensityMatrixMP(wires=["b"]).process_density_matrix(batch, ["a", "b"])
    np.testing.assert_allclose(out, [np.diag([0.36, 0.64]), np.diag([0.0, 1.0])])


def test_state_cannot_be_processed_from_a_density_matrix():
    with pytest.raises(ValueError, match="Processing from density matrix to state"):
        StateMP().process_density_matrix(np.eye(2) / 2, [0])


def test_state_process_state_orders_pads_and_refuses_tracing_out():
    psi = np.array([0.6, 0.8, 0.0, 0.0])  # 0.6|00> + 0.8|01> on [0, 1]
    out = StateMP(wires=[1, 0]).process_state(psi, [0, 1])
    np.testing.assert_allclose(out, [0.6, 0.0, 0.8, 0.0])  # 0.6|00> + 0.8|10> on [1, 0]
    assert out.dtype == np.complex128
    padded = StateMP(wires=[0, 1, 2]).process_state(psi, [0, 1])  # wire 2 in |0>
    np.testing.assert_allclose(padded, [0.6, 0, 0.8, 0, 0, 0, 0, 0])
    with pytest.raises(qml.wires.WireError, match="cannot trace out wires"):
        StateMP(wires=[0]).process_state(psi, [0, 1])


# --- hash, copy, errors, module paths ----------------------------------------------------
def test_hash_tells_measurements_apart():
    o1, o2 = qml.prod(qml.X(0), qml.Y(1)), qml.prod(qml.X(0), qml.Z(1))
    assert qml.expval(o1).hash == qml.expval(o1).hash != qml.expval(o2).hash
    m1 = ExpectationMP(eigvals=[-0.5, 0.5], wires=qml.wires.Wires(0))
    assert m1.hash == ExpectationMP(eigvals=[-0.5, 0.5], wires=qml.wires.Wires(0)).hash
    assert m1.hash != ExpectationMP(eigvals=[-0.5, 0.5], wires=qml.wires.Wires(1)).hash
    assert m1.hash != ExpectationMP(eigvals=[-1, 1], wires=qml.wires.Wires(0)).hash
    assert qml.expval(qml.Z(0)).hash != qml.var(qml.Z(0)).hash


def test_copy_copies_the_observable_and_keeps_eigvals():
    m = qml.expval(qml.PauliX(0))
    c = copy.copy(m)
    assert c.measured_obs is not m.measured_obs and c == m
    e = ExpectationMP(eigvals=[-0.5, 0.5], wires=qml.wires.Wires(0))
    assert copy.copy(e)._eigvals is e._eigvals


def test_sequences_and_wireless_identity_are_refused():
    with pytest.raises(ValueError, match="qp.expval does not support measuring sequences"):
        qml.expval([qml.X(0), qml.Z(0)])
    with pytest.raises(ValueError, match="qp.var does not support measuring sequences"):
        qml.var([qml.X(0)])
    with pytest.raises(NotImplementedError, match=r"Expectation values of qp.Identity\(\)"):
        qml.expval(qml.Identity())


def test_sample_shape_without_shots_is_a_shape_error():
    with pytest.raises(qml.exceptions.MeasurementShapeError, match="Shots are required"):
        qml.sample(wires=[0]).shape(None, 1)


@pytest.mark.parametrize("module, names", [
    ("expval", ["ExpectationMP", "expval"]), ("var", ["VarianceMP", "var"]),
    ("probs", ["ProbabilityMP", "probs"]), ("sample", ["SampleMP", "sample"]),
    ("counts", ["CountsMP", "counts"]), ("state", ["StateMP", "DensityMatrixMP", "state"]),
    ("purity", ["PurityMP"]), ("vn_entropy", ["VnEntropyMP"]), ("mutual_info", ["MutualInfoMP"]),
    ("measurements", ["MeasurementProcess", "SampleMeasurement", "StateMeasurement"]),
])
def test_pennylane_module_paths(module, names):
    mod = importlib.import_module(f"qsym.measurements.{module}")
    for name in names:
        assert getattr(mod, name) is getattr(qml.measurements, name)


def test_exceptions_and_operation_names():
    assert issubclass(qml.exceptions.EigvalsUndefinedError, Exception)
    assert qml.operation.EigvalsUndefinedError is qml.exceptions.EigvalsUndefinedError


# --- Shots arithmetic --------------------------------------------------------------------
def test_add_shots_concatenates_vectors():
    from qsym.measurements import ShotCopies, Shots, add_shots
    s = add_shots(Shots([5, (10, 2)]), Shots([3, 2, (10, 3)]))
    assert s.total_shots == 5 + 20 + 3 + 2 + 30
    assert s.shot_vector == (ShotCopies(5, 1), ShotCopies(10, 2), ShotCopies(3, 1),
                             ShotCopies(2, 1), ShotCopies(10, 3))
    assert Shots(None) + Shots(7) == Shots(7) == Shots(7) + Shots(None)
    assert Shots([7, (100, 2)]) * 1.5 == Shots([10, (150, 2)])
    assert 2 * Shots(3) == Shots(6) and Shots(None) * 3 == Shots(None)
    with pytest.raises(TypeError, match="Can't multiply Shots"):
        Shots(3) * "2"
    s = Shots(3)
    assert copy.copy(s) is s and copy.deepcopy(s) is s


# --- the tracker on a shot vector ----------------------------------------------------------
def test_tracker_records_a_shot_vector_once_per_circuit():
    """PennyLane records a circuit with a shot vector as one simulation: executions the
    groups of its measurements (an expval of Z and probs: 2), shots all the counts times
    the groups, results the tuple of every count's results."""
    dev = qml.device("default.qubit", wires=1, seed=1)

    @qml.set_shots(shots=[(10, 3), 5])
    @qml.qnode(dev)
    def c(x):
        qml.RX(x, 0)
        return qml.expval(qml.Z(0)), qml.probs(wires=[0])

    with qml.Tracker(dev) as t:
        first = c(0.3)
        c(0.2)
    assert t.totals["batches"] == 2 and t.totals["simulations"] == 2
    assert t.history["executions"] == [2, 2]
    assert t.history["shots"] == [35 * 2, 35 * 2]
    assert len(t.history["results"][0]) == 4
    for got, want in zip(t.history["results"][0], first):
        assert got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])


def test_tracker_shot_vector_as_pennylane():
    pl = pytest.importorskip("pennylane")

    def run(mod):
        dev = mod.device("default.qubit", wires=2, seed=5)

        @mod.set_shots(shots=[(20, 2), 7])
        @mod.qnode(dev)
        def c(x):
            mod.RX(x, 0)
            mod.CNOT([0, 1])
            return mod.expval(mod.Z(0)), mod.expval(mod.X(1)), mod.counts(wires=[0])

        with mod.Tracker(dev) as t:
            c(0.4)
        return t

    a, b = run(qml), run(pl)
    for key in ("batches", "simulations", "executions", "shots"):
        assert a.totals[key] == b.totals[key], key


def test_shots_reprs_and_errors_are_pennylanes():
    from qsym.measurements import ShotCopies, Shots
    assert repr(ShotCopies(100, 2)) == "ShotCopies(100 shots x 2)"
    assert repr(Shots([1, (3, 2)])) == ("Shots(total_shots=7, shot_vector=(ShotCopies(1 shots x 1), "
                                        "ShotCopies(3 shots x 2)))")
    for bad in ("123", [1.1, 2], [-1, 2], 1.5, 0):
        with pytest.raises(ValueError, match="Shots must be a single positive integer, a tuple"):
            Shots(bad)
    s = Shots(10)
    assert s._frozen
    with pytest.raises(AttributeError, match="Shots is an immutable class"):
        s.total_shots = 20


@pytest.mark.parametrize("extra, executions, shots", [((), 10, 10), (("probs",), 11, 20)])
def test_tracker_counts_a_classical_shadow_per_snapshot(extra, executions, shots):
    """PennyLane counts a classical shadow as one execution per snapshot (10 shots: 10)
    and its shots once; probs beside it is one more group of 10 shots."""
    dev = qml.device("default.qubit", wires=2)
    mps = [qml.classical_shadow(wires=[0, 1])]
    if extra:
        mps.append(qml.probs(wires=[0, 1]))
    tape = qml.tape.QuantumScript([qml.Hadamard(0)], mps, shots=10)
    with dev.tracker:
        dev.execute(tape)
    assert dev.tracker.totals["executions"] == executions
    assert dev.tracker.totals["shots"] == shots
    assert dev.tracker.totals["simulations"] == 1


@pytest.mark.parametrize("make", [
    lambda: qml.measurements.CountsMP(obs=2.0 * qml.X(0), all_outcomes=True),
    lambda: qml.measurements.CountsMP(eigvals=[0.5, 0.6], wires=[0]),
    lambda: ExpectationMP(eigvals=[0.5, 0.6], wires=["a"]),
    lambda: MutualInfoMP(wires=(["a"], ["b"]), log_base=3),
    lambda: VnEntropyMP(wires=["a"], log_base=3),
    lambda: StateMP(wires=("a", "b")),
    lambda: VarianceMP(obs=qml.s_prod(0.5, qml.X(0))),
])
def test_flatten_unflatten_remakes_the_measurement(make):
    mp = make()
    data, metadata = mp._flatten()
    hash(metadata)
    new = type(mp)._unflatten(data, metadata)
    assert type(new) is type(mp) and repr(new) == repr(mp) and new.hash == mp.hash


def test_hash_of_quantities_sees_the_log_base_and_the_split():
    assert MutualInfoMP(wires=([0], [1]), log_base=2).hash != \
        MutualInfoMP(wires=([0], [1]), log_base=10).hash
    assert MutualInfoMP(wires=([0, 1], [2])).hash != MutualInfoMP(wires=([0], [1, 2])).hash


def test_wires_are_pennylanes_given_then_observable_then_empty():
    # PennyLane 0.45's mp.wires: the wires given, else the observable's (as written, with
    # its identities), else Wires([]) for a measurement of every wire; raw_wires is None then
    W = qml.wires.Wires
    cases = [(qml.state(), [], None), (qml.probs(), [], None), (qml.sample(), [], None),
             (qml.counts(), [], None), (qml.probs(wires=[2, 0]), [2, 0], [2, 0]),
             (qml.expval(qml.Z(0) @ qml.Identity(3)), [0, 3], None),
             (qml.sample(qml.X("a")), ["a"], None), (qml.probs(op=qml.X(1)), [1], [1]),
             (qml.density_matrix(wires=[1]), [1], [1]),
             (ExpectationMP(eigvals=[1, -1], wires=[4]), [4], [4])]
    for mp, wires, raw in cases:
        assert isinstance(mp.wires, W) and list(mp.wires) == wires, mp
        assert (mp.raw_wires is None) if raw is None else list(mp.raw_wires) == raw, mp
    assert ProbabilityMP(wires=[0]).wires == W([0]) and StateMP().wires == W([])


def test_all_wire_measurements_still_measure_every_wire():
    # Wires([]) must keep meaning "every wire": of a tape, of a QNode's device, of a copy
    dev = qml.device("default.qubit", wires=2)
    t = qml.tape.QuantumScript([qml.PauliX(1)], [qml.probs(), qml.state()])
    probs, state = dev.execute(t)
    assert np.allclose(probs, [0, 1, 0, 0]) and np.allclose(state, [0, 1, 0, 0])  # |01>

    @qml.qnode(dev)
    def c():
        qml.PauliX(0)
        return qml.probs(), qml.expval(qml.Z(0))

    p, e = c()
    assert np.allclose(p, [0, 0, 1, 0]) and np.isclose(e, -1.0)  # |10>, <Z0> = -1
    mp = qml.probs()
    data, meta = mp._flatten()
    again = type(mp)._unflatten(data, meta)
    assert again.raw_wires is None and again.wires == qml.wires.Wires([])
    from qsym._tapes import mapped_measurement  # (a tape's map_wires)

    moved = mapped_measurement(qml.expval(qml.Z(0)), {0: 5})
    assert moved.wires == qml.wires.Wires([5]) and moved.raw_wires is None
    moved = mapped_measurement(qml.probs(wires=[0, 1]), {0: 5})
    assert moved.raw_wires == qml.wires.Wires([5, 1])


@pytest.mark.parametrize("gate", ["SingleExcitation", "CRX", "RY"])
def test_probs_of_a_gate_without_diagonalizing_gates_is_pennylanes_error(gate):
    op = getattr(qml, gate)(0.56, wires=[0, 1] if gate != "RY" else [0])
    with pytest.raises(qml.exceptions.QuantumFunctionError,
                       match="does not define diagonalizing gates : cannot be used to rotate"):
        qml.probs(op=op)


def test_probs_process_samples_with_bin_size_gives_a_column_per_bin():
    """PennyLane's ``bin_size``: shape ``(2**k, number of bins)``; a batch of sample sets
    one such array each. Bins written out: (00, 11) and (10, 01)."""
    samples = np.array([[0, 0], [1, 1], [1, 0], [0, 1]])
    out = qml.probs(wires=[0, 1]).process_samples(samples, wire_order=[0, 1], bin_size=2)
    assert np.allclose(out, [[0.5, 0.0], [0.0, 0.5], [0.0, 0.5], [0.5, 0.0]])
    one = qml.probs(wires=[1]).process_samples(samples, wire_order=[0, 1], bin_size=2)
    assert np.allclose(one, [[0.5, 0.5], [0.5, 0.5]])
    batch = qml.probs(wires=[0]).process_samples(np.stack([samples, 1 - samples]),
                                                 wire_order=[0, 1], bin_size=4)
    assert np.allclose(batch, [[[0.5], [0.5]], [[0.5], [0.5]]])


def test_mutual_info_raw_wires_are_the_two_subsystems():
    """PennyLane's ``MutualInfoMP.raw_wires``: ``[Wires(wires0), Wires(wires1)]``, mapped
    by ``map_wires`` subsystem by subsystem."""
    from qsym.wires import Wires

    mp = MutualInfoMP(wires=[Wires(["a", "b"]), Wires(["c"])])
    assert mp.raw_wires == [Wires(["a", "b"]), Wires(["c"])]
    mapped = mp.map_wires({"a": 0, "b": 1, "c": 2})
    assert mapped.raw_wires == [Wires([0, 1]), Wires([2])]
    qml.assert_equal(mapped, MutualInfoMP(wires=[Wires([0, 1]), Wires([2])]))
    swapped = MutualInfoMP(wires=[Wires([0]), Wires([1])]).map_wires({0: 1, 1: 0})
    assert swapped.raw_wires == [Wires([1]), Wires([0])]


def test_the_id_argument_of_a_measurement_process_is_deprecated():
    # PennyLane 0.45 warns when a measurement process is given an id (none otherwise)
    import warnings

    class Dummy(qml.measurements.MeasurementProcess):
        pass

    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning,
                      match="The 'id' argument is deprecated"):
        Dummy(wires=qml.wires.Wires(0), id="something")
    with pytest.warns(qml.exceptions.PennyLaneDeprecationWarning, match="'id'"):
        ExpectationMP(qml.Z(0), id="e")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Dummy(wires=qml.wires.Wires(0))
        ExpectationMP(qml.Z(0))


# --- mp.obs: the operator as the user passed it (PennyLane's), mp.measured_obs: qsym's --
def test_obs_is_the_operator_the_user_passed():
    x = qml.PauliX(0)
    m = qml.expval(x)
    assert m.obs is x and type(m.obs).__name__ == "PauliX" and m.obs.name == "PauliX"
    assert m.obs == qml.X(0) and qml.equal(m.obs, qml.X(0)) and list(m.obs.wires) == [0]
    # qsym's own form, which its stages measure: the Pauli word X on wire 0
    assert dict(m.measured_obs.terms) == {((0, "X"),): 1}
    prod = qml.X(0) @ qml.Z(1)
    assert qml.var(prod).obs is prod and type(qml.var(prod).obs).__name__ == "Prod"
    h = qml.Hamiltonian([0.5, -2.0], [qml.Z(0), qml.Y(1)])
    assert qml.expval(h).obs is h
    herm = qml.Hermitian(np.diag([2.0, -1.0]), wires=3)
    obs = qml.expval(herm).obs
    assert obs is herm and np.array_equal(obs.data[0], np.diag([2.0, -1.0]))
    assert list(obs.wires) == [3]


def test_obs_is_none_without_an_operator_and_the_operator_of_probs_op():
    assert qml.probs(wires=[0, 1]).obs is None and qml.sample(wires=0).obs is None
    assert qml.counts().obs is None and qml.state().obs is None
    assert ExpectationMP(eigvals=[1.0, -1.0], wires=qml.wires.Wires(0)).obs is None
    y = qml.Y(2)
    assert qml.probs(op=y).obs is y and qml.sample(y).obs is y


def test_obs_of_a_mid_circuit_measurement_statistic_is_none():
    def qfunc():
        m0 = qml.measure(0)
        mp = qml.expval(m0)
        assert mp.obs is None and mp.mv is m0
    qml.tape.make_qscript(qfunc)()


def test_setting_obs_sets_what_is_measured():
    """PennyLane's ``mp.obs`` is a plain attribute: assigning it changes the measurement;
    <Z(1)> after RX(t) on wire 1 is cos(t)."""
    m = qml.expval(qml.X(0))
    z = qml.Z(1)
    m.obs = z
    assert m.obs is z and dict(m.measured_obs.terms) == {((1, "Z"),): 1}
    assert list(m.wires) == [1]
    tape = qml.tape.QuantumScript([qml.RX(0.4, wires=1)], [m])
    (result,) = qml.execute([tape], qml.device("default.qubit", wires=2))
    assert result == pytest.approx(np.cos(0.4))


def test_a_custom_measurement_reads_the_operator_as_written():
    """A measurement class of the user's own sees its operator as passed in ``self.obs``
    (a PauliZ with PennyLane's methods), not qsym's Pauli sum."""
    class ZMatrix(StateMP):
        def process_state(self, state, wire_order):
            return np.real(np.vdot(state, np.kron(self.obs.matrix(), np.eye(2)) @ state))

    mp = ZMatrix(obs=qml.Z(0))
    assert type(mp.obs).__name__ == "PauliZ"
    # |psi> = (0.6|0> + 0.8|1>) |0>: <Z(0)> = 0.36 - 0.64
    psi = np.kron([0.6, 0.8], [1.0, 0.0])
    assert mp.process_state(psi, [0, 1]) == pytest.approx(0.36 - 0.64)


def test_assigning_a_hermitians_data_changes_what_is_measured():
    """PennyLane's ``obs.data = [A]``: the measurement's eigenvalues and value follow the new
    matrix. On |10> (X on wire 0) the value of diag(d) on wires [0, 1] is d[2]."""
    h = qml.Hermitian(np.diag([1.0, 2.0, 3.0, 4.0]), wires=[0, 1])
    m = qml.expval(h)
    assert np.array_equal(m.eigvals(), [1.0, 2.0, 3.0, 4.0])
    h.data = [np.diag([5.0, 6.0, 7.0, 8.0])]
    assert np.array_equal(m.eigvals(), [5.0, 6.0, 7.0, 8.0])
    assert np.array_equal(h.matrix(), np.diag([5.0, 6.0, 7.0, 8.0]))
    tape = qml.tape.QuantumScript([qml.X(0)], [m])
    (result,) = qml.execute([tape], qml.device("default.qubit", wires=2))
    assert result == pytest.approx(7.0)
    with pytest.raises(qml.errors.MeasurementError, match="not Hermitian"):
        h.data = [np.array([[0.0, 1.0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])]
    with pytest.raises(qml.errors.MeasurementError, match="shape 4x4"):
        h.data = [np.eye(2)]


class _NoEigvals(qml.operation.Operator):
    """A user's operator with neither a matrix nor eigenvalues."""
    num_wires = 1


class _UserX(qml.operation.Operator):
    """A user's operator with a Hermitian matrix (Pauli X written by hand)."""
    num_wires = 1
    is_verified_hermitian = True

    @staticmethod
    def compute_matrix():
        return np.array([[0.0, 1.0], [1.0, 0.0]])


def test_a_user_operator_without_eigenvalues_is_kept_and_refused_when_processed():
    """PennyLane makes ``qml.sample(op=op)`` of any operator; processing samples of one
    without eigenvalues raises its EigvalsUndefinedError, and so does ``mp.eigvals()``."""
    op = _NoEigvals(0)
    mp = qml.sample(op=op)
    assert mp.obs is op
    with pytest.raises(qml.operation.EigvalsUndefinedError, match="Cannot compute samples of _NoEigvals"):
        mp.process_samples(samples=np.array([[1, 0]]), wire_order=[0])
    with pytest.raises(qml.operation.EigvalsUndefinedError):
        qml.expval(_NoEigvals(0)).eigvals()

    @qml.qnode(qml.device("default.qubit", wires=1))
    def circuit():
        return qml.expval(_NoEigvals(0))

    with pytest.raises(qml.errors.MeasurementError, match="cannot be used as an observable"):
        circuit()


def test_a_user_operator_with_a_hermitian_matrix_is_measured_by_it():
    """<X> after RY(t) on |0> is sin(t); its derivative cos(t) (closed forms)."""
    dev = qml.device("default.qubit", wires=1)

    @qml.qnode(dev)
    def circuit(t):
        qml.RY(t, wires=0)
        return qml.expval(_UserX(0))

    t = qml.numpy.array(0.3, requires_grad=True)
    assert circuit(t) == pytest.approx(np.sin(0.3))
    assert qml.grad(circuit)(t) == pytest.approx(np.cos(0.3))


@pytest.mark.parametrize("labels", [(0, 1), ("a", "b")])
def test_a_custom_measurement_sees_its_operator_on_the_states_wires(labels):
    """PennyLane's device maps a tape's wires before measuring: a measurement class of the
    user's own reading ``self.obs.wires`` finds its operator's wire in ``wire_order``. X on
    the second wire only, <Z> of the first: +1 (was -1 on integer wires, the state's order
    being [1, 0], and ValueError on labels: ``self.obs`` kept the unmapped wires)."""
    from qsym.measurements import StateMeasurement

    class ZOn(StateMeasurement):
        def process_state(self, state, wire_order):
            n = len(wire_order)
            k = list(wire_order).index(self.obs.wires[0])
            p = np.abs(np.asarray(state).reshape((2,) * n)) ** 2
            p = p.sum(axis=tuple(i for i in range(n) if i != k))
            return float(p[0] - p[1])

    first, second = labels

    @qml.qnode(qml.device("default.qubit", wires=list(labels)))
    def circuit():
        qml.X(second)
        return ZOn(obs=qml.Z(first))

    assert circuit() == pytest.approx(1.0)
