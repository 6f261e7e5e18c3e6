"""qml.Configuration (issue #18): PennyLane's TOML configuration files, their dotted keys,
their search order, saving, and the options qml.device takes from one. The expected values
are the TOML text written here by hand."""

from __future__ import annotations

import os

import pytest

import qsym as qml
from qsym.configuration import Configuration, device_options

TEXT = """\
[main]
shots = 7

[default.global]
hbar = 3

[default.gaussian]
hbar = 1

[plugin.fock]
cutoff_dim = 10
options = {"threshold" = 1e-6}
"""

TABLES = {"main": {"shots": 7}, "default": {"global": {"hbar": 3}, "gaussian": {"hbar": 1}},
          "plugin": {"fock": {"cutoff_dim": 10, "options": {"threshold": 1e-6}}}}


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "conf.toml"
    path.write_text(TEXT)
    return path


def test_a_file_by_its_path_is_read_into_nested_tables(config_file):
    config = Configuration(str(config_file))
    assert config._config == TABLES
    assert config.path == os.path.join(os.curdir, str(config_file))  # absolute: curdir joins
    assert bool(config) and str(config) == str(TABLES)
    assert repr(config) == f"PennyLane Configuration <{config.path}>"


def test_dotted_keys_read_and_set_nested_tables(config_file):
    config = Configuration(str(config_file))
    assert config["plugin.fock.cutoff_dim"] == 10
    assert config["plugin.fock"]["options"] == {"threshold": 1e-6}
    assert config["plugin.fock.missing"] == {} and config["nowhere.at.all"] == {}
    config["plugin.fock.cutoff_dim"] = 4
    config["new.table.key"] = "v"
    assert config["plugin.fock"]["cutoff_dim"] == 4
    assert config._config["new"] == {"table": {"key": "v"}}


def test_the_search_order_current_directory_then_pennylane_conf(tmp_path, monkeypatch):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (here / "c.toml").write_text("[main]\nwhere = 'here'\n")
    (there / "c.toml").write_text("[main]\nwhere = 'there'\n")
    monkeypatch.setenv("PENNYLANE_CONF", str(there))
    monkeypatch.chdir(here)
    assert Configuration("c.toml")["main.where"] == "here"
    (here / "c.toml").unlink()
    config = Configuration("c.toml")
    assert config["main.where"] == "there"
    assert config.path == os.path.join(str(there), "c.toml")


def test_no_file_is_an_empty_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PENNYLANE_CONF", "")
    config = Configuration("absent.toml")
    assert not config and str(config) == "" and config._config == {}
    assert repr(config) == "PennyLane Configuration <absent.toml>"


def test_save_writes_toml_that_reads_back(config_file, tmp_path):
    tomlkit = pytest.importorskip("tomlkit")
    config = Configuration(str(config_file))
    config["main.shots"] = 11
    out = tmp_path / "out.toml"
    config.save(out)
    expected = {**TABLES, "main": {"shots": 11}}
    assert tomlkit.loads(out.read_text()) == expected  # another parser than qsym's
    assert Configuration(str(out))._config == expected


def test_save_without_tomlkit_says_what_to_install(config_file, tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tomlkit(name, *args, **kwargs):
        if name == "tomlkit":
            raise ImportError("no tomlkit")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tomlkit)
    with pytest.raises(qml.errors.QsymError, match="pip install tomlkit"):
        Configuration(str(config_file)).save(tmp_path / "x.toml")


def test_device_options_main_then_plugin_global_then_device(config_file):
    config = Configuration(str(config_file))
    assert device_options(config, "default.gaussian") == {"shots": 7, "hbar": 1}
    assert device_options(config, "default.mixed") == {"shots": 7, "hbar": 3}
    assert device_options(Configuration("absent.toml"), "default.gaussian") == {}


def test_qml_device_takes_a_configuration(config_file):
    config = Configuration(str(config_file))
    config["main"] = {}  # no shots: a device made with shots is deprecated in PennyLane
    dev = qml.device("default.gaussian", wires=2, config=config)
    assert dev.hbar == 1 and not dev.shots
    assert qml.device("default.gaussian", wires=2, config=config, hbar=4).hbar == 4  # kwargs win
    config["default.qubit.unknown_option"] = 1
    with pytest.raises(qml.DeviceError, match="unknown_option"):
        qml.device("default.qubit", wires=1, config=config)


def test_the_namespace_names():
    assert qml.Configuration is Configuration
    assert isinstance(qml.default_config, Configuration)
