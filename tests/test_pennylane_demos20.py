"""PennyLane's published demos (PennyLaneAI/qml and PennyLaneAI/demos, ``demonstrations_v2``)
run with the import switched (issue #18, stop 68): demos no earlier round ran, and earlier
rounds' demos that no test held and that fail again. Each test is the demo's code cut to a few
seconds (JAX's NumPy as NumPy, Qualtran's resource counts left out; the same edits on
PennyLane's side); the numbers and drawings are what PennyLane 0.45.1 printed for the same
code in /work/plvenv (a throwaway script with ``import pennylane as qp``), never qsym's own
output. benchmarks/results/pennylane-demos-demo68-2026-12-07.md lists each demo and what
differed.
"""

import numpy

import qsym as qp
from qsym import numpy as np
from qsym import qchem
from qsym.fermi import from_string, jordan_wigner


def _words(ps) -> dict:
    """A Pauli sentence as ``{sorted word: coefficient}`` (PennyLane prints a word's letters
    in the order its mapping made them, qsym by wire: compared as operators)."""
    return {tuple(sorted((int(w), p) for w, p in word.items())): complex(c)
            for word, c in ps.items()}


# --- Mapping fermionic operators to qubit operators (tutorial_mapping): run in an early
# round (docs/pennylane.md) without a test; since then the demo's circuit raised TracingError:
# ``qp.exp((excitation * params[i] / 2).operation())`` of a Pauli sentence scaled by a circuit
# input applied no rotation at ``params[i] = 0`` (the sum's zero coefficients dropped) where
# the trace applies ``PauliRot(-p/2 ...)``, so the replay at zero (and the demo's own
# ``params = [0.22, 0.0, 0.0]``) refused the circuit. And PennyLane draws the sums' complex
# coefficients as ``0.00+0.00j``; qsym drew their real parts. jax.numpy as NumPy.

