"""Issue #17: after ``qsym warmup``, a first use compiles no function of the kernel library.

``qsym warmup`` compiled the library's entry points only; a small circuit's compiled
module links ``program_value_and_grad_small_into`` (its fused gradient) and a loop module
of ``qsym.minimize`` with the adjoint method links ``adjoint_step_into`` (the kernels' step
of a circuit too large to write out): each was compiled at its first use, 5-6 s of numba.
Here a cache folder holds the library's entry points and warmup's extra steps (seeded
from this session's cache, which tests/conftest.py fills with the same steps, or else
``_cli.warmup_extra`` run here in a first process); a fresh process compiles a new circuit
(``QSYM_TIER=compiled``: in the caller) and numba's own counters say what it compiled:
the circuits' generated modules, and no function of ``qsym._kernels``. The answers are
checked against closed forms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_WARMUP = '''
from qsym import _cli
for name in ("program_value_and_grad_small_into", "adjoint_step_into"):
    _cli.warmup_extra(name)
'''

_FIRST_USE = '''
import json
import numpy as onp
import qsym as qml
from qsym import _kernels as kernels, _minimize as minimize, numpy as np

# the kernels' step, as for a circuit too large for the written-out step and the adjoint
# sweep (more than SWEEP_MAX_OPS operations): the bounds lowered, a small circuit compiles
minimize.STEP_MAX_OPS = minimize.SWEEP_MAX_OPS = 0

def small(x):  # a circuit no warmup step compiles (its own module)
    qml.RY(x[0], wires=0)
    qml.RX(x[1], wires=1)
    qml.CZ(wires=[0, 1])
    return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

node = qml.QNode(small, qml.device("default.qubit", wires=2), diff_method="adjoint")
x0 = onp.array([0.37, -0.81])
entry = node.compiled((np.array(x0, requires_grad=True),), {})[0]
# the fused gradient entry point a small circuit's calls reach (Compiled._fused)
out, jac = onp.empty(1), onp.empty((1, 2))
entry.module.fused_value_and_grad_into(x0.copy(), onp.zeros(0), out, jac)
linked = ("import program_value_and_grad_small_into as _q_program_value_and_grad_fused_into"
          in entry.source)
res = qml.minimize(node, x0, steps=3)
form = minimize.step_form(entry, "adjoint")[0]
missed = sorted(name for name, disp in vars(kernels).items()
                if hasattr(disp, "stats") and getattr(disp, "__module__", "") == kernels.__name__
                and sum(disp.stats.cache_misses.values()))
print(json.dumps({"value": float(out[0]), "grad": jac[0].tolist(), "linked": linked,
                  "form": form, "compiled": bool(res.compiled),
                  "x": onp.asarray(res.x).ravel().tolist(), "missed": missed}))
'''


def _run(script, folder, **env_vars):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "QSYM_TIER", "QSYM_WARMUP")}
    env["PYTHONPATH"] = os.pathsep.join([ROOT, env.get("PYTHONPATH", "")])
    env.update(QSYM_CACHE_DIR=str(folder), QSYM_QUIET="1", **env_vars)
    out = subprocess.run([sys.executable, "-c", script], check=False, env=env,
                         capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_after_warmup_a_first_use_compiles_no_kernel(tmp_path):
    """After warmup's steps, a new small circuit's compiled fused gradient and a first
    ``minimize`` with the adjoint method on the kernels' step compile only their own
    modules (numba's cache-miss counters of every kernel library function are zero).
    Before, both compiled their kernels at that first use (``program_value_and_grad_small_into``;
    ``adjoint_step_into``, ``_adjoint_into_flat``, ``adjoint_step1_real``)."""
    import numpy as onp
    from conftest import seed_kernel_cache

    from qsym import _cache as cache

    folder = tmp_path / "cache"
    seed_kernel_cache(folder)
    kernel_dir = cache.kernel_cache_dir(folder)
    if not all(list(kernel_dir.glob(f"_kernels.{name}-*.nbi"))
               for name in ("program_value_and_grad_small_into", "adjoint_step_into")):
        _run(_WARMUP, folder, QSYM_WARMUP="0")  # (a session without the kernel compile)
    got = json.loads(_run(_FIRST_USE, folder, QSYM_TIER="compiled", QSYM_WARMUP="0"))
    assert got["missed"] == [], got["missed"]
    # the first uses did run the kernels in question
    assert got["linked"] and got["form"] == "kernels" and got["compiled"], got
    # <Z0 Z1> after RY(a) on 0, RX(b) on 1 and CZ (diagonal): cos a cos b
    a, b = 0.37, -0.81
    assert abs(got["value"] - onp.cos(a) * onp.cos(b)) < 1e-12
    onp.testing.assert_allclose(got["grad"], [-onp.sin(a) * onp.cos(b),
                                              -onp.cos(a) * onp.sin(b)], atol=1e-12)
    # three steps of gradient descent (step size 0.01, the default optimizer) by the closed
    # form's gradient
    x = onp.array([a, b])
    for _ in range(3):
        x = x - 0.01 * onp.array([-onp.sin(x[0]) * onp.cos(x[1]),
                                  -onp.cos(x[0]) * onp.sin(x[1])])
    onp.testing.assert_allclose(got["x"], x, atol=1e-12)


def test_warmup_lists_the_kernels_the_session_compiles_apart():
    """``qsym warmup``'s extra steps are exactly the kernels the test session compiles
    apart from the warmup entry points (conftest.EXTRA_KERNELS and LATE_KERNELS), and
    each has a step that compiles it (an unknown name is an error, not silence)."""
    import pytest
    from conftest import EXTRA_KERNELS, LATE_KERNELS

    from qsym import _cli

    extra = [k for _, k in _cli._WARMUP_EXTRA_STEPS]
    assert sorted(extra) == sorted(EXTRA_KERNELS + LATE_KERNELS)
    assert not set(extra) & {k for _, k in _cli._WARMUP_STEPS}
    with pytest.raises(ValueError, match="no step compiles"):
        _cli.warmup_extra("program_value_into")
