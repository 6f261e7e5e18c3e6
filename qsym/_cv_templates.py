"""PennyLane's continuous-variable templates: ``qml.DisplacementEmbedding``,
``qml.SqueezingEmbedding`` and ``qml.Interferometer``, CV operations whose decomposition is
Gaussian gates of :mod:`qsym._cv` (``default.gaussian`` runs the decomposition).

>>> import qsym as qml
>>> qml.Interferometer([0.1], [0.2], [0.3, 0.4], wires=[0, 1]).decomposition()
[Beamsplitter(0.1, 0.2, wires=[0, 1]), Rotation(0.3, wires=[0]), Rotation(0.4, wires=[1])]
"""

from __future__ import annotations

import itertools

import numpy as np
from autograd import numpy as anp

from . import _cv as cv
from ._trace import not_recording
from .exceptions import ParameterFrequenciesUndefinedError
from .wires import Wires


class CVTemplate(cv.CVOperation):
    """A CV template: its ``data``, ``wires`` and ``hyperparameters``; ``decomposition()``
    its gates (made, not queued); PennyLane's ``_flatten`` / ``_unflatten``.

    >>> import qsym as qml
    >>> op = qml.SqueezingEmbedding([0.1, 0.2], wires=[0, 1])
    >>> gate = type(op)._unflatten(*op._flatten()).decomposition()[1]
    >>> gate.name, [float(p) for p in gate.parameters], gate.wires
    ('Squeezing', [0.2, 0.1], Wires([1]))
    """

    is_template = True  # default.gaussian applies its decomposition
    grad_method = None
    # PennyLane's Operator defaults for its (CV) templates
    has_adjoint = False
    has_decomposition = True
    has_generator = False
    has_diagonalizing_gates = False
    batch_size = None

    @property
    def ndim_params(self) -> tuple:
        """PennyLane's default: the number of dimensions of each parameter as given.

        >>> import qsym as qml
        >>> qml.SqueezingEmbedding([0.1, 0.2], wires=[0, 1]).ndim_params  # (features, method)
        (2,)
        """
        return tuple(int(np.ndim(p)) for p in self.data)

    @property
    def grad_recipe(self) -> list:
        """PennyLane's default: None for each parameter."""
        return [None] * len(self.data)

    @property
    def parameter_frequencies(self) -> list:
        """None (PennyLane's ``ParameterFrequenciesUndefinedError``)."""
        raise ParameterFrequenciesUndefinedError(
            f"Operation {self.name} does not have parameter frequencies defined, and parameter "
            "frequencies can not be computed as no generator is defined.")

    def __init__(self, *params, wires=None, id=None, **hyperparameters):  # noqa: A002
        self.hyperparameters = hyperparameters
        super().__init__(*params, wires=wires, id=id)

    @property
    def _name(self) -> str:
        return self.name

    @staticmethod
    def compute_decomposition(*params, wires=None, **hyperparameters):
        raise NotImplementedError

    def decomposition(self) -> list:
        """The template's gates, in order (not recorded anywhere)."""
        with not_recording():
            return self.compute_decomposition(*self.data, wires=self.wires,
                                              **self.hyperparameters)

    def _flatten(self):
        return self.data, (self.wires, tuple(self.hyperparameters.items()))

    @classmethod
    def _unflatten(cls, data, metadata):
        new = cls.__new__(cls)
        new.data, new.wires, new.id = tuple(data), Wires(metadata[0]), None
        new.hyperparameters = dict(metadata[1])
        return new


class _CVEmbedding(CVTemplate):
    """A feature on each wire, as one parameter of the two of ``_gate`` (the other ``c``)."""

    _gate = None  # the name of the two-parameter CV operation in ``qsym._cv``

    def __init__(self, features, wires, method="amplitude", c=0.1, id=None):  # noqa: A002
        super().__init__(_embedding_pars(features, wires, method, c), wires=wires, id=id)

    @classmethod
    def compute_decomposition(cls, pars, wires=None):
        wires, gate = Wires(wires), getattr(cv, cls._gate)
        return [gate(pars[i, 0], pars[i, 1], wires=wires[i:i + 1]) for i in range(len(wires))]


