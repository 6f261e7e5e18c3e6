"""The ``qsym`` command's top level and its ``rules`` subcommand (issue #21): ``--version``,
the help for ``qsym`` alone, ``--gate`` in any case with suggestions, gates without
parameters, ``--json`` (checked against the derivative of sin and cos, not against the
code that writes it), tables wrapped to a width, and the ``--verify`` progress bar."""

import json
import math
import re

import numpy as onp
import pytest
import sympy as sp

import qsym
from qsym import _cli as cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"qsym {qsym.__version__}"


def test_no_command_prints_the_help(capsys):
    code, out, err = run(capsys)
    assert code == 0 and err == ""
    assert out.startswith("usage: qsym") and "rules" in out and "compile" in out


def test_gate_is_case_insensitive(capsys):
    code, exact, _ = run(capsys, "rules", "--gate", "CRX")
    assert code == 0 and exact.splitlines()[1].startswith("CRX ")
    for spelling in ("crx", "Crx", "cRX"):
        assert run(capsys, "rules", "--gate", spelling)[:2] == (0, exact)


def test_unknown_gate_suggests_close_names(capsys):
    code, out, err = run(capsys, "rules", "--gate", "Isingxy")  # a case slip: found
    assert code == 0 and "IsingXY" in out
    code, out, err = run(capsys, "rules", "--gate", "IsingXQ")
    assert code == 2 and out == ""
    assert "no gate named 'IsingXQ'; did you mean" in err and "IsingXY" in err
    code, out, err = run(capsys, "rules", "--gate", "zzzzzz")
    assert code == 2 and "did you mean" not in err and "no gate named 'zzzzzz'" in err


@pytest.mark.parametrize("gate", ["CNOT", "hadamard"])
def test_gate_without_parameters(capsys, gate):
    code, out, err = run(capsys, "rules", "--gate", gate)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "has no parameters, so it has no shift rule" in lines[0]


def test_json_rules_are_shift_rules(capsys):
    """Every rule in --json output gives the exact derivative of cos(w t) and sin(w t) for
    each of its frequencies w, at a few points t."""
    code, out, _ = run(capsys, "rules", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["gate"] for r in rows} >= {"RX", "CRX", "IsingXX", "DoubleExcitation", "Rot"}
    rx = next(r for r in rows if r["gate"] == "RX")
    assert rx["frequencies"] == ["1"] and rx["rule"] == "proved"
    assert [(t["coefficient"], t["shift"]) for t in rx["terms"]] == [
        (0.5, math.pi / 2), (-0.5, -math.pi / 2)
    ]
    assert rx["terms"][0]["exact"] == ["1/2", "1", "pi/2"]
    for r in rows:
        assert r["rule"] == "proved", r
        assert bool(r["terms"]) == bool(r["frequencies"]), r  # no frequency: derivative 0
        for w in (float(sp.sympify(f)) for f in r["frequencies"]):
            for t in (0.3, -1.1):
                for f, df in ((lambda a: math.cos(w * a), -w * math.sin(w * t)),
                              (lambda a: math.sin(w * a), w * math.cos(w * t))):
                    est = sum(term["coefficient"] * f(term["multiplier"] * t + term["shift"])
                              for term in r["terms"])
                    assert est == pytest.approx(df, abs=1e-12), (r["gate"], w)


def _numbers(text):
    return sorted(re.findall(r"[+-]\d+\.\d+", text))


@pytest.mark.parametrize("width", [80, 100, 130])
def test_table_wrapped_to_a_width(capsys, width):
    code, full, _ = run(capsys, "rules")  # not a terminal: one line per rule
    assert code == 0 and max(len(line) for line in full.splitlines()) > 200
    code, narrow, _ = run(capsys, "rules", "--width", str(width))
    assert code == 0
    assert max(len(line) for line in narrow.splitlines()) <= width
    # nothing lost: the same shifts and coefficients, the same rules in the same order
    assert _numbers(narrow) == _numbers(full)
    rows = [line.split()[:2] for line in full.splitlines()[1:]]
    starts = [line.split()[0] for line in narrow.splitlines()[1:] if not line.startswith(" ")]
    assert narrow.startswith("gate[param]") == (width < 130)  # narrow: the compact table
    if width < 130:  # gate[param] heads the rows (a wrapped variant has no "[")
        assert [h for h in starts if "[" in h] == [f"{g}[{p}]" for g, p in rows]
    else:
        assert [h for h in starts if h in {g for g, _ in rows}] == [g for g, _ in rows]


