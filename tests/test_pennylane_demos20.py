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


# --- Using PennyLane and Qualtran to analyze how QSP can improve measurements of molecular
# properties (PennyLaneAI/demos tutorial_qksd_qsp_qualtran, ``import pennylane as qp``): the
# demo's QKSD ground state of water by QSP (PrepSelPrep of a 17-term Hamiltonian under two
# controls, 13 wires on lightning.qubit) and the one-particle RDM element from P and R_0 P;
# the Krylov dimension cut to 3 (the angles' last three: 15 agrees too, 15 s of CPU, above
# a test's budget); Qualtran's call graphs left out (in neither environment). Agreed before
# this round; its circuit took 14.6 s of CPU at D = 3 (each qml.ctrl gate taken off a tape it
# was never on scanned the whole tape), 2.3 s now.

def test_qksd_qsp_demo_matches_pennylane():
    coeffs = [-2.6055398817649027, 0.4725512342017669, 0.06908378485045799,
              0.06908378485045799, 0.42465877221739423, 0.040785962774025165,
              0.02016371425557293, 0.33650704944175736, 0.059002396986463035,
              0.059002396986463035, 0.2401948108687125, 0.2696430914655511,
              0.04971997220167805, 0.04971997220167805, 0.2751875205710399,
              0.30033122257656397, 0.22551650339251875]
    paulis = [qp.GlobalPhase(0, 0), qp.Z(0), qp.Y(0) @ qp.Z(1) @ qp.Y(2),
              qp.X(0) @ qp.Z(1) @ qp.X(2), qp.Z(1), qp.Z(2), qp.Z(3), qp.Z(0) @ qp.Z(1),
              qp.Y(0) @ qp.Y(2), qp.X(0) @ qp.X(2), qp.Z(0) @ qp.Z(2), qp.Z(0) @ qp.Z(3),
              qp.Y(0) @ qp.Z(1) @ qp.Y(2) @ qp.Z(3), qp.X(0) @ qp.Z(1) @ qp.X(2) @ qp.Z(3),
              qp.Z(1) @ qp.Z(2), qp.Z(1) @ qp.Z(3), qp.Z(2) @ qp.Z(3)]
    hamiltonian = qp.Hamiltonian(coeffs, paulis)

    def rotation_about_reflection_axis(angle, wires):
        qp.ctrl(qp.PauliX(wires[0]), wires[1:], (0,) * len(wires[1:]))
        qp.RZ(angle, wires[0])
        qp.ctrl(qp.PauliX(wires[0]), wires[1:], (0,) * len(wires[1:]))

    def qsp(lcu, angles, rot_wires, prep_wires):
        for angle in angles[::-1][:-1]:
            rotation_about_reflection_axis(angle, rot_wires)
            qp.PrepSelPrep(lcu, control=prep_wires)
        rotation_about_reflection_axis(angles[0], rot_wires)

    def qsp_poly_complex(lcu, angles_real, angles_imag, ctrl_wire, rot_wires, prep_wires):
        qp.H(ctrl_wire)
        qp.ctrl(qsp, ctrl_wire, 0)(lcu, angles_real, rot_wires, prep_wires)
        qp.ctrl(qsp, ctrl_wire, 1)(lcu, angles_imag, rot_wires, prep_wires)
        qp.H(ctrl_wire)

    def reflection(wire, ctrl_wires):
        qp.ctrl(qp.X(wire), ctrl_wires, [0] * len(ctrl_wires))
        qp.Z(wire)
        qp.ctrl(qp.X(wire), ctrl_wires, [0] * len(ctrl_wires))

    dev = qp.device("lightning.qubit")
    assert list(qp.qchem.hf_state(electrons=4, orbitals=4)) == [1, 1, 1, 1]

    @qp.qnode(dev)
    def krylov_qsp(lcu, even_real, even_imag, odd_real, odd_imag, obs, measure_reflection=False):
        num_aux = int(numpy.log(len(lcu.operands)) / numpy.log(2)) + 1
        start_wire = hamiltonian.wires[-1] + 1
        rot_wires = list(range(start_wire, start_wire + num_aux + 1))
        prep_wires = rot_wires[1:]
        ctrl_wires = [prep_wires[-1] + 1, prep_wires[-1] + 2]
        rdm_ctrl_wire = ctrl_wires[-1] + 1
        for i in hamiltonian.wires:
            qp.X(i)
        if measure_reflection:
            qp.X(rdm_ctrl_wire)
        qp.H(ctrl_wires[0])
        qp.ctrl(qsp_poly_complex, ctrl_wires[0], 0)(lcu, even_real, even_imag, ctrl_wires[1],
                                                     rot_wires, prep_wires)
        qp.ctrl(qsp_poly_complex, ctrl_wires[0], 1)(lcu, odd_real, odd_imag, ctrl_wires[1],
                                                     rot_wires, prep_wires)
        qp.H(ctrl_wires[0])
        if measure_reflection:
            return qp.expval(qp.prod(reflection)(rdm_ctrl_wire, set(ctrl_wires + prep_wires)) @ obs)
        return qp.expval(obs)

    Epq = qp.fermi.from_string('0+ 0-')
    obs = qp.jordan_wigner(Epq)
    assert _words(obs.pauli_rep) == {(): 0.5, ((0, 'Z'),): -0.5}
    even_real = numpy.array([3.15307452, 2.99152757, -40.86952257])
    even_imag = numpy.array([3.13011078, 3.29165774, -47.09507173])
    odd_real = numpy.array([3.17041296, 3.43658284, -37.57132208])
    odd_imag = numpy.array([3.11277234, 2.84660247, -44.11008691])
    P = krylov_qsp(hamiltonian, even_real, even_imag, odd_real, odd_imag, obs=obs)
    RP = krylov_qsp(hamiltonian, even_real, even_imag, odd_real, odd_imag, obs=obs,
                    measure_reflection=True)
    lambda_lcu = numpy.sum(numpy.abs(coeffs))
    coherent_result = 2 * lambda_lcu * (P + RP)
    # PennyLane 0.45.1 (lightning.qubit)
    assert abs(P - 0.9701303374258385) < 1e-12
    assert abs(RP - -0.9639676536364041) < 1e-12
    assert abs(coherent_result - 0.06861152598093105) < 1e-11


