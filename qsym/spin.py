"""PennyLane's ``qml.spin``: lattices and the spin and fermionic lattice Hamiltonians
(``transverse_ising``, ``heisenberg``, ``fermi_hubbard``, ``emery``, ``haldane``,
``kitaev``, ``spin_hamiltonian``) with PennyLane 0.45's sites, edges, terms and
coefficients.

A :class:`Lattice` numbers its sites cell by cell (the last axis fastest, the sites of a
unit cell innermost); its ``edges`` are ``(i, j, order)`` with ``i < j`` and ``order`` the
index of the neighbour shell (0: nearest neighbours), or ``(i, j, (ops, coeff))`` for custom
edges. The Hamiltonians are sums of Pauli words (their ``pauli_rep``); the fermionic ones
are mapped to qubits by Jordan-Wigner (default), parity or Bravyi-Kitaev, mode ``2 i + s``
for spin ``s`` of site ``i``.

>>> import qsym as qml
>>> lattice = qml.spin.generate_lattice("square", [2, 2])
>>> sorted(lattice.edges)
[(0, 1, 0), (0, 2, 0), (1, 3, 0), (2, 3, 0)]
>>> H = qml.spin.transverse_ising("chain", [3], coupling=1.0, h=0.5)
>>> Z, X = qml.Z, qml.X
>>> qml.equal(H, -(Z(0) @ Z(1)) - Z(1) @ Z(2) - 0.5 * (X(0) + X(1) + X(2)))
True
"""

from __future__ import annotations

import itertools
import numbers
import sys
import types

import numpy as np

from .errors import ArgumentError
from .fermi import ladder_operators
from .pauli import PauliSentence, PauliWord

__all__ = ["Lattice", "generate_lattice", "transverse_ising", "heisenberg", "fermi_hubbard",
           "emery", "haldane", "kitaev", "spin_hamiltonian"]

_MAPPINGS = ("jordan_wigner", "parity", "bravyi_kitaev")


def _check_lattice_arguments(n_cells, vectors, positions, boundary_condition):
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n > 0
               for n in n_cells):
        raise ArgumentError("Argument `n_cells` must be a list of positive integers")
    vectors = np.asarray(vectors, dtype=float)
    if vectors.ndim != 2:
        raise ArgumentError(f"The dimensions of vectors array must be 2, got {vectors.ndim}.")
    if vectors.shape[0] != vectors.shape[1]:
        raise ArgumentError("The number of primitive vectors must match their length")
    positions = (np.zeros((1, vectors.shape[0])) if positions is None
                 else np.asarray(positions, dtype=float))
    if positions.ndim != 2:
        raise ArgumentError(f"The dimensions of positions array must be 2, got {positions.ndim}.")
    if isinstance(boundary_condition, (bool, np.bool_)):
        boundary_condition = [bool(boundary_condition)] * len(n_cells)
    if (not all(isinstance(b, (bool, np.bool_)) for b in boundary_condition)
            or len(boundary_condition) != len(n_cells)):
        raise ArgumentError("Argument 'boundary_condition' must be a bool or a list of bools with "
                            "length equal to number of vectors")
    return vectors, positions, [bool(b) for b in boundary_condition]


