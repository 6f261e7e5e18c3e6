"""PennyLane's ``qml.qchem`` for VQE programs: molecules, Hartree-Fock states, excitations
and molecular Hamiltonians, with PennyLane 0.45's numbers, orders and errors.

- :func:`hf_state`, :func:`excitations`, :func:`excitations_to_wires`,
  :func:`active_space`: the reference state and the excitations of the chemistry templates
  (``qml.AllSinglesDoubles``, ``qml.UCCSD``, ...).
- :class:`Molecule` and :func:`molecular_hamiltonian` (PennyLane's default ``method="dhf"``):
  STO-3G Gaussian integrals, restricted Hartree-Fock, the integrals over the molecular
  orbitals, an active space, the fermionic Hamiltonian (the nuclear repulsion as its
  constant) and its qubit form (Jordan-Wigner, parity or Bravyi-Kitaev). The steps are
  PennyLane's functions too: :func:`scf`, :func:`hf_energy`, :func:`electron_integrals`,
  :func:`fermionic_observable`, :func:`qubit_observable`, :func:`fermionic_hamiltonian`,
  :func:`diff_hamiltonian`, and the AO matrices (:func:`overlap_matrix`, ...).

Derivatives with respect to the geometry or the basis parameters (PennyLane's ``args``):
the AO matrices, :func:`hf_energy`, and :func:`molecular_hamiltonian` given ``args`` that
are autograd values (inside ``qml.grad``: its coefficients through PennyLane's unrolled SCF,
the nuclear forces of a VQE). Not provided (a specific error says so): ``scf``,
``electron_integrals`` and dipole operators by ``args``, open-shell molecules, the
``pyscf`` and ``openfermion`` methods.

>>> import numpy as np
>>> import qsym as qml
>>> H, qubits = qml.qchem.molecular_hamiltonian(["H", "H"], np.array([0.0, 0.0, -0.6614, 0.0, 0.0, 0.6614]))
>>> qubits, len(H.pauli_rep)
(4, 15)
>>> qml.qchem.hf_state(2, 4)
array([1, 1, 0, 0])
>>> qml.qchem.excitations(2, 4)
([[0, 2], [1, 3]], [[0, 1, 2, 3]])
"""

from __future__ import annotations

import collections
import itertools
import numbers
import sys
import warnings

import numpy as np

from . import _integrals as ints
from . import _qchem_integrals as gints
from .errors import ArgumentError, DifferentiationError, UnsupportedInputError
from .fermi import FermiSentence, FermiWord, bravyi_kitaev, encoding_matrix, jordan_wigner, \
    parity_transform
from ._qchem_integrals import attraction_integral, contracted_norm, electron_repulsion, \
    expansion, gaussian_kinetic, gaussian_moment, gaussian_overlap, hermite_moment, \
    kinetic_integral, moment_integral, nuclear_attraction, overlap_integral, primitive_norm, \
    repulsion_integral
from .math import binary_finite_reduced_row_echelon
from .pauli import PauliSentence, PauliWord, binary_matrix_from_words
from .wires import order_list

__all__ = ["Molecule", "hf_state", "excitations", "excitations_to_wires", "active_space",
           "molecular_hamiltonian", "scf", "hf_energy", "nuclear_energy", "electron_integrals",
           "fermionic_observable", "qubit_observable", "fermionic_hamiltonian",
           "diff_hamiltonian", "overlap_matrix", "kinetic_matrix", "attraction_matrix",
           "core_matrix", "repulsion_tensor", "mol_density_matrix", "read_structure",
           "particle_number", "spinz", "spin2", "symmetry_generators", "paulix_ops",
           "clifford", "taper", "optimal_sector", "taper_hf", "taper_operation",
           "factorize", "symmetry_shift", "basis_rotation", "BOHR_TO_ANG", "BasisFunction", "atom_basis_data", "mol_basis_data",
           "load_basisset",
           "moment_matrix", "dipole_integrals", "fermionic_dipole", "dipole_moment",
           "molecular_dipole", *gints.__all__]

# the Bohr radius in Angstrom (CODATA 2022, the value PennyLane 0.45 reads from scipy)
BOHR_TO_ANG = 0.529177210544
_MAPPERS = {"jordan_wigner": lambda f, n, tol: jordan_wigner(f, ps=True, tol=tol),
            "parity": lambda f, n, tol: parity_transform(f, n, ps=True, tol=tol),
            "bravyi_kitaev": lambda f, n, tol: bravyi_kitaev(f, n, ps=True, tol=tol)}


# ------------------------------------------------------------------ states and excitations

def hf_state(electrons: int, orbitals: int, basis: str = "occupation_number") -> np.ndarray:
    """The Hartree-Fock state: the lowest ``electrons`` of ``orbitals`` spin orbitals
    occupied, in the occupation-number basis or encoded for the ``"parity"`` or
    ``"bravyi_kitaev"`` mappings.

    >>> hf_state(2, 6)
    array([1, 1, 0, 0, 0, 0])
    >>> hf_state(2, 6, basis="parity")
    array([1, 0, 0, 0, 0, 0])
    """
    if electrons <= 0:
        raise ArgumentError("The number of active electrons has to be larger than zero; got "
                            f"'electrons' = {electrons}")
    if electrons > orbitals:
        raise ArgumentError("The number of active orbitals cannot be smaller than the number of "
                            f"active electrons; got 'orbitals'={orbitals} < 'electrons'={electrons}")
    state = np.where(np.arange(orbitals) < electrons, 1, 0)
    basis = basis.strip().lower()
    if basis in ("parity", "bravyi_kitaev"):
        return (encoding_matrix(basis, orbitals).astype(int) @ state % 2).astype(int)
    return state


def excitations(electrons: int, orbitals: int, delta_sz=0, fermionic: bool = False):
    """``(singles, doubles)``: the excitations from the ``electrons`` occupied spin orbitals
    to the others that change the spin projection by ``delta_sz`` (even orbitals spin up),
    as ``[r, p]`` and ``[s, r, q, p]`` in PennyLane's order; with ``fermionic=True`` as
    :class:`~qsym.fermi.FermiWord` s ``a⁺_r a_p`` and ``a⁺_s a⁺_r a_q a_p``.

    >>> excitations(2, 6)
    ([[0, 2], [0, 4], [1, 3], [1, 5]], [[0, 1, 2, 3], [0, 1, 2, 5], [0, 1, 3, 4], [0, 1, 4, 5]])
    """
    if not electrons > 0:
        raise ArgumentError("The number of active electrons has to be greater than 0 \n"
                            f"Got n_electrons = {electrons}")
    if orbitals <= electrons:
        raise ArgumentError(f"The number of active spin-orbitals ({orbitals}) has to be greater "
                            f"than the number of active electrons ({electrons}).")
    if delta_sz not in (0, 1, -1, 2, -2):
        raise ArgumentError("Expected values for 'delta_sz' are 0, +/- 1 and +/- 2 but got "
                            f"({delta_sz}).")
    sz = [0.5 if i % 2 == 0 else -0.5 for i in range(orbitals)]
    singles = [[r, p] for r in range(electrons) for p in range(electrons, orbitals)
               if sz[p] - sz[r] == delta_sz]
    doubles = [[s, r, q, p] for s in range(electrons - 1) for r in range(s + 1, electrons)
               for q in range(electrons, orbitals - 1) for p in range(q + 1, orbitals)
               if sz[p] + sz[q] - sz[r] - sz[s] == delta_sz]
    if not fermionic:
        return singles, doubles
    return ([FermiWord({(0, r): "+", (1, p): "-"}) for r, p in singles],
            [FermiWord({(0, s): "+", (1, r): "+", (2, q): "-", (3, p): "-"})
             for s, r, q, p in doubles])


def excitations_to_wires(singles, doubles, wires=None):
    """The wires of each excitation for ``qml.UCCSD``: a single ``[r, p]`` acts on
    ``r .. p``, a double ``[s, r, q, p]`` on ``[[s .. r], [q .. p]]``; ``wires`` relabels
    them (one label per orbital up to the largest index).

    >>> excitations_to_wires([[0, 2]], [[0, 1, 2, 3]])
    ([[0, 1, 2]], [[[0, 1], [2, 3]]])
    """
    if not singles and not doubles:
        raise ArgumentError("'singles' and 'doubles' lists can not be both empty; got "
                            f"singles = {singles}, doubles = {doubles}")
    for items, size, name in ((singles, 2, "singles"), (doubles, 4, "doubles")):
        for item in items:
            if np.shape(item) != (size,):
                raise ArgumentError(f"Expected entries of '{name}' to be of shape ({size},); got "
                                    f"{np.shape(item)}")
    max_idx = int(np.max(singles)) if singles else 0
    if doubles:
        max_idx = max(max_idx, int(np.max(doubles)))
    if wires is None:
        wires = range(max_idx + 1)
    elif len(wires) != max_idx + 1:
        raise ArgumentError(f"Expected number of wires is {max_idx + 1}; got {len(wires)}")
    singles_wires = [[wires[i] for i in range(r, p + 1)] for r, p in singles]
    doubles_wires = [[[wires[i] for i in range(s, r + 1)], [wires[i] for i in range(q, p + 1)]]
                     for s, r, q, p in doubles]
    return singles_wires, doubles_wires


def _check_active_electrons(electrons, mult, active_electrons):
    if active_electrons <= 0:
        raise ArgumentError(f"The number of active electrons ({active_electrons}) has to be "
                            "greater than 0.")
    if active_electrons > electrons:
        raise ArgumentError(f"The number of active electrons ({active_electrons}) can not be "
                            f"greater than the total number of electrons ({electrons}).")
    if active_electrons < mult - 1:
        raise ArgumentError(f"For a reference state with multiplicity {mult}, the number of "
                            f"active electrons ({active_electrons}) should be greater than or "
                            f"equal to {mult - 1}.")
    parity = "even" if mult % 2 == 1 else "odd"
    if (active_electrons % 2 == 0) != (parity == "even"):
        raise ArgumentError(f"For a reference state with multiplicity {mult}, the number of "
                            f"active electrons ({active_electrons}) should be {parity}.")


def active_space(electrons, orbitals, mult=1, active_electrons=None, active_orbitals=None):
    """``(core, active)``: the doubly occupied core orbitals and the active orbitals
    (spatial indices) for ``active_electrons`` in ``active_orbitals``.

    >>> active_space(4, 6, active_electrons=2, active_orbitals=2)
    ([0], [1, 2])
    """
    ncore, core = 0, []
    if active_electrons is not None:
        _check_active_electrons(electrons, mult, active_electrons)
        ncore = (electrons - active_electrons) // 2
        core = list(range(ncore))
    if active_orbitals is None:
        return core, list(range(ncore, orbitals))
    if active_orbitals <= 0:
        raise ArgumentError(f"The number of active orbitals ({active_orbitals}) has to be "
                            "greater than 0.")
    if ncore + active_orbitals > orbitals:
        raise ArgumentError(f"The number of core ({ncore}) + active orbitals ({active_orbitals}) "
                            f"cannot be greater than the total number of orbitals ({orbitals})")
    homo = (electrons + mult - 1) / 2
    if ncore + active_orbitals <= homo:
        raise ArgumentError(f"For n_active_orbitals={active_orbitals}, there are no virtual "
                            "orbitals in the active space.")
    return core, list(range(ncore, ncore + active_orbitals))


# ------------------------------------------------------------------ molecules

def _boxed(value) -> bool:
    from autograd.tracer import Box

    return isinstance(value, Box) or any(
        isinstance(x, Box) for x in np.ravel(np.asarray(value, dtype=object)))


def _candidates(owner) -> list:
    """The parameter arrays ``owner`` (a molecule, its basis set, or coordinates) holds:
    what PennyLane's ``args`` may repeat."""
    if isinstance(owner, Molecule):
        groups = [[owner.coordinates], owner.alpha, owner.coeff]
    elif isinstance(owner, (list, tuple)) and owner and isinstance(owner[0], ints.Shell):
        groups = [[b.alpha for b in owner], [b.coeff for b in owner], [b.r for b in owner]]
    else:
        groups = [[owner]]
    out = []
    for group in groups:
        try:
            rows = [np.asarray(g, dtype=float) for g in group]
        except (TypeError, ValueError):
            continue
        if len({r.shape for r in rows}) == 1:
            out.append(np.array(rows, dtype=float))
            if len(group) == 1:
                out.append(out[-1][0])
        else:  # rows of different lengths (a basis set of 3- and 1-primitive functions)
            out.append(rows)
    return out


def _same_values(a, c) -> bool:
    """Whether ``a`` (one of PennyLane's ``args``) holds the values of ``c`` (an array, or
    a list of rows of different lengths)."""
    # (a traced argument's symbols raise here, as NumPy's conversion does: the trace then
    # runs the function on the argument's values)
    if isinstance(c, list):
        if not hasattr(a, "__len__") or len(a) != len(c):
            return False
        rows = [np.asarray(r, dtype=float) for r in a]
        return all(r.shape == x.shape and np.array_equal(r, x) for r, x in zip(rows, c))
    if isinstance(a, (list, tuple)) and len({np.shape(r) for r in a}) > 1:
        return False  # rows of different lengths: not this array
    a = np.asarray(a, dtype=float)
    return a.shape == c.shape and np.array_equal(a, c)


def _no_derivatives(args=(), *values, owner=None) -> None:
    """Derivatives with respect to the geometry or the basis (PennyLane's ``args`` with
    other values than the molecule's, or an autograd trace through them) are not provided:
    a specific error. ``args`` that repeat ``owner``'s own parameters change nothing."""
    args = () if args is None else args
    traced = any(_boxed(v) for v in (*values, *args) if v is not None)
    own = _candidates(owner) if owner is not None and args else []
    if traced or not all(any(_same_values(a, c) for c in own) for a in args):
        raise DifferentiationError(
            "qml.qchem: derivatives with respect to the nuclear coordinates or the basis-set "
            "parameters (PennyLane's `args` with new values, qml.grad through a Molecule) are "
            "not provided by qsym; call without `args` for the Hamiltonian at fixed "
            "coordinates (docs/pennylane.md, 'Quantum chemistry')")


