"""PennyLane's ``qml.logging`` on qsym's loggers.

qsym's modules log through Python's :mod:`logging` under the name ``"qsym"`` (traces,
compiles, cache use, timings), silent until configured. :func:`enable_logging` configures
them from a TOML file in the schema of :func:`logging.config.dictConfig` (qsym's own,
:func:`config_path`, by default: a stream handler on standard output at ``DEBUG``) and adds
PennyLane's ``TRACE`` level (:data:`TRACE`, below ``DEBUG``; ``logger.trace(...)``).
:func:`debug_logger` and :func:`debug_logger_init` decorate functions of your own to log
their calls; :class:`LocalProcessFilter`, :class:`DebugOnlyFilter`, :class:`DefaultFormatter`
and :class:`SimpleFormatter` are the pieces the configuration names.

>>> import qsym as qml
>>> qml.logging.TRACE < logging.DEBUG
True
>>> os.path.basename(qml.logging.config_path())
'log_config.toml'
"""

from __future__ import annotations

import functools
import inspect
import logging
import logging.config
import os
import platform
import subprocess

__all__ = ["TRACE", "enable_logging", "config_path", "edit_system_config", "show_system_config",
           "debug_logger", "debug_logger_init", "LocalProcessFilter", "DebugOnlyFilter",
           "DefaultFormatter", "SimpleFormatter"]

#: PennyLane's ``TRACE`` level: half of ``DEBUG`` (finer than debugging messages)
TRACE = logging.DEBUG // 2

_HERE = os.path.dirname(os.path.abspath(__file__))


def _add_trace_level() -> None:
    """Name the ``TRACE`` level and give loggers a ``trace`` method (PennyLane's)."""
    def trace(self, message, *args, **kwargs):
        if self.isEnabledFor(TRACE):
            self._log(TRACE, message, args, **kwargs)

    logging.addLevelName(TRACE, "TRACE")
    logging.TRACE = TRACE
    logging.getLoggerClass().trace = trace


def _toml():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError as exc:
            raise ImportError("qml.logging.enable_logging reads a TOML file: use Python 3.11+ "
                              "(tomllib) or install tomli (pip install tomli)") from exc
    return tomllib


def enable_logging(config_file: str = "log_config.toml") -> None:
    """Configure the ``qsym`` loggers from ``config_file`` (a TOML file of
    :func:`logging.config.dictConfig`'s schema; a relative name is looked up next to this
    module, qsym's own by default) and add the ``TRACE`` level.

    >>> import qsym as qml
    >>> qml.logging.enable_logging()
    >>> logging.getLogger("qsym").level == logging.DEBUG and hasattr(logging, "TRACE")
    True
    >>> qsym_logger = logging.getLogger("qsym")    # (back to silent: as `import qsym` left it,
    >>> qsym_logger.handlers[:] = [logging.NullHandler()]   # one NullHandler, propagating)
    >>> qsym_logger.setLevel(0); qsym_logger.propagate = True
    """
    _add_trace_level()
    with open(os.path.join(_HERE, config_file), "rb") as f:
        logging.config.dictConfig(_toml().load(f))


def config_path() -> str:
    """The path of qsym's default logging configuration (``log_config.toml``).

    >>> import qsym as qml
    >>> with open(qml.logging.config_path()) as f:
    ...     "[loggers.qsym]" in f.read()
    True
    """
    return os.path.join(_HERE, "log_config.toml")


def show_system_config() -> None:
    """Open the default configuration in the web browser (PennyLane's).

    >>> import qsym as qml, unittest.mock
    >>> with unittest.mock.patch("webbrowser.open") as opened:
    ...     qml.logging.show_system_config()
    >>> opened.call_args[0][0] == qml.logging.config_path()
    True
    """
    import webbrowser

    webbrowser.open(config_path())


def edit_system_config(wait_on_close: bool = False) -> None:
    """Open the default configuration in ``$EDITOR`` (waiting for it to close when
    ``wait_on_close``), else the system's opener (``xdg-open`` on Linux, ``open`` on macOS,
    the file's association on Windows).

    >>> import qsym as qml, os, unittest.mock
    >>> with unittest.mock.patch.dict(os.environ, {"EDITOR": "true"}):   # /bin/true
    ...     qml.logging.edit_system_config(wait_on_close=True)
    """
    editor = os.getenv("EDITOR")
    if editor:
        with subprocess.Popen((editor, config_path())) as proc:
            if wait_on_close:
                proc.wait()
    elif platform.system() in ("Linux", "Darwin"):
        subprocess.Popen(("xdg-open" if platform.system() == "Linux" else "open",
                          config_path()))
    else:  # pragma: no cover - Windows
        os.startfile(config_path())  # noqa: S606