class Lattice:
    """A lattice of ``n_cells`` unit cells spanned by ``vectors``, with sites at ``positions``
    in each cell (PennyLane's ``qml.spin.Lattice``).

    Edges join the sites of the first ``neighbour_order`` distance shells (``(i, j, k)``:
    shell ``k``), across the boundaries where ``boundary_condition`` is True (one bool, or
    one per axis); ``custom_edges`` (``[[(i, j), (ops, coeff)], ...]`` or ``[[(i, j)]]``)
    repeat the given edges in every cell instead, and ``custom_nodes``
    (``[[i, (op, coeff)], ...]``) set on-site terms for :func:`spin_hamiltonian`. Sites
    closer than ``distance_tol`` are at the same distance.

    >>> lat = Lattice([3], [[1.0]], boundary_condition=True)
    >>> lat.n_sites, sorted(lat.edges)
    (3, [(0, 1, 0), (0, 2, 0), (1, 2, 0)])
    >>> Lattice([2, 1], [[1, 0], [0, 1]], custom_edges=[[(0, 1), ("XX", 0.5)]]).edges
    [(0, 1, ('XX', 0.5))]
    """

    def __init__(self, n_cells, vectors, positions=None, boundary_condition=False,
                 neighbour_order=1, custom_edges=None, custom_nodes=None, distance_tol=1e-5):
        self.vectors, self.positions, self.boundary_condition = _check_lattice_arguments(
            n_cells, vectors, positions, boundary_condition)
        self.n_cells = np.asarray(n_cells, dtype=int)
        self.n_dim = len(n_cells)
        n_sl = len(self.positions)
        self.n_sites = int(np.prod(self.n_cells)) * n_sl
        # site numbers: the last axis fastest, the sites of a cell innermost
        self._strides = np.cumprod([n_sl, *self.n_cells[:0:-1]])[::-1].astype(int)
        self.lattice_points, site_of_point = self._grid(neighbour_order)
        if custom_edges is None:
            cutoff = neighbour_order * np.max(np.linalg.norm(self.vectors, axis=1)) + distance_tol
            self.edges = self._shell_edges(site_of_point, cutoff, neighbour_order)
        else:
            if neighbour_order != 1:
                raise ArgumentError("custom_edges cannot be specified if neighbour_order argument is "
                                    "set to a value other than 1.")
            self.edges = self._custom_edges(custom_edges)
        self.edges_indices = [(i, j) for (i, j, _) in self.edges]
        for node in custom_nodes or ():
            if node[0] > self.n_sites:
                raise ArgumentError("The custom node has an index larger than the number of sites.")
            if node[0] < 0:
                raise ArgumentError("The custom node has an index smaller than 0.")
        self.nodes = custom_nodes

    def _grid(self, neighbour_order):
        """Every site's point, with ``neighbour_order`` extra cells on each side of a
        periodic axis (their points carry the numbers of the sites they repeat)."""
        pad = [neighbour_order if b else 0 for b in self.boundary_condition]
        axes = [range(-p, n + p) for p, n in zip(pad, self.n_cells)] + [range(len(self.positions))]
        points, sites = [], []
        for *cell, sl in itertools.product(*axes):
            points.append(np.asarray(cell, dtype=float) @ self.vectors + self.positions[sl])
            sites.append(int(np.mod(cell, self.n_cells) @ self._strides) + sl)
        return np.array(points), sites

    def _shell_edges(self, site_of_point, cutoff, neighbour_order):
        """The site pairs of the first ``neighbour_order`` distance shells (distances
        rounded to 4 decimals), nearest shell first, each pair once."""
        pts = self.lattice_points
        shells: dict[float, list] = {}
        for i in range(len(pts)):
            dist = np.linalg.norm(pts[i + 1:] - pts[i], axis=1)
            for k in np.nonzero(dist <= cutoff)[0]:
                shells.setdefault(round(float(dist[k]), 4), []).append((i, i + 1 + int(k)))
        edges, seen = [], set()
        for order, (_, pairs) in enumerate(sorted(shells.items())[:neighbour_order]):
            for p, q in pairs:
                a, b = site_of_point[p], site_of_point[q]
                edge = (min(a, b), max(a, b), order)
                if edge not in seen:
                    seen.add(edge)
                    edges.append(edge)
        return edges

    def _custom_edges(self, custom_edges):
        """Each custom edge repeated in every cell it fits in (every cell along a periodic
        axis)."""
        n_sl = len(self.positions)
        for edge in custom_edges:
            if len(edge) not in (1, 2):
                raise ArgumentError(
                    "The elements of custom_edges should be lists of length 1 or 2: a tuple of "
                    "two lattice indices and, optionally, a tuple (operator, coefficient)")
            if edge[0][0] >= self.n_sites or edge[0][1] >= self.n_sites:
                raise ArgumentError(f"The edge {edge[0]} has vertices greater than n_sites, "
                                    f"{self.n_sites}")
        edges = []
        for index, edge in enumerate(custom_edges):
            (a, b), label = edge[0], (edge[1] if len(edge) == 2 else index)
            sa, sb = a % n_sl, b % n_sl
            cell_a, cell_b = self._cell_of(a), self._cell_of(b)
            shift = (cell_b - cell_a).astype(int)  # the cells the edge spans on each axis
            ranges = [range(0, n) if periodic else range(max(0, -t), n - max(0, t))
                      for n, t, periodic in zip(self.n_cells, shift, self.boundary_condition)]
            for cell in itertools.product(*ranges):
                cell = np.asarray(cell, dtype=int)
                i = int(np.mod(cell, self.n_cells) @ self._strides) + sa
                j = int(np.mod(cell + shift, self.n_cells) @ self._strides) + sb
                edges.append((i, j, label))
        return edges

    def _cell_of(self, site) -> np.ndarray:
        rest, cell = site // len(self.positions), []
        for n in self.n_cells[::-1]:
            cell.append(rest % n)
            rest //= n
        return np.asarray(cell[::-1], dtype=float)

    def add_edge(self, edge_indices) -> None:
        """Add edges as given, ``(i, j)`` (order 0) or ``(i, j, label)``, not repeated in
        other cells.

        >>> lat = Lattice([3], [[1.0]])
        >>> lat.add_edge([(0, 2)])
        >>> lat.edges
        [(0, 1, 0), (1, 2, 0), (0, 2, 0)]
        """
        for edge in edge_indices:
            edge = tuple(edge)
            if len(edge) not in (2, 3):
                raise ArgumentError("Length of the tuple representing each edge can only be 2 or 3.")
            if (edge in self.edges_indices) if len(edge) == 2 else (edge in self.edges):
                raise ArgumentError("Edge is already present")
            self.edges.append(edge if len(edge) == 3 else (*edge, 0))


