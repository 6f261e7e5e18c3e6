"""PennyLane's ``qml.for_loop`` and ``qml.while_loop`` without Catalyst: the loop run by
Python, as PennyLane runs it when no ``qml.qjit`` compiler is active (qsym traces the
circuit function, so the loop's gates are recorded as a Python loop's would be)."""

from __future__ import annotations


class ForLoopCallable:
    """The loop :func:`for_loop` makes of ``body_fn``: called with the initial state (the
    loop-carried values), it calls ``body_fn(i, *state)`` for ``i`` in
    ``range(start, stop, step)`` and returns the last state."""

    def __init__(self, start, stop, step, body_fn):
        self.start, self.stop, self.step, self.body_fn = start, stop, step, body_fn

    def __call__(self, *init_state):
        args = init_state
        result = args if len(args) > 1 else args[0] if len(args) == 1 else None
        for i in range(self.start, self.stop, self.step):
            result = self.body_fn(i, *args)
            args = result if len(args) > 1 else (result,) if len(args) == 1 else ()
            if not args and result:
                raise ValueError(
                    "The for_loop function should not return anything if it only accepts the "
                    f"loop index. Got output {result} even though the function accepted no "
                    "additional inputs.")
        return result


class WhileLoopCallable:
    """The loop :func:`while_loop` makes of ``body_fn``: called with the initial state, it
    calls ``body_fn(*state)`` while ``cond_fn(*state)`` is true and returns the last state."""

    def __init__(self, cond_fn, body_fn):
        self.cond_fn, self.body_fn = cond_fn, body_fn

    def __call__(self, *init_state):
        args = init_state
        result = args if len(args) > 1 else args[0] if len(args) == 1 else None
        while self.cond_fn(*args):
            result = self.body_fn(*args)
            args = result if len(args) > 1 else (result,) if len(args) == 1 else ()
        return result


def for_loop(start, stop=None, step=1, *, allow_array_resizing="auto"):
    """PennyLane's ``qml.for_loop([start, ]stop[, step])`` decorator, run by Python (as
    PennyLane's without ``qml.qjit``): the decorated ``body_fn(i, *state)`` returns the
    next state (nothing when it takes only ``i``: a ``ValueError`` otherwise), and the
    result, called with the initial state, returns the final one.
    ``allow_array_resizing`` is Catalyst's and has no effect.

    >>> @for_loop(1, 4)
    ... def total(i, s):
    ...     return s + i
    >>> total(0)
    6
    >>> for_loop(3)(lambda i, acc: acc + [i])([])
    [0, 1, 2]
    """
    if stop is None:
        start, stop = 0, start

    def decorator(body_fn):
        return ForLoopCallable(start, stop, step, body_fn)

    return decorator


def while_loop(cond_fn, allow_array_resizing="auto"):
    """PennyLane's ``qml.while_loop(cond_fn)`` decorator, run by Python (as PennyLane's
    without ``qml.qjit``): the decorated ``body_fn(*state)`` returns the next state while
    ``cond_fn(*state)`` holds; called with the initial state, the loop returns the final
    one. ``allow_array_resizing`` is Catalyst's and has no effect.

    >>> @while_loop(lambda i, x: i < 3)
    ... def doubled(i, x):
    ...     return i + 1, 2 * x
    >>> doubled(0, 1.5)
    (3, 12.0)
    """

    def decorator(body_fn):
        return WhileLoopCallable(cond_fn, body_fn)

    return decorator