def _logged(func, log_level: int, before: bool):
    """``func`` logging each call to the logger of its module at ``DEBUG`` when
    ``log_level`` is enabled: its bound arguments (``before``) or them and its result."""
    logger = logging.getLogger(func.__module__)

    def call_text(args, kwargs) -> str:
        bound = inspect.signature(func).bind(*args, **kwargs)
        bound.apply_defaults()
        caller = inspect.currentframe().f_back.f_back  # (the decorated function's caller)
        return (f"{func.__name__}{str(bound)[len('<BoundArguments '):-1]}",
                f"{caller.f_code.co_filename}::L{caller.f_lineno}")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        enabled = logger.isEnabledFor(log_level)
        if enabled and before:
            call, where = call_text(args, kwargs)
            logger.debug("Calling <%s> from %s", call, where, stacklevel=2)
        out = func(*args, **kwargs)
        if enabled and not before:
            call, where = call_text(args, kwargs)
            logger.debug("Calling <%s>=%r from %s", call, out, where, stacklevel=2)
        return out

    return wrapper


def debug_logger(func):
    """Decorate ``func`` to log each call (its arguments, with defaults) at ``DEBUG`` to the
    logger of its module, before the call.

    >>> @debug_logger
    ... def add(a, b=2):
    ...     return a + b
    >>> add(1)
    3
    """
    return _logged(func, logging.DEBUG, before=True)


def debug_logger_init(func):
    """As :func:`debug_logger`, logged after the call with the result.

    >>> import qsym as qml
    >>> qml.logging.debug_logger_init(lambda a: 2 * a)(3)
    6
    """
    return _logged(func, logging.DEBUG, before=False)


class LocalProcessFilter(logging.Filter):
    """Keep the records of the process that made the filter (not those of workers).

    >>> import logging, qsym as qml
    >>> record = logging.LogRecord("qsym", logging.INFO, "f.py", 1, "m", (), None)
    >>> qml.logging.LocalProcessFilter().filter(record)
    True
    """

    def __init__(self):
        super().__init__()
        self._pid = os.getpid()

    def filter(self, record) -> bool:
        return record.process == self._pid


class DebugOnlyFilter(logging.Filter):
    """Keep records at ``DEBUG`` and below.

    >>> import logging, qsym as qml
    >>> record = logging.LogRecord("qsym", logging.INFO, "f.py", 1, "m", (), None)
    >>> qml.logging.DebugOnlyFilter().filter(record)
    False
    """

    def filter(self, record) -> bool:
        return record.levelno <= logging.DEBUG


class DefaultFormatter(logging.Formatter):
    """Time, level, process, logger and function, then the message; each level in its
    colour on a terminal's standard output.

    >>> import logging, qsym as qml
    >>> record = logging.LogRecord("qsym.x", logging.DEBUG, "f.py", 1, "hello", (), None)
    >>> "qsym.x" in qml.logging.DefaultFormatter().format(record)
    True
    """

    _COLOURS = {TRACE: "38;2;110;110;110", logging.DEBUG: "38;2;45;145;210",
                logging.INFO: "38;2;80;170;80", logging.WARNING: "38;2;225;165;0",
                logging.ERROR: "38;2;220;60;60", logging.CRITICAL: "1;38;2;220;60;60"}

    def __init__(self):
        super().__init__("[%(asctime)s][%(levelname)s][<PID %(process)d:%(processName)s>] - "
                         "%(name)s.%(funcName)s()::\"%(message)s\"")

    def format(self, record) -> str:
        text = super().format(record)
        colour = self._COLOURS.get(record.levelno)
        return f"\x1b[{colour}m{text}\x1b[0m" if colour else text


class SimpleFormatter(logging.Formatter):
    """Time, level, logger and the message, without colour.

    >>> import logging, qsym as qml
    >>> record = logging.LogRecord("qsym.x", logging.INFO, "f.py", 1, "hello", (), None)
    >>> qml.logging.SimpleFormatter().format(record).endswith("qsym.x - INFO - hello")
    True
    """

    def __init__(self):
        super().__init__("[%(asctime)s] - %(name)s - %(levelname)s - %(message)s")
