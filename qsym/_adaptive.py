"""PennyLane's ``qml.AdaptiveOptimizer`` (``qml.optimize.AdaptiveOptimizer``): grows a
circuit one gate at a time (ADAPT-VQE, Grimsley et al. 2019), with PennyLane 0.45's rule.

A step evaluates the circuit, appends every gate of the operator pool (each at its own
first parameter) and takes the gradient of the cost with respect to their parameters; the
gate of the largest ``|gradient|`` (the first one on a tie, as ``argmax``) is kept, its
parameter optimized from 0 (``params_zero=True``) by ``param_steps`` steps of gradient
descent with ``stepsize``, and the step returns a new QNode that applies the circuit and
then the kept gate at its optimized parameter, the cost *before* the step and the largest
``|gradient|``. ``drain_pool=True`` first leaves out the pool gates whose name and wires
are those of a gate already in the circuit.

>>> import qsym as qml
>>> from qsym import numpy as np
>>> dev = qml.device("default.qubit", wires=2)
>>> @qml.qnode(dev)
... def circuit():
...     qml.PauliX(0)
...     return qml.expval(qml.Z(0) + 0.5 * qml.X(0) @ qml.X(1) + 0.5 * qml.Y(0) @ qml.Y(1))
>>> opt = qml.AdaptiveOptimizer(param_steps=20)
>>> pool = [qml.RY(0.0, wires=1), qml.SingleExcitation(0.0, wires=[0, 1])]
>>> circuit, energy, gradient = opt.step_and_cost(circuit, pool)
>>> round(float(energy), 6), round(float(gradient), 6)
(-1.0, 1.0)
>>> print(qml.draw(circuit, decimals=None)())
0: ──X─╭G─┤ ╭<𝓗>
1: ────╰G─┤ ╰<𝓗>
"""

from __future__ import annotations

import functools
import numbers

import numpy as onp

from . import numpy as qnp
from ._runtime import QNode, grad
from ._transform import detached, transform
from .errors import ArgumentError
from .optimize import GradientDescentOptimizer
from .workflow import construct_tape

__all__ = ["AdaptiveOptimizer", "append_gate"]


def _grown(func, gates, values=None):
    """The quantum function ``func`` followed by ``gates``, each at the parameter
    ``params[i]`` (a function of ``params``), or at ``values[i]`` (a function of no
    argument): its other parameters, wires and hyperparameters kept (PennyLane's
    ``append_gate`` transform of the quantum function)."""
    def apply(params):
        for p, g in zip(params, gates):
            g.remake([p, *list(g.parameters)[1:]])

    if values is not None:
        @functools.wraps(func)
        def fixed():
            out = func()
            apply(values)
            return out
        return fixed

    @functools.wraps(func)
    def trial(params):
        out = func()
        apply(params)
        return out
    return trial


def _first_result(results):
    """The one tape's result (``append_gate`` makes one tape)."""
    return results[0]


@transform
def append_gate(tape, params, gates):
    """PennyLane's ``qml.optimize.adaptive.append_gate`` transform: the circuit followed by
    copies of ``gates``, the ``i``-th at the first parameter ``params[i]`` (its other
    parameters, wires and hyperparameters kept). On a quantum function it returns the
    grown function; on a tape ``([new_tape], fn)`` with ``fn`` the lone result.

    >>> import qsym as qml
    >>> def prep():
    ...     qml.PauliX(0)
    ...     return qml.expval(qml.Z(0))
    >>> grown = append_gate(prep, [0.5], [qml.RY(0.0, wires=0)])
    >>> tape = qml.workflow.construct_tape(qml.QNode(grown, qml.device("default.qubit")))()
    >>> tape.operations
    [X(0), RY(0.5, wires=[0])]
    """
    if len(params) != len(gates):
        raise ArgumentError(f"append_gate: {len(params)} parameters for {len(gates)} gates; "
                            "give one (first) parameter per gate")
    with detached():
        new = [g.remake([p, *list(g.parameters)[1:]]) for p, g in zip(params, gates)]
    return [tape.copy(operations=[*tape.operations, *new])], _first_result