def test_mapping_demo_matches_pennylane():
    qubits = 10
    fermi_op = from_string("5+")
    pauli_jw = jordan_wigner(fermi_op, ps=True)
    assert _words(pauli_jw) == {
        ((0, 'Z'), (1, 'Z'), (2, 'Z'), (3, 'Z'), (4, 'Z'), (5, 'X')): (0.5 + 0j),
        ((0, 'Z'), (1, 'Z'), (2, 'Z'), (3, 'Z'), (4, 'Z'), (5, 'Y')): -0.5j}
    pauli_pr = qp.parity_transform(fermi_op, qubits, ps=True)
    assert _words(pauli_pr) == {
        ((4, 'Z'), (5, 'X'), (6, 'X'), (7, 'X'), (8, 'X'), (9, 'X')): (0.5 + 0j),
        ((5, 'Y'), (6, 'X'), (7, 'X'), (8, 'X'), (9, 'X')): -0.5j}
    pauli_bk = qp.bravyi_kitaev(fermi_op, qubits, ps=True)
    assert _words(pauli_bk) == {((3, 'Z'), (4, 'Z'), (5, 'X'), (7, 'X')): (0.5 + 0j),
                                ((3, 'Z'), (5, 'Y'), (7, 'X')): -0.5j}

    symbols = ['H', 'H']
    geometry = numpy.array([[0.0, 0.0, -0.69434785], [0.0, 0.0, 0.69434785]])
    mol = qchem.Molecule(symbols, geometry)
    h_fermi = qchem.fermionic_hamiltonian(mol)()
    electrons = 2
    qubits = len(h_fermi.wires)
    h_pauli = qp.bravyi_kitaev(h_fermi, qubits, tol=1e-16)
    hf_state = qchem.hf_state(electrons, qubits, basis="bravyi_kitaev")
    assert list(hf_state) == [1, 0, 0, 0]
    singles, doubles = qchem.excitations(electrons, qubits)
    singles_fermi = []
    for ex in singles:
        singles_fermi.append(from_string(f"{ex[1]}+ {ex[0]}-")
                             - from_string(f"{ex[0]}+ {ex[1]}-"))
    doubles_fermi = []
    for ex in doubles:
        doubles_fermi.append(from_string(f"{ex[3]}+ {ex[2]}+ {ex[1]}- {ex[0]}-")
                             - from_string(f"{ex[0]}+ {ex[1]}+ {ex[2]}- {ex[3]}-"))
    singles_pauli = [qp.bravyi_kitaev(op, qubits, ps=True) for op in singles_fermi]
    doubles_pauli = [qp.bravyi_kitaev(op, qubits, ps=True) for op in doubles_fermi]
    assert _words(singles_pauli[1]) == {((0, 'Z'), (1, 'Y'), (2, 'Z')): 0.5j,
                                        ((1, 'Y'), (3, 'Z')): -0.5j}

    params = numpy.array([0.22347661, 0.0, 0.0])
    dev = qp.device("default.qubit", wires=qubits)

    @qp.qnode(dev)
    def circuit(params):
        qp.BasisState(hf_state, wires=range(qubits))
        for i, excitation in enumerate(doubles_pauli):
            qp.exp((excitation * params[i] / 2).operation()), range(qubits)
        for j, excitation in enumerate(singles_pauli):
            qp.exp((excitation * params[i + j + 1] / 2).operation()), range(qubits)
        return qp.expval(h_pauli)

    # PennyLane 0.45.1: -1.1373060514134683; its Hamiltonian's SCF differs in the 12th digit
    assert abs(circuit(params) - -1.1373060514134683) < 1e-9
    assert abs(circuit(numpy.zeros(3)) - -1.11700481) < 1e-8  # the Hartree-Fock energy
    other = numpy.array([0.2, -0.1, 0.3])
    assert abs(circuit(other) - -1.12176191) < 1e-8
    row = "Exp(1.00 𝓗(0.00+0.00j,0.00+0.00j))"
    assert qp.draw(circuit)(params) == (
        f"0: ─╭|Ψ⟩─╭Exp(1.00 𝓗)─╭{row}─╭{row}─┤ ╭<𝓗>\n"
        f"1: ─├|Ψ⟩─├Exp(1.00 𝓗)─├{row}─├{row}─┤ ├<𝓗>\n"
        f"2: ─├|Ψ⟩─├Exp(1.00 𝓗)─╰{row}─├{row}─┤ ├<𝓗>\n"
        f"3: ─╰|Ψ⟩─╰Exp(1.00 𝓗)─{'─' * (len(row) + 2)}╰{row}─┤ ╰<𝓗>")
    assert qp.draw(circuit, decimals=3)(other) == (
        '0: ─╭|Ψ⟩─╭Exp(1.000 𝓗)─╭Exp(1.000 𝓗(0.000-0.025j,0.000-0.025j)) ···\n'
        '1: ─├|Ψ⟩─├Exp(1.000 𝓗)─├Exp(1.000 𝓗(0.000-0.025j,0.000-0.025j)) ···\n'
        '2: ─├|Ψ⟩─├Exp(1.000 𝓗)─╰Exp(1.000 𝓗(0.000-0.025j,0.000-0.025j)) ···\n'
        '3: ─╰|Ψ⟩─╰Exp(1.000 𝓗)───────────────────────────────────────── ···\n\n'
        '0: ··· ─╭Exp(1.000 𝓗(0.000+0.075j,0.000-0.075j))─┤ ╭<𝓗>\n'
        '1: ··· ─├Exp(1.000 𝓗(0.000+0.075j,0.000-0.075j))─┤ ├<𝓗>\n'
        '2: ··· ─├Exp(1.000 𝓗(0.000+0.075j,0.000-0.075j))─┤ ├<𝓗>\n'
        '3: ··· ─╰Exp(1.000 𝓗(0.000+0.075j,0.000-0.075j))─┤ ╰<𝓗>')
    # PennyLane 0.45.1 cannot differentiate it (expm of an autograd box); central
    # differences of the energy instead, at the demo's angles
    grad = qp.grad(circuit)(np.array(params))
    h = 1e-5
    for k in range(3):
        e = numpy.eye(3)[k] * h
        assert abs(grad[k] - (circuit(params + e) - circuit(params - e)) / (2 * h)) < 1e-7
