"""The graphs of PennyLane's ``qml.ftqc``: ``QubitGraph`` (qubits as the nodes of a graph,
each node itself a ``QubitGraph`` that may hold a graph of its own: a logical qubit made of
physical ones) and ``Lattice`` / ``generate_lattice`` (networkx lattices named by shape).
NetworkX is imported when a graph is built (qsym's optional dependency).

>>> import networkx as nx
>>> q = QubitGraph(nx.path_graph(3), id="line")
>>> list(q.node_labels), q[1], [n.id for n in q[1].neighbors]
([0, 1, 2], QubitGraph<id=1, loc=[line]>, [0, 2])
>>> sorted(generate_lattice([2, 2], "square").edges)
[((0, 0), (0, 1)), ((0, 0), (1, 0)), ((0, 1), (1, 1)), ((1, 0), (1, 1))]
"""

from __future__ import annotations

import uuid
import warnings

__all__ = ["QubitGraph", "Lattice", "LatticeShape", "generate_lattice", "MAX_TRAVERSAL_DEPTH"]

#: how many parents ``repr`` walks up before it stops (PennyLane's)
MAX_TRAVERSAL_DEPTH = 100


def _nx():
    import networkx

    return networkx


def _warn(text: str) -> None:
    warnings.warn(text, UserWarning, stacklevel=3)


_UNINITIALIZED = "Attempting to access an uninitialized QubitGraph."
_REINITIALIZED = ("Attempting to re-initialize a QubitGraph. If you wish to initialize the "
                  "underlying qubits with a new graph structure, you must first call "
                  "QubitGraph.clear() and then call the initialization method.")
_CYCLIC = ("A cyclically nested graph structure was detected in a QubitGraph object. "
           "QubitGraph objects should generally not be cyclically nested since such "
           "structures have neither well-defined root nor leaf nodes.")


