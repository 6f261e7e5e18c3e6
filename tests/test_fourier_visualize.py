"""``qml.fourier.visualize`` (qsym/_fourier_plots.py): PennyLane's plots of Fourier
coefficients, checked on the artists they leave on the axes.

The coefficients are those of trigonometric polynomials worked out by hand
(``cos x = (e^{ix} + e^{-ix}) / 2``, ``sin x = (e^{ix} - e^{-ix}) / 2i``), written in NumPy's
FFT order; the expected bar heights, medians, titles and angles are written out here.
"""

from __future__ import annotations

import importlib
import sys

import numpy as onp
import pytest

import qsym as qml
from qsym.errors import ArgumentError, SpectrumError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")

vis = qml.fourier.visualize

# f(x) = 0.5 + cos(x) + 0.4 sin(2x): c_0 = 0.5, c_{+-1} = 0.5, c_2 = -0.2i, c_{-2} = 0.2i,
# in FFT order (0, 1, 2, -2, -1); the plots run -2 ... 2
C1 = onp.array([0.5, 0.5, -0.2j, 0.2j, 0.5])
REAL_1 = [0.0, 0.5, 0.5, 0.5, 0.0]
IMAG_1 = [0.2, 0.0, 0.0, 0.0, -0.2]
LABELS_1 = ["-2", "-1", " 0", " 1", " 2"]


def _coeffs_2d():
    """0.3 + cos(x) sin(2y), degrees (1, 2): c_{(+-1, 2)} = 1/(4i) = -0.25i,
    c_{(+-1, -2)} = 0.25i, c_{(0, 0)} = 0.3; shape (3, 5), FFT order on both axes."""
    c = onp.zeros((3, 5), dtype=complex)
    c[0, 0] = 0.3
    for n1 in (1, -1):
        c[n1, 2] = -0.25j
        c[n1, -2] = 0.25j
    return c


@pytest.fixture
def pair():
    fig, ax = plt.subplots(2, 1, sharex=True, sharey=True)
    yield ax
    plt.close(fig)


@pytest.fixture
def polar_pair():
    fig, ax = plt.subplots(1, 2, subplot_kw={"polar": True})
    yield ax
    plt.close(fig)


def _heights(axis):
    return [float(p.get_height()) for p in axis.patches]


def _labels(axis):
    return [t.get_text() for t in axis.get_xticklabels()]


def test_bar_heights_are_the_real_and_imaginary_parts(pair):
    out = vis.bar(C1, 1, pair, colour_dict={"real": "red", "imag": "blue"})
    assert out is pair
    assert onp.allclose(_heights(pair[0]), REAL_1) and onp.allclose(_heights(pair[1]), IMAG_1)
    assert [p.get_x() + p.get_width() / 2 for p in pair[1].patches] == pytest.approx(range(5))
    assert [a.get_ylabel() for a in pair] == ["real", "imag"]
    assert _labels(pair[1]) == LABELS_1
    assert pair[0].patches[0].get_facecolor()[:3] == (1.0, 0.0, 0.0)
    assert pair[1].patches[0].get_facecolor()[:3] == (0.0, 0.0, 1.0)


def test_bar_of_the_computed_coefficients_of_the_same_polynomial(pair):
    c = qml.fourier.coefficients(lambda x: 0.5 + onp.cos(x[0]) + 0.4 * onp.sin(2 * x[0]), 1, 2)
    vis.bar(c, 1, pair, show_freqs=False)
    assert onp.allclose(_heights(pair[0]), REAL_1) and onp.allclose(_heights(pair[1]), IMAG_1)
    assert not any(t.get_visible() and t.get_text() for t in pair[1].get_xticklabels()
                   if pair[1].xaxis.get_tick_params()["labelbottom"])


def test_bar_of_two_inputs_orders_vectors_last_input_fastest(pair):
    vis.bar(_coeffs_2d(), 2, pair)
    labels = _labels(pair[1])
    assert len(labels) == 15 and labels[0] == "-1 -2" and labels[7] == " 0  0"
    assert labels[14] == " 1  2"
    imag = dict(zip(labels, _heights(pair[1])))
    assert imag == pytest.approx({lab: 0.0 for lab in labels}
                                 | {"-1 -2": 0.25, "-1  2": -0.25, " 1 -2": 0.25,
                                    " 1  2": -0.25})
    real = _heights(pair[0])
    assert real[7] == pytest.approx(0.3) and sum(abs(r) for r in real) == pytest.approx(0.3)


