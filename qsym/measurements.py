"""PennyLane's ``qml.measurements``: the measurement functions, their classes
(``ExpectationMP``, ``VarianceMP``, ``ProbabilityMP``, ``SampleMP``, ``CountsMP``, ``StateMP``,
with ``process_state`` / ``process_samples`` / ``process_counts``), :class:`Shots` and
:class:`ShotCopies` (shot counts and shot vectors, :mod:`qsym._shots`).

>>> import qsym as qml
>>> qml.measurements.Shots([10, 10, 100]).shot_vector
(ShotCopies(10 shots x 2), ShotCopies(100 shots x 1))
>>> isinstance(qml.expval(qml.PauliZ(0)), qml.measurements.ExpectationMP)
True
"""

from ._operations import (
    CountsMP,
    DensityMatrixMP,
    ExpectationMP,
    MutualInfoMP,
    PurityMP,
    VnEntropyMP,
    MeasurementProcess,
    ProbabilityMP,
    SampleMeasurement,
    SampleMP,
    StateMeasurement,
    StateMP,
    VarianceMP,
    counts,
    expval,
    probs,
    sample,
    state,
    var,
)
from ._shots import ShotCopies, Shots, add_shots
from ._operations import density_matrix, mutual_info, purity, vn_entropy
from .errors import MeasurementError
from ._mcm import MeasurementValue, MidMeasure, find_post_processed_mcms, get_mcm_predicates, measure

MidMeasureMP = MidMeasure  # PennyLane's older name of qml.ops.MidMeasure

import sys as _sys
import types as _types

# PennyLane's path of the class: from pennylane.measurements.shots import Shots
_path = _types.ModuleType(__name__ + ".shots", "PennyLane's path of Shots")
_path.Shots, _path.ShotCopies, _path.add_shots = Shots, ShotCopies, add_shots
_sys.modules.setdefault(_path.__name__, _path)

__all__ = ["ShotCopies", "Shots", "CountsMP", "ExpectationMP", "MeasurementProcess",
           "ProbabilityMP", "SampleMeasurement", "SampleMP", "StateMeasurement", "StateMP",
           "VarianceMP", "counts", "expval", "probs", "sample", "state", "var",
           "MidMeasureMP", "MeasurementValue", "measure", "get_mcm_predicates", "add_shots",
           "find_post_processed_mcms"]


# classical shadows (qsym._shadows)
from ._shadows import (ClassicalShadowMP, MeasurementShapeError, MeasurementTransform,
                       ShadowExpvalMP, classical_shadow, shadow_expval)

# PennyLane's path of the classes: from pennylane.measurements.classical_shadow import ...
_shadow_path = _types.ModuleType(__name__ + ".classical_shadow", "PennyLane's path of the shadows")
_shadow_path.ClassicalShadowMP, _shadow_path.ShadowExpvalMP = ClassicalShadowMP, ShadowExpvalMP
_shadow_path.classical_shadow, _shadow_path.shadow_expval = classical_shadow, shadow_expval
_sys.modules.setdefault(_shadow_path.__name__, _shadow_path)

__all__ += ["density_matrix", "purity", "vn_entropy", "mutual_info", "MeasurementTransform", "ClassicalShadowMP", "ShadowExpvalMP", "classical_shadow", "shadow_expval", "MeasurementShapeError", "MutualInfoMP",
            "PurityMP", "VnEntropyMP", "DensityMatrixMP"]


# PennyLane's paths of the other measurement modules (from pennylane.measurements.expval
# import ExpectationMP, ...): each module's names, as PennyLane 0.45 places them
_MODULES = {
    "expval": ("ExpectationMP", "expval"),
    "var": ("VarianceMP", "var"),
    "probs": ("ProbabilityMP", "probs"),
    "sample": ("SampleMP", "sample"),
    "counts": ("CountsMP", "counts"),
    "state": ("StateMP", "DensityMatrixMP", "state", "density_matrix"),
    "purity": ("PurityMP", "purity"),
    "vn_entropy": ("VnEntropyMP", "vn_entropy"),
    "mutual_info": ("MutualInfoMP", "mutual_info"),
    "measurements": ("MeasurementProcess", "SampleMeasurement", "StateMeasurement",
                     "MeasurementTransform"),
}
for _name, _names in _MODULES.items():
    _mod = _types.ModuleType(f"{__name__}.{_name}", f"PennyLane's path of {', '.join(_names)}")
    vars(_mod).update({n: globals()[n] for n in _names})
    _sys.modules.setdefault(_mod.__name__, _mod)
del _name, _names, _mod


class NullMeasurement(SampleMeasurement, StateMeasurement):
    """PennyLane's ``qml.measurements.NullMeasurement``: a measurement that returns
    ``np.array(np.nan)`` whatever the state or samples (for profiling without the cost of a
    measurement): a float of shape ``()``. qsym computes it outside circuits only: a
    QNode returning it raises a :class:`~qsym.errors.MeasurementError` (qsym's circuits
    compile their measurements; return ``qml.expval`` of an observable to time a circuit).

    >>> import numpy as np
    >>> mp = NullMeasurement()
    >>> bool(np.isnan(mp.process_state())), mp.shape(), mp.numeric_type
    (True, (), <class 'float'>)
    """

    _kind = "null"
    _shortname = "null"
    numeric_type = float
    refusal = ("qml.measurements.NullMeasurement is not supported in qsym's circuits (only its "
               "process_* methods are): return a measurement such as qml.expval(qml.Z(0))")

    def __init__(self, *args, **kwargs):
        MeasurementProcess.__init__(self, "null", None, None)

    @classmethod
    def _abstract_eval(cls, *_, **__):
        """PennyLane's abstract evaluation: shape ``()``, type float."""
        return (), float

    def shape(self, *_, **__):
        """The shape of the result: ``()``."""
        return ()

    def process_density_matrix(self, *_, **__):
        """``np.array(np.nan)``."""
        return _np.array(_np.nan)

    def process_samples(self, *_, **__):
        """``np.array(np.nan)``."""
        return _np.array(_np.nan)

    def process_counts(self, *_, **__):
        """``np.array(np.nan)``."""
        return _np.array(_np.nan)

    def process_state(self, *_, **__):
        """``np.array(np.nan)``."""
        return _np.array(_np.nan)


import numpy as _np  # noqa: E402

# PennyLane's path: from pennylane.measurements.null_measurement import NullMeasurement
_null_path = _types.ModuleType(__name__ + ".null_measurement", "PennyLane's path of NullMeasurement")
_null_path.NullMeasurement = NullMeasurement
_sys.modules.setdefault(_null_path.__name__, _null_path)
__all__ += ["NullMeasurement"]
