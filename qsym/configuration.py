"""PennyLane's ``qml.Configuration`` (module path ``qml.configuration``): the options of
devices kept in a TOML file, read into nested dictionaries and addressed by dotted keys
(``config["default.gaussian.hbar"]``); ``qml.device(name, config=...)`` takes the
``"main"``, ``"<plugin>.global"`` and ``"<name>"`` tables as keyword arguments, the
keyword arguments given winning.

The file is found as PennyLane finds it: the name in the current directory, in the
directory ``$PENNYLANE_CONF`` names, in the user's configuration directory for PennyLane
(``platformdirs``' ``user_config_dir("pennylane", "Xanadu")``), then the name as a path.
Reading is Python's ``tomllib`` (the ``tomli`` package on Python 3.10); :meth:`save`
writes with ``tomlkit``, the TOML writer PennyLane uses (the optional ``config`` extra:
``pip install "qsym[config]"``), imported only when saving.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), "config.toml")
>>> _ = open(path, "w").write("[default.gaussian]\\nhbar = 1\\n")
>>> config = Configuration(path)
>>> config["default.gaussian.hbar"], config["default.gaussian"], config["main.shots"]
(1, {'hbar': 1}, {})
"""

from __future__ import annotations

import contextlib
import os

from ._capabilities import load_toml_file
from .errors import QsymError

__all__ = ["Configuration", "default_config"]


class Configuration:
    """PennyLane's ``Configuration``: a TOML configuration file's tables, found by its
    ``name`` (a file name or a path; see the module's search order), empty when no file of
    that name exists. ``config["a.b.c"]`` reads ``{"a": {"b": {"c": ...}}}`` (``{}`` for
    a key that is not there); ``config["a.b.c"] = v`` sets it, making the tables it needs;
    :meth:`save` writes the tables to a TOML file.

    >>> from qsym.configuration import Configuration
    >>> config = Configuration("no-such-config.toml")
    >>> bool(config), str(config), config.path
    (False, '', 'no-such-config.toml')
    >>> config["default.qubit.max_workers"] = 2
    >>> config["default.qubit"], bool(config)
    ({'max_workers': 2}, True)
    """

    def __init__(self, name):
        self._config: dict = {}
        self._filepath = None
        self._name = name
        from platformdirs import user_config_dir

        self._user_config_dir = user_config_dir("pennylane", "Xanadu")
        self._env_config_dir = os.environ.get("PENNYLANE_CONF", "")
        # the first of these that holds the file; none: the last tried (the name itself)
        for directory in (os.curdir, self._env_config_dir, self._user_config_dir, ""):
            with contextlib.suppress(FileNotFoundError):
                self._filepath = os.path.join(directory, self._name)
                self.load(self._filepath)
                break

    def __str__(self):
        return f"{self._config}" if self._config else ""

    def __repr__(self):
        return f"PennyLane Configuration <{self._filepath}>"

    @property
    def path(self):
        """The path of the file loaded (or of the last place looked in, if none was)."""
        return self._filepath

    def load(self, filepath) -> None:
        """Read the TOML file at ``filepath`` (its tables replace the ones held)."""
        self._config = load_toml_file(filepath)

    def save(self, filepath) -> None:
        """Write the tables held to ``filepath`` as TOML (with ``tomlkit``: ``pip install
        tomlkit``, or qsym's ``config`` extra).

        >>> import os, tempfile
        >>> config = Configuration("no-such-config.toml")
        >>> config["main.shots"] = 10
        >>> path = os.path.join(tempfile.mkdtemp(), "saved.toml")
        >>> config.save(path)
        >>> Configuration(path)["main.shots"]
        10
        """
        try:
            import tomlkit
        except ImportError:
            raise QsymError("Configuration.save writes TOML with the tomlkit package, which "
                            "is not installed: pip install tomlkit (or pip install "
                            "\"qsym[config]\")") from None
        with open(filepath, "w", encoding="utf8") as file:
            tomlkit.dump(self._config, file)

    def __getitem__(self, key):
        return self.safe_get(self._config, *key.split("."))

    def __setitem__(self, key, value):
        self.safe_set(self._config, value, *key.split("."))

    def __bool__(self):
        return bool(self._config)

    @staticmethod
    def safe_set(dct, value, *keys) -> None:
        """Set ``dct[k1][k2]...[kn] = value``, making the dictionaries that are missing.

        >>> d = {}
        >>> Configuration.safe_set(d, 5, "a", "b")
        >>> d
        {'a': {'b': 5}}
        """
        for key in keys[:-1]:
            dct = dct.setdefault(key, {})
        dct[keys[-1]] = value

    @staticmethod
    def safe_get(dct, *keys):
        """``dct[k1][k2]...[kn]``, or ``{}`` if a key is missing.

        >>> Configuration.safe_get({"a": {"b": 5}}, "a", "b"), Configuration.safe_get({}, "a")
        (5, {})
        """
        for key in keys:
            try:
                dct = dct[key]
            except KeyError:
                return {}
        return dct


def device_options(config, name: str) -> dict:
    """The keyword arguments a configuration gives the device ``name`` (PennyLane's order,
    later tables winning: ``"main"``, ``"<plugin>.global"``, ``"<name>"``).

    >>> c = Configuration("no-such-config.toml")
    >>> c["main.shots"], c["default.global.hbar"], c["default.gaussian.hbar"] = 10, 1, 2
    >>> device_options(c, "default.gaussian")
    {'shots': 10, 'hbar': 2}
    """
    options: dict = {}
    if config:
        for table in ("main", name.split(".")[0] + ".global", name):
            options.update(config[table])
    return options


default_config = Configuration("config.toml")
"""The configuration PennyLane loads at import: ``config.toml`` where the search finds it
(qsym loads it at first use of ``qml.default_config``; ``qml.device`` applies a
configuration only when given one as ``config=``)."""
