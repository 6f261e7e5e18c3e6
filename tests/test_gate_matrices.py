"""Independently written reference matrices for every gate qsym carries.

The matrices in :data:`REFERENCE` are written here in plain NumPy from the gates'
textbook / PennyLane-documentation definitions. They deliberately share no code with
:mod:`qsym._gates` (whose matrices are sympy expressions), so a typo in the gate table
shows up as a disagreement here. This file must not import PennyLane.

Conventions (PennyLane's):

* The first wire of a gate is the most significant bit of the matrix index, e.g. for
  ``CNOT`` the control is wire 0 and the matrix maps ``|10> -> |11>`` (index 2 -> 3).
* Controlled gates (``CNOT``, ``CY``, ``CZ``, ``CR*``, ``CRot``, ``ControlledPhaseShift``,
  ``Toffoli``, ``CSWAP``, ``MultiControlledX``) are controlled on the leading wire(s) being
  ``|1>``; the target(s) are the trailing wire(s).
* Parameter order is PennyLane's: ``Rot(phi, theta, omega) = RZ(omega) RY(theta) RZ(phi)``,
  ``U2(phi, delta)``, ``U3(theta, phi, delta)``, ``CRot(phi, theta, omega)``.

Calling convention of ``REFERENCE[name]``:

* ``REFERENCE[name](*params)`` for fixed-wire gates; ``params`` are the gate's real
  parameters in PennyLane's order (none for fixed gates, e.g. ``REFERENCE["CNOT"]()``).
* Hyperparameters are keyword-only:

  - ``REFERENCE["Identity"](num_wires=1)``
  - ``REFERENCE["MultiRZ"](theta, num_wires=n)``
  - ``REFERENCE["GlobalPhase"](phi, num_wires=1)``   (``exp(-i phi) * I``)
  - ``REFERENCE["MultiControlledX"](num_wires=n)``  (``n-1`` controls on ``|1>``, last wire target)
  - ``REFERENCE["PauliRot"](theta, pauli_word="XYZ")``  (number of wires = ``len(pauli_word)``)
  - ``REFERENCE["PCPhase"](phi, dim=d, num_wires=n)``

  The gates taking ``num_wires`` (and only that) are listed in :data:`WIRE_COUNT_GATES`
  with the wire counts tested; the ones with other hyperparameters in
  :data:`HYPERPARAMETER_GATES`.

Sanity tests at the bottom check the references against each other and against
``expm(-1j * t * G)`` for their generators ``G`` (note the sign: PennyLane's own
``Operator.generator()`` uses ``U = exp(+i t G)``, so its ``G`` is minus the ones here).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from qsym import _gates as gates

ATOL = 1e-12

# ---------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------

_I2 = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
_PAULI = {"I": _I2, "X": _X, "Y": _Y, "Z": _Z}
_P0 = np.diag([1, 0]).astype(complex)  # |0><0|
_P1 = np.diag([0, 1]).astype(complex)  # |1><1|


def _kron(*ms) -> np.ndarray:
    out = np.eye(1, dtype=complex)
    for m in ms:
        out = np.kron(out, m)
    return out


def _pauli_string(word: str) -> np.ndarray:
    """The matrix of a Pauli word, first letter on the most significant wire."""
    return _kron(*(_PAULI[c] for c in word))


def _controlled(u: np.ndarray, num_controls: int = 1) -> np.ndarray:
    """``u`` controlled on ``num_controls`` leading wires all being ``|1>``."""
    d = u.shape[0]
    n = d * 2**num_controls
    out = np.eye(n, dtype=complex)
    out[n - d :, n - d :] = u
    return out


def _embed(u: np.ndarray, wires, n: int) -> np.ndarray:
    """Apply the ``k``-wire matrix ``u`` on ``wires`` (in ``u``'s wire order) of ``n`` wires.

    Wire 0 is the most significant bit. Written out index by index.
    """
    wires = list(wires)
    k = len(wires)
    dim = 2**n
    out = np.zeros((dim, dim), dtype=complex)
    for col in range(dim):
        bits = [(col >> (n - 1 - w)) & 1 for w in range(n)]
        sub_in = 0
        for w in wires:
            sub_in = 2 * sub_in + bits[w]
        for sub_out in range(2**k):
            amp = u[sub_out, sub_in]
            if amp == 0:
                continue
            new = list(bits)
            for j, w in enumerate(wires):
                new[w] = (sub_out >> (k - 1 - j)) & 1
            row = 0
            for b in new:
                row = 2 * row + b
            out[row, col] += amp
    return out


def _cs(t):
    return np.cos(t / 2), np.sin(t / 2)


# ---------------------------------------------------------------------------------------
# one-qubit gates
# ---------------------------------------------------------------------------------------


def identity(*, num_wires: int = 1) -> np.ndarray:
    return np.eye(2**num_wires, dtype=complex)


def pauli_x():
    return np.array([[0, 1], [1, 0]], dtype=complex)


def pauli_y():
    return np.array([[0, -1j], [1j, 0]], dtype=complex)


def pauli_z():
    return np.array([[1, 0], [0, -1]], dtype=complex)


def hadamard():
    return np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)


def s_gate():
    return np.array([[1, 0], [0, 1j]], dtype=complex)


def t_gate():
    return np.array([[1, 0], [0, np.exp(1j * np.pi / 4)]], dtype=complex)


def sx():
    # sqrt(X) = e^{i pi/4} RX(pi/2)
    return 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]], dtype=complex)


def rx(theta):
    c, s = _cs(theta)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=complex)


def ry(theta):
    c, s = _cs(theta)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rz(theta):
    return np.array([[np.exp(-0.5j * theta), 0], [0, np.exp(0.5j * theta)]], dtype=complex)


def phase_shift(phi):
    return np.array([[1, 0], [0, np.exp(1j * phi)]], dtype=complex)


def rot(phi, theta, omega):
    # RZ(omega) RY(theta) RZ(phi), entries written out
    c, s = _cs(theta)
    return np.array(
        [
            [np.exp(-0.5j * (phi + omega)) * c, -np.exp(0.5j * (phi - omega)) * s],
            [np.exp(-0.5j * (phi - omega)) * s, np.exp(0.5j * (phi + omega)) * c],
        ],
        dtype=complex,
    )


def u1(phi):
    return np.array([[1, 0], [0, np.exp(1j * phi)]], dtype=complex)


def u2(phi, delta):
    return np.array(
        [[1, -np.exp(1j * delta)], [np.exp(1j * phi), np.exp(1j * (phi + delta))]],
        dtype=complex,
    ) / np.sqrt(2)


def u3(theta, phi, delta):
    c, s = _cs(theta)
    return np.array(
        [
            [c, -np.exp(1j * delta) * s],
            [np.exp(1j * phi) * s, np.exp(1j * (phi + delta)) * c],
        ],
        dtype=complex,
    )


# ---------------------------------------------------------------------------------------
# two-qubit gates
# ---------------------------------------------------------------------------------------


def cnot():
    return np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]], dtype=complex)


def cy():
    return np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, -1j], [0, 0, 1j, 0]], dtype=complex)


def cz():
    return np.diag([1, 1, 1, -1]).astype(complex)


def swap():
    return np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)


def iswap():
    return np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex)


def crx(theta):
    c, s = _cs(theta)
    return np.array(
        [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, c, -1j * s], [0, 0, -1j * s, c]], dtype=complex
    )


def cry(theta):
    c, s = _cs(theta)
    return np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, c, -s], [0, 0, s, c]], dtype=complex)


def crz(theta):
    return np.diag([1, 1, np.exp(-0.5j * theta), np.exp(0.5j * theta)]).astype(complex)


def crot(phi, theta, omega):
    out = np.eye(4, dtype=complex)
    out[2:, 2:] = rot(phi, theta, omega)
    return out


def controlled_phase_shift(phi):
    return np.diag([1, 1, 1, np.exp(1j * phi)]).astype(complex)


def ising_xx(phi):
    c, s = _cs(phi)
    return np.array(
        [[c, 0, 0, -1j * s], [0, c, -1j * s, 0], [0, -1j * s, c, 0], [-1j * s, 0, 0, c]],
        dtype=complex,
    )


def ising_yy(phi):
    # exp(-i phi/2 Y(x)Y); Y(x)Y = [[0,0,0,-1],[0,0,1,0],[0,1,0,0],[-1,0,0,0]]
    c, s = _cs(phi)
    return np.array(
        [[c, 0, 0, 1j * s], [0, c, -1j * s, 0], [0, -1j * s, c, 0], [1j * s, 0, 0, c]],
        dtype=complex,
    )


def ising_zz(phi):
    m, p = np.exp(-0.5j * phi), np.exp(0.5j * phi)
    return np.diag([m, p, p, m]).astype(complex)


def ising_xy(phi):
    # PennyLane: exp(+i phi/4 (XX + YY)) -- note the plus sign
    c, s = _cs(phi)
    return np.array(
        [[1, 0, 0, 0], [0, c, 1j * s, 0], [0, 1j * s, c, 0], [0, 0, 0, 1]], dtype=complex
    )


def single_excitation(phi):
    # Givens rotation in span{|01>, |10>}
    c, s = _cs(phi)
    return np.array([[1, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, 1]], dtype=complex)


def single_excitation_plus(phi):
    c, s = _cs(phi)
    e = np.exp(0.5j * phi)
    return np.array([[e, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, e]], dtype=complex)


def single_excitation_minus(phi):
    c, s = _cs(phi)
    e = np.exp(-0.5j * phi)
    return np.array([[e, 0, 0, 0], [0, c, -s, 0], [0, s, c, 0], [0, 0, 0, e]], dtype=complex)


def pswap(phi):
    e = np.exp(1j * phi)
    return np.array([[1, 0, 0, 0], [0, 0, e, 0], [0, e, 0, 0], [0, 0, 0, 1]], dtype=complex)


# ---------------------------------------------------------------------------------------
# four-qubit (quantum chemistry) gates
# ---------------------------------------------------------------------------------------

_I0011, _I1100 = 0b0011, 0b1100


def _double_excitation_family(phi, outside):
    c, s = _cs(phi)
    out = outside * np.eye(16, dtype=complex)
    out[_I0011, _I0011] = c
    out[_I0011, _I1100] = -s
    out[_I1100, _I0011] = s
    out[_I1100, _I1100] = c
    return out


def double_excitation(phi):
    # Givens rotation in span{|0011>, |1100>}: |0011> -> c|0011> + s|1100>
    return _double_excitation_family(phi, 1.0)


def double_excitation_plus(phi):
    return _double_excitation_family(phi, np.exp(0.5j * phi))


def double_excitation_minus(phi):
    return _double_excitation_family(phi, np.exp(-0.5j * phi))


def orbital_rotation(phi):
    """Spin-adapted rotation of spatial orbitals (wires 0,1) and (2,3), interleaved JW.

    The same Givens rotation acts on the alpha spin-orbitals (wires 0, 2) and the beta
    ones (wires 1, 3). Under Jordan-Wigner the hop 0 <-> 2 passes over wire 1 and the hop
    1 <-> 3 over wire 2, which contributes the fermionic sign (-1)^n on the passed wire,
    i.e. the rotation angle flips sign when the passed wire is occupied. The two factors
    commute.
    """
    # 3-wire block in wire order (passed, a, b): passed=|0> -> G(phi), passed=|1> -> G(-phi)
    block = np.zeros((8, 8), dtype=complex)
    block[:4, :4] = single_excitation(phi)
    block[4:, 4:] = single_excitation(-phi)
    alpha = _embed(block, [1, 0, 2], 4)
    beta = _embed(block, [2, 1, 3], 4)
    return beta @ alpha


# ---------------------------------------------------------------------------------------
# multi-qubit gates
# ---------------------------------------------------------------------------------------


def multi_rz(theta, *, num_wires: int):
    # exp(-i theta/2 Z...Z): Z...Z has eigenvalue (-1)^(popcount of the index)
    parity = np.array([bin(k).count("1") % 2 for k in range(2**num_wires)])
    signs = 1 - 2 * parity
    return np.diag(np.exp(-0.5j * theta * signs)).astype(complex)


def pauli_rot(theta, *, pauli_word: str):
    # exp(-i theta/2 P) = cos(theta/2) I - i sin(theta/2) P, because P^2 = I
    p = _pauli_string(pauli_word)
    c, s = _cs(theta)
    return c * np.eye(p.shape[0], dtype=complex) - 1j * s * p


def pc_phase(phi, *, dim: int, num_wires: int):
    # e^{i phi} on the first `dim` basis states, e^{-i phi} on the rest
    n = 2**num_wires
    return np.diag([np.exp(1j * phi)] * dim + [np.exp(-1j * phi)] * (n - dim)).astype(complex)


def global_phase(phi, *, num_wires: int = 1):
    return np.exp(-1j * phi) * np.eye(2**num_wires, dtype=complex)


def toffoli():
    out = np.eye(8, dtype=complex)
    out[6:, 6:] = [[0, 1], [1, 0]]
    return out


def cswap():
    out = np.eye(8, dtype=complex)
    out[5, 5] = out[6, 6] = 0
    out[5, 6] = out[6, 5] = 1
    return out


def multi_controlled_x(*, num_wires: int):
    n = 2**num_wires
    out = np.eye(n, dtype=complex)
    out[n - 2 :, n - 2 :] = [[0, 1], [1, 0]]
    return out


def siswap():  # PennyLane's SISWAP: the square root of ISWAP
    r = 1 / np.sqrt(2)
    return np.array([[1, 0, 0, 0], [0, r, 1j * r, 0], [0, 1j * r, r, 0], [0, 0, 0, 1]])


def ecr():  # PennyLane's ECR
    return np.array([[0, 0, 1, 1j], [0, 0, 1j, 1], [1, -1j, 0, 0], [-1j, 1, 0, 0]]) / np.sqrt(2)


def ch():  # controlled Hadamard: |1><1| (x) H on the target
    out = np.eye(4, dtype=complex)
    out[2:, 2:] = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    return out


def ccz():
    return np.diag([1, 1, 1, 1, 1, 1, 1, -1]).astype(complex)


def _phase_on(k):
    def gate(phi):
        d = np.ones(4, dtype=complex)
        d[k] = np.exp(1j * phi)
        return np.diag(d)
    return gate


def fermionic_swap(phi):  # PennyLane's FermionicSWAP
    c, s, g = np.cos(phi / 2), np.sin(phi / 2), np.exp(1j * phi / 2)
    return np.array([[1, 0, 0, 0], [0, g * c, -1j * g * s, 0], [0, -1j * g * s, g * c, 0],
                     [0, 0, 0, np.exp(1j * phi)]])


# ---------------------------------------------------------------------------------------
# the reference table
# ---------------------------------------------------------------------------------------

REFERENCE: dict = {
    "Identity": identity,
    "PauliX": pauli_x,
    "PauliY": pauli_y,
    "PauliZ": pauli_z,
    "Hadamard": hadamard,
    "S": s_gate,
    "T": t_gate,
    "SX": sx,
    "RX": rx,
    "RY": ry,
    "RZ": rz,
    "PhaseShift": phase_shift,
    "Rot": rot,
    "U1": u1,
    "U2": u2,
    "U3": u3,
    "CNOT": cnot,
    "CY": cy,
    "CZ": cz,
    "SWAP": swap,
    "ISWAP": iswap,
    "SISWAP": siswap,
    "ECR": ecr,
    "CH": ch,
    "CCZ": ccz,
    "CPhaseShift00": _phase_on(0),
    "CPhaseShift01": _phase_on(1),
    "CPhaseShift10": _phase_on(2),
    "FermionicSWAP": fermionic_swap,
    "CRX": crx,
    "CRY": cry,
    "CRZ": crz,
    "CRot": crot,
    "ControlledPhaseShift": controlled_phase_shift,
    "IsingXX": ising_xx,
    "IsingYY": ising_yy,
    "IsingZZ": ising_zz,
    "IsingXY": ising_xy,
    "MultiRZ": multi_rz,
    "PauliRot": pauli_rot,
    "SingleExcitation": single_excitation,
    "SingleExcitationPlus": single_excitation_plus,
    "SingleExcitationMinus": single_excitation_minus,
    "DoubleExcitation": double_excitation,
    "DoubleExcitationPlus": double_excitation_plus,
    "DoubleExcitationMinus": double_excitation_minus,
    "OrbitalRotation": orbital_rotation,
    "PSWAP": pswap,
    "PCPhase": pc_phase,
    "GlobalPhase": global_phase,
    "Toffoli": toffoli,
    "CSWAP": cswap,
    "MultiControlledX": multi_controlled_x,
    "QubitUnitary": lambda *, U: np.array(U, dtype=complex),  # the matrix it is given
}
"""Gate name -> reference matrix function (see the module docstring for the convention)."""

WIRE_COUNT_GATES: dict[str, tuple[int, ...]] = {
    "Identity": (1, 2, 3),
    "MultiRZ": (1, 2, 3, 4),
    "GlobalPhase": (1, 2, 3),
    "MultiControlledX": (2, 3, 4),
}
"""Gates whose only hyperparameter is ``num_wires``, with the wire counts tested."""

HYPERPARAMETER_GATES: dict[str, list[dict]] = {
    "PauliRot": [
        {"pauli_word": w} for w in ("X", "Y", "Z", "I", "XY", "ZZ", "IX", "XYZ", "YIZX")
    ],
    "PCPhase": [
        {"dim": d, "num_wires": n} for n, d in ((1, 0), (1, 1), (1, 2), (2, 1), (2, 3), (3, 5))
    ],
    "QubitUnitary": [
        {"U": [[2**-0.5, 1j * 2**-0.5], [1j * 2**-0.5, 2**-0.5]]},
        {"U": np.kron([[0, 1], [1, 0]], [[1, 0], [0, 1j]]).tolist()},
    ],
}
"""Gates with hyperparameters other than ``num_wires``, with the values tested."""


def _num_params(name: str) -> int:
    sig = inspect.signature(REFERENCE[name])
    return sum(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in sig.parameters.values()
    )


def _parameter_sets(name: str, k: int) -> list[tuple[float, ...]]:
    """Special angles plus 3 random sets, reproducible per gate."""
    if k == 0:
        return [()]
    sets = [(0.0,) * k, (np.pi,) * k, (-np.pi / 2,) * k]
    if k > 1:
        sets.append(tuple([0.0, np.pi, -np.pi / 2][i % 3] for i in range(k)))
    seed = sum(ord(ch) for ch in name)  # fixed per gate, independent of test order
    rng = np.random.default_rng(seed)
    sets += [tuple(rng.uniform(-2 * np.pi, 2 * np.pi, size=k)) for _ in range(3)]
    return sets


# ---------------------------------------------------------------------------------------
# 1. every table gate has a reference
# ---------------------------------------------------------------------------------------


def test_every_table_gate_has_a_reference():
    # the rows qsym ships (rows made at run time, by qml.ctrl of a gate or define_gate in an
    # earlier test of this process, are the user's: not part of the table)
    missing = sorted(set(gates.REGISTRY.builtin) - set(REFERENCE))
    assert not missing, (
        f"gates in qsym._gates.GATES without a reference matrix in {__file__}: {missing}"
    )


def test_reference_hyperparameter_lists_are_consistent():
    assert set(WIRE_COUNT_GATES) <= set(REFERENCE)
    assert set(HYPERPARAMETER_GATES) <= set(REFERENCE)
    assert not set(WIRE_COUNT_GATES) & set(HYPERPARAMETER_GATES)


# ---------------------------------------------------------------------------------------
# 2. the table agrees with the references
# ---------------------------------------------------------------------------------------

_TABLE_GATES = sorted(n for n in gates.GATES if n in REFERENCE)


@pytest.mark.parametrize("name", _TABLE_GATES)
def test_table_parameter_count_matches_reference(name):
    assert gates.GATES[name].num_params == _num_params(name)


def _assert_close(name, got, want, context):
    assert got.shape == want.shape, f"{name}{context}: shape {got.shape} != {want.shape}"
    err = np.max(np.abs(got - want))
    assert err <= ATOL, f"{name}{context}: max |table - reference| = {err:.3g}\n{got}\n{want}"


@pytest.mark.parametrize("name", _TABLE_GATES)
def test_table_matrix_equals_reference(name):
    row = gates.GATES[name]
    ref = REFERENCE[name]
    k = _num_params(name)

    if name in HYPERPARAMETER_GATES:
        # hyperparameters go to qsym._gates.matrix by name, as to the references
        for hp in HYPERPARAMETER_GATES[name]:
            for params in _parameter_sets(name, k):
                got = gates.matrix(name, *params, **hp)
                _assert_close(name, got, ref(*params, **hp), f"{params}, {hp}")
        return

    if row.num_wires == 0:
        if name not in WIRE_COUNT_GATES:
            pytest.fail(f"{name} is variable-wire in the table but not in WIRE_COUNT_GATES")
        for n in WIRE_COUNT_GATES[name]:
            for params in _parameter_sets(name, k):
                got = gates.matrix(name, *params, num_wires=n)
                _assert_close(name, got, ref(*params, num_wires=n), f"{params}, num_wires={n}")
        return

    for params in _parameter_sets(name, k):
        if name in WIRE_COUNT_GATES:
            want = ref(*params, num_wires=row.num_wires)
        else:
            want = ref(*params)
        got = gates.matrix(name, *params)
        assert got.shape == (2**row.num_wires,) * 2
        _assert_close(name, got, want, str(params))


# ---------------------------------------------------------------------------------------
# 3. sanity of the references themselves (no qsym involved)
# ---------------------------------------------------------------------------------------


def _reference_instances():
    """(id, matrix-function-of-params, num_params) for every reference and hyperparameter."""
    out = []
    for name, fn in REFERENCE.items():
        k = _num_params(name)
        if name in WIRE_COUNT_GATES:
            for n in WIRE_COUNT_GATES[name]:
                out.append((f"{name}-n{n}", lambda *p, fn=fn, n=n: fn(*p, num_wires=n), k))
        elif name in HYPERPARAMETER_GATES:
            for hp in HYPERPARAMETER_GATES[name]:
                tag = "-".join(f"{key}{val}" for key, val in hp.items())
                out.append((f"{name}-{tag}", lambda *p, fn=fn, hp=hp: fn(*p, **hp), k))
        else:
            out.append((name, fn, k))
    return out


_INSTANCES = _reference_instances()


@pytest.mark.parametrize("ident, fn, k", _INSTANCES, ids=[i[0] for i in _INSTANCES])
def test_reference_is_unitary(ident, fn, k):
    for params in _parameter_sets(ident, k):
        u = fn(*params)
        assert u.dtype == complex
        d = u.shape[0]
        assert u.shape == (d, d) and d & (d - 1) == 0
        np.testing.assert_allclose(u.conj().T @ u, np.eye(d), atol=ATOL, rtol=0)


def _proj(*bits) -> np.ndarray:
    """|b1 b2 ...><b1 b2 ...|."""
    return _kron(*(_P1 if b else _P0 for b in bits))


def _subspace_y(dim, i, j) -> np.ndarray:
    """sigma_y on span{|i>, |j>}: -i|i><j| + i|j><i|."""
    g = np.zeros((dim, dim), dtype=complex)
    g[i, j] = -1j
    g[j, i] = 1j
    return g


_SE_G = 0.25 * (_pauli_string("YX") - _pauli_string("XY"))
_DE_G = 0.5 * _subspace_y(16, _I0011, _I1100)
_DE_OUT = np.eye(16) - _proj(0, 0, 1, 1) - _proj(1, 1, 0, 0)

# (id, reference as a function of t, G) with reference(t) == expm(-1j * t * G).
_GENERATORS = [
    ("RX", rx, _X / 2),
    ("RY", ry, _Y / 2),
    ("RZ", rz, _Z / 2),
    ("PhaseShift", phase_shift, -_P1),
    ("U1", u1, -_P1),
    ("CRX", crx, _kron(_P1, _X / 2)),
    ("CRY", cry, _kron(_P1, _Y / 2)),
    ("CRZ", crz, _kron(_P1, _Z / 2)),
    ("ControlledPhaseShift", controlled_phase_shift, -_proj(1, 1)),
    ("IsingXX", ising_xx, _pauli_string("XX") / 2),
    ("IsingYY", ising_yy, _pauli_string("YY") / 2),
    ("IsingZZ", ising_zz, _pauli_string("ZZ") / 2),
    ("IsingXY", ising_xy, -(_pauli_string("XX") + _pauli_string("YY")) / 4),
    # PennyLane documents the Pauli form 0.25 (XY - YX) for exp(+i t G); negated here
    ("SingleExcitation", single_excitation, _SE_G),
    ("SingleExcitation-subspace", single_excitation, 0.5 * _subspace_y(4, 0b01, 0b10)),
    (
        "SingleExcitationPlus",
        single_excitation_plus,
        _SE_G - 0.25 * (np.eye(4) + _pauli_string("ZZ")),
    ),
    (
        "SingleExcitationMinus",
        single_excitation_minus,
        _SE_G + 0.25 * (np.eye(4) + _pauli_string("ZZ")),
    ),
    ("DoubleExcitation", double_excitation, _DE_G),
    (
        # PennyLane documents this 8-term Pauli generator for exp(+i t G); negated here
        "DoubleExcitation-pauli",
        double_excitation,
        -0.0625
        * (
            _pauli_string("XXXY")
            + _pauli_string("XXYX")
            - _pauli_string("XYXX")
            + _pauli_string("XYYY")
            - _pauli_string("YXXX")
            + _pauli_string("YXYY")
            - _pauli_string("YYXY")
            - _pauli_string("YYYX")
        ),
    ),
    ("DoubleExcitationPlus", double_excitation_plus, _DE_G - 0.5 * _DE_OUT),
    ("DoubleExcitationMinus", double_excitation_minus, _DE_G + 0.5 * _DE_OUT),
    (
        "OrbitalRotation",
        orbital_rotation,
        -0.25
        * (
            _pauli_string("XZYI")
            - _pauli_string("YZXI")
            + _pauli_string("IXZY")
            - _pauli_string("IYZX")
        ),
    ),
]
_GENERATORS += [
    (f"MultiRZ-n{n}", lambda t, n=n: multi_rz(t, num_wires=n), _pauli_string("Z" * n) / 2)
    for n in (1, 2, 3, 4)
]
_GENERATORS += [
    (f"PauliRot-{w}", lambda t, w=w: pauli_rot(t, pauli_word=w), _pauli_string(w) / 2)
    for w in (hp["pauli_word"] for hp in HYPERPARAMETER_GATES["PauliRot"])
]
_GENERATORS += [
    (f"GlobalPhase-n{n}", lambda t, n=n: global_phase(t, num_wires=n), np.eye(2**n))
    for n in (1, 2, 3)
]
_GENERATORS += [
    (
        f"PCPhase-dim{d}-n{n}",
        lambda t, d=d, n=n: pc_phase(t, dim=d, num_wires=n),
        # exp(i t (2 Pi - I)), Pi the projector on the first dim basis states
        -(2 * np.diag([1.0] * d + [0.0] * (2**n - d)) - np.eye(2**n)),
    )
    for hp in HYPERPARAMETER_GATES["PCPhase"]
    for d, n in [(hp["dim"], hp["num_wires"])]
]

_ANGLES = (0.0, np.pi, -np.pi / 2, 0.37, -2.9, 5.1)


@pytest.mark.parametrize("ident, fn, gen", _GENERATORS, ids=[g[0] for g in _GENERATORS])
def test_reference_equals_exp_of_generator(ident, fn, gen):
    linalg = pytest.importorskip("scipy.linalg")
    assert np.allclose(gen, gen.conj().T), "generator must be Hermitian"
    for t in _ANGLES:
        np.testing.assert_allclose(fn(t), linalg.expm(-1j * t * gen), atol=ATOL, rtol=0)


def _close(a, b):
    return np.allclose(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("t", _ANGLES)
def test_reference_relations(t):
    """Identities between the references, each a documented property of the gates."""
    a, b, c = t, 0.7 * t - 1.3, 2.1 - t
    # PennyLane parameter orders
    assert _close(rot(a, b, c), rz(c) @ ry(b) @ rz(a))
    assert _close(u3(a, b, c), np.exp(0.5j * (b + c)) * rz(b) @ ry(a) @ rz(c))
    assert _close(u2(a, b), u3(np.pi / 2, a, b))
    assert _close(u1(a), phase_shift(a))
    assert _close(phase_shift(a), np.exp(0.5j * a) * rz(a))
    # controlled gates are controlled on wire 0 = |1>
    assert _close(crx(a), _controlled(rx(a)))
    assert _close(cry(a), _controlled(ry(a)))
    assert _close(crz(a), _controlled(rz(a)))
    assert _close(crot(a, b, c), _controlled(rot(a, b, c)))
    assert _close(controlled_phase_shift(a), _controlled(phase_shift(a)))
    # Ising family and Pauli rotations
    assert _close(ising_xx(a), pauli_rot(a, pauli_word="XX"))
    assert _close(ising_yy(a), pauli_rot(a, pauli_word="YY"))
    assert _close(ising_zz(a), pauli_rot(a, pauli_word="ZZ"))
    assert _close(ising_zz(a), multi_rz(a, num_wires=2))
    assert _close(rz(a), multi_rz(a, num_wires=1))
    assert _close(rx(a), pauli_rot(a, pauli_word="X"))
    assert _close(multi_rz(a, num_wires=3), pauli_rot(a, pauli_word="ZZZ"))
    assert _close(pauli_rot(a, pauli_word="I"), global_phase(a / 2))
    # excitations
    assert _close(single_excitation_plus(a)[1:3, 1:3], single_excitation(a)[1:3, 1:3])
    assert _close(pswap(a), swap() @ np.diag([1, np.exp(1j * a), np.exp(1j * a), 1]))
    assert _close(_embed(single_excitation(a), [1, 0], 2), single_excitation(-a))
    # PCPhase with dim = 2^n and dim = 0 are global phases of opposite sign
    assert _close(pc_phase(a, dim=4, num_wires=2), global_phase(-a, num_wires=2))
    assert _close(pc_phase(a, dim=0, num_wires=2), global_phase(a, num_wires=2))


def test_reference_fixed_gate_relations():
    assert _close(sx() @ sx(), pauli_x())
    assert _close(sx(), np.exp(0.25j * np.pi) * rx(np.pi / 2))
    assert _close(t_gate() @ t_gate(), s_gate())
    assert _close(s_gate() @ s_gate(), pauli_z())
    assert _close(hadamard(), (pauli_x() + pauli_z()) / np.sqrt(2))
    assert _close(pauli_y(), 1j * pauli_x() @ pauli_z())
    assert _close(cnot(), _controlled(pauli_x()))
    assert _close(cy(), _controlled(pauli_y()))
    assert _close(cz(), _controlled(pauli_z()))
    assert _close(toffoli(), _controlled(pauli_x(), 2))
    assert _close(cswap(), _controlled(swap()))
    assert _close(multi_controlled_x(num_wires=2), cnot())
    assert _close(multi_controlled_x(num_wires=3), toffoli())
    assert _close(multi_controlled_x(num_wires=4), _controlled(pauli_x(), 3))
    assert _close(iswap(), ising_xy(np.pi))
    assert _close(pswap(0.0), swap())
    assert _close(identity(num_wires=2), np.eye(4))
    # wire order: wire 0 is the most significant bit
    e = np.eye(4)
    assert _close(cnot() @ e[:, 0b10], e[:, 0b11])
    assert _close(cnot() @ e[:, 0b01], e[:, 0b01])
    assert _close(_kron(pauli_x(), _I2) @ e[:, 0b00], e[:, 0b10])
    assert _close(_embed(cnot(), [1, 0], 2), _kron(_I2, _P0) + _kron(pauli_x(), _P1))


def test_reference_single_excitation_documented_action():
    # PennyLane docs: X on wire 0 then SingleExcitation(phi) gives cos|10> - sin|01>
    phi = 0.83
    state = single_excitation(phi) @ np.eye(4)[:, 0b10]
    want = np.zeros(4)
    want[0b10], want[0b01] = np.cos(phi / 2), -np.sin(phi / 2)
    assert _close(state, want)


def test_reference_double_excitation_documented_action():
    # |1100> -> cos(phi/2)|1100> - sin(phi/2)|0011>
    phi = -1.7
    state = double_excitation(phi) @ np.eye(16)[:, 0b1100]
    want = np.zeros(16)
    want[0b1100], want[0b0011] = np.cos(phi / 2), -np.sin(phi / 2)
    assert _close(state, want)


def test_reference_orbital_rotation_documented_example():
    # PennyLane docs: OrbitalRotation(0.1) on |1100> (both electrons in orbital 0)
    state = orbital_rotation(0.1) @ np.eye(16)[:, 0b1100]
    c, s = np.cos(0.05), np.sin(0.05)
    want = np.zeros(16)
    want[0b1100] = c * c  # 0.99750208
    want[0b0011] = s * s  # 0.00249792
    want[0b0110] = c * s  # 0.04991671
    want[0b1001] = -c * s  # -0.04991671
    assert _close(state, want)
    # the amplitudes printed in the docs
    documented = [0.00249792, 0.04991671, -0.04991671, 0.99750208]
    np.testing.assert_allclose(state[[3, 6, 9, 12]].real, documented, atol=1e-8)
