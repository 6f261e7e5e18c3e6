r"""The Python values a circuit function reads besides its arguments, checked at every call.

qsym traces a circuit function once per signature and runs the compiled program at every
later call, so whatever the function read from outside its arguments was read once. A
module-level variable (``SCALE = 2.0``, a flag, a list or array of angles), a variable of
an enclosing function (a closure) or a mutable default argument that changes after the
first call would leave the compiled program answering for the old value, where PennyLane
runs the function again and sees the new one: a silent wrong number.

:func:`make` looks at the circuit function's code (and the code of the plain Python
functions it names, a few levels deep) for the module-level names it loads, its closure
cells and its default arguments, and snapshots their values after the build; the guard it
returns is run at every call of the signature (:meth:`qsym._runtime.QNode.compiled`,
grad's short path). Numbers, strings, ``None``, NumPy scalars and arrays, and lists,
tuples, dicts and sets of them are compared by value (an array mutated in place counts);
a gate by identity and its parameters by value, with the arrays it holds as given (a
broadcast parameter's array changed in place, ``op.data = ...``: both count); other
objects (a template, a Hamiltonian) and containers of more than 100 000 elements by
identity (assigning a new one counts, changing one in place does not). A function of
the user's that the circuit function calls by name is followed, and watched by identity
(a helper defined again counts); modules, classes and other functions are not watched, but
attributes the code reads by name from the user's modules and classes are, like
module-level names (``config.scale``, ``Model.depth``; those of the standard library,
qsym, NumPy, sympy and autograd are constants: not watched). A changed value makes the
signature trace and compile again, as PennyLane would run the function again.

Not seen: attributes of objects (``self.depth``, ``model.depth`` of an instance),
functions reached other than by name from the circuit function (methods, functions in
containers), and values read through ``globals()``/``eval``. Pass such values as
arguments: data arguments never recompile.

>>> user = {"SCALE": 1.0}   # a user's module: SCALE = 1.0, and f reading it
>>> exec("def f(x):\n    return SCALE * x", user)
>>> guard = make(user["f"])
>>> guard.names, guard()
(('SCALE',), True)
>>> user["SCALE"] = 2.0
>>> guard(), guard.changed()
(False, ('SCALE',))
>>> make(len) is None   # nothing outside its arguments to watch
True
"""

from __future__ import annotations

import dis
import functools
import numbers
import sys
import types

import numpy as np

_DEPTH = 4  # levels of plain Python functions followed from the circuit function
_MAX_ITEMS = 100_000  # elements of a container snapshot by value (larger: by identity)
_MISSING = object()
_LOADS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_ATTRS = frozenset({"LOAD_ATTR", "LOAD_METHOD"})
_LIBRARIES = frozenset({"qsym", "numpy", "sympy", "autograd", "scipy", "pennylane", "networkx"})
_MUTABLE = (list, dict, set, np.ndarray)


class _Identity:
    """A snapshot of an object compared by identity (not by value)."""

    __slots__ = ("obj",)

    def __init__(self, obj):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, _Identity) and other.obj is self.obj

    def __hash__(self):
        return id(self.obj)


def _skipped(value) -> bool:
    """Not a value a circuit reads: modules, classes, functions, QNodes and devices."""
    from .devices import Device

    return (callable(value) and not isinstance(value, np.ndarray)) or isinstance(
        value, (types.ModuleType, type, Device))


