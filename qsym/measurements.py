"""PennyLane's ``qml.measurements`` names qsym has: :class:`Shots` and :class:`ShotCopies`
(shot counts and shot vectors, :mod:`qsym.shots`)."""

from .shots import ShotCopies, Shots

__all__ = ["ShotCopies", "Shots"]
