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
    ExpectationMP,
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
from . import _shots

import sys as _sys

# PennyLane's path of the class: from pennylane.measurements.shots import Shots
_sys.modules.setdefault(__name__ + ".shots", _shots)

__all__ = ["ShotCopies", "Shots", "CountsMP", "ExpectationMP", "MeasurementProcess",
           "ProbabilityMP", "SampleMeasurement", "SampleMP", "StateMeasurement", "StateMP",
           "VarianceMP", "counts", "expval", "probs", "sample", "state", "var"]