def freeze(value, _budget=None):
    """A snapshot of ``value`` that compares equal to the snapshot of an equal value:
    numbers (NaN equal to NaN), strings, NumPy scalars and arrays by value, lists, tuples,
    dicts and sets element by element, anything else by identity.

    >>> freeze([1.0, float("nan")]) == freeze([1.0, float("nan")])
    True
    >>> freeze(np.zeros(2)) == freeze(np.ones(2))
    False
    """
    if _budget is None:
        _budget = [_MAX_ITEMS]
    if value is None or isinstance(value, (bool, str, bytes)):
        return (type(value), value)
    if isinstance(value, numbers.Integral) and type(value) is int:
        return (int, value)
    if type(value) is float:
        return (float, value.hex())
    if type(value) is complex:
        return (complex, value.real.hex(), value.imag.hex())
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype != object:
        arr = np.asarray(value)
        _budget[0] -= arr.size
        if _budget[0] >= 0:
            return (type(value), arr.dtype.str, arr.shape, arr.tobytes())
    elif isinstance(value, (list, tuple, set, frozenset, dict)):
        _budget[0] -= len(value)
        if _budget[0] >= 0:
            if isinstance(value, dict):
                return (type(value), tuple((freeze(k, _budget), freeze(v, _budget))
                                           for k, v in value.items()))
            if isinstance(value, (set, frozenset)):
                return (type(value), frozenset(freeze(v, _budget) for v in value))
            return (type(value), tuple(freeze(v, _budget) for v in value))
    own = getattr(value, "__dict__", None)
    if isinstance(own, dict) and "params" in own and "wires" in own:
        # a gate (qsym._operations.Operation): itself, and its parameters by value with
        # the arrays it holds as given (op.data: a broadcast parameter is the caller's
        # array, changed in place by phi[0] = 5; op.data = ... replaces the parameters)
        kept = own.get("_batch_arrays") or {}
        return (_Identity(value), freeze(tuple(own["params"]), _budget),
                tuple(freeze(a, _budget) for _, (_, a) in sorted(kept.items())))
    return _Identity(value)


def _codes(code):
    """``code`` and the code objects nested in it (comprehensions, lambdas, inner defs)."""
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _function(fn):
    """The plain Python function behind ``fn`` (a method's, a partial's), or None."""
    for _ in range(8):
        if isinstance(fn, types.FunctionType):
            return fn
        if isinstance(fn, types.MethodType):
            fn = fn.__func__
        elif isinstance(fn, functools.partial):
            fn = fn.func
        elif hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        else:
            return None
    return None


def _user_function(value):
    """The plain Python function of the user's behind ``value`` (not a QNode, not qsym's,
    NumPy's, sympy's or autograd's own), or None."""
    func = _function(value)
    if func is None or hasattr(value, "device"):
        return None
    module = getattr(func, "__module__", None) or ""
    if module.split(".")[0] in ("qsym", "numpy", "sympy", "autograd"):
        return None
    return func


def _library(value) -> bool:
    """A module or class of the standard library, qsym, NumPy, sympy or autograd (their
    attributes are not the user's settings: ``np.pi``, ``math.tau``)."""
    name = getattr(value, "__name__", "") if isinstance(value, types.ModuleType) else getattr(
        value, "__module__", "") or ""
    top = name.split(".")[0]
    return top in _LIBRARIES or top in sys.stdlib_module_names


@functools.lru_cache(maxsize=256)
def _instructions(code) -> tuple:
    """``((opname, argval), ...)`` of ``code``'s instructions, decoded once
    (``dis.get_instructions`` costs about 2 us an instruction; :func:`_watched` and
    :func:`_attribute_chains` both read them)."""
    return tuple((ins.opname, ins.argval) for ins in dis.get_instructions(code))


def _attribute_chains(code):
    """``[(load opname, name, (attr, ...))]``: the names ``code`` loads (globals and closure
    variables) followed by attribute loads, ``config.scale`` or ``Model.depth.value``."""
    out, ins = [], _instructions(code)
    for i, (opname, argval) in enumerate(ins):
        if opname not in _LOADS and opname != "LOAD_DEREF":
            continue
        attrs = []
        for k in range(i + 1, len(ins)):
            if ins[k][0] not in _ATTRS or not isinstance(ins[k][1], str):
                break
            attrs.append(ins[k][1])
        if attrs and isinstance(argval, str):
            out.append((opname, argval, tuple(attrs)))
    return out


def _attribute(value, attrs):
    try:
        for a in attrs:
            value = getattr(value, a, _MISSING)
            if value is _MISSING:
                break
    except Exception:  # a module's __getattr__ or a class property raising: gone
        return _MISSING
    return value


