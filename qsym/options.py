"""A QNode's options: PennyLane's keywords checked, and the derivative method they ask for.

:func:`resolve` turns the keywords of :class:`qsym.runtime.QNode` into :class:`Options`:
each PennyLane option is accepted where it means something for qsym (or changes nothing
it computes: docs/pennylane.md) and refused with a reason otherwise, and ``method`` is
the method that runs (``"parameter-shift"``, ``"adjoint"`` or ``"finite-diff"``).

>>> resolve(diff_method="best").method
'adjoint'
>>> resolve(diff_method="best", shifts={"RX": 0.5}).method
'parameter-shift'
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import rules
from .errors import ArgumentError, DifferentiationError
from .gates import gate_def
from .shapes import DEFAULT_STEPS, STENCILS

DIFF_METHODS = ("parameter-shift", "adjoint", "finite-diff", "best", "backprop")
INTERFACES = ("auto", "autograd", "numpy", None)
UNSUPPORTED_INTERFACES = ("jax", "jax-jit", "jax-python", "JAX", "torch", "pytorch", "tf",
                           "tensorflow", "tf-autograph", "tensorflow-autograph")
ALL_INTERFACES = frozenset(i for i in INTERFACES + UNSUPPORTED_INTERFACES if i)


def check_interface(interface):
    """PennyLane's ``interface=``: qsym's QNodes take and return NumPy (autograd) values."""
    if interface in INTERFACES:
        return "auto" if interface is None else interface
    if interface in UNSUPPORTED_INTERFACES:
        raise ArgumentError(
            f"interface={interface!r} is not supported: qsym has no bridge to JAX, PyTorch or "
            "TensorFlow; use interface='auto' (NumPy/autograd values, qml.grad) or drop it"
        )
    raise ArgumentError(
        f"unknown interface {interface!r}; qsym accepts {', '.join(map(repr, INTERFACES))} "
        "(PennyLane's 'jax', 'torch' and 'tf' are known but not supported)"
    )


GRADIENT_KWARGS = ("h", "approx_order", "shifts")


def check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp, gradient_kwargs,
                   postselect_mode, mcm_method, executor_backend, autograph) -> dict:
    """PennyLane's QNode options: each is accepted where it means something for qsym (or
    changes nothing it computes: docs/pennylane.md), refused with a reason otherwise."""
    if grad_on_execution not in ("best", True, False):
        raise ArgumentError(f"grad_on_execution must be 'best', True or False, got {grad_on_execution!r}")
    if not (cache in ("auto", True, False, None) or hasattr(cache, "__getitem__")):
        raise ArgumentError(f"cache must be 'auto', True, False, None or a dict, got {cache!r}")
    if isinstance(cachesize, bool) or not isinstance(cachesize, numbers.Integral) or cachesize < 0:
        raise ArgumentError(f"cachesize must be a non-negative int, got {cachesize!r}")
    if isinstance(max_diff, bool) or not isinstance(max_diff, numbers.Integral) or max_diff < 1:
        raise ArgumentError(f"max_diff must be a positive int, got {max_diff!r}")
    if max_diff > 2:
        raise DifferentiationError(
            f"max_diff={max_diff}: qsym computes first and second derivatives (qml.hessian) "
            "exactly, not third or higher; use max_diff=1 or 2"
        )
    if device_vjp not in (True, False, None):
        raise ArgumentError(f"device_vjp must be True or False, got {device_vjp!r}")
    if postselect_mode is not None or mcm_method is not None:
        raise ArgumentError(
            "postselect_mode and mcm_method configure mid-circuit measurements "
            "(qml.measure), which qsym does not support; drop them"
        )
    if executor_backend is not None:
        raise ArgumentError("executor_backend is not supported: qsym runs circuits in-process")
    if autograph not in (True, False):
        raise ArgumentError(f"autograph must be True or False, got {autograph!r}")
    if gradient_kwargs is None:
        return {}
    if not isinstance(gradient_kwargs, dict):
        raise ArgumentError(f"gradient_kwargs must be a dict, got {type(gradient_kwargs).__name__}")
    bad = sorted(k for k in gradient_kwargs if k not in GRADIENT_KWARGS)
    if bad:
        raise ArgumentError(
            f"unsupported gradient_kwargs {bad}; qsym understands {', '.join(GRADIENT_KWARGS)} "
            "(finite-difference step and order, custom shifts)"
        )
    return dict(gradient_kwargs)

@dataclass(frozen=True)
class Options:
    """A QNode's checked options (see :class:`qsym.runtime.QNode` for their meaning)."""

    diff_method: str | None  # as given (after PennyLane's aliases)
    method: str  # what runs: "parameter-shift", "adjoint" or "finite-diff"
    interface: str
    h: float
    approx_order: int
    shifts: dict
    gradient_kwargs: dict
    max_diff: int
    grad_on_execution: Any
    cache: Any
    device_vjp: Any