def _embedding_pars(features, wires, method, c):
    shape = np.shape(features)
    if len(shape) != 1:
        raise ValueError(f"Features must be a one-dimensional tensor; got shape {shape}.")
    if shape[0] != len(Wires(wires)):
        raise ValueError(f"Features must be of length {len(Wires(wires))}; got length "
                         f"{shape[0]}.")
    features = [features[i] for i in range(shape[0])]
    constants = [c] * len(features)
    if method == "amplitude":
        return anp.stack([anp.stack(features), anp.array(constants, dtype=float)], axis=1)
    if method == "phase":
        return anp.stack([anp.array(constants, dtype=float), anp.stack(features)], axis=1)
    raise ValueError(f"did not recognize method {method}")


class DisplacementEmbedding(_CVEmbedding):
    """PennyLane's ``qml.DisplacementEmbedding(features, wires, method="amplitude",
    c=0.1)``: feature ``i`` as the amplitude (or with ``method="phase"`` the phase) of a
    ``Displacement`` of wire ``i``, ``c`` the other parameter.

    >>> import qsym as qml
    >>> gate = qml.DisplacementEmbedding([0.5], wires=[0]).decomposition()[0]
    >>> gate.name, [float(p) for p in gate.parameters]
    ('Displacement', [0.5, 0.1])
    """

    _gate = "Displacement"


class SqueezingEmbedding(_CVEmbedding):
    """PennyLane's ``qml.SqueezingEmbedding(features, wires, method="amplitude", c=0.1)``:
    feature ``i`` as the magnitude (or phase) of a ``Squeezing`` of wire ``i``.

    >>> import qsym as qml
    >>> gate = qml.SqueezingEmbedding([0.5], wires=[0], method="phase").decomposition()[0]
    >>> gate.name, [float(p) for p in gate.parameters]
    ('Squeezing', [0.1, 0.5])
    """

    _gate = "Squeezing"


def _mesh(n, mesh):
    """The wire positions ``(k, k + 1)`` of the beamsplitters of a ``mesh`` of ``n`` modes,
    in order (Clements' rectangle, or Reck's triangle)."""
    if mesh == "rectangular":
        return [(k, k + 1) for m, k in itertools.product(range(n), range(n - 1))
                if (m + k) % 2 != 1]
    if mesh == "triangular":
        return [(k, k + 1) for m in range(2 * n - 3)
                for k in range(abs(m + 1 - (n - 1)), n - 1, 2)]
    raise ValueError(f"did not recognize mesh {mesh}")


class Interferometer(CVTemplate):
    """PennyLane's ``qml.Interferometer(theta, phi, varphi, wires, mesh="rectangular",
    beamsplitter="pennylane")``: a passive linear interferometer, a mesh of
    ``n (n - 1) / 2`` beamsplitters ``(theta, phi)`` (``beamsplitter="clements"``: a
    ``Rotation(phi)`` then ``Beamsplitter(theta, 0)``) and a rotation ``varphi`` per mode.

    >>> import qsym as qml
    >>> qml.Interferometer.shape(3)
    [(3,), (3,), (3,)]
    """

    num_params = 3

    def __init__(self, theta, phi, varphi, wires, mesh="rectangular",
                 beamsplitter="pennylane", id=None):  # noqa: A002
        n = len(Wires(wires))
        pairs = n * (n - 1) // 2
        for name, value, shape in (("Theta", theta, (pairs,)), ("Phi", phi, (pairs,)),
                                   ("Varphi", varphi, (n,))):
            if np.shape(value) != shape:
                raise ValueError(f"{name} must be of shape {shape}; got {np.shape(value)}.")
        super().__init__(theta, phi, varphi, wires=wires, id=id, mesh=mesh,
                         beamsplitter=beamsplitter)

    @staticmethod
    def shape(n_wires):
        """The shapes of ``theta``, ``phi`` and ``varphi`` for ``n_wires`` modes."""
        pairs = n_wires * (n_wires - 1) // 2
        return [(pairs,), (pairs,), (n_wires,)]

    @staticmethod
    def compute_decomposition(theta, phi, varphi, wires=None, mesh="rectangular",
                              beamsplitter="pennylane"):
        wires = Wires(wires)
        if len(wires) == 1:
            return [cv.Rotation(varphi[0], wires=wires[0:1])]
        ops = []
        for i, (k, j) in enumerate(_mesh(len(wires), mesh)):
            pair = Wires([wires[k], wires[j]])
            if beamsplitter == "clements":
                ops += [cv.Rotation(phi[i], wires=pair[0:1]), cv.Beamsplitter(theta[i], 0,
                                                                               wires=pair)]
            elif beamsplitter == "pennylane":
                ops.append(cv.Beamsplitter(theta[i], phi[i], wires=pair))
            else:
                raise ValueError(f"did not recognize beamsplitter {beamsplitter}")
        return ops + [cv.Rotation(varphi[i], wires=wires[i:i + 1]) for i in range(len(wires))]


