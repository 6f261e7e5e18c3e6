"""Ahead of time, step 2: use the exported gradient from a plain script (no qsym).

Run examples/aot_export.py first. This script does not import qsym; it imports the
exported module (numpy and numba only) and runs gradient descent with it.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent / "build"))
import seed_grad  # noqa: E402  (the exported module)

print("exported by qsym", seed_grad.QSYM_VERSION, "circuit", seed_grad.CIRCUIT_HASH[:12])
print("grad at [0.54, 0.12]:", seed_grad.grad([0.54, 0.12]).tolist())

# gradient descent on <Z> = cos(a) cos(b), as in the qubit-rotation tutorial: -> -1 at (0, pi)
params = np.array([0.011, 0.012])
for step in range(100):
    params = params - 0.4 * seed_grad.grad(params)
print("after 100 steps: params", params.round(6).tolist(), "cost", round(float(seed_grad.value(params)), 9))
print("qsym imported:", sys.modules.get("qsym") is not None)
