"""PennyLane's ``qml.typing``: the type names programs annotate transforms and results with
(``from pennylane.typing import PostprocessingFn``).

``TensorLike`` is the union of the types of tensor-like data (numbers, lists, tuples, NumPy
arrays and scalars, autograd's boxes; ``qsym.numpy`` tensors are NumPy arrays), usable in
``isinstance`` and ``issubclass``; PennyLane's union also holds JAX, PyTorch and TensorFlow
tensors, which qsym does not support (docs/pennylane.md, "Not supported"). ``Result`` is a
type variable of one execution's result, ``ResultBatch`` a sequence of them,
``PostprocessingFn`` a function of a ``ResultBatch`` to a ``Result`` (what a transform
returns beside its tapes) and ``BatchPostprocessingFn`` one of a ``ResultBatch`` to a
``ResultBatch``.

>>> import qsym as qml
>>> from qsym.typing import PostprocessingFn, TensorLike
>>> isinstance(4, TensorLike), isinstance([2, 6, 8], TensorLike), issubclass(list, TensorLike)
(True, True, True)
>>> isinstance(qml.numpy.array(0.5), TensorLike), isinstance("ab", TensorLike)
(True, False)
>>> from qsym.tape import QuantumScript
>>> def double(tape: QuantumScript) -> tuple[list[QuantumScript], PostprocessingFn]:
...     return [tape, tape], lambda results: results[0] + results[1]
"""

from collections.abc import Callable, Sequence
from typing import Optional, TypeVar, Union

import numpy as np
from autograd.numpy.numpy_boxes import ArrayBox

__all__ = ["TensorLike", "Result", "ResultBatch", "PostprocessingFn", "BatchPostprocessingFn",
           "JSON"]

TensorLike = Union[int, float, bool, complex, bytes, list, tuple, np.ndarray, np.generic, ArrayBox]

Result = TypeVar("Result", dict, tuple, TensorLike)
Result.__doc__ = """The type of one execution's result (PennyLane's ``qml.typing.Result``): a
type variable of ``dict`` (counts), ``tuple`` (several measurements) or ``TensorLike``.

>>> from qsym.typing import Result
>>> Result.__constraints__[:2]
(<class 'dict'>, <class 'tuple'>)
"""

ResultBatch = Sequence[Result]

PostprocessingFn = Callable[[ResultBatch], Result]

BatchPostprocessingFn = Callable[[ResultBatch], ResultBatch]

JSON = Optional[Union[int, str, bool, list["JSON"], dict[str, "JSON"]]]