def _watch_attributes(func, visit, depth, out, names):
    """Attributes of the user's modules and classes that ``func`` reads by name
    (``config.scale``, ``Model.depth``): watched like module-level names, a user function
    reached so followed (``helpers.layer(x)``)."""
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    for code in _codes(func.__code__):
        for opname, name, attrs in _attribute_chains(code):
            if opname == "LOAD_DEREF":
                if name not in cells:
                    continue
                base = functools.partial(_cell_value, cells[name])
            else:
                base = functools.partial(func.__globals__.get, name, _MISSING)
            owner = base()
            if not _owner_watched(owner):
                continue
            read = _Chain(base, attrs)
            value = read()
            user = _user_function(value)
            if user is not None:
                visit(user, depth + 1)
            key = (id(owner), attrs)
            if (user is not None or not _skipped(value)) and key not in names:
                names.add(key)
                out.append((".".join((name,) + attrs), read))


class _Chain:
    """``read()``: the attribute ``attrs`` of what ``base()`` gives now."""

    __slots__ = ("base", "attrs")

    def __init__(self, base, attrs):
        self.base, self.attrs = base, attrs

    def __call__(self):
        owner = self.base()
        return _MISSING if owner is _MISSING else _attribute(owner, self.attrs)


def _owner_watched(value) -> bool:
    """``value`` is a module or class whose attributes the code's reads are watched in
    (:func:`_watch_attributes`: not one of the libraries')."""
    return isinstance(value, (types.ModuleType, type)) and not _library(value)


def _decodes_to_nothing(func) -> bool:
    """Decoding ``func``'s instructions (:func:`_instructions`, about 2 us an instruction:
    0.2 ms of a new circuit's first answer) could find nothing to watch: no name its code
    objects could load as a global (every global load's name is among their ``co_names``)
    is bound in its module to a user's function, a value or a user's module or class, and
    no closure cell (every ``LOAD_DEREF`` :func:`_watch_attributes` follows is one) holds a
    user's module or class. A test on a superset of the names the instructions load, so
    never a name less than decoding finds; the closure cells, defaults and the functions
    :func:`_watched` follows from them are looked at as before. (``qml.RX(...)`` with
    ``qml`` a module-level or closure name: nothing to decode.)"""
    try:
        namespace = func.__globals__
        for code in _codes(func.__code__):
            for name in code.co_names:
                value = namespace.get(name, _MISSING)
                if value is not _MISSING and (
                        _user_function(value) is not None or not _skipped(value)
                        or _owner_watched(value)):
                    return False
        return not any(_owner_watched(_cell_value(cell)) for cell in func.__closure__ or ())
    except Exception:  # noqa: BLE001 - an exotic value: decode, as before
        return False


def _watched(fn):
    """``[(name, read)]``: what ``fn`` and the functions it names read from outside their
    arguments; ``read()`` gives the current value (``_MISSING`` if gone)."""
    out, seen, names = [], set(), set()

    def visit(func, depth):
        func = _function(func)
        if func is None or func.__code__ in seen or depth > _DEPTH:
            return
        seen.add(func.__code__)
        namespace = func.__globals__
        decode = not _decodes_to_nothing(func)
        for code in _codes(func.__code__) if decode else ():
            for opname, name in _instructions(code):
                if opname in _LOADS and isinstance(name, str):
                    value = namespace.get(name, _MISSING)
                    if value is _MISSING:
                        continue  # a builtin (or not defined yet)
                    user = _user_function(value)
                    if user is not None:  # followed, and watched (a helper defined again)
                        visit(user, depth + 1)
                    if (user is not None or not _skipped(value)) and (
                            id(namespace), name) not in names:
                        names.add((id(namespace), name))
                        out.append((name, functools.partial(namespace.get, name, _MISSING)))
        for var, cell in zip(func.__code__.co_freevars, func.__closure__ or ()):
            try:
                value = cell.cell_contents
            except ValueError:  # not assigned yet
                continue
            user = _user_function(value)
            if user is not None:
                visit(user, depth + 1)
            if user is not None or not _skipped(value):
                out.append((var, functools.partial(_cell_value, cell)))
        for i, value in enumerate(func.__defaults__ or ()):
            if isinstance(value, _MUTABLE):  # a list default changed in place
                out.append((f"{func.__name__}'s default #{i}",
                            functools.partial(_default, func, i)))
        for key, value in (func.__kwdefaults__ or {}).items():
            if isinstance(value, _MUTABLE):
                out.append((f"{func.__name__}'s default {key}",
                            functools.partial(_kwdefault, func, key)))
        if decode:
            _watch_attributes(func, visit, depth, out, names)

    visit(fn, 0)
    return out


