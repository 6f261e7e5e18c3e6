"""qsym: a compiler for gradients of parameterized quantum circuits.

Write circuits as in PennyLane; qsym traces them once into exact symbolic gate
expressions, takes each gate's parameter-shift rule from a proved rule table, and emits
numba-compiled statevector code for the value and the gradient.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=1)
>>> @qml.qnode(dev)
... def circuit(params):
...     qml.RX(params[0], wires=0)
...     qml.RY(params[1], wires=0)
...     return qml.expval(qml.PauliZ(0))
>>> qml.grad(circuit, argnum=0)([0.54, 0.12])
array([-0.51043865, -0.1026782 ])

Pipeline, one module per stage: :mod:`qsym.trace` -> :mod:`qsym.ir` -> :mod:`qsym.rules`
(with the gate table :mod:`qsym.gates`) -> :mod:`qsym.plan` -> :mod:`qsym.emit` (kernels in
:mod:`qsym.kernels`, disk cache in :mod:`qsym.cache`) -> :mod:`qsym.runtime`; plus
:mod:`qsym.symbolic` for exact results and checks.
"""

__version__ = "0.1.0"

from . import errors, gates, numpy, rules  # noqa: E402
from .errors import (  # noqa: E402
    ArgumentError,
    DeviceError,
    DifferentiationError,
    GateError,
    MeasurementError,
    QsymError,
    RuleError,
    TracingError,
    WireError,
)
from .operations import (  # noqa: E402
    GATE_CLASSES,
    Hamiltonian,
    Hermitian,
    LinearCombination,
    Projector,
    MeasurementProcess,
    Observable,
    Operation,
    define_gate,
    expval,
    probs,
    sample,
    counts,
    state,
    undefine_gate,
    var,
)
from .runtime import QNode, Tracker, device, grad, hessian, jacobian, qnode  # noqa: E402
from .drawing import draw, matrix, specs  # noqa: E402
from .symbolic import check, expectation, gradient  # noqa: E402
from .aot import CompiledCircuit, ExportError, compile, load  # noqa: E402
from .optimize import (  # noqa: E402
    AdagradOptimizer,
    AdamOptimizer,
    GradientDescentOptimizer,
    MomentumOptimizer,
    NesterovMomentumOptimizer,
    RMSPropOptimizer,
)
from .minimize import OptimizeResult, minimize  # noqa: E402
from .natural_gradient import QNGOptimizer, adjoint_metric_tensor, metric_tensor  # noqa: E402

globals().update(GATE_CLASSES)  # one class per gate-table row: qml.RX, qml.CNOT, ...

from . import cache as _cache, kernels as _kernels  # noqa: E402

# the kernel library's numba cache files get the same integrity checks as generated
# modules' (before any kernel runs, i.e. before numba first reads them)
_cache._guard_numba_caches(_kernels)

__all__ = [
    "QNode",
    "Tracker",
    "qnode",
    "device",
    "grad",
    "hessian",
    "jacobian",
    "expval",
    "var",
    "probs",
    "sample",
    "counts",
    "state",
    "Hamiltonian",
    "Hermitian",
    "Projector",
    "define_gate",
    "undefine_gate",
    "rules",
    "LinearCombination",
    "Observable",
    "Operation",
    "MeasurementProcess",
    "compile",
    "GradientDescentOptimizer",
    "MomentumOptimizer",
    "NesterovMomentumOptimizer",
    "AdagradOptimizer",
    "RMSPropOptimizer",
    "AdamOptimizer",
    "minimize",
    "OptimizeResult",
    "load",
    "CompiledCircuit",
    "ExportError",
    "draw",
    "specs",
    "matrix",
    "check",
    "expectation",
    "gradient",
    "numpy",
    "gates",
    "errors",
    "QsymError",
    "TracingError",
    "GateError",
    "WireError",
    "MeasurementError",
    "ArgumentError",
    "DeviceError",
    "DifferentiationError",
    "RuleError",
    *GATE_CLASSES,
]
