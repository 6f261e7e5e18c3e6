"""Many starts, a data-parallel fit and a sweep on a local Dask cluster (docs/distributed.md).

Needs the optional extra: pip install -e ".[distributed]". The two worker processes get
the circuit's exported module (numpy and numba only); the results are checked against
the same runs in this one process.
"""

import numpy as onp
from distributed import Client, LocalCluster

import qsym as qml

dev = qml.device("default.qubit", wires=1)


@qml.qnode(dev)
def circuit(w):
    qml.RY(w[0], wires=0)
    qml.RX(w[1], wires=0)
    return qml.expval(qml.PauliZ(0))  # cos(w0) cos(w1): minimum -1


@qml.qnode(dev)
def model(w, x=0.0):
    qml.RY(x, wires=0)
    qml.RY(w[0], wires=0)
    return qml.expval(qml.PauliZ(0))  # cos(x + w0)


def main():
    rng = onp.random.default_rng(0)
    starts = rng.uniform(-1.5, 1.5, (8, 2))
    X = onp.linspace(0.0, 1.0, 16)
    Y = onp.cos(X + 0.5)  # the model with w0 = 0.5
    opt = qml.AdamOptimizer(0.1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        print("workers:", len(client.scheduler_info()["workers"]))
        res = qml.minimize(circuit, starts, multistart=True, steps=200, optimizer=opt,
                           executor=client)
        print(res.message)
        print("best start:", res.best.x.round(6), "cost", round(res.best.fun, 8))
        fit = qml.minimize(model, [0.0], data={"x": X}, targets=Y, steps=150,
                           optimizer=qml.AdamOptimizer(0.05), executor=client)
        print(fit.message)
        print("fitted w0:", round(float(fit.x[0]), 3))
        params = rng.uniform(-onp.pi, onp.pi, (2000, 2))
        values, grads = qml.sweep(circuit, params, executor=client)
        print("sweep:", values.shape, grads.shape)

    # the same runs in this process
    one = qml.minimize(circuit, starts, multistart=True, steps=200, optimizer=opt)
    assert onp.array_equal(one.x, res.x), "multistart differs from the one-process run"
    fit1 = qml.minimize(model, [0.0], data={"x": X}, targets=Y, steps=150,
                        optimizer=qml.AdamOptimizer(0.05))
    assert onp.allclose(fit1.x, fit.x, atol=1e-12, rtol=0)
    assert abs(fit.x[0] - 0.5) < 1e-3
    assert onp.allclose(values, onp.cos(params[:, 0]) * onp.cos(params[:, 1]), atol=1e-14)
    assert onp.all(res.fun < -0.999)
    print("checks passed")


if __name__ == "__main__":  # the worker processes import this file: keep work below
    main()
