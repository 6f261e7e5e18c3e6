"""qml.logging: PennyLane's logging helpers on qsym's 'qsym' loggers (issue #18)."""

import logging
import tomllib

import pytest

import qsym as qml


@pytest.fixture
def qsym_logger_restored():
    logger = logging.getLogger("qsym")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield logger
    logger.handlers[:] = saved[0]
    logger.setLevel(saved[1])
    logger.propagate = saved[2]


def test_enable_logging_configures_the_qsym_loggers(qsym_logger_restored, capsys):
    assert qml.logging.TRACE == logging.DEBUG // 2 == 5
    qml.logging.enable_logging()
    logger = qsym_logger_restored
    assert logger.level == logging.DEBUG and not logger.propagate
    assert logging.getLevelName(5) == "TRACE"
    logging.getLogger("qsym.ftqc_test").debug("a debug message")
    logging.getLogger("qsym.ftqc_test").trace("not shown at DEBUG")
    out = capsys.readouterr().out
    assert "qsym.ftqc_test" in out and "a debug message" in out and "not shown" not in out


def test_the_default_configuration_is_a_dictconfig():
    with open(qml.logging.config_path(), "rb") as f:
        config = tomllib.load(f)
    assert config["version"] == 1 and "qsym" in config["loggers"]


def test_debug_logger_logs_the_bound_arguments(caplog):
    @qml.logging.debug_logger
    def add(a, b=2):
        return a + b

    @qml.logging.debug_logger_init
    def mul(a, b=3):
        return a * b

    with caplog.at_level(logging.DEBUG):
        assert add(1) == 3 and mul(2) == 6
    first, second = caplog.records
    assert first.name == __name__ and "Calling <add(a=1, b=2)> from" in first.getMessage()
    assert "Calling <mul(a=2, b=3)>=6 from" in second.getMessage()
    assert __file__ in first.getMessage()
    caplog.clear()
    add(1)                                   # (not enabled: nothing logged)
    assert not caplog.records


def test_filters_and_edit_system_config(monkeypatch):
    record = logging.LogRecord("qsym", logging.INFO, __file__, 1, "m", (), None)
    assert qml.logging.LocalProcessFilter().filter(record)
    assert not qml.logging.DebugOnlyFilter().filter(record)
    assert "m" in qml.logging.SimpleFormatter().format(record)
    monkeypatch.setenv("EDITOR", "true")     # /bin/true as the editor
    qml.logging.edit_system_config(wait_on_close=True)
