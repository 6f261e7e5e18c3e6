"""qml.draw following PennyLane 0.45.1's drawing rules (expected strings written by hand
from those rules: layers, ``┤↗X├`` boxes of Pauli product measurements, classical wires)."""
import warnings

import pytest

import qsym as qml


def _bell():
    qml.Hadamard(0)
    qml.CNOT(wires=[0, 1])
    return qml.expval(qml.PauliZ(1))


@pytest.mark.parametrize("level", [None, "device", 1, "user"])
def test_a_quantum_function_ignores_level_with_a_warning(level):
    with pytest.warns(UserWarning, match="the level argument is ignored"):
        drawer = qml.draw(_bell, level=level)
    # nothing to transform: drawn as written
    assert drawer() == "0: ──H─╭●─┤     \n1: ────╰X─┤  <Z>"


@pytest.mark.parametrize("level", ["gradient", "top", 0])
def test_a_quantum_function_at_the_default_levels_does_not_warn(level):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = qml.draw(_bell, level=level)()
    assert drawn == "0: ──H─╭●─┤     \n1: ────╰X─┤  <Z>"


def test_a_postselected_pauli_measurement_on_one_wire():
    # one layer each; the postselected outcome as a subscript before the Pauli letter
    def g():
        qml.pauli_measure("Y", wires=1, postselect=0)
        qml.X(1)
        return qml.sample(wires=1)

    assert qml.draw(g)() == "1: ──┤↗₀Y├──X─┤  Sample"


def test_a_statistic_of_a_pauli_product_measurement_reads_its_classical_wire():
    # bracketed over its wires, one letter per wire; the wires padded to the statistic's
    # column ("  Var[PPM]": 10 characters); the classical wire starts below the
    # first wire (╚) and ends at the statistic (╡), labelled PPM rather than MCM
    def f():
        qml.H(0)
        qml.H(1)
        m0 = qml.pauli_measure("ZX", wires=[0, 1])
        return qml.var(m0)

    assert qml.draw(f)() == (
        "0: ──H─╭┤↗Z├─┤          \n"
        "1: ──H─╰┤↗X├─┤          \n"
        "         ╚═══╡  Var[PPM]")


def test_a_pauli_product_measurement_is_still_refused_when_run():
    def f():
        qml.pauli_measure("X", wires=0)
        return qml.probs(wires=0)

    with pytest.raises(qml.errors.MeasurementError, match="Pauli product measurement"):
        qml.QNode(f, qml.device("default.qubit", wires=1))()


def test_a_subroutine_returning_a_measurement_is_one_box_its_classical_wire_starting_there():
    # the subroutine is drawn whole (not its H and measurement); it joins a classical wire,
    # so it covers the wires down to the last one and goes after X(1) (║ on wire 1); its
    # classical wire starts at it (╚) and ends at the statistic (╡)
    @qml.templates.Subroutine
    def g(wires):
        qml.H(wires[0])
        return qml.measure(wires[0])

    def d():
        qml.X(1)
        m = g((0,))
        return qml.probs(op=m)

    assert qml.draw(d)() == (
        "0: ─────g─┤            \n"
        "1: ──X──║─┤            \n"
        "        ╚═╡  Probs[MCM]")


def test_barrier_applied_with_qml_apply_is_drawn_where_applied():
    """A barrier made outside the circuit and applied there by ``qml.apply`` is drawn as one
    made there (expected strings: PennyLane 0.45.1's qml.draw, run in /work/plvenv)."""
    everywhere, pair = qml.Barrier(), qml.Barrier(wires=[0, 1])

    def after_mcm():
        qml.X(0)
        qml.X(1)
        m = qml.measure(0)
        qml.cond(m, qml.X)(0)
        qml.apply(everywhere)
        return qml.expval(qml.Z(0))

    def on_two():
        qml.X(0)
        qml.apply(pair)
        qml.Y(1)
        return qml.expval(qml.Z(0))

    assert qml.draw(after_mcm)() == ("0: ──X──┤↗├──X──||─┤  <Z>\n"
                                     "1: ──X───║───║──||─┤     \n"
                                     "         ╚═══╝           ")
    assert qml.draw(on_two)() == "0: ──X─╭||────┤  <Z>\n1: ────╰||──Y─┤     "