def _floats(x, name) -> np.ndarray:
    _no_derivatives((), x)
    if np.iscomplexobj(x) and np.any(np.imag(x) != 0):
        raise ArgumentError(f"qml.qchem: `{name}` has complex values; give real numbers")
    try:
        out = np.array(np.real(x) if np.iscomplexobj(x) else x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ArgumentError(f"qml.qchem: `{name}` must be an array of numbers") from exc
    if not np.all(np.isfinite(out)):
        raise ArgumentError(f"qml.qchem: `{name}` has NaN or infinite values; give finite numbers")
    return out


def _check_primitives(alpha, coeff, n_functions: int, where: str = "") -> None:
    """Exponents and contraction coefficients a basis set can have: a row per basis
    function (rows past the last function are not used, as PennyLane's ``zip`` leaves
    them: an integral function's ``args`` hold a row per argument of the integral, four
    for a repulsion integral of two functions; each row is checked), rows of one length
    each, exponents > 0 (a Gaussian of exponent <= 0 does not decay: its integrals diverge,
    NaN), not all of a row's coefficients 0 (a function of norm 0: NaN after
    normalization)."""
    if len(alpha) < n_functions or len(coeff) < n_functions:
        raise ArgumentError(
            f"qml.qchem: {n_functions} basis functions need {n_functions} rows of exponents "
            f"and coefficients{where}, got {len(alpha)} and {len(coeff)}")
    for i, (a, c) in enumerate(zip(alpha, coeff)):
        a, c = np.asarray(a, dtype=float), np.asarray(c, dtype=float)
        if a.ndim != 1 or a.shape != c.shape:
            raise ArgumentError(
                f"qml.qchem: basis function {i} has exponents of shape {a.shape} and "
                f"coefficients of shape {c.shape}{where}: give one number each per primitive")
        if not (np.all(np.isfinite(a)) and np.all(a > 0)):
            raise ArgumentError(
                f"qml.qchem: basis function {i} has exponents {a.tolist()}{where}: a "
                "Gaussian's exponent must be a positive number (it does not decay otherwise)")
        if not np.all(np.isfinite(c)) or not np.any(c != 0):
            raise ArgumentError(
                f"qml.qchem: basis function {i} has contraction coefficients {c.tolist()}"
                f"{where}: give finite numbers, not all zero")


def _check_apart(coordinates, n_atoms: int) -> None:
    """Two atoms at one place: the nuclear repulsion is infinite and their basis functions
    are linearly dependent (a singular overlap matrix), so the Hartree-Fock solution and
    every quantity built on it is undefined (PennyLane returns ``inf`` or NaN): refused
    with what to do. The molecule itself, and the integrals of its basis functions, are
    well defined (:class:`Molecule` makes it)."""
    coords = np.asarray(coordinates, dtype=float).reshape(-1, 3)[:n_atoms]
    for i, j in itertools.combinations(range(len(coords)), 2):
        if np.array_equal(coords[i], coords[j]):
            raise ArgumentError(
                f"qml.qchem: atoms {i} and {j} are at the same position {coords[i].tolist()}: "
                "the nuclear repulsion and the Hartree-Fock orbitals are undefined there; "
                "move them apart (the integral functions, e.g. overlap_integral, take such "
                "basis functions)")


def _check_closed_shell(mol) -> None:
    if mol.n_electrons % 2 == 1 or mol.mult != 1:
        raise ArgumentError("Open-shell systems are not supported. Change the charge or spin "
                            "multiplicity of the molecule.")


def _as_given(values: list, given):
    """The molecule's parameter rows as one tensor when they were given as one (so
    ``args=[mol.alpha, mol.coeff]`` can be differentiated, as PennyLane's), else the list."""
    if not hasattr(given, "requires_grad") or len({len(v) for v in values}) != 1:
        return values
    from . import numpy as qnp

    return qnp.array(np.array(values, dtype=float), requires_grad=given.requires_grad)


def _check_basis(basis_name: str, load_data: bool) -> str:
    name = basis_name.lower()
    if name not in ints.BASIS_SETS and not load_data:
        raise ArgumentError(
            "Currently, the only supported basis sets are 'sto-3g', '6-31g', '6-311g' and "
            "'cc-pvdz'. Please consider using `load_data=True` to download the basis set from "
            "an external library that can be installed with: pip install basis-set-exchange.")
    return name


class BasisFunction(ints.Shell):
    """PennyLane's ``qml.qchem.BasisFunction``: a contracted Cartesian Gaussian of angular
    momentum ``l``, exponents ``alpha``, contraction coefficients ``coeff``, centred at
    ``r``; ``params`` is ``[alpha, coeff, r]`` (trainable as given, ``requires_grad``).

    >>> b = BasisFunction((0, 0, 0), [3.4, 0.6], [0.15, 0.53], [0.0, 0.0, 0.0])
    >>> b.l, b.params[0]
    ((0, 0, 0), tensor([3.4, 0.6], requires_grad=False))
    """

    def __init__(self, l, alpha, coeff, r):
        trainable = tuple(bool(getattr(x, "requires_grad", False)) for x in (alpha, coeff, r))
        alpha, coeff, r = (np.asarray(x, dtype=float) for x in (alpha, coeff, r))
        _check_primitives([alpha], [coeff], 1, " (a BasisFunction)")  # (PennyLane: NaN)
        super().__init__(tuple(l), alpha, coeff, r, trainable)

    @classmethod
    def _marked(cls, l, alpha, coeff, r, trainable):
        """A basis function whose parameters are trainable as ``trainable`` says (a
        molecule's: PennyLane's ``args`` replace the parameters given as trainable)."""
        basis = cls.__new__(cls)
        ints.Shell.__init__(basis, tuple(l), alpha, coeff, r, tuple(trainable))
        return basis


def atom_basis_data(name, atom, load_data=False) -> list:
    """``[(l, exponents, coefficients)]`` of an atom's basis functions in the basis set
    ``name`` (coefficients of normalized primitives), PennyLane's order: the shells in the
    basis set's order, ``p`` as ``px``, ``py``, ``pz``, ``d`` as the six Cartesian functions
    ``xy``, ``xz``, ``yz``, ``xx``, ``yy``, ``zz``. qsym ships PennyLane's four sets
    (``"sto-3g"``, ``"6-31g"``, ``"6-311g"``, ``"cc-pvdz"``) for H to Ne; ``load_data=True``
    reads any set from the optional ``basis_set_exchange`` library (``pip install
    basis-set-exchange``).

    >>> [row[0] for row in atom_basis_data("6-31g", "H")]
    [(0, 0, 0), (0, 0, 0)]
    >>> atom_basis_data("6-31g", "H")[1][1:]
    ([0.1612777588], [1.0])
    >>> len(atom_basis_data("cc-pvdz", "C"))  # 3 s, 2 p (3 each), 1 d (6 Cartesian)
    15
    """
    return [(l, list(a), list(c)) for l, a, c in ints.atom_basis(atom, name, load_data)]


def load_basisset(basis, element) -> dict:
    """PennyLane's ``qml.qchem.load_basisset``: the basis set ``basis`` of the element
    ``element`` from the optional ``basis_set_exchange`` library (``pip install
    basis-set-exchange``; an ``ImportError`` says so without it), as
    ``{"orbitals", "exponents", "coefficients"}`` with one entry per contraction (a Pople
    ``SP`` shell as an ``"S"`` and a ``"P"`` entry).

    >>> load_basisset("6-31g", "He")  # doctest: +SKIP
    {'orbitals': ['S', 'S'], 'exponents': [[38.421634, 5.77803, 1.241774], [0.297964]], 'coefficients': [[0.04013973935, 0.261246097, 0.7931846246], [1.0]]}
    """
    rows = ints.bse_shells(basis.lower(), element)
    return {"orbitals": [r[0] for r in rows], "exponents": [list(r[1]) for r in rows],
            "coefficients": [list(r[2]) for r in rows]}


def mol_basis_data(name, symbols, load_data=False):
    """``(n_basis, params)``: the number of basis functions per atom and their
    :func:`atom_basis_data` rows, for the atoms ``symbols``.

    >>> mol_basis_data("sto-3g", ["H", "Li"])[0]
    [1, 5]
    """
    n_basis, params = [], []
    for symbol in symbols:
        rows = atom_basis_data(name, symbol, load_data=load_data)
        n_basis.append(len(rows))
        params += rows
    return n_basis, tuple(params)


class Molecule:
    """A molecule: atoms ``symbols`` at ``coordinates`` (Bohr, or Angstrom with
    ``unit="angstrom"``; shape ``(n_atoms, 3)`` or flat), its charge, spin multiplicity and
    basis functions (PennyLane's ``qml.qchem.Molecule``): ``basis_name`` one of
    ``"sto-3g"`` (the default), ``"6-31g"``, ``"6-311g"``, ``"cc-pvdz"`` (H to Ne), or any set
    of the ``basis_set_exchange`` library with ``load_data=True``; ``l``, ``alpha``,
    ``coeff`` replace the basis set's values, one entry per basis function.

    >>> import numpy as np
    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, -0.7], [0.0, 0.0, 0.7]]))
    >>> mol
    <Molecule = H2, Charge: 0, Basis: STO-3G, Orbitals: 2, Electrons: 2>
    >>> mol.n_basis, mol.nuclear_charges
    ([1, 1], [1, 1])
    """

    def __init__(self, symbols, coordinates, charge=0, mult=1, basis_name="sto-3g",
                 name="molecule", load_data=False, l=None, alpha=None, coeff=None,
                 normalize=True, unit="bohr"):
        self.basis_name = _check_basis(basis_name, load_data)
        self.unit = unit.strip().lower()
        if self.unit not in ("angstrom", "bohr"):
            raise ArgumentError(f"The provided unit '{unit}' is not supported. Please set 'unit' "
                                "to 'bohr' or 'angstrom'.")
        unknown = set(symbols) - set(ints.ATOMIC_NUMBERS)
        if unknown:
            raise ArgumentError(f"Atoms in {unknown} are not supported.")
        self.symbols, self.charge, self.mult, self.name = list(symbols), charge, mult, name
        self.load_data, self.normalize = load_data, normalize
        self.n_basis, self.basis_data = mol_basis_data(self.basis_name, self.symbols,
                                                       load_data)
        coords = _floats(coordinates, "coordinates")
        self._shape_error = None
        if coords.size != 3 * len(symbols):
            # PennyLane's Molecule takes them as given and its functions refuse them
            # (molecular_dipole's ValueError): here every use of the basis functions does
            self._shape_error = (
                "The shape of the coordinates does not match the number of atoms in the "
                f"molecule. (qml.qchem: {len(symbols)} atoms need {3 * len(symbols)} "
                f"coordinates, shape ({len(symbols)}, 3) or flat; got shape {coords.shape})")
        else:
            coords = coords.reshape(len(symbols), 3)
        self.coordinates = coords / BOHR_TO_ANG if self.unit == "angstrom" else coords
        if hasattr(coordinates, "requires_grad"):  # PennyLane's args may replace them
            from . import numpy as qnp

            self.coordinates = qnp.array(self.coordinates, requires_grad=coordinates.requires_grad)
        # two atoms at one place are made, as PennyLane makes them (the integrals of their
        # basis functions are numbers); what needs the nuclear repulsion or the
        # Hartree-Fock orbitals refuses them (_check_apart)
        self.nuclear_charges = [ints.ATOMIC_NUMBERS[s] for s in self.symbols]
        self.n_electrons = sum(self.nuclear_charges) - charge
        self.l = list(l) if l is not None else [row[0] for row in self.basis_data]
        self.alpha = ([_floats(a, "alpha") for a in alpha] if alpha is not None
                      else [np.array(row[1]) for row in self.basis_data])
        if coeff is not None:
            self.coeff = [_floats(c, "coeff") for c in coeff]
        else:
            _check_primitives(self.alpha, [row[2] for row in self.basis_data], len(self.l))
            self.coeff = [np.array(row[2]) * (ints.primitive_norm(self.l[i], self.alpha[i])
                                              if normalize else 1.0)
                          for i, row in enumerate(self.basis_data)]
        _check_primitives(self.alpha, self.coeff, len(self.l))
        self.n_orbitals = len(self.l)
        self.mo_coefficients = None
        if self._shape_error is not None:  # (no centres: r and basis_set refuse, below)
            self.alpha, self.coeff = (_as_given(v, given) for v, given in
                                      ((self.alpha, alpha), (self.coeff, coeff)))
            return
        self.r = [self.coordinates[k] for k, n in enumerate(self.n_basis) for _ in range(n)]
        # PennyLane's `args` replace the parameters given as trainable tensors
        def flag(given, i):  # PennyLane's basis function i takes its row as given
            return given is not None and bool(getattr(given[i], "requires_grad", False))

        moving = bool(getattr(coordinates, "requires_grad", False))
        self.basis_set = [BasisFunction._marked(li, a, c, r, (flag(alpha, i), flag(coeff, i),
                                                              moving))
                          for i, (li, a, c, r) in enumerate(zip(self.l, self.alpha, self.coeff,
                                                                self.r))]
        self.alpha, self.coeff = (_as_given(v, given) for v, given in
                                  ((self.alpha, alpha), (self.coeff, coeff)))

    def check_coordinates(self) -> None:
        """PennyLane's refusal of coordinates whose shape does not fit the atoms (its
        ``molecular_dipole`` and the functions using the basis functions): an
        :class:`ArgumentError` (a ``ValueError``) with PennyLane's words.

        >>> m = Molecule(["H"], np.array([1.0, 2.0]))   # made, as PennyLane makes it
        >>> try:
        ...     m.basis_set
        ... except ValueError as exc:
        ...     print(str(exc).split(" (")[0])
        The shape of the coordinates does not match the number of atoms in the molecule.
        """
        if getattr(self, "_shape_error", None) is not None:
            raise ArgumentError(self._shape_error)

    @property
    def basis_set(self) -> list:
        """The basis functions (:class:`BasisFunction`), one per orbital at its atom."""
        self.check_coordinates()
        return self._basis_set

    @basis_set.setter
    def basis_set(self, value) -> None:
        self._basis_set = value

    @property
    def r(self) -> list:
        """The centre of each basis function (its atom's coordinates)."""
        self.check_coordinates()
        return self._r

    @r.setter
    def r(self, value) -> None:
        self._r = value

    def atomic_orbital(self, index):
        """The basis function ``index`` as a function of ``(x, y, z)`` (Bohr), its
        contraction normalized (PennyLane's ``Molecule.atomic_orbital``).

        >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
        >>> round(float(mol.atomic_orbital(0)(0.0, 0.0, 0.0)), 6)
        0.628247
        """
        basis = self.basis_set[index]
        lx, ly, lz = basis.l
        alpha, r = np.asarray(basis.alpha, float), np.asarray(basis.r, float)
        coeff = np.asarray(basis.coeff, float)
        coeff = coeff * gints.contracted_norm(basis.l, alpha, coeff)

        def orbital(x, y, z):
            dx, dy, dz = x - r[0], y - r[1], z - r[2]
            gauss = np.exp(np.tensordot(-alpha, dx ** 2 + dy ** 2 + dz ** 2, axes=0))
            return dx ** lx * dy ** ly * dz ** lz * np.tensordot(coeff, gauss, axes=1)
        return orbital

    def molecular_orbital(self, index):
        """The function of ``(x, y, z)`` whose atomic-orbital coefficients are row ``index``
        of ``mol.mo_coefficients``, as PennyLane 0.45's ``Molecule.molecular_orbital``.
        :func:`scf` (and :func:`hf_energy`) store the orbitals as columns, so the orbital
        ``index`` is ``molecular_orbital(index)`` after ``mol.mo_coefficients =
        mol.mo_coefficients.T``, as PennyLane's differentiable Hartree-Fock demo does.

        >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
        >>> _ = scf(mol)()
        >>> mol.mo_coefficients = mol.mo_coefficients.T  # orbitals as rows
        >>> round(abs(float(mol.molecular_orbital(1)(0.0, 0.0, 0.7))), 6)  # antibonding: a node
        0.0
        """
        if self.mo_coefficients is None:
            raise ArgumentError("Molecule.molecular_orbital needs the molecular orbitals: run "
                                "qml.qchem.scf(mol)() first")
        c = np.asarray(self.mo_coefficients)[index]

        def orbital(x, y, z):
            return sum(c[i] * self.atomic_orbital(i)(x, y, z) for i in range(self.n_orbitals))
        return orbital

    def __repr__(self):
        counter = collections.Counter(self.symbols)
        first = (["C", "H"] if counter["H"] else ["C"]) if counter["C"] else []
        order = first + sorted(set(self.symbols) - set(first))
        formula = "".join(s + (str(counter[s]) if counter[s] > 1 else "") for s in order)
        return (f"<Molecule = {formula}, Charge: {self.charge}, Basis: {self.basis_name.upper()}, "
                f"Orbitals: {self.n_orbitals}, Electrons: {self.n_electrons}>")


def read_structure(filepath, outpath="."):
    r"""``(symbols, coordinates)`` of an XYZ file (Angstrom), the coordinates flat and in
    Bohr; a copy of the file is written to ``outpath/structure.xyz`` (PennyLane's
    ``qml.qchem.read_structure``).

    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "h2.xyz")
    >>> _ = open(path, "w").write("2\nH2\nH 0.0 0.0 0.0\nH 0.0 0.0 0.74\n")
    >>> symbols, coordinates = read_structure(path, outpath=folder)
    >>> symbols, coordinates.round(4)
    (['H', 'H'], array([0.    , 0.    , 0.    , 0.    , 0.    , 1.3984]))
    """
    import os
    import shutil

    source = str(filepath).strip()
    target = os.path.join(str(outpath), "structure.xyz")
    if os.path.abspath(source) != os.path.abspath(target):
        shutil.copyfile(source, target)
    symbols, coordinates = [], []
    with open(target, encoding="utf-8") as f:
        for line in f.readlines()[2:]:
            if not line.strip():
                continue
            symbol, x, y, z = line.split()
            symbols.append(symbol)
            coordinates += [float(x), float(y), float(z)]
    return symbols, np.array(coordinates) / BOHR_TO_ANG


# ------------------------------------------------------------------ integrals, Hartree-Fock

def _fixed(build, *fixed, traced=None):
    """A PennyLane-style ``f(*args)``: ``build(*fixed)`` without ``args``; with ``args``,
    ``traced(args)`` (autograd-differentiable) if the basis functions have trainable
    parameters, else new values in ``args`` are refused."""
    def compute(*args):
        if args and traced is not None and any(t for b in fixed[0] for t in b.trainable):
            return traced(args)
        _no_derivatives(args, owner=fixed[0])
        return build(*fixed)
    return compute


def _attraction_traced(basis_functions, charges, r, args):
    """PennyLane's attraction matrix with ``args``: ``args[0]`` the nuclear coordinates
    when ``r`` is trainable, the rest the basis parameters."""
    import autograd.numpy as anp

    moving = bool(getattr(r, "requires_grad", False))
    basis_args = args[1:] if moving else args
    n = len(basis_functions)
    values = {}
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        sub = [[arg[i], arg[j]] for arg in basis_args]
        total = 0.0
        for k in range(len(charges)):
            centre = r[k]
            extra = [args[0][k]] if moving else []
            total = total - charges[k] * gints.attraction_integral(
                centre, basis_functions[i], basis_functions[j], False)(*extra, *sub)
        values[i, j] = total
    return anp.array([[values[min(i, j), max(i, j)] for j in range(n)] for i in range(n)])


def _pairwise(basis_functions, args, integral, unit_diagonal=False):
    """The symmetric matrix of ``integral(a, b)(*args_ab)`` over pairs of basis functions,
    ``args_ab`` the two rows of each of PennyLane's ``args`` (differentiable by autograd);
    ``args`` need basis parameters given as trainable tensors. ``unit_diagonal``: 1 on the
    diagonal, as PennyLane's ``overlap_matrix`` (``ints.overlap``)."""
    if args and not any(t for b in basis_functions for t in b.trainable):
        _no_derivatives(args, owner=basis_functions)
    n = len(basis_functions)
    values = {}
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        if unit_diagonal and i == j:
            values[i, j] = 1.0
            continue
        sub = [[arg[i], arg[j]] for arg in args]
        values[i, j] = integral(basis_functions[i], basis_functions[j])(*sub)
    import autograd.numpy as anp

    return anp.array([[values[min(i, j), max(i, j)] for j in range(n)] for i in range(n)])


def moment_matrix(basis_functions, order, idx):
    """``moment_matrix(basis_functions, order, idx)(*args)``: the multipole matrix
    ``<i| x_idx^order |j>`` (``idx`` 0, 1, 2: x, y, z; about the origin), differentiable
    with respect to PennyLane's ``args`` (basis parameters given as trainable tensors).

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> moment_matrix(mol.basis_set, 1, 2)().round(4)
    array([[0.    , 0.4615],
           [0.4615, 1.4   ]])
    """
    return lambda *args: _pairwise(
        basis_functions, args, lambda a, b: gints.moment_integral(a, b, order, idx, False))


def overlap_matrix(basis_functions):
    """``overlap_matrix(basis_functions)()``: the overlap matrix ``<i|j>`` of a molecule's
    ``basis_set``.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> overlap_matrix(mol.basis_set)().round(4)
    array([[1.    , 0.6593],
           [0.6593, 1.    ]])
    """
    return _fixed(ints.overlap, basis_functions, traced=lambda args: _pairwise(
        basis_functions, args, lambda a, b: gints.overlap_integral(a, b, False),
        unit_diagonal=True))


def kinetic_matrix(basis_functions):
    """``kinetic_matrix(basis_functions)()``: the kinetic-energy matrix
    ``<i| -1/2 nabla^2 |j>``.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> kinetic_matrix(mol.basis_set)().round(4)
    array([[0.76  , 0.2365],
           [0.2365, 0.76  ]])
    """
    return _fixed(ints.kinetic, basis_functions, traced=lambda args: _pairwise(
        basis_functions, args, lambda a, b: gints.kinetic_integral(a, b, False)))


def attraction_matrix(basis_functions, charges, r):
    """``attraction_matrix(basis_functions, charges, r)()``: the electron-nuclear attraction
    ``-sum_C Z_C <i| 1/|r - R_C| |j>``.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> attraction_matrix(mol.basis_set, mol.nuclear_charges, mol.coordinates)().round(4)
    array([[-1.8804, -1.1948],
           [-1.1948, -1.8804]])
    """
    return _fixed(ints.attraction, basis_functions, charges, r,
                  traced=lambda args: _attraction_traced(basis_functions, charges, r, args))


def repulsion_tensor(basis_functions):
    """``repulsion_tensor(basis_functions)()``: the electron repulsion integrals
    ``(ij|kl)`` (chemists' order).

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> eri = repulsion_tensor(mol.basis_set)()
    >>> [round(float(eri[i]), 4) for i in [(0, 0, 0, 0), (0, 0, 1, 1), (0, 1, 0, 1)]]
    [0.7746, 0.5697, 0.297]
    """
    return _fixed(ints.repulsion, basis_functions)


def core_matrix(basis_functions, charges, r):
    """``core_matrix(basis_functions, charges, r)()``: the core Hamiltonian, kinetic plus
    attraction.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> core_matrix(mol.basis_set, mol.nuclear_charges, mol.coordinates)().round(4)
    array([[-1.1204, -0.9584],
           [-0.9584, -1.1204]])
    """
    def compute(*args):
        _no_derivatives(args, owner=basis_functions)
        return ints.kinetic(basis_functions) + ints.attraction(basis_functions, charges, r)
    return compute


def mol_density_matrix(n_electron, c) -> np.ndarray:
    """``C_occ C_occ^T`` over the ``n_electron // 2`` occupied orbitals (columns of ``c``).

    >>> mol_density_matrix(2, np.array([[0.6, 1.2], [0.6, -1.2]]))
    array([[0.36, 0.36],
           [0.36, 0.36]])
    """
    return ints.density(n_electron, np.asarray(c))


def scf(mol: Molecule, n_steps=50, tol=1e-8):
    """``scf(mol)()``: restricted Hartree-Fock (Roothaan's iterations from the core
    Hamiltonian, symmetric orthogonalization) as PennyLane's ``qml.qchem.scf``: returns
    ``(orbital energies, MO coefficients, Fock matrix, core Hamiltonian, ERIs)`` and sets
    ``mol.mo_coefficients``. A warning says when the density has not converged within
    ``n_steps``.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> scf(mol)()[0].round(6)
    array([-0.578203,  0.670268])
    """
    def _scf(*args):
        _no_derivatives(args, owner=mol)
        _check_closed_shell(mol)
        shells = mol.basis_set
        _check_apart(mol.coordinates, len(mol.symbols))
        h_core = (ints.kinetic(shells)
                  + ints.attraction(shells, mol.nuclear_charges, mol.coordinates))
        result = ints.scf(ints.overlap(shells), h_core, ints.repulsion(shells),
                          mol.n_electrons, n_steps, tol)
        if not result.converged:
            warnings.warn(f"qml.qchem.scf: the Hartree-Fock density did not converge to {tol} "
                          f"in {n_steps} iterations; raise n_steps", UserWarning, stacklevel=2)
        mol.mo_coefficients = result.coefficients
        return result.energies, result.coefficients, result.fock, result.h_core, result.eri
    return _scf


def nuclear_energy(charges, r):
    """``nuclear_energy(charges, r)()``: the nuclear repulsion ``sum_{i<j} Z_i Z_j / r_ij``
    as a one-element array.

    >>> nuclear_energy([1, 9], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 2.0]]))()
    array([4.5])
    """
    def compute(*args):
        if args and getattr(r, "requires_grad", False):  # PennyLane's args[0]: coordinates
            import autograd.numpy as anp

            coords = args[0]
            e = 0.0
            for i, j in itertools.combinations(range(len(charges)), 2):
                e = e + charges[i] * charges[j] / anp.sqrt(anp.sum((coords[i] - coords[j]) ** 2))
            return anp.reshape(e, (1,))
        _no_derivatives(args, owner=r)
        return np.array([ints.nuclear_repulsion(charges, r)])
    return compute


def _repulsion_traced(basis_functions, args):
    """The electron repulsion tensor with PennyLane's ``args`` (autograd), each of the
    eight symmetric copies computed once."""
    import autograd.numpy as anp

    n = len(basis_functions)
    values = {}
    for idx in itertools.product(range(n), repeat=4):
        i, j, k, l = idx
        key = min((i, j, k, l), (j, i, l, k), (k, l, i, j), (l, k, j, i), (j, i, k, l),
                  (l, k, i, j), (i, j, l, k), (k, l, j, i))
        if key not in values:
            sub = [[arg[m] for m in key] for arg in args]
            values[key] = gints.repulsion_integral(*(basis_functions[m] for m in key),
                                                   normalize=False)(*sub)
        values[idx] = values[key]
    return anp.array([[[[values[i, j, k, l] for l in range(n)] for k in range(n)]
                       for j in range(n)] for i in range(n)])


def _numbers(a):
    """``a`` as float arrays (a list of rows of different lengths, 6-31G's exponents, row by
    row), or as it is where it holds autograd's boxes."""
    if _boxed(a):
        return a
    if isinstance(a, (list, tuple)):
        return [_numbers(x) for x in a]
    return np.asarray(a, dtype=float)


def _check_traced_args(mol: Molecule, args, moving: bool) -> None:
    """PennyLane's ``args`` (numbers or autograd's boxes): the coordinates of shape
    ``(atoms, 3)``, finite and apart, then exponents and coefficients as
    :func:`_check_primitives` takes them (NaN, a flat geometry or a bad exponent were a NaN
    energy or a bare ``IndexError``)."""
    from autograd.tracer import getval

    flags = mol.basis_set[0].trainable if mol.basis_set else (False, False, False)
    expected = int(moving) + int(flags[0]) + int(flags[1])
    if len(args) != expected:
        raise ArgumentError(f"qml.qchem: this molecule's trainable parameters are {expected} "
                            f"arrays (coordinates, exponents, coefficients: those given with "
                            f"requires_grad=True), got {len(args)} in args")
    values = [getval(a) if not isinstance(a, (list, tuple)) else [getval(r) for r in a]
              for a in args]
    if moving:
        coords = np.asarray(values[0], dtype=float)
        if coords.shape != (len(mol.symbols), 3) or not np.all(np.isfinite(coords)):
            raise ArgumentError(
                f"qml.qchem: the coordinates in args must be finite numbers of shape "
                f"({len(mol.symbols)}, 3), got shape {coords.shape}"
                + ("" if np.all(np.isfinite(coords)) else " with NaN or infinite values"))
        _check_apart(coords, len(mol.symbols))
        values = values[1:]
    else:
        _check_apart(mol.coordinates, len(mol.symbols))
    alpha = values.pop(0) if flags[0] else mol.alpha
    coeff = values.pop(0) if flags[1] else mol.coeff
    _check_primitives(alpha, coeff, len(mol.basis_set), " in args")


def _basis_args(mol: Molecule, args):
    """``(basis_args, coordinates, moving)``: PennyLane's ``args`` as rows per basis
    function (the basis parameters, then each function's centre: its atom's row of
    ``args[0]`` when the coordinates are trainable, ``moving``), and the coordinates;
    the inputs checked first (:func:`_check_traced_args`)."""
    import autograd.numpy as anp

    # numbers, or autograd's boxes (a QNode's traced stand-ins are taken by their numbers
    # here, at once: the integrals of symbols would be slow, and need them anyway)
    args = [_numbers(a) for a in args]
    moving = bool(getattr(mol.coordinates, "requires_grad", False))
    _check_traced_args(mol, args, moving)
    if not moving:
        return list(args), mol.coordinates, False
    coords = args[0]
    rows = [coords[k] for k, n in enumerate(mol.n_basis) for _ in range(n)]
    return [*args[1:], anp.stack(rows)], coords, True


def _matrices_traced(mol: Molecule, args):
    """``(S, h_core, eri, coordinates, moving)`` as functions of PennyLane's ``args`` (the
    molecule's trainable coordinates first when ``moving``, then exponents and
    coefficients), differentiable by autograd."""
    basis, charges = mol.basis_set, mol.nuclear_charges
    basis_args, coords, moving = _basis_args(mol, args)
    s = _pairwise(basis, basis_args, lambda a, b: gints.overlap_integral(a, b, False),
                  unit_diagonal=True)
    kin = _pairwise(basis, basis_args, lambda a, b: gints.kinetic_integral(a, b, False))
    att = _attraction_traced(basis, charges, mol.coordinates,
                             [coords, *basis_args] if moving else basis_args)
    eri = _repulsion_traced(basis, basis_args)
    return s, kin + att, eri, coords, moving


def _scf_traced(mol: Molecule, args, n_steps=50, tol=1e-8):
    """PennyLane's ``scf(mol)(*args)`` on autograd values: :func:`qsym._integrals.scf` on
    autograd's arrays with PennyLane's ``1e-12`` shift of the overlap's diagonal (its loop
    unrolled, so autograd differentiates the orbitals through every iteration as
    PennyLane's does). ``(energies, C, Fock, h_core, eri, coordinates,
    moving)``; sets ``mol.mo_coefficients`` (numbers)."""
    import autograd.numpy as anp
    from autograd.tracer import getval

    _check_closed_shell(mol)
    s, h, eri, coords, moving = _matrices_traced(mol, args)
    r = ints.scf(s, h, eri, mol.n_electrons, n_steps, tol, xp=anp, value=getval, shift=True)
    mol.mo_coefficients = np.asarray(getval(r.coefficients))
    return r.energies, r.coefficients, r.fock, h, eri, coords, moving


def _integrals_traced(mol: Molecule, core, active, args):
    """PennyLane's ``electron_integrals(mol, core, active)(*args)`` on autograd values:
    ``(constant, one, two)`` over the active orbitals, the frozen core folded in."""
    import autograd.numpy as anp

    _, c, _, h, eri, coords, moving = _scf_traced(mol, args)
    one = c.T @ h @ c
    two = anp.swapaxes(anp.einsum("ab,cd,bdeg,ef,gh->acfh", c.T, c.T, eri, c, c), 1, 3)
    constant = nuclear_energy(mol.nuclear_charges, mol.coordinates)(*([coords] if moving else []))
    if not core:
        return constant, one[np.ix_(active, active)], two[np.ix_(active, active, active, active)]
    for i in core:
        constant = constant + 2 * one[i, i]
        for j in core:
            constant = constant + 2 * two[i, j, j, i] - two[i, j, i, j]
    for i in core:
        one = one + 2 * two[i, :, :, i] - two[i, :, i, :]
    return constant, one[np.ix_(active, active)], two[np.ix_(active, active, active, active)]


def _by_args(mol: Molecule, args) -> bool:
    """Whether a Hamiltonian is computed from PennyLane's ``args`` (:func:`_hamiltonian_traced`):
    given, and the molecule has trainable parameters for them to replace (autograd values
    inside ``qml.grad``, or new numbers: PennyLane's finite differences of its own
    ``args``)."""
    return bool(args) and any(t for b in mol.basis_set for t in b.trainable)


def _hamiltonian_traced(mol: Molecule, core, active, mapping, args) -> PauliSentence:
    """The qubit Hamiltonian as PennyLane's ``diff_hamiltonian(mol, ...)(*args)`` computes it
    when ``args`` are autograd values (``molecular_hamiltonian(..., args=...)`` inside a
    function ``qml.grad`` differentiates by the geometry): its words are those of the
    Hamiltonian at the numbers (integrals below 1e-12 and coefficients below 1e-8 left
    out, as there), each coefficient the real part of a fixed linear combination of the
    integrals (the fermion-to-qubit mapping is linear), so autograd differentiates it
    through the integrals and the SCF."""
    import autograd.numpy as anp
    from autograd.tracer import getval

    constant, one, two = _integrals_traced(mol, core, active, args)
    values = [np.asarray(getval(v)) for v in (constant, one, two)]

    def entry(orbitals):
        if not orbitals:
            return anp.reshape(constant, (-1,))[0]
        if len(orbitals) == 2:
            return one[orbitals[0] // 2, orbitals[1] // 2]
        return two[tuple(o // 2 for o in orbitals)] / 2

    return _linear_sentence(fermionic_observable(*values, 1e-12), entry, mapping,
                            2 * len(active), 1e-12)


def _linear_sentence(fermi: FermiSentence, entry, mapping, n_qubits, cutoff) -> PauliSentence:
    """The qubit image of ``fermi`` (a fermionic operator at the numbers) whose coefficients
    are autograd values: ``entry(orbitals)`` gives the (differentiable) coefficient of the
    word on ``orbitals``. The words are those of the image at the numbers (``cutoff``),
    each coefficient the real part of a fixed linear combination of the entries (the
    fermion-to-qubit mappings are linear), so autograd differentiates through them."""
    import autograd.numpy as anp

    sentence = _qubit_sentence(fermi, cutoff, mapping)
    words = list(sentence)
    row = {w: k for k, w in enumerate(words)}
    weights = np.zeros((len(words), len(fermi)))
    entries = []
    for t, word in enumerate(fermi):
        entries.append(entry([o for _, o in sorted(word)]))
        image = _MAPPERS[mapping](FermiSentence({word: 1.0}), n_qubits, 0.0)
        for w, c in image.items():
            if w in row:
                weights[row[w], t] += np.real(c)
    coeffs = anp.dot(weights, anp.stack(entries)) if entries else anp.zeros(len(words))
    return PauliSentence(dict(zip(words, [coeffs[k] for k in range(len(words))])))


def _dipole_traced(mol: Molecule, core, active, mapping, cutoff, args) -> list:
    """PennyLane's ``dipole_moment(mol, cutoff, core, active, mapping)(*args)`` on autograd
    values: the orbitals of the unrolled SCF (:func:`_scf_traced`), the position matrices
    of the basis by ``args``, ``d = C^T M C`` over the active orbitals, the frozen core's
    ``2 sum_core d_ii`` and the nuclear part ``sum_A Z_A R_A`` (of the molecule's
    coordinates as numbers, as PennyLane's ``mol.coordinates``), each component
    ``nuclear - core - sum d_pq a+_p a_q`` mapped to qubits (:func:`_linear_sentence`)."""
    from autograd.tracer import getval

    _, c, *_ = _scf_traced(mol, args)
    basis_args, _, _ = _basis_args(mol, args)
    nuclear = np.asarray(mol.nuclear_charges, dtype=float) @ np.asarray(
        getval(mol.coordinates), dtype=float)
    out = []
    for k in range(3):
        m = _pairwise(mol.basis_set, basis_args,
                      lambda a, b, k=k: gints.moment_integral(a, b, 1, k, False))
        d = c.T @ m @ c
        const = nuclear[k] - 2 * sum((d[i, i] for i in core), 0.0)
        d = d[np.ix_(active, active)]
        values = (np.asarray(getval(const)), np.asarray(getval(d)))
        fermi = FermiSentence({FermiWord({}): values[0]}) - fermionic_observable(
            0.0, values[1], cutoff=cutoff)

        def entry(orbitals, const=const, d=d):
            return const if not orbitals else -d[orbitals[0] // 2, orbitals[1] // 2]

        out.append(_linear_sentence(fermi, entry, mapping, 2 * len(active), cutoff))
    return out


def _hf_energy_traced(mol: Molecule, args):
    """The Hartree-Fock energy as a function of PennyLane's ``args`` (the molecule's
    trainable coordinates, then exponents and coefficients), differentiable by autograd:
    the SCF is converged at the values of ``args``, and the energy is written with the
    converged density ``D`` and energy-weighted density ``W`` held fixed,
    ``tr(D h) + 1/2 D D [(ij|kl) - (ik|jl)/2] - tr(W (S - S0)) + V_nn``, whose derivative is
    the Hartree-Fock energy's (Pulay's formula; the energy is stationary in the orbitals)."""
    import autograd.numpy as anp
    from autograd.tracer import getval

    _check_closed_shell(mol)
    charges = mol.nuclear_charges
    s, h, eri, coords, moving = _matrices_traced(mol, args)
    result = ints.scf(getval(s), getval(h), getval(eri), mol.n_electrons)
    mol.mo_coefficients = result.coefficients  # as PennyLane's scf sets it, args or none
    occ = result.coefficients[:, : mol.n_electrons // 2]
    d = 2 * occ @ occ.T
    w = 2 * occ @ np.diag(result.energies[: mol.n_electrons // 2]) @ occ.T
    two = anp.einsum("ij,kl,ijkl->", d, d, eri) - 0.5 * anp.einsum("ij,kl,ikjl->", d, d, eri)
    e = anp.sum(d * h) + 0.5 * two - anp.sum(w * (s - getval(s)))
    return e + nuclear_energy(charges, mol.coordinates)(*([coords] if moving else []))[0]


def hf_energy(mol: Molecule):
    """``hf_energy(mol)()``: the restricted Hartree-Fock energy, nuclear repulsion included.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> round(float(hf_energy(mol)()), 6)
    -1.116714
    """
    def compute(*args):
        if args and any(t for b in mol.basis_set for t in b.trainable):
            return _hf_energy_traced(mol, args)
        _, c, fock, h_core, _ = scf(mol)(*args)
        p = ints.density(mol.n_electrons, c)
        e = np.einsum("pq,qp", fock + h_core, p)
        return e + ints.nuclear_repulsion(mol.nuclear_charges, mol.coordinates)
    return compute


def electron_integrals(mol: Molecule, core=None, active=None):
    """``electron_integrals(mol, core, active)()``: ``(constant, one, two)``, the nuclear
    repulsion plus the frozen ``core`` orbitals' energy (a one-element array), the one- and
    two-electron integrals over the ``active`` molecular orbitals (``two[p, q, r, s]``
    multiplies ``a+_p a+_q a_r a_s / 2``).

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> c, one, two = electron_integrals(mol)()
    >>> c.round(6), one.shape, two.shape
    (array([0.714286]), (2, 2), (2, 2, 2, 2))
    """
    def compute(*args):
        _, c, _, h_core, eri = scf(mol)(*args)
        one, two = ints.mo_integrals(c, h_core, eri)
        constant = np.array([ints.nuclear_repulsion(mol.nuclear_charges, mol.coordinates)])
        if core is None and active is None:
            return constant, one, two
        return _frozen_core(constant, one, two, list(core or []),
                            list(range(len(one))) if active is None else list(active))
    return compute


def dipole_integrals(mol: Molecule, core=None, active=None):
    """``dipole_integrals(mol, core, active)()``: ``((cx, cy, cz), (dx, dy, dz))``, the
    position integrals ``<p| x |q>`` over the ``active`` molecular orbitals and the frozen
    ``core`` orbitals' share ``2 sum_core <i| x |i>`` (one-element arrays), as PennyLane's.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> (cx, cy, cz), (dx, dy, dz) = dipole_integrals(mol)()
    >>> cz, abs(dz).round(4)  # <g|z|u> = 0.7 / sqrt(1 - S^2)
    (array([0]), array([[0.7  , 0.931],
           [0.931, 0.7  ]]))
    """
    def compute(*args):
        _, c, _, _, _ = scf(mol)(*args)
        d = [c.T @ np.asarray(moment_matrix(mol.basis_set, 1, k)()) @ c for k in range(3)]
        const = [np.array([0]) for _ in range(3)]
        if core is None and active is None:
            return tuple(const), tuple(d)
        const = [const[k] + 2 * sum(d[k][i, i] for i in core) for k in range(3)]
        d = [dk[np.ix_(active, active)] for dk in d]
        return tuple(const), tuple(d)
    return compute


def fermionic_dipole(mol: Molecule, cutoff=1.0e-18, core=None, active=None):
    """``fermionic_dipole(mol, cutoff, core, active)()``: the three components of the
    dipole operator ``sum_A Z_A R_A - sum_pq <p| r |q> a+_p a_q`` (atomic units, the frozen
    core's electrons in the constant) as fermionic sentences, as PennyLane's.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> dz = fermionic_dipole(mol)()[2]
    >>> round(float(dz[FermiWord({})]), 6)
    1.4
    """
    def compute(*args):
        constants, integrals = dipole_integrals(mol, core, active)(*args)
        coords = np.asarray(mol.coordinates, dtype=float)
        nuclear = np.asarray(mol.nuclear_charges, dtype=float) @ coords
        out = []
        for k in range(3):
            f = fermionic_observable(constants[k], integrals[k], cutoff=cutoff)
            out.append(FermiSentence({FermiWord({}): nuclear[k]}) - f)
        return out
    return compute


def dipole_moment(mol: Molecule, cutoff=1.0e-16, core=None, active=None,
                  mapping="jordan_wigner"):
    """``dipole_moment(mol, ...)(*args)``: the three dipole components of
    :func:`fermionic_dipole` mapped to qubit operators (PennyLane's
    ``qml.qchem.dipole_moment``). ``args`` (PennyLane's: the molecule's trainable
    coordinates, then exponents and contraction coefficients given as trainable tensors)
    give the operators at those values; autograd's values (``qml.grad`` of a QNode
    measuring them) make their coefficients differentiable, through the position integrals
    and the unrolled SCF. As PennyLane's, the nuclear part takes the molecule's coordinates
    as numbers (not ``args``).

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> dx, dy, dz = dipole_moment(mol)()
    >>> round(abs(float(np.linalg.eigvalsh(dz.matrix())[0] + np.linalg.eigvalsh(dz.matrix())[-1])), 6)
    0.0
    """
    mapping = _check_mapping(mapping)

    def compute(*args):
        if _by_args(mol, args):  # PennyLane's args (inside qml.grad: differentiable by them)
            n = mol.n_orbitals
            return [ps.operation(wire_order=[0]) if not ps.wires else ps.operation()
                    for ps in _dipole_traced(mol, list(core or []), list(range(n))
                                             if active is None else list(active), mapping,
                                             cutoff, list(args))]
        return [qubit_observable(f, cutoff=cutoff, mapping=mapping)
                for f in fermionic_dipole(mol, cutoff, core, active)(*args)]
    return compute


def molecular_dipole(molecule: Molecule, method="dhf", active_electrons=None,
                     active_orbitals=None, mapping="jordan_wigner", outpath=".", wires=None,
                     args=None, cutoff=1.0e-16):
    """The three components of a molecule's electric dipole operator as qubit operators
    (PennyLane's ``qml.qchem.molecular_dipole``, method ``"dhf"``), in an active space;
    ``wires`` relabels the qubits.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> len(molecular_dipole(mol))
    3
    """
    method = method.strip().lower()
    if method not in ("dhf", "openfermion"):
        raise ArgumentError("Only 'dhf', and 'openfermion' backends are supported.")
    if mapping.strip().lower() not in _MAPPERS:  # (PennyLane's message and order)
        raise ArgumentError(f"'{mapping.strip().lower()}' is not supported.Please set the "
                            "mapping to 'jordan_wigner', 'parity' or 'bravyi_kitaev'.")
    if method == "openfermion":
        raise ArgumentError("qml.qchem.molecular_dipole: method='openfermion' needs PennyLane's "
                            "external backends, which qsym does not provide; use method='dhf' "
                            "(docs/pennylane.md, 'Quantum chemistry')")
    mapping = _check_mapping(mapping)
    molecule.check_coordinates()  # (PennyLane's order: the shape, then the multiplicity)
    if molecule.mult != 1:
        raise ArgumentError("Open-shell systems are not supported. Change the charge or spin "
                            "multiplicity of the molecule.")
    traced = _by_args(molecule, args)  # PennyLane's args: differentiable by them
    if not traced:
        _no_derivatives(args, owner=molecule)
    core, active = active_space(molecule.n_electrons, molecule.n_orbitals, molecule.mult,
                                active_electrons, active_orbitals)
    dip = dipole_moment(molecule, cutoff=cutoff, core=core, active=active, mapping=mapping)(
        *(args if traced else ()))
    wire_map = _wire_map(wires, 2 * len(active))
    if wire_map:
        from ._opfunctions import map_wires

        dip = [map_wires(op, wire_map) for op in dip]
    return dip


def _frozen_core(constant, one, two, core, active):
    """The integrals over ``active`` with the doubly occupied ``core`` orbitals folded in:
    their energy into the constant, their mean field into ``one``."""
    constant = constant + 2 * sum(one[i, i] for i in core)
    for i in core:
        for j in core:
            constant = constant + 2 * two[i, j, j, i] - two[i, j, i, j]
    one = one.copy()
    for i in core:
        one = one + 2 * two[i, :, :, i] - two[i, :, i, :]
    return (constant, one[np.ix_(active, active)],
            two[np.ix_(active, active, active, active)])


# ------------------------------------------------------------------ Hamiltonians

def fermionic_observable(constant, one=None, two=None, cutoff=1e-12) -> FermiSentence:
    """The fermionic operator ``constant + sum one[p,q] a+_p a_q + 1/2 sum two[p,q,r,s]
    a+_p a+_q a_r a_s`` over spin orbitals (spatial orbital ``p`` is spin orbitals ``2p``,
    ``2p + 1``), integrals below ``cutoff`` left out, words in PennyLane's order (sorted by
    their orbitals), coefficients at most ``1e-8`` dropped.

    >>> print(fermionic_observable(np.array([1.0]), np.array([[0.5]])))
    1.0 * I
    + 0.5 * a⁺(0) a(0)
    + 0.5 * a⁺(1) a(1)
    """
    constant = np.atleast_1d(np.asarray(constant, dtype=float))
    terms = [] if np.allclose(constant, 0.0) else [(float(constant[0]), [])]
    if one is not None:
        one = np.asarray(one)
        idx = np.argwhere(abs(one) >= cutoff)
        for spin in (0, 1):
            terms += [(one[p, q], [2 * p + spin, 2 * q + spin]) for p, q in idx.tolist()]
    if two is not None:
        two = np.asarray(two)
        idx = np.argwhere(abs(two) >= cutoff)
        for shift in ((0, 0, 0, 0), (0, 1, 1, 0), (1, 0, 0, 1), (1, 1, 1, 1)):
            terms += [(two[tuple(i)] / 2, [2 * x + s for x, s in zip(i, shift)])
                      for i in idx.tolist()]
    sentence = FermiSentence({FermiWord({}): constant[0]})
    for c, orbitals in sorted(terms, key=lambda item: item[1]):
        if orbitals:
            half = len(orbitals) // 2
            sentence[FermiWord({(k, o): "+" if k < half else "-"
                                for k, o in enumerate(orbitals)})] = c
    sentence.simplify()
    return sentence


def _check_mapping(mapping: str) -> str:
    m = mapping.strip().lower()
    if m not in _MAPPERS:
        raise ArgumentError(f"The '{m}' transformation is not available.Please set mapping to "
                            "'jordan_wigner', 'parity', or 'bravyi_kitaev'")
    return m


def qubit_observable(o_ferm, cutoff=1e-12, mapping="jordan_wigner"):
    """A fermionic operator mapped to qubits (``mapping``: ``"jordan_wigner"``,
    ``"parity"``, ``"bravyi_kitaev"``) as a simplified operator: terms below ``cutoff``
    dropped, coefficients real where their imaginary part is below it.

    >>> from qsym.fermi import FermiWord
    >>> qubit_observable(FermiSentence({FermiWord({(0, 0): "+", (1, 0): "-"}): 1.0}))
    0.5 * I(0) + -0.5 * Z(0)
    """
    h = _qubit_sentence(o_ferm, cutoff, mapping)
    if not h.wires:
        return h.operation(wire_order=[0])
    return h.operation()


def _qubit_sentence(o_ferm, cutoff, mapping) -> PauliSentence:
    mapping = _check_mapping(mapping)
    h = _MAPPERS[mapping](o_ferm, len(o_ferm.wires), cutoff)
    wires = list(h.wires)
    if wires != sorted(wires):
        h = PauliSentence(sorted(h.items(), key=lambda item: max(list(item[0]), default=0)))
    h.simplify(tol=cutoff)
    return h


def fermionic_hamiltonian(mol: Molecule, cutoff=1e-12, core=None, active=None):
    """``fermionic_hamiltonian(mol, cutoff, core, active)()``: the molecule's electronic
    Hamiltonian over the active spin orbitals as a :class:`~qsym.fermi.FermiSentence`,
    the nuclear repulsion (and frozen core) as its constant.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> h = fermionic_hamiltonian(mol)()
    >>> round(float(h[FermiWord({})]), 6), round(float(h[FermiWord({(0, 0): "+", (1, 0): "-"})]), 6)
    (0.714286, -1.252797)
    """
    def compute(*args):
        constant, one, two = electron_integrals(mol, core, active)(*args)
        return fermionic_observable(constant, one, two, cutoff)
    return compute


def diff_hamiltonian(mol: Molecule, cutoff=1e-12, core=None, active=None,
                     mapping="jordan_wigner"):
    """``diff_hamiltonian(mol, ...)(*args)``: the molecule's qubit Hamiltonian (PennyLane's
    name); ``args`` that are autograd values (inside ``qml.grad``) give coefficients
    differentiable by them, as :func:`molecular_hamiltonian`'s.

    >>> mol = Molecule(["H", "H"], np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.4]]))
    >>> len(diff_hamiltonian(mol)().pauli_rep)
    15
    """
    def compute(*args):
        if _by_args(mol, args):  # PennyLane's args (inside qml.grad: differentiable by them)
            sentence = _hamiltonian_traced(
                mol, list(core or []), list(range(mol.n_orbitals)) if active is None
                else list(active), _check_mapping(mapping), list(args))
            return sentence.operation(wire_order=[0]) if not sentence.wires else \
                sentence.operation()
        return qubit_observable(fermionic_hamiltonian(mol, cutoff, core, active)(*args),
                                mapping=mapping)
    return compute


def _wire_map(wires, n_qubits) -> dict | None:
    if not wires:
        return None
    if isinstance(wires, dict):
        labels = [wires[k] for k in sorted(wires)]
    else:
        labels = list(wires)
    if len(labels) < n_qubits:
        raise ArgumentError(f"Expected at least {n_qubits} wire labels for the Hamiltonian's "
                            f"qubits; got {len(labels)}")
    return dict(enumerate(labels))


def _hamiltonian_of(mol: Molecule, method, active_electrons, active_orbitals, mapping, wires,
                    args):
    method = method.strip().lower()
    if method not in ("dhf", "pyscf", "openfermion"):
        raise ArgumentError("Only 'dhf', 'pyscf' and 'openfermion' backends are supported.")
    mapping = mapping.strip().lower()
    if mapping not in _MAPPERS:
        raise ArgumentError(f"'{mapping}' is not supported.Please set the mapping to "
                            "'jordan_wigner', 'parity' or 'bravyi_kitaev'.")
    # (PennyLane's order: the open-shell check for "dhf" and "pyscf" before the backends)
    if method != "openfermion" and (mol.n_electrons % 2 == 1 or mol.mult != 1):
        raise ArgumentError("Open-shell systems are not supported for the requested backend. Use "
                            "method = 'openfermion' or change the charge or spin multiplicity of "
                            "the molecule.")
    if method in ("pyscf", "openfermion"):
        raise ArgumentError(f"qml.qchem.molecular_hamiltonian: method={method!r} needs PennyLane's "
                            "external backends, which qsym does not provide; use method='dhf' "
                            "(docs/pennylane.md, 'Quantum chemistry')")
    traced = _by_args(mol, args)
    if not traced:
        _no_derivatives(args, owner=mol)
    core, active = active_space(mol.n_electrons, mol.n_orbitals, mol.mult, active_electrons,
                                active_orbitals)
    if traced:  # PennyLane's args (autograd values: coefficients differentiable by them)
        sentence = _hamiltonian_traced(mol, core, active, mapping, list(args))
    else:
        sentence = _qubit_sentence(fermionic_hamiltonian(mol, core=core, active=active)(),
                                   1e-12, mapping)
    sentence = _pennylane_coefficients(sentence, mol, args is not None)
    wire_map = _wire_map(wires, 2 * len(active))
    if wire_map:
        sentence = sentence.map_wires(wire_map)
    if not sentence:
        first = wire_map[0] if wire_map else 0
        return 0.0 * PauliWord({}).operation([first]), 2 * len(active)
    return sentence.operation(), 2 * len(active)


def _pennylane_coefficients(sentence: PauliSentence, mol: Molecule,
                            requires_grad: bool) -> PauliSentence:
    """The coefficients' types of PennyLane 0.45's ``molecular_hamiltonian`` (``"dhf"``): the
    real parts as one array of the interface of the molecule's coordinates, exponents and
    contraction coefficients (``qml.math.get_interface``), its entries the coefficients:
    ``pennylane.numpy`` 0-d tensors (``requires_grad`` whether ``args`` were given) when
    one of the three is a ``qsym.numpy`` tensor, NumPy's ``float64`` otherwise. Autograd's
    values (``args`` inside ``qml.grad``) stay as they are."""
    from . import numpy as qnp

    tensors = any(isinstance(x, qnp.tensor) for x in (mol.coordinates, mol.alpha, mol.coeff))
    out = {}
    for word, c in sentence.items():
        if _boxed(c):
            out[word] = c
        elif tensors:
            out[word] = qnp.tensor(np.real(c), requires_grad=requires_grad)
        else:
            out[word] = np.float64(np.real(c))
    return PauliSentence(out)


def molecular_hamiltonian(*args, **kwargs):
    """The qubit Hamiltonian of a molecule and its number of qubits, as PennyLane's
    ``qml.qchem.molecular_hamiltonian``:

    - ``molecular_hamiltonian(symbols, coordinates, unit="bohr", name="molecule", charge=0,
      mult=1, basis="sto-3g", method="dhf", active_electrons=None, active_orbitals=None,
      mapping="jordan_wigner", outpath=".", wires=None, alpha=None, coeff=None, args=None,
      load_data=False, convert_tol=1e12)``, coordinates flat (``3 n``) or ``(n, 3)``;
    - ``molecular_hamiltonian(molecule, method="dhf", active_electrons=None, ...)`` for a
      :class:`Molecule`.

    Restricted Hartree-Fock in STO-3G, the active space (``active_electrons`` in
    ``active_orbitals``, the other occupied orbitals frozen), the fermionic Hamiltonian with
    the nuclear repulsion as its constant, mapped to qubits; ``wires`` relabels the qubits.
    Closed shells only (``mult=1``, an even number of electrons). ``args`` (PennyLane's
    differentiable parameters: the coordinates, then exponents and coefficients given as
    trainable tensors) that are autograd values make the coefficients differentiable by
    them, as PennyLane's (through the integrals and its SCF iterations, unrolled): a QNode
    measuring it is differentiated by the geometry (the nuclear forces of PennyLane's
    differentiable Hartree-Fock demo); ``args`` with other numbers give the Hamiltonian at
    them (PennyLane's). ``args`` for a molecule without trainable parameters are refused
    (``DifferentiationError``; PennyLane ignores them).

    >>> H, qubits = molecular_hamiltonian(["H", "H"], np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.74]),
    ...                                   unit="angstrom")
    >>> round(float(np.linalg.eigvalsh(H.matrix()).min()), 6)  # the full CI energy
    -1.137284
    >>> import qsym as qml
    >>> from qsym import numpy as qnp
    >>> x = qnp.array([[0.0, 0.0, -0.7], [0.0, 0.0, 0.7]], requires_grad=True)
    >>> mol = Molecule(["H", "H"], x)
    >>> @qml.qnode(qml.device("default.qubit", wires=4))
    ... def energy(x):  # the Hartree-Fock state's energy, by the geometry
    ...     qml.BasisState(qnp.array([1, 1, 0, 0]), wires=range(4))
    ...     return qml.expval(molecular_hamiltonian(mol, args=[x])[0])
    >>> qml.grad(energy)(x).round(6)  # the force on each atom is minus this
    array([[ 0.      ,  0.      , -0.028454],
           [ 0.      ,  0.      ,  0.028454]])
    """
    if not args:
        first = kwargs.pop("symbols", None) or kwargs.pop("molecule", None)
        if first is None:
            raise UnsupportedInputError(
                "The provided arguments do not contain information about symbols in the "
                "molecule. Please provide that information in the form of a molecule object "
                "or as a list of symbols.")
        args = (first,)
    first, rest = args[0], args[1:]
    if isinstance(first, Molecule):
        return _molecule_hamiltonian(first, *rest, **kwargs)
    if isinstance(first, (list, tuple)):
        return _symbols_hamiltonian(list(first), *rest, **kwargs)
    raise UnsupportedInputError("molecular_hamiltonian supports only list or molecule object "
                                "types. Please provide one of them.")


def _molecule_hamiltonian(molecule, method="dhf", active_electrons=None, active_orbitals=None,
                          mapping="jordan_wigner", outpath=".", wires=None, args=None,
                          convert_tol=1e12):
    return _hamiltonian_of(molecule, method, active_electrons, active_orbitals, mapping, wires,
                           args)


def _symbols_hamiltonian(symbols, coordinates, unit="bohr", name="molecule", charge=0, mult=1,
                         basis="sto-3g", method="dhf", active_electrons=None,
                         active_orbitals=None, mapping="jordan_wigner", outpath=".", wires=None,
                         alpha=None, coeff=None, args=None, load_data=False, convert_tol=1e12):
    _no_derivatives((), coordinates, alpha, coeff)
    mol = Molecule(symbols, coordinates, charge=charge, mult=mult,
                   basis_name=basis, name=name, load_data=load_data, alpha=alpha, coeff=coeff,
                   unit=unit)
    return _hamiltonian_of(mol, method, active_electrons, active_orbitals, mapping, wires, args)



# ------------------------------------------------------------------ observables

def _check_positive(**values) -> None:
    for name, v in values.items():
        if v <= 0:
            raise ArgumentError(f"'{name}' must be greater than 0; got for '{name}' {v}")


def particle_number(orbitals):
    """The number of electrons ``N = sum_i a+_i a_i`` over ``orbitals`` spin orbitals, as a
    Jordan-Wigner qubit operator.

    >>> N = particle_number(2)
    >>> np.diag(N.matrix()).real
    array([0., 1., 1., 2.])
    """
    _check_positive(orbitals=orbitals)
    return qubit_observable(FermiSentence(
        {FermiWord({(0, i): "+", (1, i): "-"}): 1.0 for i in range(orbitals)}))


def spinz(orbitals):
    """The total spin projection ``S_z = sum_i s_z(i) a+_i a_i`` (even spin orbitals up,
    ``+1/2``), as a Jordan-Wigner qubit operator.

    >>> np.diag(spinz(2).matrix()).real
    array([ 0. , -0.5,  0.5,  0. ])
    """
    _check_positive(orbitals=orbitals)
    return qubit_observable(FermiSentence(
        {FermiWord({(0, i): "+", (1, i): "-"}): 0.5 if i % 2 == 0 else -0.5
         for i in range(orbitals)}))


def _spin2_matrix_elements(sz) -> np.ndarray:
    """PennyLane's table of ``<a b| s_1 . s_2 |g d>`` for spin orbitals of spin projections
    ``sz``: rows ``[a, b, g, d, value]``, first the diagonal ones (``d = a``, ``g = b``,
    value ``sz[a] sz[b]``, ``a`` then ``b`` ascending), then the spin flips (same spatial
    orbitals ``a, d`` and ``b, g``, ``sz`` raised on one and lowered on the other: 1/2).

    >>> _spin2_matrix_elements(np.array([0.5, -0.5]))
    array([[ 0.  ,  0.  ,  0.  ,  0.  ,  0.25],
           [ 0.  ,  1.  ,  1.  ,  0.  , -0.25],
           [ 1.  ,  0.  ,  0.  ,  1.  , -0.25],
           [ 1.  ,  1.  ,  1.  ,  1.  ,  0.25],
           [ 0.  ,  1.  ,  0.  ,  1.  ,  0.5 ],
           [ 1.  ,  0.  ,  1.  ,  0.  ,  0.5 ]])
    """
    sz = np.asarray(sz, dtype=float)
    n = range(sz.size)
    diag = [[a, b, b, a, sz[a] * sz[b]] for a in n for b in n]
    flips = [[a, b, g, d, 0.5] for a, b, g, d in itertools.product(n, repeat=4)
             if a // 2 == d // 2 and b // 2 == g // 2
             and abs(sz[a] - sz[d]) == 1 and sz[b] - sz[g] == sz[d] - sz[a]]
    return np.array(diag + flips, dtype=float).reshape(-1, 5)


def spin2(electrons, orbitals):
    """The total spin ``S^2`` of ``electrons`` electrons in ``orbitals`` spin orbitals:
    ``3/4 N + sum <a b| s_1 . s_2 |g d> a+_a a+_b a_g a_d`` with ``N = electrons`` (so it is
    ``S^2`` on states of that many electrons), as a Jordan-Wigner qubit operator.

    >>> S2 = spin2(2, 4)
    >>> bool(np.isclose(S2.matrix()[0b1010, 0b1010].real, 2.0))  # two up spins: a triplet
    True
    """
    _check_positive(electrons=electrons, orbitals=orbitals)
    sentence = FermiSentence({FermiWord({}): 0.75 * electrons})
    sz = np.where(np.arange(orbitals) % 2 == 0, 0.5, -0.5)
    for a, b, g, d, value in _spin2_matrix_elements(sz):
        word = FermiWord({(0, int(a)): "+", (1, int(b)): "+", (2, int(g)): "-",
                          (3, int(d)): "-"})
        sentence[word] = sentence[word] + value
    sentence.simplify()
    return qubit_observable(sentence)

# ------------------------------------------------------------------ qubit tapering
# Z2 symmetries of a qubit Hamiltonian (Bravyi et al. 2017, arXiv:1701.08213; Setia et al.
# 2019, arXiv:1910.14644): Pauli words tau_j commuting with every term, a Clifford U with
# U tau_j U = X_q(j), and the Hamiltonian U H U with each X_q(j) replaced by its eigenvalue.

def _gf2_rref(matrix: np.ndarray) -> np.ndarray:
    """The reduced row echelon form of a 0/1 matrix over GF(2), zero rows dropped."""
    m = binary_finite_reduced_row_echelon(np.array(matrix, dtype=np.int8) % 2, inplace=True)
    return m[m.any(axis=1)]


def _gf2_kernel(rref: np.ndarray, width: int) -> np.ndarray:
    """A basis of the null space of a GF(2) matrix in reduced row echelon form: one vector
    per free column (ascending), with a 1 there and the pivots' entries to cancel it."""
    pivots = [int(np.argmax(r)) for r in rref]
    free = [c for c in range(width) if c not in pivots]
    basis = np.zeros((len(free), width), dtype=int)
    for k, f in enumerate(free):
        basis[k, f] = 1
        for r, p in enumerate(pivots):
            basis[k, p] = rref[r, f]
    return basis


def _sorted_wires(wires) -> list:
    wires = list(wires)
    try:
        return sorted(wires)
    except TypeError:  # labels of mixed types: their order of first use
        return wires


def _zx_rows(words, wires) -> np.ndarray:
    """Rows ``[z | x]`` of Pauli words on ``wires``: a word commutes with the Pauli word
    of X part ``a`` and Z part ``b`` iff its row dotted with ``[a | b]`` is even."""
    return binary_matrix_from_words(list(words), len(wires), {w: i for i, w in enumerate(wires)})


def _sentence(op, what: str) -> PauliSentence:
    from .pauli import pauli_sentence

    if isinstance(op, PauliSentence):
        return op
    try:
        return pauli_sentence(op)
    except Exception as exc:
        raise ArgumentError(f"{what} must be a sum of Pauli words (a Hamiltonian, a Pauli "
                            f"operator or a PauliSentence); got {op!r}: {exc}") from exc


def symmetry_generators(h) -> list:
    """The generators of the Z2 symmetries of a qubit Hamiltonian: independent Pauli words
    (coefficient 1) that commute with every term of ``h`` (PennyLane's
    ``qml.symmetry_generators``; the basis of the null space of ``h``'s binary matrix, one
    per free column of its reduced row echelon form, as PennyLane's).

    >>> import qsym as qml
    >>> H = qml.Z(0) @ qml.Z(1) + qml.X(0) @ qml.X(1)
    >>> qml.symmetry_generators(H)
    [X(0) @ X(1), Z(0) @ Z(1)]
    """
    ps = _sentence(h, "the Hamiltonian")
    wires = _sorted_wires(getattr(h, "wires", ps.wires))
    n = len(wires)
    rows = _zx_rows([w for w in ps if ps[w] != 0], wires)
    kernel = _gf2_kernel(_gf2_rref(rows), 2 * n) if len(rows) else np.eye(2 * n, dtype=int)
    names = {(0, 0): "I", (1, 0): "X", (1, 1): "Y", (0, 1): "Z"}
    generators = []
    for vec in kernel:  # vec = [x | z] of a word commuting with every row
        word = {wires[i]: names[(vec[i], vec[n + i])] for i in range(n)
                if vec[i] or vec[n + i]}
        generators.append(PauliSentence({PauliWord(word): 1.0}).operation())
    return generators


def paulix_ops(generators, num_qubits) -> list:
    """For each symmetry generator ``tau_j``, the single-qubit ``X`` that anticommutes with
    it and commutes with every other generator: the last wire where ``tau_j`` alone has a Z
    or Y (PennyLane's ``qml.paulix_ops``).

    >>> import qsym as qml
    >>> qml.paulix_ops([qml.Z(0) @ qml.Z(1), qml.Z(0) @ qml.Z(2)], 3)
    [X(1), X(2)]
    """
    words = []
    for g in generators:
        ps = _sentence(g, "a symmetry generator")
        if len(ps) != 1:
            raise ArgumentError(f"a symmetry generator must be one Pauli word; got {g!r}")
        words.append(next(iter(ps)))
    wires = _sorted_wires({w for word in words for w in word})
    if len(wires) > num_qubits:
        raise ArgumentError(f"the generators act on {len(wires)} wires, more than "
                            f"num_qubits={num_qubits}")
    z = _zx_rows(words, wires)[:, :len(wires)]
    ops = []
    for j in range(len(words)):
        rest = np.delete(z, j, axis=0)
        cols = [c for c in range(len(wires))[::-1] if z[j, c] and not rest[:, c].any()]
        if not cols:
            raise ArgumentError(f"no single-qubit X anticommutes with generator {j} "
                                f"({generators[j]!r}) alone: give generators in which each "
                                "has a Z (or Y) on a wire where the others have none "
                                "(PennyLane fails here with an IndexError)")
        ops.append(PauliWord({wires[cols[0]]: "X"}).operation())
    return ops


def _clifford_sentence(generators, paulixops) -> PauliSentence:
    if len(generators) != len(paulixops):
        raise ArgumentError(f"{len(generators)} generators but {len(paulixops)} Pauli-X "
                            "operators: give one qml.paulix_ops entry per generator")
    u = PauliSentence({PauliWord({}): 1.0})
    for tau, x in zip(generators, paulixops):
        u = u @ ((_sentence(x, "a Pauli-X operator") + _sentence(tau, "a symmetry generator"))
                 * (1 / 2**0.5))
    return u


def clifford(generators, paulixops):
    """The Clifford operator ``U = prod_j (X_q(j) + tau_j) / sqrt(2)`` that maps each
    symmetry generator ``tau_j`` to its ``X_q(j)`` (PennyLane's ``qml.qchem.clifford``).

    >>> import qsym as qml
    >>> coeffs, ops = qml.qchem.clifford([qml.Z(0) @ qml.Z(1)], [qml.X(1)]).terms()
    >>> [round(float(c), 12) for c in coeffs], ops
    ([0.707106781187, 0.707106781187], [X(1), Z(0) @ Z(1)])
    """
    return _clifford_sentence(generators, paulixops).operation()


def _taper_sentence(ps, generators, paulixops, paulix_sector, wires, strict=True):
    """``U ps U`` with each ``X_q(j)`` replaced by ``paulix_sector[j]``, the wires left
    (``wires`` less the X wires) renumbered 0, 1, ...: (tapered sentence, their number).
    A Y or Z left on an X wire (``ps`` breaks the symmetry) is dropped, as PennyLane drops
    it; with ``strict`` a warning names the first such term."""
    if len(paulix_sector) != len(paulixops):
        raise ArgumentError(f"paulix_sector has {len(paulix_sector)} entries for "
                            f"{len(paulixops)} Pauli-X operators: give one eigenvalue (+1 "
                            "or -1) per generator (qml.qchem.optimal_sector)")
    if any(v not in (1, -1) for v in paulix_sector):
        raise ArgumentError(f"paulix_sector must hold eigenvalues +1 or -1; got {paulix_sector}")
    # (as PennyLane's: the Clifford made an operator and read back as a sentence, whose
    # word order sets the order of the tapered terms)
    u = _sentence(_clifford_sentence(generators, paulixops).operation(), "the Clifford")
    xs = [next(iter(_sentence(x, "a Pauli-X operator"))) for x in paulixops]
    if any(len(w) != 1 or next(iter(w.values())) != "X" for w in xs):
        raise ArgumentError(f"paulixops must be single-qubit PauliX operators; got {paulixops}")
    xwires = [next(iter(w)) for w in xs]
    kept = [w for w in wires if w not in xwires]
    renum = {w: i for i, w in enumerate(kept)}
    transformed = u @ ps @ u
    out = PauliSentence()
    for word, c in transformed.items():
        # (a word of coefficient 0 still takes its place: PennyLane's terms come in the
        # order their words first appear; the sum of each is pruned below)
        sign, zero = 1, isinstance(c, numbers.Number) and abs(c) <= 1e-12
        for w, v in zip(xwires, paulix_sector):
            p = word.get(w, "I")
            if p not in "IX" and strict and not zero:
                warnings.warn(f"the operator does not commute with the symmetry generators "
                              f"(U H U has {word}, a {p} on the tapered wire {w!r}): its {p} "
                              "letters on tapered wires are dropped, as PennyLane drops them; "
                              "the result is not the operator restricted to the sector",
                              UserWarning, stacklevel=3)
                strict = False
            sign *= v if p == "X" else 1
        new = PauliWord({renum[w]: p for w, p in word.items() if w in renum})
        out[new] = out[new] + sign * c
    out.simplify(tol=1e-12)
    if all(abs(np.imag(c)) <= 1e-8 for c in out.values()):
        out = PauliSentence({w: float(np.real(c)) for w, c in out.items()})
    return out, len(kept)


def _all_wires(*groups) -> list:
    seen = []
    for g in groups:
        seen += [w for w in g if w not in seen]
    return _sorted_wires(seen)


def taper(h, generators, paulixops, paulix_sector):
    """The Hamiltonian ``h`` transformed by the Clifford ``U`` of the symmetries and with
    the qubits of ``paulixops`` tapered off: each of their ``X`` replaced by its eigenvalue
    in ``paulix_sector``, the other wires renumbered 0, 1, ... (PennyLane's ``qml.taper``).
    An operator that does not commute with the generators gives a ``UserWarning`` (its Y/Z
    letters on the tapered wires are dropped, as PennyLane drops them).

    >>> import qsym as qml
    >>> H = qml.Z(0) @ qml.Z(1) + 0.5 * qml.X(0) @ qml.X(1)
    >>> gens = [qml.Z(0) @ qml.Z(1)]
    >>> qml.paulix_ops(gens, 2)
    [X(1)]
    >>> coeffs, ops = qml.taper(H, gens, qml.paulix_ops(gens, 2), [-1]).terms()
    >>> [round(float(c), 12) for c in coeffs], ops
    ([-1.0, -0.5], [I(), X(0)])
    """
    ps = _sentence(h, "the Hamiltonian")
    u_wires = [w for g in list(generators) + list(paulixops) for w in g.wires]
    wires = _all_wires(getattr(h, "wires", ps.wires), u_wires)
    out, n = _taper_sentence(ps, generators, paulixops, paulix_sector, wires)
    if not out:
        return _operator_on(out, n)
    # PennyLane's result: simplify(0.0 * I(0..n-1) + dot(coeffs, words)), its terms (and so
    # its wires) in the order PennyLane's simplification leaves them
    from ._opmath import SProd, Sum, dot, simplify

    identity = PauliWord({}).operation(wire_order=list(range(n)))
    words = [PauliWord({i: w[i] for i in range(n) if i in w}).operation(
        wire_order=list(range(n))) for w in out]
    return simplify(Sum(SProd(0.0, identity), dot(list(out.values()), words)))


def _operator_on(ps: PauliSentence, n: int):
    """A tapered sentence as an operator acting on all of wires 0..n-1 (a zero identity
    added where the terms miss a wire, as PennyLane's)."""
    if not ps:
        return PauliSentence({PauliWord({}): 0.0}).operation(wire_order=list(range(max(n, 1))))
    op = ps.operation()
    if set(op.wires) != set(range(n)):
        from ._opmath import SProd, Sum

        return Sum(SProd(0.0, PauliWord({}).operation(wire_order=list(range(n)))), op)
    return op


def optimal_sector(qubit_op, generators, active_electrons) -> list:
    """The eigenvalues of the symmetry generators on the Hartree-Fock state of
    ``active_electrons`` electrons (Jordan-Wigner order: the first wires occupied): the
    sector of the ground state (PennyLane's ``qml.qchem.optimal_sector``).

    >>> import qsym as qml
    >>> qml.qchem.optimal_sector(qml.Z(0) + qml.Z(1) + qml.Z(2), [qml.Z(0) @ qml.Z(2)], 1)
    [-1]
    """
    if active_electrons < 1:
        raise ArgumentError("The number of active electrons must be greater than zero; got "
                            f"'electrons'={active_electrons}")
    wires = _sorted_wires(qubit_op.wires)
    if active_electrons > len(wires):
        raise ArgumentError("Number of active orbitals cannot be smaller than number of active "
                            f"electrons; got 'orbitals'={len(wires)} < "
                            f"'electrons'={active_electrons}.")
    occupied = set(wires[:active_electrons])
    return [-1 if len(occupied & set(tau.wires)) % 2 else 1 for tau in generators]


def taper_hf(generators, paulixops, paulix_sector, num_electrons, num_wires) -> np.ndarray:
    """The Hartree-Fock state on the tapered wires: the product of the occupied orbitals'
    Jordan-Wigner creation operators, transformed and tapered as the Hamiltonian; a tapered
    wire is 1 where that operator flips it (PennyLane's ``qml.qchem.taper_hf``).

    >>> import qsym as qml
    >>> gens = [qml.Z(0) @ qml.Z(2), qml.Z(1) @ qml.Z(3)]
    >>> qml.qchem.taper_hf(gens, qml.paulix_ops(gens, 4), [-1, -1], 2, 4)
    array([1, 1])
    """
    from .fermi import FermiC

    ferm = PauliSentence({PauliWord({}): 1.0})
    for idx in range(num_electrons):
        ferm = ferm @ jordan_wigner(FermiC(idx), ps=True)
    wires = _all_wires(range(num_wires), [w for g in list(generators) + list(paulixops)
                                          for w in g.wires])
    out, n = _taper_sentence(ferm, generators, paulixops, paulix_sector, wires, strict=False)
    return np.array([int(any(word.get(i, "I") in "XY" for word in out)) for i in range(n)])


def _build_callables(operation, is_class, op_wires, op_gen):
    """``taper_operation``'s gate and generator from callables: the gate class with every
    parameter 1.0 on ``op_wires``, the generator function called with ``wires=op_wires``."""
    if (is_class or callable(op_gen)) and op_wires is None:
        raise ArgumentError("Wires for the operation must be provided with 'op_wires' args if "
                            "either of 'operation' or 'op_gen' is a callable, got None.")
    if is_class:
        operation = operation(*([1.0] * operation.num_params), wires=op_wires)
    if callable(op_gen):
        try:
            op_gen = op_gen(wires=op_wires)
        except TypeError as exc:
            raise TypeError("Generator function provided with 'op_gen' should have 'wires' as "
                            "its only required keyword argument.") from exc
    return operation, op_gen


def _build_generator(operation, wire_order, op_gen) -> PauliSentence:
    """The generator ``G`` of ``U = exp(i t G)`` as a Pauli sentence: ``i log U`` of a gate
    without parameters (its identity term dropped), the gate's own generator otherwise;
    a given ``op_gen`` is checked: ``exp(i G t)`` must be the gate up to a global phase."""
    import scipy.linalg

    wire_order = order_list(wire_order)
    if op_gen is None:
        if not operation.num_params:
            gen = 1j * scipy.linalg.logm(operation.matrix(wire_order=wire_order))
            from .pauli import pauli_decompose

            out = pauli_decompose(gen, hide_identity=True, wire_order=wire_order, pauli=True)
            out.simplify()
            out.pop(PauliWord({}), 0.0)
            return out
        try:
            return _sentence(operation.generator(), "the generator")
        except Exception as exc:
            raise NotImplementedError(f"Generator for {operation} is not implemented, please "
                                      "provide it with 'op_gen' args.") from exc
    if not isinstance(op_gen, PauliSentence) and not isinstance(
            getattr(op_gen, "pauli_rep", None), PauliSentence):
        raise ArgumentError("Generator for the operation needs to be a valid operator, but got "
                            f"{type(op_gen)}.")
    gen = _sentence(op_gen, "the generator")
    coeff = 1.0
    if operation.parameters and isinstance(operation.parameters[0], (float, complex)):
        coeff = np.prod(operation.parameters)
    mat1 = scipy.linalg.expm(1j * gen.to_mat(wire_order=wire_order) * coeff)
    mat2 = operation.matrix(wire_order=wire_order)
    nonzero = np.nonzero(np.round(mat1, 10))
    phase = np.divide(mat1, mat2, out=np.zeros_like(mat1, dtype=complex),
                      where=mat2 != 0)[nonzero]
    if not np.allclose(phase / phase[0], np.ones(len(phase))):
        raise ArgumentError(f"Given op_gen: {op_gen} doesn't seem to be the correct generator "
                            f"for the {operation}.")
    return gen


def taper_operation(operation, generators, paulixops, paulix_sector, wire_order,
                    op_wires=None, op_gen=None):
    """A gate on the tapered wires: its generator ``G`` (``U(t) = exp(i t G)``), if it
    commutes with every symmetry generator, transformed and tapered as the Hamiltonian, and
    applied as ``qml.exp(word, 1j * t * c)`` per tapered word; a generator that does not
    commute gives no gates (PennyLane's ``qml.taper_operation``). With a gate class (a
    callable), returns a function of the angle; with a gate, the list of ``Exp`` operators
    (queued inside a circuit, the gate itself taken off the circuit).

    >>> import qsym as qml
    >>> gens = [qml.Z(0) @ qml.Z(2), qml.Z(1) @ qml.Z(3)]
    >>> xs = qml.paulix_ops(gens, 4)
    >>> (E,) = qml.taper_operation(qml.SingleExcitation(3.0, wires=[0, 2]), gens, xs,
    ...                            [-1, -1], wire_order=range(4))
    >>> E.base, round(complex(E.coeff).imag, 12)
    (Y(0), 1.5)
    """
    from ._opmath import QueuingManager, exp

    is_class = callable(operation) and not hasattr(operation, "wires")
    with QueuingManager.stop_recording():
        operation, op_gen = _build_callables(operation, is_class, op_wires, op_gen)
        gen = _build_generator(operation, wire_order, op_gen)
        tapered = PauliSentence()
        commutes = all(not _sentence(tau, "a symmetry generator").commutator(gen)
                       for tau in generators)
        if commutes and any(abs(c) > 1e-8 for c in gen.values()):
            u_wires = [w for g in list(generators) + list(paulixops) for w in g.wires]
            wires = _all_wires(wire_order, gen.wires, u_wires)
            tapered, _ = _taper_sentence(gen, generators, paulixops, paulix_sector, wires)
    built = operation

    def tapered_op(params):
        if QueuingManager.recording():
            QueuingManager.remove(built)
            for word, c in tapered.items():
                exp(word.operation(), 1j * params * c)
            return None
        with QueuingManager.stop_recording():
            return [exp(word.operation(), 1j * params * c) for word, c in tapered.items()]

    if is_class:
        return tapered_op
    params = 1.0
    if operation.parameters and isinstance(operation.parameters[0], numbers.Number):
        params = float(np.prod(operation.parameters))
    return tapered_op(params)


# ------------------------------------------------------------------ double factorization

def _factors_eigen(two: np.ndarray, tol_factor: float, n: int) -> np.ndarray:
    """The matrices ``L^(r)`` of ``V = sum_r L^(r) (x) L^(r)`` from the eigenvectors of the
    ``n^2 x n^2`` matrix ``V`` whose eigenvalues exceed ``tol_factor`` (in magnitude), each
    scaled by the square root of its eigenvalue (PennyLane's order: ascending eigenvalues,
    the kept ones taken from the end)."""
    values, vectors = np.linalg.eigh(two)
    kept = values[np.abs(values) > tol_factor]
    if kept.size == 0:
        raise ValueError("All factors are discarded. Consider decreasing the first threshold "
                         f"error (tol_factor={tol_factor}: no eigenvalue of the two-electron "
                         "tensor is larger)")
    columns = vectors[:, -len(kept):] * np.sqrt(kept)
    return np.moveaxis(columns.reshape(n, n, len(kept)), 2, 0)


def _factors_cholesky(two: np.ndarray, tol_factor: float, n: int) -> np.ndarray:
    """The matrices ``L^(r)`` from a pivoted Cholesky decomposition of the ``n^2 x n^2``
    matrix ``V``: the largest remaining diagonal entry chosen each step, until it falls
    below ``tol_factor``."""
    vecs = np.zeros((n * n, n * n))
    diag = np.array(np.diagonal(two).real, dtype=float)
    count = n * n
    for idx in range(n * n):
        largest = np.max(diag)
        if largest < tol_factor:
            count = idx
            break
        pivot = int(np.argmax(diag))
        vec = (two[:, pivot] - vecs[:, :idx] @ np.conjugate(vecs[pivot, :idx])) / np.sqrt(largest)
        vecs[:, idx] = vec
        diag = diag - np.abs(vec) ** 2
    return vecs[:, :count].T.reshape(-1, n, n)


def factorize(two_electron, tol_factor=1.0e-5, tol_eigval=1.0e-5, cholesky=False,
              compressed=False, regularization=None, **compression_kwargs):
    """PennyLane's explicit double factorization of a two-electron integral tensor ``V``
    (``n x n x n x n``, chemist notation: ``V[p, q, r, s]`` multiplies
    ``a+_p a_q a+_r a_s``): symmetric ``factors`` ``L^(r)`` with
    ``V[i, j, k, l] = sum_r L^(r)[i, j] L^(r)[k, l]`` (from the eigenvectors of ``V`` as an
    ``n^2 x n^2`` matrix, eigenvalues above ``tol_factor``; or a pivoted Cholesky
    decomposition, ``cholesky=True``), and per factor the outer product of its eigenvalues
    above ``tol_eigval`` (``cores``) and their eigenvectors (``leaves``), so that
    ``V ~ sum_r U^(r) Z^(r) U^(r)`` (Motta et al., arXiv:1902.02134). Returns
    ``(factors, cores, leaves)``; ``cores`` and ``leaves`` are lists (truncated per factor).

    PennyLane's compressed double factorization (``compressed=True``, an optimization with
    JAX and Optax) is not provided: a ``ValueError`` says so.

    >>> import numpy as np
    >>> import qsym as qml
    >>> two = np.zeros((2, 2, 2, 2)); two[0, 0, 0, 0], two[1, 1, 1, 1] = 0.5, 0.25
    >>> factors, cores, leaves = qml.qchem.factorize(two)
    >>> np.allclose(np.einsum("rij,rkl->ijkl", factors, factors), two), len(factors)
    (True, 2)
    >>> [c.round(4).tolist() for c in cores]
    [[[0.25]], [[0.5]]]
    """
    if compressed:
        raise ValueError("qml.qchem.factorize(compressed=True) (PennyLane's compressed double "
                         "factorization, optimized with JAX and Optax) is not provided by qsym: "
                         "use the explicit factorization (compressed=False)")
    del regularization, compression_kwargs  # options of the compressed factorization only
    two = np.asarray(two_electron)
    shape = two.shape
    if len(shape) != 4 or len(set(shape)) != 1:
        raise ValueError("The two-electron repulsion tensor must have a (N x N x N x N) shape, "
                         f"got {shape}")
    n = shape[0]
    matrix = two.reshape(n * n, -1)
    build = _factors_cholesky if cholesky else _factors_eigen
    factors = build(matrix, tol_factor, n)
    f_eigvals, f_eigvecs = np.linalg.eigh(factors)
    cores, leaves = [], []
    for values, vectors in zip(f_eigvals, f_eigvecs):
        kept = np.abs(values) > tol_eigval
        cores.append(np.outer(values[kept], values[kept]))
        leaves.append(vectors[:, kept])
    if sum(len(c) for c in cores) == 0:
        raise ValueError("All eigenvectors are discarded. Consider decreasing the tol_eigval "
                         f"threshold (tol_eigval={tol_eigval}: no factor has a larger eigenvalue)")
    return factors, cores, leaves


def _bliss_terms(params, lower, norb):
    """The shift's pieces from the optimizer's flat parameters ``(k1, k2, xi[lower])``:
    ``k1``, ``k2``, the symmetric ``xi``, ``N1 = 1`` (the number operator's one-body
    tensor), ``N2 = 1 x 1`` and ``F = xi x 1 + 1 x xi`` (arXiv:2304.13772, eqs. 8-9)."""
    k1, k2 = params[0], params[1]
    xi = np.zeros((norb, norb))
    xi[lower] = params[2:]
    xi[lower[::-1]] = params[2:]
    n1 = np.eye(norb)
    n2 = np.einsum("pq,rs->pqrs", n1, n1)
    t = np.einsum("pq,rs->pqrs", xi, n1)
    return k1, k2, xi, n1, n2, t + np.transpose(t, (2, 3, 0, 1))


def symmetry_shift(core, one_electron, two_electron, n_elec, method="L-BFGS-B",
                   **method_kwargs):
    """PennyLane's block-invariant symmetry shift (BLISS, Loaiza and Izmaylov,
    arXiv:2304.13772) of a molecule's integrals in chemist notation: the Hamiltonian
    ``H - k1 (N - n) - k2 (N^2 - n^2) + sum_ij xi_ij T_ij (N - n)`` (``N`` the electron
    number operator, ``n = n_elec``) acts as ``H`` on the states of ``n`` electrons, and
    ``k1``, ``k2`` and the symmetric ``xi`` are chosen to make its tensors' norms small:
    first ``k2`` and ``xi`` minimizing the Frobenius norm of the shifted two-body tensor,
    then ``k1`` that of the one-body tensor, each by ``scipy.optimize.minimize(method=
    method)`` from zero as PennyLane's (``method_kwargs`` go to the first). Returns the
    shifted ``(core, one, two)``.

    >>> import numpy as np
    >>> import qsym as qml
    >>> one = np.diag([-1.0, -0.5])
    >>> two = np.zeros((2, 2, 2, 2)); two[0, 0, 0, 0] = two[1, 1, 1, 1] = 0.6
    >>> core, one_s, two_s = qml.qchem.symmetry_shift(np.array([0.7]), one, two, n_elec=2)
    >>> bool(np.linalg.norm(two_s) < np.linalg.norm(two)), core.shape, one_s.shape
    (True, (1,), (2, 2))
    """
    import scipy.optimize

    one = np.asarray(one_electron)
    two = np.asarray(two_electron)
    norb = one.shape[0]
    lower = np.tril_indices(norb)
    start = np.zeros(2 + len(lower[0]))

    def two_body_norm(params):
        _, k2, _, _, n2, f = _bliss_terms(params, lower, norb)
        return np.linalg.norm(two - k2 * n2 - f / 4)

    found = scipy.optimize.minimize(two_body_norm, start, method=method, **method_kwargs).x
    _, k2, xi, _, n2, f = _bliss_terms(found, lower, norb)

    def one_body_norm(params):
        k1, _, xi_, n1, _, _ = _bliss_terms(params, lower, norb)
        return np.linalg.norm(one - k1 * n1 + n_elec * xi_ / 2)

    second = np.hstack(([0.0, k2], xi[lower]))
    k1 = _bliss_terms(scipy.optimize.minimize(one_body_norm, second, method=method).x,
                      lower, norb)[0]
    # (the given arrays' own arithmetic: a qsym.numpy tensor stays one, as PennyLane's)
    return (core + k1 * n_elec + k2 * n_elec**2, one_electron - k1 * np.eye(norb) + n_elec * xi / 2,
            two_electron - k2 * n2 - f / 4)


# ------------------------------------------------------------------ PennyLane's module paths

def _kernel(binary_matrix) -> np.ndarray:
    """PennyLane's ``_kernel``: a basis of the null space over GF(2) of a 0/1 matrix in
    reduced row echelon form, one row per free column.

    >>> _kernel(np.array([[1, 0, 1], [0, 1, 1]]))
    array([[1, 1, 1]])
    """
    matrix = np.asarray(binary_matrix, dtype=int) % 2
    return _gf2_kernel(matrix[matrix.any(axis=1)], matrix.shape[1])


def _split_pauli_sentence(pl_sentence, max_size=15000):
    """PennyLane's ``_split_pauli_sentence``: the sentence in chunks of at most ``max_size``
    terms, in its order.

    >>> ps = PauliSentence({PauliWord({0: "X"}): 1.0, PauliWord({0: "Z"}): 2.0})
    >>> [len(chunk) for chunk in _split_pauli_sentence(ps, max_size=1)]
    [1, 1]
    """
    items = list(pl_sentence.items())
    for start in range(0, len(items), max_size):
        yield PauliSentence(dict(items[start:start + max_size]))


def _taper_pauli_sentence(ps_h, generators, paulixops, paulix_sector):
    """PennyLane's ``_taper_pauli_sentence``: :func:`taper` of a Pauli sentence.

    >>> import qsym as qml
    >>> ps = PauliSentence({PauliWord({0: "Z", 1: "Z"}): 1.0})
    >>> coeffs, ops = _taper_pauli_sentence(ps, [qml.Z(0) @ qml.Z(1)], [qml.X(1)], [-1]).terms()
    >>> [round(float(c), 12) for c in coeffs], ops
    ([-1.0], [I(0)])
    """
    return taper(ps_h, generators, paulixops, paulix_sector)


def _module_path(name: str, doc: str, names: dict):
    """PennyLane's module path ``pennylane.qchem.<name>`` (``from qsym.qchem.tapering
    import taper``): a module in ``sys.modules`` holding ``names``, set on this module."""
    import sys
    import types

    module = types.ModuleType(f"{__name__}.{name}", doc)
    vars(module).update(names)
    sys.modules[module.__name__] = module
    globals()[name] = module
    return module


def _names(*names) -> dict:
    return {n: globals()[n] for n in names}


_module_path("tapering", "PennyLane's ``qml.qchem.tapering``: qubit tapering by Z2 symmetries.",
             _names("symmetry_generators", "paulix_ops", "clifford", "taper", "optimal_sector",
                    "taper_hf", "taper_operation", "_kernel", "_split_pauli_sentence",
                    "_taper_pauli_sentence"))
_module_path("spin", "PennyLane's ``qml.qchem.spin``: the spin observables.",
             _names("spin2", "spinz", "_spin2_matrix_elements"))
_module_path("basis_set", "PennyLane's ``qml.qchem.basis_set``: basis functions and data.",
             _names("BasisFunction", "atom_basis_data", "mol_basis_data"))
_module_path("basis_data", "PennyLane's ``qml.qchem.basis_data``: the basis-set-exchange "
             "loader (qsym's shipped sets are ``qsym/basis_sets.json``).",
             {"load_basisset": load_basisset, "atomic_numbers": dict(ints.ATOMIC_NUMBERS)})
_module_path("dipole", "PennyLane's ``qml.qchem.dipole``: the dipole operator.",
             _names("dipole_integrals", "fermionic_dipole", "dipole_moment", "molecular_dipole"))
_module_path("matrices", "PennyLane's ``qml.qchem.matrices``: matrices over basis functions.",
             _names("overlap_matrix", "moment_matrix", "kinetic_matrix", "attraction_matrix",
                    "repulsion_tensor", "core_matrix", "mol_density_matrix"))
# PennyLane's module path qml.qchem.integrals is the module of the integrals
integrals = sys.modules[f"{__name__}.integrals"] = gints


def _chemist_transform(one_body_tensor=None, two_body_tensor=None, spatial_basis=True):
    """PennyLane's ``_chemist_transform``: the one- and two-body tensors of
    ``sum h_pq a+_p a_q + sum g_pqrs a+_p a+_q a_r a_s`` (physicists' order) rewritten in
    chemists' order ``sum h'_pq a+_p a_q + sum g'_pqrs a+_p a_q a+_r a_s``: ``g' = g`` with
    axes 1 and 3 swapped, ``h' = h - sum_r g'_prrs`` (halved with ``spatial_basis``).
    Yields the tensors given (one-body first).

    >>> two = np.zeros((1, 1, 1, 1)); two[0, 0, 0, 0] = 1.0
    >>> [t.tolist() for t in _chemist_transform(two_body_tensor=two)]
    [[[-0.5]], [[[[0.5]]]]]
    """
    one = None if one_body_tensor is None else np.array(one_body_tensor, copy=True)
    two = None
    if two_body_tensor is not None:
        two = np.swapaxes(two_body_tensor, 1, 3)
        correction = -np.einsum("prrs", two)
        if spatial_basis:
            two, correction = 0.5 * two, 0.5 * correction
        one = correction if one is None else one + correction
    return (x for x in (one, two) if x is not None)


def basis_rotation(one_electron, two_electron, tol_factor=1.0e-5, **factorization_kwargs):
    """PennyLane's ``qml.qchem.basis_rotation``: the basis-rotation grouping of a molecular
    Hamiltonian from its one- and two-electron integrals (spatial orbitals, physicists'
    order): ``H = U_0 (sum_p O_p^(0)) U_0^+ + sum_r U_r (sum_q O_q^(r)) U_r^+`` with each
    ``O`` a sum of words of ``Z`` and identities (measurable together). Returns the
    coefficients and operators of each group and the transformations ``U`` (the
    eigenvectors of the one-body tensor, and the leaf tensors of :func:`factorize`, both
    with spin: ``kron(., I_2)``).

    >>> one = np.array([[-1.25330961, 0.0], [0.0, -0.47506188]])   # H2's integrals
    >>> two = np.array([[[[0.67448877, 0.0], [0.0, 0.18128881]], [[0.0, 0.18128881], [0.66347755, 0.0]]],
    ...                 [[[0.0, 0.66347755], [0.18128881, 0.0]], [[0.18128881, 0.0], [0.0, 0.69739794]]]])
    >>> coeffs, ops, u = basis_rotation(one, two)
    >>> len(coeffs), ops[0], [m.shape for m in u]
    (4, [I(), Z(0), Z(1), Z(2), Z(3)], [(4, 4), (4, 4), (4, 4), (4, 4)])

    A factor whose eigenvalues ``tol_eigval`` cuts (a core tensor smaller than the
    orbitals) is refused (``ArgumentError``; PennyLane's raises an ``IndexError``).
    """
    one_electron = np.asarray(one_electron)
    num_orbitals = one_electron.shape[0] * 2
    one_body, chemist_two = _chemist_transform(one_electron, np.asarray(two_electron))
    t_eigvals, t_eigvecs = np.linalg.eigh(np.kron(one_body, np.eye(2)))  # (with spin)
    factorization_kwargs["tol_factor"] = tol_factor
    factors, cores, leaves = factorize(chemist_two, **factorization_kwargs)
    identity = PauliWord({})

    def z(*wires):
        return PauliWord({w: "Z" for w in wires})

    groups = []
    ps = PauliSentence()
    for p in range(num_orbitals):  # 0.5 t_p (I - Z_p)
        ps[identity] = ps.get(identity, 0.0) + 0.5 * t_eigvals[p]
        ps[z(p)] = ps.get(z(p), 0.0) - 0.5 * t_eigvals[p]
    groups.append(ps)
    for idx, core in enumerate(cores):
        if np.shape(core) != (num_orbitals // 2,) * 2:
            raise ArgumentError(
                f"qml.qchem.basis_rotation: factor {idx} keeps {np.shape(core)[0]} of its "
                f"{num_orbitals // 2} eigenvalues (tol_eigval cuts the others), and the grouping "
                "needs them all: pass tol_eigval=-1 to keep every eigenvalue, zeros included")
    for idx in range(len(factors)):  # 0.25 c_pq (I - Z_p - Z_q + Z_p Z_q), Z_p Z_p = I
        ps = PauliSentence()
        for p in range(num_orbitals):
            for q in range(num_orbitals):
                c = 0.25 * cores[idx][p // 2, q // 2]
                for word, sign in ((identity, 1.0), (z(p), -1.0), (z(q), -1.0),
                                   (identity if p == q else z(p, q), 1.0)):
                    ps[word] = ps.get(word, 0.0) + sign * c
        groups.append(ps)
    c_group, o_group = [], []
    for ps in groups:
        ps.simplify()
        c_group.append(np.array([float(np.real(c)) for c in ps.values()]))
        o_group.append([word.operation() for word in ps])  # (the identity: I(), no wires)
    u_transform = [t_eigvecs] + [np.kron(leaf, np.eye(2)) for leaf in leaves]
    return c_group, o_group, u_transform


_module_path("factorization", "PennyLane's ``qml.qchem.factorization``: double factorization.",
             _names("factorize", "symmetry_shift", "_chemist_transform", "basis_rotation"))


# PennyLane's qml.qchem names qsym does not provide: a specific AttributeError (so hasattr
# is False) instead of the plain one (docs/pennylane.md, "Quantum chemistry")
_NOT_PROVIDED = ("mol_data", "dipole_of", "givens_decomposition",
                 "import_operator", "import_state", "from_openfermion", "to_openfermion",
                 "vibrational", "VibrationalPES", "vibrational_pes", "optimize_geometry",
                 "localize_normal_modes", "one_particle", "two_particle",
                 "observable", "decompose", "meanfield")


def __getattr__(name):
    if name in _NOT_PROVIDED:
        raise AttributeError(f"qml.qchem.{name} is not provided by qsym (its qml.qchem covers "
                             "VQE programs: molecular_hamiltonian, hf_state, excitations, ...; "
                             "docs/pennylane.md, 'Quantum chemistry')")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