_SHAPES = {
    "chain": ([[1]], None),
    "square": ([[0, 1], [1, 0]], None),
    "rectangle": ([[0, 1], [1, 0]], None),
    "triangle": ([[1, 0], [0.5, 3 ** 0.5 / 2]], None),
    "honeycomb": ([[1, 0], [0.5, 3 ** 0.5 / 2]], [[0, 0], [0.5, 0.5 / 3 ** 0.5]]),
    "kagome": ([[1, 0], [0.5, 3 ** 0.5 / 2]], [[0.0, 0], [-0.25, 3 ** 0.5 / 4], [0.25, 3 ** 0.5 / 4]]),
    "lieb": ([[0, 1], [1, 0]], [[0, 0], [0.5, 0], [0, 0.5]]),
    "cubic": (np.eye(3), None),
    "bcc": (np.eye(3), [[0, 0, 0], [0.5, 0.5, 0.5]]),
    "fcc": (np.eye(3), [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]),
    "diamond": ([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]], [[0, 0, 0], [0.25, 0.25, 0.25]]),
}


def generate_lattice(lattice, n_cells, boundary_condition=False, neighbour_order=1) -> Lattice:
    """The :class:`Lattice` of a named shape: ``'chain'``, ``'square'``, ``'rectangle'``,
    ``'triangle'``, ``'honeycomb'``, ``'kagome'``, ``'lieb'``, ``'cubic'``, ``'bcc'``,
    ``'fcc'`` or ``'diamond'`` (PennyLane's vectors and positions).

    >>> lat = generate_lattice("honeycomb", [1, 1])
    >>> lat.n_sites, lat.edges
    (2, [(0, 1, 0)])
    """
    shape = lattice.strip().lower()
    if shape not in _SHAPES:
        raise ArgumentError(f"Lattice shape, '{lattice}' is not supported. Please set lattice to: "
                            + ", ".join(f"'{s}'" for s in _SHAPES))
    vectors, positions = _SHAPES[shape]
    if len(n_cells) != len(vectors):
        raise ArgumentError(
            "Argument `n_cells` must be of the correct dimension for the given lattice shape. "
            f"{shape} lattice is of dimension {len(vectors)}, got {len(n_cells)}.")
    return Lattice(n_cells, vectors, positions, boundary_condition=boundary_condition,
                   neighbour_order=neighbour_order)


def _pauli(letter, wire) -> PauliSentence:
    return PauliSentence({PauliWord({wire: letter}): 1.0})


def _two(l1, i, l2, j) -> PauliSentence:
    """``l1(i) @ l2(j)`` as a sentence (an identity factor is left out)."""
    one = PauliSentence({PauliWord({}): 1.0})
    a = one if l1 == "I" else _pauli(l1, i)
    b = one if l2 == "I" else _pauli(l2, j)
    return a @ b


