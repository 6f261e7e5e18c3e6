"""PennyLane's ``qml.measurements``: the measurement functions, their classes
(``ExpectationMP``, ``VarianceMP``, ``ProbabilityMP``, ``SampleMP``, ``CountsMP``, ``StateMP``,
with ``process_state`` / ``process_samples`` / ``process_counts``), :class:`Shots` and
:class:`ShotCopies` (shot counts and shot vectors, :mod:`qsym._shots`).

>>> import qsym as qml
>>> qml.measurements.Shots([10, 10, 100]).shot_vector
(ShotCopies(shots=10, copies=2), ShotCopies(shots=100, copies=1))
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
from ._shots import ShotCopies, Shots
from ._operations import density_matrix, mutual_info, purity, vn_entropy
from .errors import MeasurementError
from ._mcm import MeasurementValue, MidMeasure, get_mcm_predicates, measure

MidMeasureMP = MidMeasure  # PennyLane's older name of qml.ops.MidMeasure

import sys as _sys
import types as _types

# PennyLane's path of the class: from pennylane.measurements.shots import Shots
_path = _types.ModuleType(__name__ + ".shots", "PennyLane's path of Shots")
_path.Shots, _path.ShotCopies = Shots, ShotCopies
_sys.modules.setdefault(_path.__name__, _path)

__all__ = ["ShotCopies", "Shots", "CountsMP", "ExpectationMP", "MeasurementProcess",
           "ProbabilityMP", "SampleMeasurement", "SampleMP", "StateMeasurement", "StateMP",
           "VarianceMP", "counts", "expval", "probs", "sample", "state", "var",
           "MidMeasureMP", "MeasurementValue", "measure", "get_mcm_predicates"]


class MeasurementTransform(MeasurementProcess):
    """PennyLane's base class of measurements that transform the tape (classical shadows);
    qsym has none of them.

    >>> issubclass(ClassicalShadowMP, MeasurementTransform)
    True
    """


def _refused(name: str, what: str, base=MeasurementProcess) -> type:
    def __init__(self, obs=None, wires=None, seed=None, k=1, **kwargs):
        MeasurementProcess.__init__(self, name, None, wires)
        self.seed, self.k, self.written = seed, k, obs
        self.refusal = (
            f"qml.measurements.{name} ({what}) is not supported by qsym: it simulates pure "
            "states and measures expval, var, probs, sample, counts and the state")

    doc = (f"PennyLane's ``{name}`` ({what}): not supported; one can be made (and "
           f"compared), a circuit returning it raises MeasurementError.\n\n"
           f"    >>> {name}(wires=[0]).refusal.startswith('qml.measurements.{name}')\n"
           "    True\n    ")
    return type(name, (base,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


ClassicalShadowMP = _refused("ClassicalShadowMP", "classical shadows", MeasurementTransform)
ShadowExpvalMP = _refused("ShadowExpvalMP", "expectation values from classical shadows",
                          MeasurementTransform)

__all__ += ["density_matrix", "purity", "vn_entropy", "mutual_info", "MeasurementTransform", "ClassicalShadowMP", "ShadowExpvalMP", "MutualInfoMP",
            "PurityMP", "VnEntropyMP", "DensityMatrixMP"]
