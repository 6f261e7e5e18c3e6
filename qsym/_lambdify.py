"""NumPy functions of sympy expressions: ``sympy.lambdify`` given NumPy's module object.

``sympy.lambdify(..., modules="numpy")`` fills its NumPy namespace once per process by
running ``from numpy import *``. Under NumPy 2 that star import also loads every submodule
NumPy otherwise loads lazily (``numpy.f2py``, ``numpy.testing``, ``numpy.ma``, ...): 0.3 s
on a quiet run of this 2-core machine, 0.7 s under load, spent on the first answer of any
circuit with a gate of constant angle, which is the first thing in a process to lambdify.

Given NumPy's module object instead of its name, lambdify picks the same printer (its
``_module_present`` recognises the module by ``__name__``: ``NumPyPrinter``, the same
options), prints the same code, and resolves the printed names in NumPy's own namespace;
a name the printer needs that is not there is imported by lambdify's ``module_imports``
lines, as before. The same functions run: the same bits
(``tests/test_lambdify.py`` compares every gate of the table with the string form).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

__all__ = ["lambdify"]


def lambdify(args, expr, extra: tuple = (), **kwargs):
    """``sympy.lambdify(args, expr, modules=[*extra, numpy], **kwargs)`` with NumPy's
    module object (see the module's docstring) and the name ``numpy`` bound to it;
    ``extra`` namespaces (dicts or modules, e.g. ``autograd.numpy``) take precedence over
    NumPy's names, as in sympy.

    >>> import sympy as sp
    >>> x = sp.Symbol("x", real=True)
    >>> f = lambdify([x], sp.Matrix([[sp.cos(x), -sp.I * sp.sin(x)]]))
    >>> f(0.0)
    array([[1.+0.j, 0.-0.j]])
    """
    return sp.lambdify(args, expr, modules=[*extra, _NUMPY_NAME, np], **kwargs)


# the string form's namespace also binds the name ``numpy`` (its ``import numpy``): code
# printed with a module prefix (``numpy.select``, a printer of one's own) finds it
_NUMPY_NAME = {"numpy": np}