def _check_pool(operator_pool) -> list:
    """The pool as a list of gates that have a first parameter and can be remade; anything
    else refused by name (PennyLane fails inside the step)."""
    pool = list(operator_pool)
    for g in pool:
        if not hasattr(g, "remake") or not list(getattr(g, "parameters", ())):
            raise ArgumentError(
                "AdaptiveOptimizer: every gate of operator_pool needs a parameter (its first "
                f"one is optimized), got {g!r}; pass gates such as qml.SingleExcitation(0.0, "
                "wires=[0, 2])")
    return pool


class AdaptiveOptimizer:
    """PennyLane's ``qml.AdaptiveOptimizer(param_steps=10, stepsize=0.5)``: the steps of
    gradient descent that optimize each new gate's parameter, and their step size.

    >>> import qsym as qml
    >>> @qml.qnode(qml.device("default.qubit", wires=1))
    ... def circuit():
    ...     qml.Hadamard(0)
    ...     return qml.expval(qml.Z(0))
    >>> grown, cost, gradient = qml.AdaptiveOptimizer(param_steps=30).step_and_cost(
    ...     circuit, [qml.RX(0.0, wires=0), qml.RY(0.0, wires=0)])
    >>> round(float(cost), 6), round(float(gradient), 6), round(float(grown()), 6)
    (0.0, 1.0, -1.0)
    """

    def __init__(self, param_steps: int = 10, stepsize: float = 0.5):
        if not isinstance(param_steps, numbers.Integral) or isinstance(param_steps, bool) \
                or param_steps < 0:
            raise ArgumentError("AdaptiveOptimizer: param_steps must be an int >= 0, got "
                                f"{param_steps!r}")
        if not isinstance(stepsize, numbers.Real) or not onp.isfinite(stepsize):
            raise ArgumentError(f"AdaptiveOptimizer: stepsize must be a finite number, got "
                                f"{stepsize!r}")
        self.param_steps = param_steps
        self.stepsize = stepsize

    @staticmethod
    def _circuit(params, gates, initial_circuit):
        """PennyLane's private circuit function of the optimizer: the quantum function
        ``initial_circuit`` followed by ``gates`` at ``params`` (``append_gate``), run."""
        return append_gate(initial_circuit, params, gates)()

    def step(self, circuit, operator_pool, params_zero: bool = True):
        """The circuit grown by one gate (``step_and_cost``'s first result)."""
        return self.step_and_cost(circuit, operator_pool, params_zero=params_zero)[0]

    def step_and_cost(self, circuit, operator_pool, drain_pool: bool = False,
                      params_zero: bool = True):
        """``(new_circuit, cost, largest_gradient)``: the circuit grown by the pool gate of
        the largest gradient (its parameter optimized), the cost of ``circuit`` before the
        step, and that gradient's absolute value."""
        if not isinstance(circuit, QNode):
            raise ArgumentError("AdaptiveOptimizer: circuit must be a QNode of no argument "
                                f"returning the cost, got {type(circuit).__name__}")
        pool = _check_pool(operator_pool)
        cost = circuit()
        if drain_pool:
            ops = construct_tape(circuit)().operations
            pool = [g for g in pool
                    if all(g.name != op.name or g.wires != op.wires for op in ops)]
        if not pool:
            raise ArgumentError("AdaptiveOptimizer: the operator pool is empty (with "
                                "drain_pool=True, every gate of it is in the circuit already)")
        params = qnp.array([g.parameters[0] for g in pool], requires_grad=True)
        grads = onp.asarray(grad(circuit.update(func=_grown(circuit.func, pool)))(params))
        selected = [pool[int(onp.argmax(abs(grads)))]]
        if params_zero:
            params = qnp.zeros(len(selected))
        else:
            params = qnp.array([g.parameters[0] for g in selected], requires_grad=True)
        node = circuit.update(func=_grown(circuit.func, selected))
        optimizer = GradientDescentOptimizer(stepsize=self.stepsize)
        for _ in range(self.param_steps):
            params, _ = optimizer.step_and_cost(node, params)
        grown = circuit.update(func=_grown(circuit.func, selected, values=params))
        return grown, cost, max(abs(grads))