def _as_operator(sentence: PauliSentence, tol=1e-12):
    """The sentence as PennyLane's simplified Hamiltonian: terms below ``tol`` dropped,
    coefficients real where their imaginary part is below ``tol``."""
    out = PauliSentence()
    for word, c in sentence.items():
        if abs(c) > tol:
            out[word] = c.real if isinstance(c, complex) and abs(c.imag) <= tol else c
    if not out:
        return PauliSentence({PauliWord({}): 0.0}).operation(wire_order=[0])
    return out.operation()


def _per_order(values, name, neighbour_order, n_sites, shape_text=None):
    """A coupling as PennyLane accepts it: a number, one value per shell, or a site-by-site
    matrix; returns ``f(i, j, order)``."""
    if isinstance(values, numbers.Number):
        values = [values]
    arr = np.asarray(values)
    if arr.shape == (neighbour_order,):
        return lambda i, j, order: arr[order]
    if arr.shape == (n_sites, n_sites):
        return lambda i, j, order: arr[i][j]
    raise ArgumentError(shape_text or
                        f"The {name} parameter should be a number or an array of shape "
                        f"({neighbour_order},) or ({n_sites},{n_sites})")


def transverse_ising(lattice, n_cells, coupling=1.0, h=1.0, boundary_condition=False,
                     neighbour_order=1):
    """The transverse-field Ising Hamiltonian ``-sum J_ij Z_i Z_j - h sum X_i`` on a
    :func:`generate_lattice` lattice; ``coupling`` is a number, one per neighbour shell or
    a site-by-site matrix.

    >>> transverse_ising("chain", [2], coupling=0.5, h=0.0)
    -0.5 * (Z(0) @ Z(1))
    """
    lat = generate_lattice(lattice, n_cells, boundary_condition, neighbour_order)
    J = _per_order(coupling, "coupling", neighbour_order, lat.n_sites)
    H = PauliSentence()
    for i, j, order in lat.edges:
        H += -J(i, j, order) * _two("Z", i, "Z", j)
    for site in range(lat.n_sites):
        H += -h * _pauli("X", site)
    return _as_operator(H)


def heisenberg(lattice, n_cells, coupling=None, boundary_condition=False, neighbour_order=1):
    """The Heisenberg Hamiltonian ``sum Jx X_i X_j + Jy Y_i Y_j + Jz Z_i Z_j`` on a
    :func:`generate_lattice` lattice; ``coupling`` is ``[Jx, Jy, Jz]`` (default all 1), one
    such row per neighbour shell, or three site-by-site matrices.

    >>> print(heisenberg("chain", [2], coupling=[1.0, 0.0, 0.5]).pauli_rep)
    1.0 * X(0) @ X(1)
    + 0.5 * Z(0) @ Z(1)
    """
    lat = generate_lattice(lattice, n_cells, boundary_condition, neighbour_order)
    J = np.asarray([[1.0, 1.0, 1.0]] if coupling is None else coupling)
    if J.ndim == 1:
        J = J[None, :]
    if J.shape not in [(neighbour_order, 3), (3, lat.n_sites, lat.n_sites)]:
        raise ArgumentError(f"The coupling parameter shape should be equal to ({neighbour_order},3) "
                            f"or (3,{lat.n_sites},{lat.n_sites})")
    H = PauliSentence()
    for i, j, order in lat.edges:
        for k, p in enumerate("XYZ"):
            c = J[order][k] if J.shape == (neighbour_order, 3) else J[k][i][j]
            H += c * _two(p, i, p, j)
    return _as_operator(H)


def _check_mapping(mapping) -> str:
    m = mapping.strip().lower()
    if m not in _MAPPINGS:
        raise ArgumentError(f"The '{m}' transformation is not available. Please set mapping to "
                            "'jordan_wigner', 'parity', or 'bravyi_kitaev'.")
    return m


def _fermionic(terms, n_modes, mapping):
    """``sum c * (a_{j1}^{s1} a_{j2}^{s2} ...)`` for ``terms = [(c, ((j1, s1), ...))]``
    mapped to qubits, as a simplified operator."""
    ladder = ladder_operators(mapping, n_modes)
    H = PauliSentence()
    for c, word in terms:
        term = PauliSentence({PauliWord({}): 1.0})
        for key in word:
            term = term @ ladder[key]
        H += c * term
    return _as_operator(H)