def _cell_value(cell):
    try:
        return cell.cell_contents
    except ValueError:
        return _MISSING


def _default(func, i):
    defaults = func.__defaults__ or ()
    return defaults[i] if i < len(defaults) else _MISSING


def _kwdefault(func, key):
    return (func.__kwdefaults__ or {}).get(key, _MISSING)


class Guard:
    """True while every watched value equals its snapshot (see the module's docstring)."""

    __slots__ = ("names", "_reads", "_checks")

    def __init__(self, watched):
        self.names = tuple(name for name, _ in watched)
        self._reads = tuple(read for _, read in watched)
        self._checks = tuple(_checker(read()) for read in self._reads)

    def __call__(self) -> bool:
        for read, check in zip(self._reads, self._checks):
            if not check(read()):
                return False
        return True

    def changed(self) -> tuple:
        """The names whose values differ from their snapshots."""
        return tuple(name for name, read, check in zip(self.names, self._reads, self._checks)
                     if not check(read()))


_IMMUTABLE = frozenset({int, float, complex, str, bool, bytes, type(None)})


def _plain_data(snap) -> bool:
    """A :func:`freeze` snapshot with no array and nothing kept by identity: the value
    is nested lists, tuples, dicts and sets of plain numbers and strings."""
    if isinstance(snap, _Identity):
        return False
    kind = snap[0]
    if kind in _IMMUTABLE:
        return True
    if kind in (list, tuple):
        return all(_plain_data(v) for v in snap[1])
    if kind in (set, frozenset):
        return all(_plain_data(v) for v in snap[1])
    if kind is dict:
        return all(_plain_data(k) and _plain_data(v) for k, v in snap[1])
    return False


def _checker(obj):
    """``check(current) -> bool``: is the value read now the one snapshot now? The common
    kinds take a fast path (a module-level number: an identity test; a list of numbers:
    Python's own comparison with a deep copy; an array: its bytes)."""
    if obj is _MISSING:
        return lambda cur: cur is _MISSING
    kind = type(obj)
    if kind in _IMMUTABLE or isinstance(obj, np.generic):
        return lambda cur: cur is obj or (type(cur) is kind and cur == obj)
    if isinstance(obj, np.ndarray) and obj.dtype != object and obj.size <= _MAX_ITEMS:
        shape, dtype, data = obj.shape, obj.dtype, obj.tobytes()
        return lambda cur: (type(cur) is kind and cur.shape == shape and cur.dtype == dtype
                            and cur.tobytes() == data)
    snap = freeze(obj)
    if isinstance(snap, _Identity):
        return lambda cur: cur is obj
    if _plain_data(snap):
        import copy

        twin = copy.deepcopy(obj)

        def same(cur):
            try:  # an array put in the list since: == is elementwise, no verdict
                return type(cur) is kind and bool(cur == twin)
            except Exception:
                return False

        return same
    return lambda cur: cur is not _MISSING and freeze(cur) == snap


def make(fn) -> Guard | None:
    """A :class:`Guard` of what ``fn`` reads besides its arguments (snapshot now), or None
    if it reads nothing that could change."""
    try:
        watched = _watched(fn)
    except Exception:  # an exotic code object: nothing is watched (as before)
        return None
    return Guard(watched) if watched else None
