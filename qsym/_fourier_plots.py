"""PennyLane's ``qml.fourier.visualize``: Fourier coefficients (the output of
``qml.fourier.coefficients``, NumPy's ``fftn`` ordering) drawn on matplotlib axes the caller
made.

``bar`` draws one set of coefficients, ``violin``, ``box`` and ``radial_box`` the spread of
many sets (one violin or box per frequency vector, real parts on the first axes, imaginary
parts on the second), ``panel`` each coefficient of many sets as points in the complex
plane (one subplot per frequency). The frequency vectors run from ``(-d_1, ..., -d_N)`` to
``(d_1, ..., d_N)``, the last input fastest, and are labelled as ``format_nvec`` writes them.

matplotlib is an optional extra of qsym (``pip install 'qsym[plot]'``): nothing here imports
it until a plot needs one of its colour helpers, or a name is first read from
``qsym.fourier.visualize`` (:data:`visualize`, PennyLane's module path: it loads
``matplotlib.pyplot`` then, as ``import pennylane`` does); the axes come from the caller.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> import qsym as qml
>>> from qsym import numpy as np
>>> c = qml.fourier.coefficients(lambda x: 0.5 + np.cos(x[0]), 1, 1)
>>> fig, ax = plt.subplots(2, 1, sharex=True, sharey=True)
>>> ax = qml.fourier.visualize.bar(c, 1, ax)
>>> [round(float(p.get_height()), 6) for p in ax[0].patches]
[0.5, 0.5, 0.5]
>>> plt.close(fig)
"""

from __future__ import annotations

import types
from itertools import product

import numpy as _onp

from .errors import ArgumentError, SpectrumError

__all__ = ["bar", "box", "format_nvec", "panel", "radial_box", "violin", "visualize"]

_PAIR_COLOURS = {"real": "purple", "imag": "green"}


def format_nvec(nvec):
    """A frequency vector as PennyLane's Fourier plots label it: an int as is, a tuple as
    its signed entries joined by spaces.

    >>> format_nvec(3), format_nvec((2, -1))
    ('3', ' 2 -1')
    """
    if isinstance(nvec, int):
        return str(nvec)
    return " ".join(f"{int(n): }" for n in nvec)


def _validate_coefficients(coeffs, n_inputs, can_be_list=True):
    """``coeffs`` as an array: one set of coefficients of an ``n_inputs``-dimensional
    function (``can_be_list=False``), or a stack of such sets (``can_be_list=True``; a single
    set gets a leading axis of length 1). Every axis of a set has odd length ``2 d_i + 1``."""
    if not isinstance(coeffs, (list, tuple, _onp.ndarray)):
        raise ArgumentError(
            "Input to coefficient plotting functions must be a list of numerical Fourier "
            f"coefficients. Received input of type {type(coeffs)}: pass the array of "
            "qml.fourier.coefficients, or a list of such arrays")
    try:
        coeffs = _onp.asarray(coeffs)
    except ValueError as exc:
        raise SpectrumError("The sets of Fourier coefficients have different shapes: plot "
                            "sets of one function class (one degree per input) together") from exc
    if can_be_list and coeffs.ndim == n_inputs:
        coeffs = coeffs[_onp.newaxis]
    expected = n_inputs + 1 if can_be_list else n_inputs
    if coeffs.ndim != expected:
        raise SpectrumError(
            f"Plotting function expected a list of {n_inputs}-dimensional inputs. Received "
            f"coefficients of {coeffs.ndim}-dimensional function: give n_inputs as the "
            "number of axes of one set of coefficients")
    dims = coeffs.shape[1:] if can_be_list else coeffs.shape
    if any(dim % 2 == 0 for dim in dims):
        raise SpectrumError(
            "Shape of input coefficients must be 2d_i + 1, where d_i is the largest frequency "
            f"in the i-th input. Coefficient array with shape {coeffs.shape} is invalid: "
            "compute them with qml.fourier.coefficients (or NumPy's fftn of 2d_i + 1 samples "
            "per input)")
    return coeffs