SETS = [onp.array([1.0, 0.5 + a * 1j, 0.5 - a * 1j]) * s
        for a, s in ((0.1, 1.0), (0.2, 2.0), (0.4, 3.0))]
# per vector -1, 0, 1: real parts {0.5, 1, 1.5}, {1, 2, 3}, {0.5, 1, 1.5};
# imaginary parts {-0.1, -0.4, -1.2}, {0, 0, 0}, {0.1, 0.4, 1.2}


def test_violin_draws_one_body_per_frequency_spanning_the_samples(pair):
    out = vis.violin(SETS, 1, pair)
    assert out is pair
    for axis, spans in ((pair[0], [(0.5, 1.5), (1, 3), (0.5, 1.5)]),
                        (pair[1], [(-1.2, -0.1), (0, 0), (0.1, 1.2)])):
        bodies = axis.collections
        assert len(bodies) == 3
        for body, (lo, hi), x in zip(bodies, spans, (1, 2, 3)):
            verts = onp.concatenate([p.vertices for p in body.get_paths()])
            assert verts[:, 1].min() == pytest.approx(lo) and verts[:, 1].max() == pytest.approx(hi)
            assert (verts[:, 0].min() + verts[:, 0].max()) / 2 == pytest.approx(x)
    assert _labels(pair[1]) == ["-1", " 0", " 1"]
    assert [a.get_ylabel() for a in pair] == ["real", "imag"]


def test_violin_takes_a_single_set_as_one_sample(pair):
    vis.violin(C1, 1, pair)
    assert len(pair[0].collections) == 5


def test_box_medians_and_fliers(pair):
    sets = SETS + [onp.array([1.0, 0.5 + 9j, 0.5 - 9j])]  # imaginary parts +-9: outliers
    vis.box(sets, 1, pair, colour_dict={"real": "red", "imag": "blue"})
    assert len(pair[1].patches) == 3  # one box per frequency
    medians = [line for line in pair[1].lines if line.get_color() == "blue"
               and line.get_linewidth() == 1.5]
    assert [float(m.get_ydata()[0]) for m in medians] == pytest.approx([-0.8, 0.0, 0.8])
    fliers = [line for line in pair[1].lines if line.get_marker() not in (None, "None", "")]
    assert sorted(float(v) for f in fliers for v in f.get_ydata()) == [-9.0, 9.0]
    assert pair[1].patches[0].get_facecolor() == pytest.approx((0.0, 0.0, 1.0, 0.4))


def test_box_without_fliers(pair):
    sets = SETS + [onp.array([1.0, 0.5 + 9j, 0.5 - 9j])]
    vis.box(sets, 1, pair, show_fliers=False)
    assert not [v for line in pair[1].lines if line.get_marker() not in (None, "None", "")
                for v in line.get_ydata()]


def test_panel_one_input_titles_and_points():
    fig, ax = plt.subplots(3, 1)
    try:
        out = vis.panel(SETS, 1, ax, colour="red")
        assert out is ax
        assert [a.get_title() for a in ax] == ["0", "1", "-1"]
        assert ax[2].collections[0].get_offsets().filled() == pytest.approx(onp.array(
            [[0.5, -0.1], [1.0, -0.4], [1.5, -1.2]]))
    finally:
        plt.close(fig)


def test_panel_two_inputs_of_different_degrees():
    fig, ax = plt.subplots(3, 5)
    try:
        vis.panel([_coeffs_2d(), 2 * _coeffs_2d()], 2, ax)
        assert ax[0, 0].get_title() == "0, 0" and ax[2, 3].get_title() == "-1, -2"
        assert ax[1, 4].get_title() == "1, -1"
        assert ax[2, 3].collections[0].get_offsets().filled() == pytest.approx(onp.array(
            [[0.0, 0.25], [0.0, 0.5]]))
    finally:
        plt.close(fig)


def test_radial_box_angles_labels_and_orientation(polar_pair):
    out = vis.radial_box(SETS, 1, polar_pair)
    assert out is polar_pair
    step = 2 * onp.pi / 3
    for axis in polar_pair:
        # the median of vector -1, 0, 1 sits at angle 2 pi / 3, 0, 4 pi / 3
        medians = [line for line in axis.lines if line.get_linewidth() == 1.5]
        angles = [float(onp.mean(m.get_xdata())) for m in medians]
        assert angles == pytest.approx([step, 0.0, 2 * step])
        assert sorted(t.get_text() for t in axis.texts) == sorted(["-1", " 0", " 1"])
        assert all(not t.get_text() for t in axis.get_xticklabels())
        assert axis.get_theta_offset() == pytest.approx(onp.pi / 2)  # zero at the top
    medians = [line for line in polar_pair[0].lines if line.get_linewidth() == 1.5]
    assert [float(m.get_ydata()[0]) for m in medians] == pytest.approx([1.0, 2.0, 1.0])


