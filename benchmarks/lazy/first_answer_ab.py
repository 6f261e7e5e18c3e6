"""Before/after of a new circuit's first answer, interleaved fresh processes (issue #17).

Each sample copies a warm cache folder to a new one (the kernel library compiled, no
circuit cached) and runs first_answer_stages.py in a new process with the given qsym tree;
the trees alternate, the order reversed every round. Medians of the first answer's process
CPU, calling thread CPU and wall time (import excluded).

    python benchmarks/lazy/first_answer_ab.py --case hea12x8:grad --rounds 7 \\
        before=/work/main:/tmp/lead/cache after=/work/wt-x:/tmp/x/warm
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEYS = ("first answer (process)", "first answer (thread)", "first answer (wall)")


def sample(tree: str, warm: str, case: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cache"
        shutil.copytree(warm, folder, symlinks=True)
        env = dict(os.environ, PYTHONPATH=tree, QSYM_CACHE_DIR=str(folder),
                   NUMBA_NUM_THREADS=os.environ.get("NUMBA_NUM_THREADS", "1"))
        env.pop("QSYM_TIER", None)
        out = subprocess.run([sys.executable, str(HERE / "first_answer_stages.py"), case],
                             env=env, capture_output=True, text=True, timeout=600, check=True)
        return json.loads(out.stdout[out.stdout.index("{"):])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--case", default="hea12x8:grad")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--stages", action="store_true",
                   help="also every timed stage's median (ms of the calling thread; a stage "
                        "a tree does not run is '-')")
    p.add_argument("trees", nargs="+", help="label=qsym_tree:warm_cache_folder")
    a = p.parse_args()
    trees = [(t.split("=")[0], *t.split("=", 1)[1].split(":")) for t in a.trees]
    got = {label: [] for label, _, _ in trees}
    answers = {}
    for r in range(a.rounds):
        for label, tree, warm in (trees if r % 2 == 0 else trees[::-1]):
            res = sample(tree, warm, a.case)
            got[label].append(res)
            answers.setdefault(label, res["answer (sum)"])
    print(f"{a.case}, {a.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    for label, res in got.items():
        cells = "  ".join(
            f"{k.split('(')[1][:-1]} {statistics.median(r[k] for r in res):7.2f} ms "
            f"[{min(r[k] for r in res):.1f}-{max(r[k] for r in res):.1f}]" for k in KEYS)
        print(f"{label:8s} {cells}  answer {answers[label]!r}")
    if a.stages:
        names = []
        for res in got.values():
            for r in res:
                names += [k for k, v in r.items() if isinstance(v, float) and k not in names
                          and k not in KEYS and k != "answer (sum)"]
        print("| stage (ms, median) | " + " | ".join(got) + " |")
        print("|---|" + "---:|" * len(got))
        for name in names:
            cells = []
            for res in got.values():
                vals = [r[name] for r in res if name in r]
                cells.append(f"{statistics.median(vals):.2f}" if vals else "-")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
