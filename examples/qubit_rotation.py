"""PennyLane's "Basic tutorial: qubit rotation", run with qsym, then as one compiled loop.

The tutorial rotates one qubit from |0> to |1> by minimizing <Z> after RX and RY, with
gradient descent (step size 0.4) from [0.011, 0.012] for 100 steps: the cost goes to -1
and the angles to [0, pi]. The first half is the tutorial's own loop (``opt.step``, one
Python step at a time); the second is ``qml.minimize``, the same optimizer with every
step inside compiled code. Both give the same iterates. Run it with

    python examples/qubit_rotation.py
"""

import qsym as qml
from qsym import numpy as np

dev1 = qml.device("default.qubit", wires=1)


@qml.qnode(dev1)
def circuit(params):
    qml.RX(params[0], wires=0)
    qml.RY(params[1], wires=0)
    return qml.expval(qml.PauliZ(0))


def cost(x):
    return circuit(x)


init_params = np.array([0.011, 0.012], requires_grad=True)
print("cost at the initial angles:", cost(init_params))

# the tutorial's loop: PennyLane's GradientDescentOptimizer, one step at a time
opt = qml.GradientDescentOptimizer(stepsize=0.4)
steps = 100
params = init_params
trajectory = [params]
for i in range(steps):
    params = opt.step(circuit, params)
    trajectory.append(params)
    if (i + 1) % 5 == 0:
        print("Cost after step {:5d}: {: .7f}".format(i + 1, cost(params)))
print("Optimized rotation angles: {}".format(params))

# the same optimization as one compiled loop
res = qml.minimize(circuit, init_params, optimizer=qml.GradientDescentOptimizer(stepsize=0.4),
                   steps=steps)
print()
print(res)
print("qml.minimize: angles", res.x, "cost", res.fun)
print(f"{res.steps_per_second:,.0f} steps per second in the compiled loop "
      f"(compile or cache load: {res.compile_time:.2f} s)")

# the checks
assert res.compiled and res.nit == steps
assert abs(res.fun - -1.0) < 1e-12 and abs(float(cost(params)) - -1.0) < 1e-12
assert np.allclose(res.x, [0.0, np.pi], atol=1e-8)
assert np.max(np.abs(res.x - params)) <= 1e-12  # the same iterates as opt.step
for k in (1, 10, 50):  # ... at every step, e.g. these
    part = qml.minimize(circuit, init_params, optimizer=opt, steps=k)
    assert np.max(np.abs(part.x - trajectory[k])) <= 1e-12
print("checks passed")