# --- Intro to QAOA (tutorial_qaoa_intro, rerun: the second round's row, no test held it):
# ApproxTimeEvolution's device-level drawing, qml.layer, qaoa.min_vertex_cover's
# Hamiltonians, 10 gradient-descent steps of the demo's 70 on lightning.qubit, the output
# distribution, the reward-modified cost (qaoa.edge_driver). Agreed before this round.

def test_qaoa_intro_demo_matches_pennylane():
    import networkx as nx
    from qsym import qaoa

    H = qp.Hamiltonian([1, 1, 0.5], [qp.PauliX(0), qp.PauliZ(1), qp.PauliX(0) @ qp.PauliX(1)])
    dev = qp.device("default.qubit", wires=2)

    @qp.qnode(dev)
    def circuit():
        qp.ApproxTimeEvolution(H, 1, 2)
        return [qp.expval(qp.PauliZ(i)) for i in range(2)]

    assert qp.draw(circuit, level="device")() == (
        "0: ──RX(1.00)─╭RXX(0.50)──RX(1.00)─╭RXX(0.50)─┤  <Z>\n"
        "1: ──RZ(1.00)─╰RXX(0.50)──RZ(1.00)─╰RXX(0.50)─┤  <Z>")
    assert numpy.allclose(circuit(), [-0.2688155800183077, 0.6459632908632127], atol=1e-13)

    def circ(theta):
        qp.RX(theta, wires=0)
        qp.Hadamard(wires=1)
        qp.CNOT(wires=[0, 1])

    @qp.qnode(dev)
    def layered(params, **kwargs):
        qp.layer(circ, 3, params)
        return [qp.expval(qp.PauliZ(i)) for i in range(2)]

    assert qp.draw(layered)([0.3, 0.4, 0.5]) == (
        "0: ──RX(0.30)─╭●──RX(0.40)─╭●──RX(0.50)─╭●─┤  <Z>\n"
        "1: ──H────────╰X──H────────╰X──H────────╰X─┤  <Z>")

    graph = nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3)])
    cost_h, mixer_h = qaoa.min_vertex_cover(graph, constrained=False)
    assert str(mixer_h) == "1 * X(0) + 1 * X(1) + 1 * X(2) + 1 * X(3)"
    wires, depth = range(4), 2
    dev = qp.device("lightning.qubit", wires=wires)

    def run(cost):
        def qaoa_layer(gamma, alpha):
            qaoa.cost_layer(gamma, cost)
            qaoa.mixer_layer(alpha, mixer_h)

        def layers(params, **kwargs):
            for w in wires:
                qp.Hadamard(wires=w)
            qp.layer(qaoa_layer, depth, params[0], params[1])

        @qp.qnode(dev)
        def cost_function(params):
            layers(params)
            return qp.expval(cost)

        @qp.qnode(dev)
        def probability_circuit(gamma, alpha):
            layers([gamma, alpha])
            return qp.probs(wires=wires)

        optimizer = qp.GradientDescentOptimizer()
        params = np.array([[0.5, 0.5], [0.5, 0.5]], requires_grad=True)
        for _ in range(10):
            params = optimizer.step(cost_function, params)
        return params, probability_circuit(params[0], params[1]), cost_function

    params, probs, _ = run(cost_h)
    assert numpy.allclose(params, [[0.70532457, 0.78814062], [0.4485698, 0.7314996]], atol=1e-8)
    assert numpy.allclose(probs, [0.00832298, 0.02426729, 0.01726336, 0.04861612, 0.02198649,
                                  0.03220526, 0.18943939, 0.00185401, 0.02198649, 0.03220526,
                                  0.18943939, 0.00185401, 0.06910264, 0.13160985, 0.13053517,
                                  0.07931227], atol=1e-8)
    reward_h = qaoa.edge_driver(nx.Graph([(0, 2)]), ["11"])
    new_cost_h = cost_h + 2 * reward_h
    assert str(new_cost_h).endswith("+ -0.5 * (Z(0) @ Z(2)) + 0.5 * Z(0) + 0.5 * Z(2)")
    params, _, cost_function = run(new_cost_h)
    assert numpy.allclose(params, [[0.70766326, 0.73587173], [0.2241835, 0.61882326]], atol=1e-8)
    drawn = qp.draw(cost_function)(params)
    assert drawn.endswith("0: ··· ─╭ApproxTimeEvolution(1.00,1.00,1.00,1.00,0.62)─┤ ╭<𝓗>\n"
                          "1: ··· ─├ApproxTimeEvolution(1.00,1.00,1.00,1.00,0.62)─┤ ├<𝓗>\n"
                          "2: ··· ─├ApproxTimeEvolution(1.00,1.00,1.00,1.00,0.62)─┤ ├<𝓗>\n"
                          "3: ··· ─╰ApproxTimeEvolution(1.00,1.00,1.00,1.00,0.62)─┤ ╰<𝓗>")
    assert ("─╭ApproxTimeEvolution(0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75,0.75,"
            "-1.00,-1.00,-1.00,-1.00,-0.50,0.50,0.50,0.71) ···") in drawn