def _extract_data_and_labels(coeffs):
    """The labels of the frequency vectors ``(-d_1, ..., -d_N) ... (d_1, ..., d_N)`` (last
    input fastest) and ``{"real": ..., "imag": ...}``, each of shape ``(sets, vectors)``:
    the coefficients of those vectors (``fftshift`` puts ``-d_i`` first on every axis)."""
    set_shape = coeffs.shape[1:]
    nvecs = product(*(range(-(d // 2), d // 2 + 1) for d in set_shape))
    labels = [format_nvec(nvec) for nvec in nvecs]
    axes = tuple(range(1, coeffs.ndim))
    flat = _onp.fft.fftshift(coeffs, axes=axes).reshape(coeffs.shape[0], -1)
    return labels, {"real": _onp.real(flat), "imag": _onp.imag(flat)}


def _axes_pair(ax):
    """The two axes (real parts, imaginary parts) of a two-panel plot."""
    axes = _onp.asarray(ax, dtype=object).ravel()
    if axes.size != 2:
        raise SpectrumError(
            "Matplotlib axis should consist of two subplots. Got "
            f"{axes.size}: make them with plt.subplots(2, 1, sharex=True, sharey=True)")
    return axes


def _to_rgb(colour):
    try:
        from matplotlib.colors import to_rgb
    except ImportError as exc:
        raise ImportError(
            "qml.fourier.visualize needs matplotlib, an optional extra of qsym: "
            "pip install 'qsym[plot]' (or pip install matplotlib)") from exc
    return to_rgb(colour)


def _adjust_spine_placement(axis):
    """A grid along x, no top or right spine, the bottom spine at ``y = 0``."""
    axis.xaxis.grid()
    axis.spines["top"].set_visible(False)
    axis.spines["bottom"].set_position("zero")
    axis.spines["right"].set_visible(False)
    axis.set_axisbelow(True)


def _label_frequencies(axes, labels, show_freqs):
    """Frequency labels on top of the second axes (or none); the first axes keeps its grid
    but no ticks or tick labels."""
    axes[0].tick_params(axis="x", length=0, labelbottom=False, labeltop=False)
    if show_freqs:
        axes[1].tick_params(axis="x", which="both", length=0)
        axes[1].xaxis.set_ticklabels(labels, fontsize=10, color="grey")
        axes[1].xaxis.set_ticks_position("top")
    else:
        axes[1].tick_params(axis="x", length=0, labelbottom=False, labeltop=False)


def _box_style(colour):
    """The keywords of ``Axes.boxplot`` that colour one box plot in ``colour``."""
    return {
        "boxprops": {"facecolor": _to_rgb(colour) + (0.4,), "color": colour,
                     "edgecolor": colour},
        "medianprops": {"color": colour, "linewidth": 1.5},
        "flierprops": {"markeredgecolor": colour},
        "whiskerprops": {"color": colour},
        "capprops": {"color": colour},
        "patch_artist": True,
    }


def violin(coeffs, n_inputs, ax, colour_dict=None, show_freqs=True):
    """Violin plots of many sets of Fourier coefficients: per frequency vector, the
    distribution of the real parts (on ``ax[0]``) and of the imaginary parts (on ``ax[1]``),
    violins at ``x = 1, 2, ...``, as PennyLane's ``qml.fourier.visualize.violin``.

    ``coeffs`` is a list (or stacked array) of coefficient arrays of shape
    ``(2 d_1 + 1, ..., 2 d_N + 1)`` (``qml.fourier.coefficients``), or one such array;
    ``ax`` two matplotlib axes (``plt.subplots(2, 1, sharex=True, sharey=True)``);
    ``colour_dict`` ``{"real": colour, "imag": colour}`` (purple and green by default);
    ``show_freqs`` labels the frequency vectors. Returns ``ax``.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from qsym import numpy as np
    >>> sets = [np.array([1.0, 0.5 + a * 1j, 0.5 - a * 1j]) for a in (0.1, 0.2, 0.3)]
    >>> fig, ax = plt.subplots(2, 1, sharex=True, sharey=True)
    >>> violin(sets, 1, ax)
    array([<Axes: ylabel='real'>, <Axes: ylabel='imag'>], dtype=object)
    >>> [t.get_text() for t in ax[1].get_xticklabels()]
    ['-1', ' 0', ' 1']
    >>> plt.close(fig)
    """
    def draw(axis, values, colour):
        for body in axis.violinplot(values, showextrema=False)["bodies"]:
            body.set_color(colour)
            body.set_alpha(0.7)

    return _real_and_imaginary(coeffs, n_inputs, ax, colour_dict, show_freqs, draw)


def _real_and_imaginary(coeffs, n_inputs, ax, colour_dict, show_freqs, draw):
    """:func:`violin`'s and :func:`box`'s frame: the coefficient sets checked, the real parts
    drawn on ``ax[0]`` and the imaginary parts on ``ax[1]`` by ``draw(axis, values, colour)``
    at ``x = 1, 2, ...``, each axis labelled, the frequencies below; ``ax`` returned."""
    coeffs = _validate_coefficients(coeffs, n_inputs, True)
    axes = _axes_pair(ax)
    colour_dict = colour_dict or _PAIR_COLOURS
    labels, data = _extract_data_and_labels(coeffs)
    for part, axis in zip(("real", "imag"), axes):
        draw(axis, data[part], colour_dict[part])
        axis.set_ylabel(part)
        axis.xaxis.set_ticks(_onp.arange(1, len(labels) + 1))
        _adjust_spine_placement(axis)
    _label_frequencies(axes, labels, show_freqs)
    return ax


def box(coeffs, n_inputs, ax, colour_dict=None, show_freqs=True, show_fliers=True):
    """Box plots of many sets of Fourier coefficients: per frequency vector, the spread of
    the real parts (on ``ax[0]``) and of the imaginary parts (on ``ax[1]``), boxes at
    ``x = 1, 2, ...``, as PennyLane's ``qml.fourier.visualize.box``.

    Arguments as :func:`violin`'s; ``show_fliers`` draws the outliers.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from qsym import numpy as np
    >>> sets = [np.array([1.0, 0.5 + a * 1j, 0.5 - a * 1j]) for a in (0.1, 0.2, 0.3)]
    >>> fig, ax = plt.subplots(2, 1, sharex=True, sharey=True)
    >>> ax = box(sets, 1, ax)
    >>> [round(float(m.get_ydata()[0]), 6) for m in ax[1].lines[4::6]]  # the medians
    [-0.2, 0.0, 0.2]
    >>> plt.close(fig)
    """
    def draw(axis, values, colour):
        axis.boxplot(values, showfliers=show_fliers, **_box_style(colour))

    return _real_and_imaginary(coeffs, n_inputs, ax, colour_dict, show_freqs, draw)


def bar(coeffs, n_inputs, ax, colour_dict=None, show_freqs=True):
    """Bar plot of one set of Fourier coefficients: per frequency vector a bar of its real
    part (on ``ax[0]``) and of its imaginary part (on ``ax[1]``), bars at ``x = 0, 1, ...``,
    as PennyLane's ``qml.fourier.visualize.bar``.

    ``coeffs`` is one array of shape ``(2 d_1 + 1, ..., 2 d_N + 1)``; the other arguments
    as :func:`violin`'s.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import qsym as qml
    >>> from qsym import numpy as np
    >>> c = qml.fourier.coefficients(lambda x: 0.4 * np.sin(2 * x[0]), 1, 2)
    >>> fig, ax = plt.subplots(2, 1, sharex=True, sharey=True)
    >>> ax = bar(c, 1, ax)
    >>> [round(float(p.get_height()), 6) + 0.0 for p in ax[1].patches]
    [0.2, 0.0, 0.0, 0.0, -0.2]
    >>> plt.close(fig)
    """
    coeffs = _validate_coefficients(coeffs, n_inputs, False)
    axes = _axes_pair(ax)
    colour_dict = colour_dict or _PAIR_COLOURS
    labels, data = _extract_data_and_labels(coeffs[_onp.newaxis])
    positions = _onp.arange(len(labels))
    for part, axis in zip(("real", "imag"), axes):
        axis.bar(positions, data[part][0], color=colour_dict[part], alpha=0.7)
        axis.set_ylabel(part)
        axis.xaxis.set_ticks(positions)
        _adjust_spine_placement(axis)
    _label_frequencies(axes, labels, show_freqs)
    return ax


def _fft_frequencies(size):
    """The frequencies of an axis of ``size`` coefficients in NumPy's ``fft`` order:
    ``0, 1, ..., d, -d, ..., -1``."""
    return [int(k) for k in _onp.fft.fftfreq(size, 1.0 / size)]


def panel(coeffs, n_inputs, ax, colour=None):
    """Many sets of Fourier coefficients of a function of one or two inputs, each
    coefficient in the complex plane (real part across, imaginary part up) on its own
    subplot, as PennyLane's ``qml.fourier.visualize.panel``.

    ``ax`` is a grid of axes of the shape of one set of coefficients, in NumPy's ``fft``
    order: subplot ``[i]`` (or ``[i, j]``) shows the coefficient ``[i]`` (``[i, j]``),
    titled with its frequency (``0, 1, ..., d, -d, ..., -1``); ``colour`` is the points'
    edge colour (``"tab:blue"``). Returns ``ax``.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from qsym import numpy as np
    >>> sets = [np.array([1.0, 0.5 + 0.25j, 0.5 - 0.25j]), np.array([0.8, 0.1j, -0.1j])]
    >>> fig, ax = plt.subplots(3, 1)
    >>> [a.get_title() for a in panel(sets, 1, ax)]
    ['0', '1', '-1']
    >>> ax[1].collections[0].get_offsets().tolist()
    [[0.5, 0.25], [0.0, 0.1]]
    >>> plt.close(fig)
    """
    if n_inputs not in (1, 2):
        raise SpectrumError(
            "Panel plot function accepts input coefficients for only 1- or 2-dimensional "
            f"functions (got n_inputs={n_inputs}): plot more inputs with violin, box or bar")
    coeffs = _validate_coefficients(coeffs, n_inputs, True)
    grid = _onp.asarray(ax, dtype=object)
    if grid.shape != coeffs.shape[1:]:
        raise SpectrumError(
            "Shape of subplot axes must match the shape of the coefficient data: got axes "
            f"{grid.shape} for coefficients {coeffs.shape[1:]}; make them with "
            f"plt.subplots{coeffs.shape[1:] if n_inputs == 2 else (coeffs.shape[1], 1)}")
    colour = colour or "tab:blue"
    freqs = [_fft_frequencies(size) for size in coeffs.shape[1:]]
    for index in product(*(range(size) for size in coeffs.shape[1:])):
        axis, values = grid[index], coeffs[(slice(None),) + index]
        axis.scatter(_onp.real(values), _onp.imag(values), facecolor="white", edgecolor=colour)
        axis.set_title(", ".join(str(f[i]) for f, i in zip(freqs, index)), fontsize=14)
        axis.grid(True)
        axis.set_aspect("equal")
    return ax


def _radial_angles(n_vectors):
    """The angle of each frequency vector's box (in the order of the plot's data): the
    zero vector (the middle one) at 0, the vector ``k`` places after it at ``-k`` steps of
    ``2 pi / n``."""
    middle = n_vectors // 2
    return 2 * _onp.pi * ((middle - _onp.arange(n_vectors)) % n_vectors) / n_vectors


def _radial_labels(axis, angles, n_inputs):
    """The current theta tick labels of a polar ``axis`` rewritten as grey text turned
    along the radius (left half of the circle: read from outside in), then the tick
    labels removed."""
    for label, angle in zip(axis.get_xticklabels(), angles):
        x, y = label.get_position()
        text = axis.text(x, y, label.get_text(), transform=label.get_transform(),
                         ha=label.get_ha(), va=label.get_va(), fontsize=14, color="grey")
        text.set_rotation(_onp.degrees(angle) + (90 if angle > _onp.pi else 270))
    axis.tick_params(pad=7 * n_inputs)


def radial_box(coeffs, n_inputs, ax, show_freqs=True, colour_dict=None, show_fliers=True):
    """Box plots of many sets of Fourier coefficients around a circle: one box per
    frequency vector, the zero frequency at the top, the real parts on ``ax[0]`` and the
    imaginary parts on ``ax[1]``, as PennyLane's ``qml.fourier.visualize.radial_box``.

    ``ax`` is two polar axes (``plt.subplots(1, 2, subplot_kw={"polar": True})``);
    ``colour_dict`` ``{"real": colour, "imag": colour}`` (red and black by default);
    ``show_freqs`` labels the frequency vectors around the circle, ``show_fliers`` draws
    the outliers. Returns ``ax``.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from qsym import numpy as np
    >>> sets = [np.array([1.0, 0.5 + a * 1j, 0.5 - a * 1j]) for a in (0.1, 0.2, 0.3)]
    >>> fig, ax = plt.subplots(1, 2, subplot_kw={"polar": True})
    >>> ax = radial_box(sets, 1, ax)
    >>> sorted(t.get_text() for t in ax[0].texts)
    [' 0', ' 1', '-1']
    >>> plt.close(fig)
    """
    coeffs = _validate_coefficients(coeffs, n_inputs, True)
    axes = _axes_pair(ax)
    if any(axis.name != "polar" for axis in axes):
        raise SpectrumError("Matplotlib axes for radial_box must be polar: make them with "
                            "plt.subplots(1, 2, subplot_kw={'polar': True})")
    colour_dict = colour_dict or {"real": "red", "imag": "black"}
    labels, data = _extract_data_and_labels(coeffs)
    angles = _radial_angles(len(labels))
    width = _onp.pi / len(labels)  # half the angle between two boxes
    for part, axis in zip(("real", "imag"), axes):
        axis.boxplot(data[part], positions=angles, widths=width, showfliers=show_fliers,
                     **_box_style(colour_dict[part]))
        axis.set_thetagrids(_onp.degrees(angles), labels=labels)
        axis.set_theta_zero_location("N")
        axis.set_rlabel_position(0)
    for axis in axes:
        if show_freqs:
            _radial_labels(axis, angles, n_inputs)
        axis.set_xticklabels([])
    return ax


class _PennyLanePath(types.ModuleType):
    """PennyLane's module path ``qml.fourier.visualize``: the plots above and the checks
    PennyLane's tests import (``_validate_coefficients``). Its names are filled in when
    the first one is read, and ``matplotlib.pyplot`` is imported then if matplotlib is
    installed: ``import pennylane`` loads pyplot, and code written for PennyLane reads
    ``matplotlib.pyplot`` after a bare ``import matplotlib``, while ``import qsym`` should
    not pay for pyplot (over a second) before any plot is asked for."""

    def __getattr__(self, name):
        if name.startswith("__"):  # importlib's and inspect's probes: nothing loaded
            raise AttributeError(name)
        self.load()
        if name not in vars(self):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        return vars(self)[name]

    def __dir__(self):
        self.load()
        return sorted(vars(self))

    def load(self):
        try:
            import matplotlib.pyplot  # noqa: F401
        except ImportError:
            pass  # the plots raise the install hint when they need matplotlib
        names = [n for n in __all__ if n != "visualize"]
        names += ["_validate_coefficients", "_extract_data_and_labels",
                  "_adjust_spine_placement"]
        vars(self).update({n: globals()[n] for n in names})


visualize = _PennyLanePath("qsym.fourier.visualize", __doc__)
visualize.__all__ = [n for n in __all__ if n not in ("format_nvec", "visualize")]
