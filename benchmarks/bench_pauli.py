#!/usr/bin/env python
"""Pauli-arithmetic benchmark (issue #18): ``qml.pauli.PauliWord`` / ``PauliSentence``
arithmetic, qsym beside PennyLane, the same code for both (``qml`` is the module).

Usage::

    python benchmarks/bench_pauli.py                 # 9 repeats per row, ~2 min
    python benchmarks/bench_pauli.py --repeats 7 --out benchmarks/results/pauli.json
    python benchmarks/bench_pauli.py --before /path/to/old/checkout   # + a "qsym before" column

Each framework runs in its own process (qsym with this interpreter and ``PYTHONPATH``,
PennyLane with ``--pl-python``, default ``/work/plvenv/bin/python``); the two alternate
``--rounds`` times so machine load falls on both. A row's time is the median CPU time
(``time.process_time``) over all repeats of all rounds. Every row returns a checksum (a
sum of coefficients, a matrix's entries, ...) that must agree between the two before the
ratio is reported.

Rows (random words on 10 wires, seeded):

- ``word @ word``: 2000 products of two words;
- ``sentence @ sentence``: two 40-term sentences;
- ``sentence + sentence``: 200 sums of two 60-term sentences;
- ``word commutator``: 2000 ``PauliWord.commutator``;
- ``sentence commutator``: two 40-term sentences;
- ``simplify``: 50 copies of a 400-term sentence with half its coefficients below tol;
- ``to_mat``: a 20-term sentence on 6 wires, dense;
- ``propagation`` (and ``propagation, op.generator()``: the gates' words and angles read
  from ``qml.RX`` / ``qml.IsingZZ`` operators' ``generator().pauli_rep``): Heisenberg-picture Pauli propagation of ``Z0 Z1`` back through 5
  layers of ``RX`` on every wire and ``ZZ`` rotations on neighbours (12 wires), words
  with a coefficient below 1e-4 dropped, then ``<0|O|0>`` (sum of the coefficients of
  words with only Z): a few hundred words per step, as in PennyLane's "classical
  expectation-value estimation" demo.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _words(qml, rng, n, wires, k):
    return [qml.pauli.PauliWord({w: rng.choice("XYZ") for w in rng.sample(range(wires), k)})
            for _ in range(n)]


def _sentence(qml, rng, n, wires, k):
    return qml.pauli.PauliSentence({w: rng.uniform(-1, 1) for w in _words(qml, rng, n, wires, k)})


def _total(ps):
    return complex(sum(complex(c) for c in ps.values()))


def setup_rows(qml):
    """``{name: (setup, run)}``; ``run(data)`` returns a checksum."""
    rows = {}

    def word_products():
        rng = random.Random(1)
        a, b = _words(qml, rng, 2000, 10, 5), _words(qml, rng, 2000, 10, 5)
        return list(zip(a, b))

    def run_word_products(pairs):
        return sum(_total(x @ y) for x, y in pairs)

    rows["word @ word"] = (word_products, run_word_products)

    def two_sentences(n):
        def make():
            rng = random.Random(2)
            return _sentence(qml, rng, n, 10, 4), _sentence(qml, rng, n, 10, 4)
        return make

    rows["sentence @ sentence"] = (two_sentences(40), lambda d: _total(d[0] @ d[1]))

    def run_sums(d):
        s = 0
        for _ in range(200):
            s += _total(d[0] + d[1])
        return s

    rows["sentence + sentence"] = (two_sentences(60), run_sums)

    def run_word_comm(pairs):
        return sum(_total(x.commutator(y)) for x, y in pairs)

    rows["word commutator"] = (word_products, run_word_comm)
    rows["sentence commutator"] = (two_sentences(40), lambda d: _total(d[0].commutator(d[1])))

    def simplify_data():
        rng = random.Random(3)
        ps = qml.pauli.PauliSentence({w: (rng.uniform(-1, 1) if i % 2 else 1e-10)
                                      for i, w in enumerate(_words(qml, rng, 400, 10, 4))})
        return ps

    def run_simplify(ps):
        total = 0
        for _ in range(50):
            c = qml.pauli.PauliSentence(ps)
            c.simplify()
            total += len(c) + _total(c)
        return total

    rows["simplify"] = (simplify_data, run_simplify)

    def mat_data():
        rng = random.Random(4)
        return _sentence(qml, rng, 20, 6, 3)

    def run_mat(ps):
        m = ps.to_mat(wire_order=range(6))
        return complex(m.sum()) + complex(abs(m).sum())

    rows["to_mat"] = (mat_data, run_mat)
    rows["propagation"] = (lambda: None, lambda _: propagate(qml))
    rows["propagation, op.generator()"] = (lambda: None, lambda _: propagate(qml, from_ops=True))
    return rows


def propagate(qml, wires=12, layers=5, tol=1e-4, from_ops=False):
    """``<0|U^dag O U|0>`` by propagating ``O = Z0 Z1`` through the gates in reverse:
    a rotation ``exp(-i t/2 G)`` maps an anticommuting word ``P`` to
    ``cos t P + i sin t G P`` and leaves a commuting one alone. With ``from_ops``, each
    gate's word and angle come from ``qml.RX`` / ``qml.IsingZZ`` operators'
    ``generator().pauli_rep`` (``U = exp(i t c G)``: the angle is ``-2 c t``)."""
    import math
    PW, PS = qml.pauli.PauliWord, qml.pauli.PauliSentence
    gates = []
    for layer in range(layers):
        gates += [(PW({w: "X"}), 0.3 + 0.1 * w + 0.05 * layer) for w in range(wires)]
        gates += [(PW({w: "Z", w + 1: "Z"}), 0.7 - 0.03 * w) for w in range(wires - 1)]
    if from_ops:
        ops = [qml.RX(t, wires=list(g)[0]) if len(g) == 1 else qml.IsingZZ(t, wires=list(g))
               for g, t in gates]
        gates = []
        for op in ops:
            (word, c), = op.generator().pauli_rep.items()
            gates.append((word, -2 * c * op.data[0]))
    obs = PS({PW({0: "Z", 1: "Z"}): 1.0})
    for gen, t in reversed(gates):
        c, s = math.cos(t), math.sin(t)
        out = PS()
        for word, coeff in obs.items():
            if gen.commutes_with(word):
                out += PS({word: coeff})
            else:
                out += c * coeff * word + (1j * s * coeff) * (gen @ word)
        out.simplify(tol)
        obs = out
    diag = sum(coeff for word, coeff in obs.items() if all(p == "Z" for p in word.values()))
    return complex(diag) + len(obs)


def child(framework: str, repeats: int) -> dict:
    if framework.startswith("qsym"):
        import qsym as qml
    else:
        import pennylane as qml
    out = {}
    for name, (setup, run) in setup_rows(qml).items():
        data = setup()
        check = run(data)  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.process_time()
            run(data)
            times.append(time.process_time() - t0)
        out[name] = {"times": times, "check": [check.real, check.imag]}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="repeats per round (default 3)")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    ap.add_argument("--pl-python", default="/work/plvenv/bin/python")
    ap.add_argument("--out", help="write every sample as JSON here")
    ap.add_argument("--before", help="also time the qsym of this checkout (its root folder)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.repeats)))
        return
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               QSYM_TIER=os.environ.get("QSYM_TIER", "python"))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    pl_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    runs = [("qsym", sys.executable, env), ("pennylane", args.pl_python, pl_env)]
    if args.before:
        runs.insert(0, ("qsym-before", sys.executable, dict(env, PYTHONPATH=args.before)))
    samples = {fw: {} for fw, _, _ in runs}
    for _ in range(args.rounds):
        for fw, py, e in runs:
            res = subprocess.run([py, __file__, "--child", fw, "--repeats", str(args.repeats)],
                                 env=e, capture_output=True, text=True, check=True)
            for name, r in json.loads(res.stdout.strip().splitlines()[-1]).items():
                entry = samples[fw].setdefault(name, {"times": [], "check": r["check"]})
                entry["times"] += r["times"]
    before = "qsym before (ms) | " if args.before else ""
    lines = [f"| row | {before}qsym (ms) | PennyLane (ms) | PennyLane / qsym | same result |",
             "|---|" + "---:|" * (4 if args.before else 3) + "---|"]
    for name, q in samples["qsym"].items():
        p = samples["pennylane"][name]
        tq, tp = statistics.median(q["times"]), statistics.median(p["times"])
        checks = [q["check"]] + ([samples["qsym-before"][name]["check"]] if args.before else [])
        same = all(abs(a - b) <= 1e-9 * max(1.0, abs(b))
                   for c in checks for a, b in zip(c, p["check"]))
        old = (f"{1e3 * statistics.median(samples['qsym-before'][name]['times']):.2f} | "
               if args.before else "")
        lines.append(f"| {name} | {old}{1e3 * tq:.2f} | {1e3 * tp:.2f} | {tp / tq:.2f} | "
                     f"{'yes' if same else 'NO ' + str(checks) + ' vs ' + str(p['check'])} |")
    print(f"CPU time, median of {args.rounds * args.repeats} (rounds x repeats, alternating)")
    print("\n".join(lines))
    if args.out:
        Path(args.out).write_text(json.dumps(samples, indent=1))


if __name__ == "__main__":
    main()