def _hop(i, j):
    """The spin-conserving hop between sites ``i`` and ``j`` (modes ``2 i + s``), without
    its coefficient: ``[(1, a_i^+ a_j), (1, a_j^+ a_i)]`` per spin."""
    return [((2 * i + s, "+"), (2 * j + s, "-")) for s in range(2)], \
           [((2 * j + s, "+"), (2 * i + s, "-")) for s in range(2)]


def _site_coulomb(coulomb, n_sites):
    u = np.ones(n_sites) * coulomb if isinstance(coulomb, numbers.Number) else np.asarray(coulomb)
    return [(u[i], ((2 * i, "+"), (2 * i, "-"), (2 * i + 1, "+"), (2 * i + 1, "-")))
            for i in range(n_sites)]


def fermi_hubbard(lattice, n_cells, hopping=1.0, coulomb=1.0, boundary_condition=False,
                  neighbour_order=1, mapping="jordan_wigner"):
    """The Fermi-Hubbard Hamiltonian ``-sum t_ij a^+_{i s} a_{j s} + h.c. + sum U_i n_{i up}
    n_{i down}`` on a :func:`generate_lattice` lattice, mapped to qubits by ``mapping``
    (``'jordan_wigner'``, ``'parity'`` or ``'bravyi_kitaev'``); mode ``2 i + s`` is spin
    ``s`` of site ``i``.

    >>> H = fermi_hubbard("chain", [2], hopping=1.0, coulomb=0.0)
    >>> len(H.pauli_rep)
    4
    """
    lat = generate_lattice(lattice, n_cells, boundary_condition, neighbour_order)
    t = _per_order(hopping, "hopping", neighbour_order, lat.n_sites)
    terms = []
    for i, j, order in lat.edges:
        forward, back = _hop(i, j)
        for f, b in zip(forward, back):
            terms += [(-t(i, j, order), f), (-t(i, j, order), b)]
    return _fermionic(terms + _site_coulomb(coulomb, lat.n_sites), 2 * lat.n_sites,
                      _check_mapping(mapping))


def emery(lattice, n_cells, hopping=1.0, coulomb=1.0, intersite_coupling=1.0,
          boundary_condition=False, neighbour_order=1, mapping="jordan_wigner"):
    """The Emery (extended Hubbard) Hamiltonian: :func:`fermi_hubbard`'s hopping and on-site
    terms plus ``sum V_ij n_i n_j`` over the edges (``n_i`` both spins of site ``i``).

    >>> H = emery("chain", [2], hopping=0.0, coulomb=0.0, intersite_coupling=1.0)
    >>> H.pauli_rep[PauliWord({})]
    1.0
    """
    lat = generate_lattice(lattice, n_cells, boundary_condition, neighbour_order)
    t = _per_order(hopping, "hopping", neighbour_order, lat.n_sites,
                   f"The hopping parameter should be a number or an array of shape "
                   f"({neighbour_order},) or ({lat.n_sites},{lat.n_sites}).")
    v = _per_order(intersite_coupling, "intersite_coupling", neighbour_order, lat.n_sites,
                   f"The intersite_coupling parameter should be a number or an array of shape "
                   f"({neighbour_order},) or ({lat.n_sites},{lat.n_sites}).")
    terms = []
    for i, j, order in lat.edges:
        for f, b in zip(*_hop(i, j)):
            terms += [(-t(i, j, order), f), (-t(i, j, order), b)]
        for si, sj in itertools.product(range(2), repeat=2):
            terms.append((v(i, j, order), ((2 * i + si, "+"), (2 * i + si, "-"),
                                           (2 * j + sj, "+"), (2 * j + sj, "-"))))
    return _fermionic(terms + _site_coulomb(coulomb, lat.n_sites), 2 * lat.n_sites,
                      _check_mapping(mapping))


