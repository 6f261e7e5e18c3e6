"""Where the suite's CPU goes (issue #17): a pytest plugin, off by default.

``python -m pytest --cpu-profile=DIR`` (tests/conftest.py loads it; with the ``=``: a separate
``DIR`` would be taken by the xdist workers for a path to test) writes one JSON line per
test and per process into ``DIR/<process>.jsonl``: the process CPU (user + system) of the
test's setup, call and teardown, its children's (the subprocesses it waited for: scripts,
exports, compile jobs; ``resource.getrusage(RUSAGE_CHILDREN)``, which counts a child only
once it has been waited for), the CPU spent inside numba's compiles (``numba:compile``
events), in all and per kind (the kernel library, circuit modules' written-out bodies,
other generated functions: :func:`_kind_of`),
whether it is a hypothesis test, and its wall time; each process also writes its start-up
and collection, and its total at the end (the controller's children: the kernel library's
compile processes). Wall times on a shared machine are noise; process CPU is not (quite).

``python tests/cpu_profile.py DIR [--top N] [--compiles]`` sums them per process, kind and
file, and lists the costliest tests (``--compiles``: with each one's numba compiles, function
by function). (It replaces benchmarks/cpu_profile_plugin.py, stop 64's per-test form.)
"""

import json
import os
import resource
import sys
import threading
import time


def _cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _kind_of(dispatcher) -> str:
    """What a numba compile compiles: qsym's kernel library, a circuit module's written-out
    entry point (straight-line code), another function of a generated module (circuit,
    loop or export), or something else."""
    fn = getattr(dispatcher, "py_func", None)
    module = getattr(fn, "__module__", "") or ""
    if module.startswith("qsym._kernels"):
        return "kernel library"
    mod = sys.modules.get(module)
    if mod is not None and getattr(mod, "__file__", "") and "qsym_gen" in module:
        name = getattr(fn, "__name__", "")
        if ((getattr(mod, "UNROLLED", False) and name in (
                "fused_value_into", "fused_value_and_grad_into"))
                or (getattr(mod, "ADJOINT_UNROLLED", False)
                    and name == "fused_value_and_grad_adjoint_into")):
            return "written-out"
        return "generated module"
    if module.startswith("qsym"):
        return "qsym other"
    return "other"


class _NumbaCompileClock:
    """The thread CPU spent inside numba's compiles (``numba:compile`` events), in total
    (the outermost ones) and per kind of function (:func:`_kind_of`; a callee compiled for
    its caller counts for its own kind, not its caller's)."""

    def __init__(self):
        self.total = 0.0
        self.kinds = {}
        self.compiles = []  # [function, its own thread CPU, nesting depth], in order
        self._local = threading.local()

    def install(self):
        from numba.core import event

        clock = self

        class Listener(event.Listener):
            def on_start(self, ev):
                stack = clock._stack()
                disp = (ev.data or {}).get("dispatcher")
                stack.append([time.thread_time(), 0.0, _kind_of(disp), disp])

            def on_end(self, ev):
                stack = clock._stack()
                if not stack:
                    return
                start, inner, kind, disp = stack.pop()
                spent = time.thread_time() - start
                clock.kinds[kind] = clock.kinds.get(kind, 0.0) + spent - inner
                fn = getattr(disp, "py_func", None)
                clock.compiles.append(
                    [f"{getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', disp)}",
                     round(spent - inner, 3), len(stack)])
                if stack:
                    stack[-1][1] += spent
                else:
                    clock.total += spent

        self._listener = Listener()
        event.register("numba:compile", self._listener)

    def uninstall(self):
        from numba.core import event

        event.unregister("numba:compile", self._listener)

    def _stack(self):
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack


class CpuProfile:
    """The plugin (registered by tests/conftest.py under ``--cpu-profile DIR``)."""

    def __init__(self, folder, name):
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, f"{name}.jsonl")
        self.name = name
        self.numba = _NumbaCompileClock()
        self.numba.install()
        self._file = open(self.path, "a", buffering=1)
        self._write(kind="start", self_cpu=_cpu(resource.RUSAGE_SELF),
                    children_cpu=_cpu(resource.RUSAGE_CHILDREN), numba=self.numba.total)

    def _write(self, **record):
        record["process"] = self.name
        record["t"] = time.time()
        self._file.write(json.dumps(record) + "\n")

    def pytest_collection(self, session):  # (inside tests/conftest.py's wait, if any)
        self._write(kind="collecting", self_cpu=_cpu(resource.RUSAGE_SELF),
                    children_cpu=_cpu(resource.RUSAGE_CHILDREN), numba=self.numba.total)

    def pytest_collection_finish(self, session):
        self._write(kind="collected", n=len(session.items),
                    self_cpu=_cpu(resource.RUSAGE_SELF),
                    children_cpu=_cpu(resource.RUSAGE_CHILDREN), numba=self.numba.total)

    def pytest_runtest_protocol(self, item, nextitem):
        item._cpu_profile = (_cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN),
                             self.numba.total, time.perf_counter(), dict(self.numba.kinds),
                             len(self.numba.compiles))

    def pytest_runtest_makereport(self, item, call):
        if call.when != "teardown" or not hasattr(item, "_cpu_profile"):
            return
        s, c, n, w, kinds, first = item._cpu_profile
        fn = getattr(item, "obj", None)
        now = self.numba.kinds
        self._write(kind="test", nodeid=item.nodeid,
                    self_cpu=_cpu(resource.RUSAGE_SELF) - s,
                    children_cpu=_cpu(resource.RUSAGE_CHILDREN) - c,
                    numba=self.numba.total - n, wall=time.perf_counter() - w,
                    numba_kinds={k: v - kinds.get(k, 0.0) for k, v in now.items()
                                 if v - kinds.get(k, 0.0) > 0.0005},
                    compiles=self.numba.compiles[first:],
                    hypothesis=bool(getattr(fn, "is_hypothesis_test", False)))
        del self.numba.compiles[first:]

    def close(self):
        self._write(kind="end", self_cpu=_cpu(resource.RUSAGE_SELF),
                    children_cpu=_cpu(resource.RUSAGE_CHILDREN), numba=self.numba.total)
        self._file.close()
        del self.numba.compiles[:]