_CVNN_NAMES = ("theta_1", "phi_1", "varphi_1", "r", "phi_r", "theta_2", "phi_2", "varphi_2",
               "a", "phi_a", "k")


def _cvnn_widths(n_wires: int) -> list:
    """The second dimension of each of the eleven weight tensors: ``n (n - 1) / 2``
    beamsplitters for the interferometers' ``theta`` and ``phi``, else one per mode."""
    pairs = n_wires * (n_wires - 1) // 2
    return [pairs] * 2 + [n_wires] * 3 + [pairs] * 2 + [n_wires] * 4


class CVNeuralNetLayers(CVTemplate):
    """PennyLane's ``qml.CVNeuralNetLayers(theta_1, phi_1, varphi_1, r, phi_r, theta_2,
    phi_2, varphi_2, a, phi_a, k, wires)``: the continuous-variable neural network of
    Killoran et al. (arXiv:1806.06871); per layer an :class:`Interferometer`, a
    ``Squeezing`` per mode, a second interferometer, a ``Displacement`` and a ``Kerr`` per
    mode. Each weight tensor has a first dimension of the number of layers (shapes:
    :meth:`shape`). The ``Kerr`` gates are not Gaussian: ``default.gaussian`` refuses them.

    >>> import qsym as qml
    >>> shapes = qml.CVNeuralNetLayers.shape(n_layers=1, n_wires=1)
    >>> op = qml.CVNeuralNetLayers(*[np.full(s, 0.5) for s in shapes], wires=[0])
    >>> [g.name for g in op.decomposition()]
    ['Interferometer', 'Squeezing', 'Interferometer', 'Displacement', 'Kerr']
    """

    num_params = 11

    def __init__(self, theta_1, phi_1, varphi_1, r, phi_r, theta_2, phi_2, varphi_2, a,
                 phi_a, k, wires, id=None):  # noqa: A002
        weights = [theta_1, phi_1, varphi_1, r, phi_r, theta_2, phi_2, varphi_2, a, phi_a, k]
        shapes = [np.shape(w) for w in weights]
        if any(len(s) != 2 for s in shapes):
            raise ValueError(f"Every parameter must be two-dimensional (layers, gates); got "
                             f"shapes {shapes}")
        first_dims = [s[0] for s in shapes]
        if len(set(first_dims)) > 1:
            raise ValueError(f"The first dimension of all parameters needs to be the same, got "
                             f"{first_dims}")
        if [s[1] for s in shapes] != _cvnn_widths(len(Wires(wires))):
            raise ValueError("Got unexpected shape for one or more parameters.")
        self.n_layers = first_dims[0]
        super().__init__(*weights, wires=wires, id=id)

    @staticmethod
    def shape(n_layers, n_wires):
        """The shapes of the eleven weight tensors (PennyLane's order).

        >>> CVNeuralNetLayers.shape(n_layers=2, n_wires=2)[:3]
        [(2, 1), (2, 1), (2, 2)]
        """
        return [(n_layers, w) for w in _cvnn_widths(n_wires)]

    @staticmethod
    def compute_decomposition(theta_1, phi_1, varphi_1, r, phi_r, theta_2, phi_2, varphi_2,
                              a, phi_a, k, wires=None):
        wires = Wires(wires)
        ops = []
        for m in range(np.shape(theta_1)[0]):
            ops.append(Interferometer(theta_1[m], phi_1[m], varphi_1[m], wires=wires))
            ops += [cv.Squeezing(r[m, i], phi_r[m, i], wires=wires[i:i + 1])
                    for i in range(len(wires))]
            ops.append(Interferometer(theta_2[m], phi_2[m], varphi_2[m], wires=wires))
            ops += [cv.Displacement(a[m, i], phi_a[m, i], wires=wires[i:i + 1])
                    for i in range(len(wires))]
            ops += [cv.Kerr(k[m, i], wires=wires[i:i + 1]) for i in range(len(wires))]
        return ops


TEMPLATES = ("DisplacementEmbedding", "SqueezingEmbedding", "Interferometer", "CVNeuralNetLayers")