def haldane(lattice, n_cells, hopping=1.0, hopping_next=1.0, phi=1.0, boundary_condition=False,
            mapping="jordan_wigner"):
    """The Haldane Hamiltonian: nearest-neighbour hopping ``t1`` and next-nearest hopping
    ``t2 e^{i phi}`` (``a^+_i a_j``, ``i < j``; its conjugate back) on a
    :func:`generate_lattice` lattice with two neighbour shells.

    >>> H = haldane("chain", [2], hopping=1.0, hopping_next=0.0)
    >>> len(H.pauli_rep)
    4
    """
    lat = generate_lattice(lattice, n_cells, boundary_condition, neighbour_order=2)
    values = []
    for name, x in (("hopping", hopping), ("hopping_next", hopping_next), ("phi", phi)):
        arr = np.asarray([x] if isinstance(x, numbers.Number) else x)
        if arr.shape not in [(1,), (lat.n_sites, lat.n_sites)]:
            raise ArgumentError(f"The {name} parameter should be a constant or an array of shape "
                                f"({lat.n_sites},{lat.n_sites}).")
        values.append(lambda i, j, arr=arr: arr[0] if arr.shape == (1,) else arr[i][j])
    t1, t2, ph = values
    terms = []
    for i, j, order in lat.edges:
        forward, back = _hop(i, j)
        for f, b in zip(forward, back):
            if order == 0:
                terms += [(-t1(i, j), f), (-t1(i, j), b)]
            else:
                terms += [(-t2(i, j) * np.exp(1j * ph(i, j)), f),
                          (-t2(i, j) * np.exp(-1j * ph(i, j)), b)]
    return _fermionic(terms, 2 * lat.n_sites, _check_mapping(mapping))


def _edge_terms(lattice) -> PauliSentence:
    H = PauliSentence()
    for i, j, (ops, coeff) in lattice.edges:
        H += coeff * _two(ops[0], i, ops[1], j)
    return H


def kitaev(n_cells, coupling=None, boundary_condition=False):
    """The Kitaev honeycomb Hamiltonian ``Kx sum X X + Ky sum Y Y + Kz sum Z Z`` on
    PennyLane's honeycomb lattice of ``n_cells`` (``coupling = [Kx, Ky, Kz]``, default 1).

    >>> H = kitaev([2, 2], coupling=[0.5, 0.6, 0.7])
    >>> sorted(f"{c} {w}" for w, c in H.pauli_rep.items())[:3]
    ['0.5 X(0) @ X(1)', '0.5 X(2) @ X(3)', '0.5 X(4) @ X(5)']
    """
    coupling = [1.0, 1.0, 1.0] if coupling is None else coupling
    if len(coupling) != 3:
        raise ArgumentError("The coupling parameter should be a list of length 3.")
    custom_edges = [[(0, 1), ("XX", coupling[0])], [(1, 2), ("YY", coupling[1])],
                    [(1, n_cells[1] * 2), ("ZZ", coupling[2])]]
    lat = Lattice(n_cells[0:2], [[1, 0], [0.5, 0.75 ** 0.5]], [[0, 0], [0.5, 0.5 / 3 ** 0.5]],
                  boundary_condition=boundary_condition, custom_edges=custom_edges)
    return _as_operator(_edge_terms(lat))


def spin_hamiltonian(lattice):
    """The Hamiltonian of a :class:`Lattice` with custom edges ``(i, j, (ops, coeff))``
    (``coeff * ops[0](i) @ ops[1](j)``) and custom nodes ``[i, (op, coeff)]``.

    >>> lat = Lattice([2], [[1]], custom_edges=[[(0, 1), ("XY", 0.5)]],
    ...               custom_nodes=[[0, ("Z", 0.25)]])
    >>> spin_hamiltonian(lat)
    0.5 * (X(0) @ Y(1)) + 0.25 * Z(0)
    """
    if not lattice.edges or not isinstance(lattice.edges[0][2], tuple):
        raise ArgumentError("Custom edges need to be defined and should have an operator defined "
                            "as a `str`")
    H = _edge_terms(lattice)
    for site, (op, coeff) in lattice.nodes or ():
        H += coeff * _two(op, site, "I", site)
    return _as_operator(H)


# PennyLane's module path: from pennylane.spin.lattice import Lattice, generate_lattice
sys.modules.setdefault(f"{__name__}.lattice", types.ModuleType(
    f"{__name__}.lattice", "PennyLane's module path of Lattice and generate_lattice"))
vars(sys.modules[f"{__name__}.lattice"]).update(Lattice=Lattice, generate_lattice=generate_lattice)