def register(config):
    """Register the plugin if ``--cpu-profile`` was given (tests/conftest.py)."""
    folder = config.getoption("cpu_profile", None)
    if not folder:
        return
    worker = getattr(config, "workerinput", None)
    name = worker["workerid"] if worker else (
        "controller" if getattr(config.option, "numprocesses", None) else "main")
    plugin = CpuProfile(os.path.abspath(folder), f"{name}-{os.getpid()}")
    config.pluginmanager.register(plugin, "qsym-cpu-profile")
    config.add_cleanup(plugin.close)


def _file_of(nodeid):
    return nodeid.split("::", 1)[0]


def summary(folder, top=30, compiles=False):
    """The report's text: per process, per kind and per file (the ``top`` costliest);
    ``compiles``: under each of the ``top`` tests, its numba compiles (each function's own
    thread CPU; a callee indented, listed before its caller)."""
    tests, procs = [], {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(folder, name)) as f:
            for line in f:
                r = json.loads(line)
                if r["kind"] == "test":
                    tests.append(r)
                else:
                    procs.setdefault(r["process"], {})[r["kind"]] = r
    lines = ["process: start-up | collection | tests | end total (self + children, s of CPU)"]
    for name, p in sorted(procs.items()):
        def total(k):
            return p[k]["self_cpu"] + p[k]["children_cpu"] if k in p else float("nan")
        mine = [t for t in tests if t["process"] == name]
        in_tests = sum(t["self_cpu"] + t["children_cpu"] for t in mine)
        wait = ""
        if mine and "collected" in p and "t" in p["collected"]:  # wall: the kernel library
            wait = f", first test {min(t['t'] - t['wall'] for t in mine) - p['collected']['t']:.0f} s after collection"
        lines.append(f"  {name}: {total('start'):.1f} | "
                     f"{total('collected') - total('start'):.1f} | {in_tests:.1f} | "
                     f"{total('end'):.1f} (children {p.get('end', {}).get('children_cpu', 0):.1f},"
                     f" numba {p.get('end', {}).get('numba', 0):.1f}){wait}")
    own = sum(t["self_cpu"] for t in tests)
    kids = sum(t["children_cpu"] for t in tests)
    numba = sum(t["numba"] for t in tests)
    hyp = sum(t["self_cpu"] + t["children_cpu"] for t in tests if t["hypothesis"])
    lines += ["", f"tests: {len(tests)}; CPU {own + kids:.1f} s = in process {own:.1f} "
              f"(numba compiles {numba:.1f}) + subprocesses {kids:.1f}; hypothesis tests "
              f"{hyp:.1f}"]
    kinds = {}
    for t in tests:
        for k, v in t.get("numba_kinds", {}).items():
            kinds[k] = kinds.get(k, 0.0) + v
    if kinds:
        lines.append("numba compiles by kind: " + ", ".join(
            f"{k} {v:.1f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
    files = {}
    for t in tests:
        f = files.setdefault(_file_of(t["nodeid"]), [0, 0.0, 0.0, 0.0, 0.0])
        f[0] += 1
        f[1] += t["self_cpu"] + t["children_cpu"]
        f[2] += t["numba"]
        f[3] += t["children_cpu"]
        f[4] += t["wall"]
    lines += ["", f"top {top} files: CPU s (numba, subprocesses), tests, wall s"]
    for name, (n, cpu, nb, ch, wall) in sorted(files.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"  {cpu:7.1f} ({nb:6.1f}, {ch:6.1f}) {n:5d} {wall:7.1f}  {name}")
    lines += ["", f"top {top} tests: CPU s (numba, subprocesses)"]
    for t in sorted(tests, key=lambda t: -(t["self_cpu"] + t["children_cpu"]))[:top]:
        lines.append(f"  {t['self_cpu'] + t['children_cpu']:7.1f} ({t['numba']:6.1f}, "
                     f"{t['children_cpu']:6.1f})  {t['nodeid']}")
        if compiles:  # (listed as they ended: a callee before its caller)
            lines += [f"{'':26}{'  ' * depth}{spent:6.2f} {name}"
                      for name, spent, depth in t.get("compiles", ())]
    return "\n".join(lines)


if __name__ == "__main__":
    args = sys.argv[1:]
    n = 30
    listing = "--compiles" in args
    if listing:
        args.remove("--compiles")
    if "--top" in args:
        i = args.index("--top")
        n = int(args[i + 1])
        del args[i:i + 2]
    print(summary(args[0], n, listing))