def test_radial_box_without_labels(polar_pair):
    vis.radial_box(SETS, 1, polar_pair, show_freqs=False)
    assert all(not a.texts for a in polar_pair)


# ---- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize("coeffs,n_inputs,can_be_list,shape", [
    (C1, 1, True, (1, 5)),
    (C1, 1, False, (5,)),
    (list(C1), 1, False, (5,)),
    ([C1, C1], 1, True, (2, 5)),
    (_coeffs_2d(), 2, True, (1, 3, 5)),
    (onp.zeros((3, 7, 5)), 3, False, (3, 7, 5)),
])
def test_valid_coefficients_are_stacked(coeffs, n_inputs, can_be_list, shape):
    out = vis._validate_coefficients(coeffs, n_inputs, can_be_list)
    assert out.shape == shape
    assert onp.array_equal(out.reshape(-1), onp.asarray(coeffs).reshape(-1))


def test_coefficients_of_the_wrong_type():
    with pytest.raises(TypeError, match="must be a list of numerical") as info:
        vis._validate_coefficients("A", True)
    assert isinstance(info.value, ArgumentError)


@pytest.mark.parametrize("coeffs,n_inputs,can_be_list,message", [
    (C1[:4], 1, True, "Shape of input coefficients must be 2d_i"),
    (C1, 2, True, "Plotting function expected a list of 2-dimensional inputs"),
    (_coeffs_2d()[:2], 2, False, "Shape of input coefficients must be 2d_i"),
    ([C1, C1[:3]], 1, True, "different shapes"),
])
def test_coefficients_of_the_wrong_shape(coeffs, n_inputs, can_be_list, message):
    with pytest.raises(SpectrumError, match=message):
        vis._validate_coefficients(coeffs, n_inputs, can_be_list)


@pytest.mark.parametrize("func", [vis.violin, vis.box, vis.bar])
def test_two_panel_plots_need_two_axes(func):
    fig, ax = plt.subplots(3, 1)
    try:
        with pytest.raises(ValueError, match="Matplotlib axis should consist of two subplots"):
            func(C1, 1, ax)
    finally:
        plt.close(fig)


def test_radial_box_needs_two_polar_axes(pair):
    with pytest.raises(SpectrumError, match="Matplotlib axes for radial_box must be polar"):
        vis.radial_box(SETS, 1, pair)
    fig, ax = plt.subplots(3, 1, subplot_kw={"polar": True})
    try:
        with pytest.raises(SpectrumError, match="two subplots"):
            vis.radial_box(SETS, 1, ax)
    finally:
        plt.close(fig)


def test_panel_checks_inputs_and_grid():
    fig, ax = plt.subplots(3, 2)
    try:
        with pytest.raises(SpectrumError, match="Panel plot function accepts input"):
            vis.panel(SETS, 3, ax)
        with pytest.raises(SpectrumError, match="Shape of subplot axes must match"):
            vis.panel([_coeffs_2d()], 2, ax)
    finally:
        plt.close(fig)


def test_module_paths_and_missing_matplotlib(monkeypatch, pair):
    module = importlib.import_module("qsym.fourier.visualize")
    assert module is vis and qml.fourier.format_nvec is vis.format_nvec
    from qsym.fourier.visualize import _validate_coefficients, radial_box  # noqa: F401

    monkeypatch.setitem(sys.modules, "matplotlib.colors", None)
    with pytest.raises(ImportError, match=r"pip install 'qsym\[plot\]'"):
        vis.box(SETS, 1, pair)


def test_the_module_path_fills_in_on_first_use(monkeypatch):
    fresh = type(vis)("qsym.fourier.visualize", "PennyLane's path")
    fresh.__all__ = vis.__all__
    assert not hasattr(fresh, "__path__") and not hasattr(fresh, "__file__")
    assert "bar" not in vars(fresh)  # importlib's and inspect's probes load nothing
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # matplotlib missing
    assert fresh.bar is vis.bar and fresh._validate_coefficients is vis._validate_coefficients
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        fresh.nothing  # noqa: B018
    namespace = {}
    exec("from qsym.fourier.visualize import *", namespace)
    assert sorted(n for n in namespace if n != "__builtins__") == [
        "bar", "box", "panel", "radial_box", "violin"]