def resolve(diff_method="parameter-shift", h=None, approx_order=4, interface="auto",
            shifts=None, *, grad_on_execution="best", cache="auto", cachesize=10000,
            max_diff=1, device_vjp=False, gradient_kwargs=None, postselect_mode=None,
            mcm_method=None, executor_backend=None, autograph=True) -> Options:
    """Check a QNode's keywords; the :class:`Options` they give."""
    if isinstance(diff_method, str) and diff_method in ALL_INTERFACES:
        # PennyLane's third positional argument is the interface
        interface, diff_method = diff_method, "parameter-shift"
    if diff_method == "device":  # PennyLane: the device's own method (lightning: adjoint)
        diff_method = "adjoint"
    if diff_method not in DIFF_METHODS and diff_method is not None:
        raise DifferentiationError(
            f"unknown diff_method {diff_method!r}; qsym supports {', '.join(DIFF_METHODS)}"
        )
    interface = check_interface(interface)
    gkw = check_pennylane_options(grad_on_execution, cache, cachesize, max_diff, device_vjp,
                                  gradient_kwargs, postselect_mode, mcm_method,
                                  executor_backend, autograph)
    if "h" in gkw:
        if h is not None:
            raise ArgumentError("give h= or gradient_kwargs={'h': ...}, not both")
        h = gkw["h"]
    approx_order = gkw.get("approx_order", approx_order)
    if "shifts" in gkw:
        if shifts is not None:
            raise ArgumentError("give shifts= or gradient_kwargs={'shifts': ...}, not both")
        shifts = gkw["shifts"]
    if approx_order not in STENCILS:
        raise DifferentiationError(
            f"approx_order must be 1 (forward), 2 or 4 (central), got {approx_order!r}"
        )
    step = DEFAULT_STEPS[int(approx_order)] if h is None else float(h)
    if not (np.isfinite(step) and step > 0):
        raise DifferentiationError(f"the finite-difference step h must be > 0, got {h!r}")
    shifts = check_shifts(shifts)
    return Options(diff_method, method_of(diff_method, shifts), interface, step,
                   int(approx_order), shifts, dict(gkw), max_diff, grad_on_execution, cache,
                   device_vjp)


def method_of(diff_method, shifts) -> str:
    """The method that runs for ``diff_method``. "best": the fastest exact method on a
    simulator; the adjoint method costs about three sweeps over the gates whatever the
    number of parameters, parameter shift two circuits per parameter; custom shifts ask
    for parameter shift. "backprop": the exact derivative of the simulation, which is what
    the adjoint method computes (without storing every intermediate state). None: a QNode
    that is evaluated, never differentiated (PennyLane)."""
    if diff_method == "best":
        return "parameter-shift" if shifts else "adjoint"
    if diff_method == "backprop":
        return "adjoint"
    if diff_method is None:
        return "parameter-shift"
    return diff_method


def check_shifts(shifts) -> dict:
    """Validate ``shifts={gate: shifts}``; rules of fixed-wire gates are derived (and
    proved) now, so that bad shifts fail when the QNode is made, not at its first call."""
    if shifts is None:
        return {}
    if not isinstance(shifts, dict):
        raise DifferentiationError(
            "shifts must be a dict {gate name: shifts}, e.g. shifts={'RX': np.pi / 4}"
        )
    for name, spec in shifts.items():
        row = gate_def(name)
        if row.num_params == 0:
            raise DifferentiationError(f"{name} has no parameters to shift")
        per_param = spec if isinstance(spec, dict) else {p: spec for p in range(row.num_params)}
        for pos, value in per_param.items():
            if not isinstance(pos, int) or not 0 <= pos < row.num_params:
                raise DifferentiationError(f"{name} has no parameter {pos!r}")
            if row.num_wires:  # fixed gate: derive and prove now
                rules.rule_for_gate(name, pos, shifts=value)
    return dict(shifts)