# --- Fermionic operators (tutorial_fermionic_operators, rerun: no test held it): FermiC /
# FermiA arithmetic and printing, from_string's two notations, Jordan-Wigner of words and
# sentences, H2's fermionic Hamiltonian (37 terms) and its lowest eigenvalues. Agreed before
# this round: every printed line identical.

def test_fermionic_operators_demo_matches_pennylane():
    from qsym.fermi import FermiA, FermiC

    a0_dag, a1 = FermiC(0), FermiA(1)
    fermi_word = a0_dag * a1
    assert str(1.3 * a0_dag * a1 + 2.4 * a1) == "1.3 * a⁺(0) a(1)\n+ 2.4 * a(1)"
    fermi_sentence = 1.2 * a0_dag + 0.5 * a1 - 2.3 * (a0_dag * a1) ** 2
    assert str(fermi_sentence) == (
        "1.2 * a⁺(0)\n+ 0.5 * a(1)\n+ -2.3 * a⁺(0) a(1) a⁺(0) a(1)")
    assert fermi_sentence.simplify() is None
    assert str(qp.fermi.from_string("0+ 1- 0+ 1-")) == "a⁺(0) a(1) a⁺(0) a(1)"
    assert str(qp.fermi.from_string("0^ 1 0^ 1")) == "a⁺(0) a(1) a⁺(0) a(1)"
    assert str(qp.jordan_wigner(FermiC(0) * FermiA(0))) == "(0.5+0j) * I(0) + (-0.5+0j) * Z(0)"
    assert str(qp.jordan_wigner(fermi_sentence)) == (
        "0.6 * X(0) + -0.6j * Y(0) + 0.25 * (Z(0) @ X(1)) + 0.25j * (Z(0) @ Y(1))")
    h1 = (0.5 * (FermiC(0) * FermiA(1) + FermiC(1) * FermiA(0))
          + 0.2 * FermiC(2) * FermiA(2) * FermiC(3) * FermiA(3))
    assert str(qp.jordan_wigner(h1, ps=True)) == (
        "(0.25+0j) * Y(0) @ Y(1)\n+ (0.25+0j) * X(0) @ X(1)\n+ (0.05+0j) * I\n"
        "+ (-0.05+0j) * Z(3)\n+ (-0.05+0j) * Z(2)\n+ (0.05+0j) * Z(2) @ Z(3)")
    assert numpy.allclose(fermi_word.to_mat(n_orbitals=2),
                          [[0, 0, 0, 0], [0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
    assert repr(fermi_word) == "FermiWord({(0, 0): '+', (1, 1): '-'})"
    assert str(fermi_word.adjoint()) == "a⁺(1) a(0)"
    geometry = np.array([[-0.67294, -0.79565, 0.06950], [-0.06739, -0.06509, -0.06950]],
                        requires_grad=False)
    h_ferm = qchem.fermionic_hamiltonian(qchem.Molecule(["H", "H"], geometry))()
    assert len(h_ferm) == 37
    h_pauli = qp.jordan_wigner(h_ferm)
    eig = qp.eigvals(qp.SparseHamiltonian(h_pauli.sparse_matrix(), wires=h_pauli.wires), k=4)
    assert numpy.allclose(eig, [-1.06184617, -0.36255865, -0.36255865, -0.09201273], atol=1e-8)