class QubitGraph:
    """PennyLane's ``QubitGraph``: a qubit with an optional graph of qubits beneath it.

    ``QubitGraph(graph)`` copies ``graph``'s structure (nodes and edges, not their data) and
    makes every node a child ``QubitGraph`` whose ``id`` is the node label; ``q[node]`` is a
    child (assignable: ``q[node] = QubitGraph(...)``), ``q.children`` iterates them,
    ``q.neighbors`` yields the siblings adjacent in the parent's graph. A graph without a
    structure is uninitialized (accessing its nodes warns and gives None); ``init_graph``,
    ``init_graph_2d_grid``, ``init_graph_nd_grid`` and ``init_graph_surface_code_17`` give
    it one. Iterating a ``QubitGraph`` yields itself, so it can label a wire.

    >>> import networkx as nx
    >>> q = QubitGraph(nx.grid_2d_graph(2, 2), id=0)
    >>> q[(0, 0)].init_graph(nx.path_graph(2))      # a logical qubit of two
    >>> q[(0, 0)][1]
    QubitGraph<id=1, loc=[(0, 0), 0]>
    >>> q.is_root, q[(0, 0)].is_leaf, q[(0, 1)].is_leaf
    (True, False, True)
    """

    def __init__(self, graph=None, id=None):  # noqa: A002 (PennyLane's keyword)
        self._id = uuid.uuid4() if id is None else id
        self._parent = None
        self._graph = None
        if graph is not None:
            self._check_graph(graph)
            self._graph = self._structure_of(graph)
            self._make_children()

    # --- nodes ------------------------------------------------------------------------------
    def __getitem__(self, key):
        if not self.is_initialized:
            _warn(_UNINITIALIZED)
            return None
        if isinstance(key, slice):  # (linear indexing of integer-labelled nodes)
            return [self._graph.nodes[n]["qubits"]
                    for n in range(*key.indices(len(self._graph.nodes)))]
        return self._graph.nodes[key]["qubits"]

    def __setitem__(self, key, value):
        if not isinstance(value, QubitGraph):
            raise TypeError("'QubitGraph' item assignment type must also be a QubitGraph, but "
                            f"got type '{type(value).__name__}'")
        if not self.is_initialized:
            _warn(_UNINITIALIZED)
            return
        value._id, value._parent = key, self
        self._graph.nodes[key]["qubits"] = value

    def __iter__(self):
        yield self

    def __repr__(self):
        here = self._short(self._id)
        if self.is_root:
            return f"QubitGraph<id={here}, loc=[]>"
        if self.has_cycle():
            _warn(_CYCLIC)
            return f"QubitGraph<id={here}; cyclic>"
        ids, parent, depth = [], self._parent, 1
        while parent is not None:
            if depth >= MAX_TRAVERSAL_DEPTH:
                _warn(f"Maximum traversal depth reached in '__repr__' (traversal depth > "
                      f"{MAX_TRAVERSAL_DEPTH})")
                ids.append("...")
                break
            ids.append(self._short(parent._id))
            parent, depth = parent._parent, depth + 1
        return f"QubitGraph<id={here}, loc=[{', '.join(str(i) for i in ids)}]>"

    @staticmethod
    def _short(ident):
        """A UUID's first group (PennyLane's repr), any other id as it is."""
        return str(ident).split("-", maxsplit=1)[0] if isinstance(ident, uuid.UUID) else ident

    # --- properties -------------------------------------------------------------------------
    @property
    def id(self):
        """The label: the node label in the parent's graph, else a UUID (as a string)."""
        return str(self._id) if isinstance(self._id, uuid.UUID) else self._id

    @property
    def graph(self):
        """The graph of the qubits beneath this one (a networkx graph), or None."""
        return self._graph

    @property
    def parent(self):
        """The ``QubitGraph`` this one is a node of, or None."""
        return self._parent

    @property
    def is_initialized(self) -> bool:
        """Whether this qubit has a graph beneath it."""
        return self._graph is not None

    @property
    def is_leaf(self) -> bool:
        """No qubits beneath (no graph, or an empty one)."""
        return not self.is_initialized or len(self._graph.nodes) == 0

    @property
    def is_root(self) -> bool:
        """No parent."""
        return self._parent is None

    @property
    def node_labels(self):
        """The labels of the qubits beneath (the graph's nodes)."""
        if not self.is_initialized:
            _warn(_UNINITIALIZED)
            return None
        return self._graph.nodes

    @property
    def edge_labels(self):
        """The graph's edges, as pairs of node labels."""
        if not self.is_initialized:
            _warn(_UNINITIALIZED)
            return None
        return self._graph.edges

    @property
    def children(self):
        """The qubits beneath, in the graph's node order."""
        if not self.is_initialized:
            _warn(_UNINITIALIZED)
            return
        for node in self._graph.nodes:
            yield self[node]

    @property
    def neighbors(self):
        """The siblings adjacent to this qubit in its parent's graph."""
        if self.is_root:
            return
        for label in self._parent.graph.neighbors(self._id):
            yield self._parent[label]

    # --- structure --------------------------------------------------------------------------
    def clear(self) -> None:
        """Drop the graph beneath (the qubit becomes uninitialized)."""
        self._graph = None

    def has_cycle(self) -> bool:
        """Whether following parents loops (Floyd's tortoise and hare)."""
        slow = fast = self._parent
        while fast is not None and fast._parent is not None:
            slow, fast = slow._parent, fast._parent._parent
            if slow is fast:
                return True
        return False

    def init_graph(self, graph) -> None:
        """Give an uninitialized qubit the structure of ``graph`` (warns if it has one)."""
        if graph is None:
            raise TypeError("QubitGraph requires a graph-like input, got NoneType.")
        self._check_graph(graph)
        self._initialize(lambda: self._structure_of(graph))

    def init_graph_2d_grid(self, m: int, n: int) -> None:
        """An ``m x n`` grid, nodes ``(i, j)``."""
        self._initialize(lambda: _nx().grid_2d_graph(m, n))

    def init_graph_nd_grid(self, dim) -> None:
        """A grid of dimensions ``dim`` (networkx's ``grid_graph``)."""
        self._initialize(lambda: _nx().grid_graph(dim))

    def init_graph_surface_code_17(self) -> None:
        """The 17-qubit surface code: data qubits ``("data", 0..8)`` in a 3x3 grid, the
        stabilizers' auxiliary qubits ``("aux", 9..16)``, each joined to the data qubits it
        checks (four in the bulk, two on the boundary)."""
        checks = {9: [1, 2], 10: [0, 3], 11: [0, 1, 3, 4], 12: [1, 2, 4, 5],
                  13: [3, 4, 6, 7], 14: [4, 5, 7, 8], 15: [5, 8], 16: [6, 7]}

        def make():
            g = _nx().Graph()
            g.add_nodes_from(("data", i) for i in range(9))
            g.add_nodes_from(("aux", i) for i in range(9, 17))
            g.add_edges_from((("aux", a), ("data", d)) for a, ds in checks.items() for d in ds)
            return g

        self._initialize(make)

    def _initialize(self, make) -> None:
        if self.is_initialized:
            _warn(_REINITIALIZED)
            return
        self._graph = make()
        self._make_children()

    def _make_children(self) -> None:
        for node in self._graph.nodes:
            child = QubitGraph(id=node)
            child._parent = self
            self[node] = child

    @staticmethod
    def _structure_of(graph):
        """A new graph with ``graph``'s nodes and edges (same networkx class)."""
        nx = _nx()
        out = type(graph)() if isinstance(graph, nx.Graph) else nx.Graph()
        out.add_nodes_from(graph.nodes)
        out.add_edges_from(graph.edges)
        return out

    @staticmethod
    def _check_graph(candidate) -> None:
        if not (hasattr(candidate, "nodes") and hasattr(candidate, "edges")):
            raise TypeError("QubitGraph requires a graph-like input, i.e. an object having both "
                            "a 'nodes' and an 'edges' attribute.")
        if not isinstance(candidate, _nx().Graph):
            _warn("QubitGraph expects an input graph of type 'networkx.Graph', but got "
                  f"'{type(candidate).__name__}'. Using a graph of another type may result in "
                  "unexpected behaviour.")


