"""PennyLane's ``qml.measurements`` names qsym has: :class:`Shots` and :class:`ShotCopies`
(shot counts and shot vectors, :mod:`qsym._shots`).

>>> import qsym as qml
>>> qml.measurements.Shots([10, 10, 100]).shot_vector
(ShotCopies(shots=10, copies=2), ShotCopies(shots=100, copies=1))"""

from ._shots import ShotCopies, Shots

__all__ = ["ShotCopies", "Shots"]
