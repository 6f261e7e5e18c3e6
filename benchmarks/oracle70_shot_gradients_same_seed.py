"""oracle70 (found, not fixed): docs/shots.md ("The same samples as PennyLane", item 5)
promises that a shot gradient draws PennyLane's samples (the value first, then each shifted
circuit in PennyLane's order: "samples are identical; gradients agree to rounding"). With
the same device seed this holds for Pauli words, probs, var and Hamiltonians by parameter
shift, and for two measurements by finite differences, but not for (PennyLane 0.45.1 vs
qsym, seed 9, 200 shots):

- ``diff_method="finite-diff"`` of ONE measurement (expval, probs, var, Hamiltonian);
- ``qml.Hermitian`` and ``qml.Projector`` expectations by parameter shift;
- on the oracle's random circuits (``seeded`` family, seed 7100: 4 of 40 circuits), also a
  Hamiltonian and probs by parameter shift (case 1: a Hamiltonian whose exact gradient is
  0, PennyLane 0.2909 and qsym -0.2909 at 200 shots, the same draws in the other order;
  at 200,000 shots -0.002 and 0.002).

The estimates are valid (other draws of the same distributions). Prints "same"/"DIFF" per
case:

    PYTHONPATH=. /work/plvenv/bin/python benchmarks/oracle70_shot_gradients_same_seed.py
"""
import numpy as onp, pennylane as pl, qsym, warnings; warnings.filterwarnings("ignore")
for kind in ("z", "probs", "var", "ham", "herm", "proj", "z+probs", "two_z"):
  for m in ("parameter-shift", "finite-diff"):
    out = []
    for qml in (pl, qsym):
        dev = qml.device("default.qubit", wires=2, seed=9)
        @qml.qnode(dev, diff_method=m, shots=200)
        def c(x):
            qml.RX(x[0], wires=0); qml.CNOT([0, 1]); qml.RY(x[1], wires=1)
            if kind == "z": return qml.expval(qml.PauliZ(1))
            if kind == "probs": return qml.probs(wires=[1])
            if kind == "var": return qml.var(qml.PauliZ(1))
            if kind == "ham": return qml.expval(qml.Hamiltonian([0.3, 0.7], [qml.PauliZ(1), qml.PauliX(0)]))
            if kind == "herm": return qml.expval(qml.Hermitian(onp.array([[1, 0.5], [0.5, -1]]), wires=1))
            if kind == "proj": return qml.expval(qml.Projector([1], wires=1))
            if kind == "two_z": return qml.expval(qml.PauliZ(1)), qml.expval(qml.PauliZ(0))
            return qml.expval(qml.PauliZ(1)), qml.probs(wires=[0])
        f = (lambda v: qml.math.hstack([qml.math.ravel(u) for u in c(v)])) if kind in ("z+probs", "two_z") else c
        out.append(onp.round(onp.asarray(qml.jacobian(f)(qml.numpy.array([0.4, 0.9], requires_grad=True))).ravel(), 6))
    print(kind, m, "same" if onp.allclose(out[0], out[1]) else f"DIFF {out[0][:4]} vs {out[1][:4]}")