def test_verify_shows_progress(capsys):
    rows = cli.rule_rows(["RX", "CRX"], verify=True, progress=True)
    err = capsys.readouterr().err
    # the bar with its total (its last refresh may be cleared before it is drawn: leave=False)
    assert "verifying rules" in err and "/2 " in err
    assert [r["gate"] for r in rows] == ["RX", "CRX"] and all(r["rule_ok"] for r in rows)
    cli.rule_rows(["RX"], verify=True, progress=None)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
    code, out, err = run(capsys, "rules", "--verify", "--gate", "rx", "--no-progress")
    assert code == 0 and "verifying rules" not in err and " 0 failed" in err


def test_wrap_table_keeps_numbers_whole():
    lines = [["gate", "param", "wires/hyper", "frequencies", "terms", "shifts", "coefficients"],
             ["X", "0", "-", "1 2 3", "6", "+1.5 -1.5 +2.25 -2.25", "+0.125 -0.125 +1 -1"]]
    out = cli._wrap_table(lines, 70)
    assert max(map(len, out)) <= 70 and len(out) > 2
    assert _numbers("\n".join(out)) == _numbers(" ".join(lines[1]))
    assert onp.all([len(x) > 0 for x in out])


@pytest.mark.compiled_tier  # it waits for the circuit's compiled tier
def test_warmup_compiles_the_kernel_library_and_a_circuit(capsys, tmp_path):
    """``qsym warmup``: a progress line per kernel entry point, then the given circuit
    compiled, so that a new process starts it compiled (from the disk cache) instead of
    on tier 0."""
    from qsym import _tiers as tiers

    src = tmp_path / "warm_circuit.py"
    src.write_text(
        "import qsym as qml\n"
        "dev = qml.device('default.qubit', wires=2)\n\n"
        "@qml.qnode(dev)\n"
        "def circuit(p):\n"
        "    qml.RX(p[0], wires=0)\n"
        "    qml.CRY(p[1] * 0.25, wires=[0, 1])\n"
        "    return qml.expval(qml.PauliZ(1) @ qml.PauliZ(0))\n")
    code, out, err = run(capsys, "warmup", "--no-batch", f"{src}:circuit",
                         "--args", "[[0.3, 0.7]]")
    assert code == 0, err
    from qsym import _kernels as kernels

    steps = re.findall(r"qsym warmup: \[(\d+)/(\d+)\] ([^(]+) \((\w+)\) \.\.\. [\d.]+ s", err)
    # the entry points, then the kernel functions a first use reaches beyond them (issue #17)
    assert [s[3] for s in steps] == ["program_value_into", "program_value_and_grad_into",
                                     "program_value_and_grad_adjoint_into",
                                     "program_value_and_grad_adjoint_blocked_into",
                                     "program_state",
                                     "choice_into", "program_value_and_grad_small_into",
                                     "program_value_and_grad_parallel", "program_gate_gradient",
                                     "program_value_and_grad_adjoint_parallel",
                                     "adjoint_step_into"]
    assert [s[0] for s in steps] == [str(i) for i in range(1, 12)]
    assert all(s[1] == "11" for s in steps)
    # the draws of finite shots are loaded (compiled on a new machine) by the sampled step
    assert all(getattr(kernels, n).overloads for n in (
        "choice_check", "choice_into", "odd_parity_count", "accumulate_terms", "shift_finish"))
    assert re.search(r"qsym warmup: compiling circuit \.\.\. [\d.]+ s", err)
    assert "qsym warmup: done in" in out and "kernel cache files" in out
    assert "first use on this machine" not in err  # its own progress, not the notice
    # the circuit's compiled code is in the disk cache now: a new QNode of it finds it
    # (answering on tier 0 while a thread loads it)
    qnode, _ = cli._load_qnode(f"{src}:circuit")
    entry, _, _ = qnode.compiled([onp.array([0.3, 0.7])], {})
    names = ["fused_value", "fused_value_and_grad"] if entry.fused else ["prepare"]
    assert all(tiers.has_cached(entry.module, n) for n in names)
    assert entry.wait(300) != "python"


def test_warmup_errors(capsys, tmp_path):
    code, _, err = run(capsys, "warmup", "--no-batch", f"{tmp_path}/none.py:circuit",
                       "--args", "[[0.1]]")
    assert code == 2 and "no such file" in err