class Lattice:
    """PennyLane's ``qml.ftqc.Lattice``: a named lattice shape and its networkx graph (given,
    or made from ``nodes`` and ``edges``).

    >>> lat = Lattice("chain", nodes=[0, 1, 2], edges=[(0, 1), (1, 2)])
    >>> lat.shape, sorted(lat.get_neighbors(1))
    ('chain', [0, 2])
    """

    def __init__(self, lattice_shape: str, graph=None, nodes=None, edges=None):
        self._lattice_shape = lattice_shape
        if graph is None:
            if nodes is None and edges is None:
                raise ValueError("Neither a networkx Graph object nor nodes together with edges "
                                 "are provided.")
            graph = _nx().Graph()
            graph.add_nodes_from(nodes or ())
            graph.add_edges_from(edges or ())
        self._graph = graph

    @property
    def shape(self) -> str:
        """The lattice's shape name."""
        return self._lattice_shape

    def get_neighbors(self, node):
        """The nodes adjacent to ``node``."""
        return self._graph.neighbors(node)

    @property
    def nodes(self):
        """The graph's nodes."""
        return self._graph.nodes

    @property
    def edges(self):
        """The graph's edges."""
        return self._graph.edges

    @property
    def graph(self):
        """The networkx graph."""
        return self._graph


class LatticeShape:
    """The lattice shapes :func:`generate_lattice` makes, with their number of dimensions."""

    DIMENSIONS = {"chain": 1, "square": 2, "rectangle": 2, "triangle": 2, "honeycomb": 2,
                  "cubic": 3}


def generate_lattice(dims, lattice: str) -> Lattice:
    """PennyLane's ``qml.ftqc.generate_lattice``: a :class:`Lattice` of shape ``lattice``
    (``"chain"``, ``"square"``, ``"rectangle"``, ``"cubic"``: networkx's ``grid_graph(dims)``;
    ``"triangle"``, ``"honeycomb"``: its ``triangular_lattice_graph`` /
    ``hexagonal_lattice_graph`` of ``dims[0]`` rows and ``dims[1]`` columns).

    >>> generate_lattice([3], "chain").graph.number_of_edges()
    2
    >>> generate_lattice([1, 1], "honeycomb").graph.number_of_nodes()
    6
    """
    shape = lattice.strip().lower()
    supported = list(LatticeShape.DIMENSIONS)
    if shape not in supported:
        raise ValueError(f"Lattice shape, '{lattice}' is not supported.Please set lattice to: "
                         f"{supported}.")
    if LatticeShape.DIMENSIONS[shape] != len(dims):
        raise ValueError(f"For a {shape} lattice, the length of dims should be "
                         f"{LatticeShape.DIMENSIONS[shape]} instead of {len(dims)}")
    nx = _nx()
    if shape == "triangle":
        return Lattice(shape, nx.triangular_lattice_graph(dims[0], dims[1]))
    if shape == "honeycomb":
        return Lattice(shape, nx.hexagonal_lattice_graph(dims[0], dims[1]))
    return Lattice(shape, nx.grid_graph(dims))
