"""The lowered program (qsym.program): its packed layout against the one declaration
(kernels.PROGRAM_SECTIONS), the kernels' offsets against it, the unroller's gate-kind table,
and the consumers (shots, second order) on the kernels' shift-term walk."""

import dataclasses
import inspect
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import qsym as qml
from qsym import _emit as emit, _kernels as kernels, _program as program, _shots as shots
from qsym._ir import Circuit, Measurement, Op
from qsym._plan import make_plan
from qsym._shapes import flat

a, b = sp.symbols("a b", real=True)
# every section non-empty: ops on 1-3 wires, X/Y/Z words, a zero-shift term (CRX's four-term
# rule has none; PhaseShift's two terms are shifted), constant and non-constant chain
# factors, a coefficient depending on an input, probabilities, adjoint slots
CIRCUIT = Circuit(
    3,
    (Op("RX", (0,), (2 * a,)), Op("CNOT", (0, 1)), Op("CRX", (1, 2), (a * b,)),
     Op("Toffoli", (0, 1, 2)), Op("PhaseShift", (2,), (b,))),
    (Measurement("expval", ((a, ((0, "Y"), (1, "X"))), (sp.S(1), ((2, "Z"),)))),
     Measurement("probs", (), on=(0,))),
    inputs=(a, b),
)


def _lowered():
    return program.lower(CIRCUIT, make_plan(CIRCUIT))


def test_pack_follows_the_declared_sections():
    """Every section of kernels.PROGRAM_SECTIONS is packed where the header says, as long
    as the product of its header fields, with the Program field's numbers; unpack_program
    returns them in declaration order; the section numbers S_* are their positions."""
    p = _lowered()
    ints, floats = p.pack()
    nh = len(kernels.HEADER_FIELDS)
    sizes = dict(zip(kernels.HEADER_FIELDS, ints[:nh]))
    assert sizes == {"n": 3, "ops": 5, "maxw": 3, "words": len(p.word_flip),
                     "terms": len(p.term_op), "chain": len(p.ch_slot), "cc": len(p.cc_m),
                     "slots": 3, "inputs": 2, "outputs": p.num_outputs, "adj": len(p.adj_op)}
    parts = kernels.unpack_program(ints)
    assert len(parts) == len(kernels.PROGRAM_SECTIONS)
    o = kernels.HEADER
    for i, (name, dims) in enumerate(kernels.PROGRAM_SECTIONS):
        assert getattr(kernels, "S_" + name.upper()) == i
        length = int(np.prod([ints[h] for h in dims]))
        assert length > 0, name  # the circuit above fills every section
        assert ints[nh + i] == o  # the header's start of section i
        assert kernels._start.py_func(ints, i) == o
        expected = np.asarray(getattr(p, name), dtype=np.int64).reshape(-1)
        np.testing.assert_array_equal(ints[o : o + length], expected)
        np.testing.assert_array_equal(np.asarray(parts[i]).reshape(-1), expected)
        o += length
    assert ints[nh + len(kernels.PROGRAM_SECTIONS)] == o == ints.shape[0]
    assert parts[kernels.S_OP_WIRES].shape == (5, 3)
    np.testing.assert_array_equal(floats, p.term_coeff)
    assert kernels.FLOAT_SECTIONS == ("term_coeff",)


def test_small_kernel_reads_sections_by_the_declaration():
    """program_value_and_grad_small_into reads the sections at their declared starts (no
    layout arithmetic of its own): its source names each section's S_* number, and it
    gives the serial kernel's numbers (bits) on a circuit it runs itself."""
    src = inspect.getsource(kernels.program_value_and_grad_small_into.py_func)
    assert "HEADER +" not in src and "o_wy + nw" not in src
    for name in ("OP_NW", "OP_KIND", "OP_OFF", "WORD_FLIP", "TERM_OP", "TERM_SLOT",
                 "TERM_ZERO", "TERM_OFF", "CH_SLOT", "CH_X", "CC_M", "CC_W", "CC_X"):
        assert f"S_{name})" in src
    # no probabilities: the small kernel runs it itself (not the serial kernel)
    c = dataclasses.replace(CIRCUIT, measurements=CIRCUIT.measurements[:1])
    plan = make_plan(c)
    mod = _module(c, plan)
    x, d = np.array([0.4, -0.9]), np.zeros(0)
    mats, smats, ch, C, cc, _ = mod.prepare(x, d, 1)
    out, jac = np.empty(1), np.empty((1, 2))
    kernels.program_value_and_grad_small_into(*mod.PROGRAM, mats, smats, ch, C, cc, out, jac)
    from conftest import kernel_returning

    ref = kernel_returning(kernels.program_value_and_grad_into)(*mod.PROGRAM, mats, smats, ch,
                                                               C, cc)
    value = kernel_returning(kernels.program_value_into)
    assert out.tolist() == ref[0].tolist() and jac.tolist() == ref[1].tolist()
    # against finite differences of the value
    h = 1e-6
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        # C depends on a = x[0]: the derivative of the coefficient enters too
        Cp, Cm = mod.prepare(x + e, d, 0)[3], mod.prepare(x - e, d, 0)[3]
        vp = value(*mod.PROGRAM, mod.prepare(x + e, d, 0)[0], Cp)
        vm = value(*mod.PROGRAM, mod.prepare(x - e, d, 0)[0], Cm)
        assert jac[0, j] == pytest.approx((vp[0] - vm[0]) / (2 * h), abs=1e-7)
    # the programs it does not run (probabilities, fused tails from FUSE_MIN_WIRES wires)
    # it refuses, and small_gradient_runs says so: the generated module links the serial
    # kernel for them instead (the small kernel does not call it: issue #17)
    ints, floats = (a.copy() for a in mod.PROGRAM)
    flip, z = kernels.unpack_program(ints)[4:6]
    assert kernels.small_gradient_runs(int(ints[kernels.H_N]), flip, z)
    for field, value in (("flip", kernels.PROB_WORD), ("n", kernels.FUSE_MIN_WIRES)):
        bad = ints.copy()
        bflip, bz = kernels.unpack_program(bad)[4:6]
        if field == "flip":
            bflip[0] = value
        else:
            bad[kernels.H_N] = value
        assert not kernels.small_gradient_runs(int(bad[kernels.H_N]), bflip, bz)
        with pytest.raises(ValueError, match="call program_value_and_grad_into"):
            kernels.program_value_and_grad_small_into(bad, floats, mats, smats, ch, C, cc, out,
                                                      jac)
    # the small value kernel likewise (a probability: program_value_into runs it; stop 61)
    assert kernels.small_value_runs(flip, z)
    bad = ints.copy()
    bflip, bz = kernels.unpack_program(bad)[4:6]
    bflip[0] = kernels.PROB_WORD
    assert not kernels.small_value_runs(bflip, bz)
    assert not kernels.small_value_runs([0, 0, 0], [1, 2, 4])  # SINGLE_Z_TREE single Z's
    with pytest.raises(ValueError, match="call program_value_into"):
        kernels.program_value_small_into(bad, floats, mats, C, np.empty(1))


_MODULES = {}


def _module(c, plan):
    from qsym import _cache as cache

    key = id(c)
    if key not in _MODULES:
        _MODULES[key] = cache.load_module(emit.emit_module(c, plan))
    return _MODULES[key]


def test_pack_refuses_a_section_of_the_wrong_length():
    p = _lowered()
    bad = dataclasses.replace(p, term_slot=p.term_slot[:-1])
    with pytest.raises(AssertionError, match="term_slot"):
        bad.pack()


def test_format_program_lists_every_part():
    text = program.format_program(_lowered())
    lines = text.splitlines()
    assert lines[0] == "program on 3 wires: 2 inputs, 0 data, 3 outputs, 9 circuits per gradient"
    assert "  op 1: const controlled_x wires [0, 1] mats[4:20]" in lines
    assert any(line.startswith("  op 2: CRX dense wires [1, 2]") and "<code: a*b>" in line
               for line in lines)
    assert "  output 0 = <a>*w0 + 1.0*w1" in lines
    assert "  output 1 = w2" in lines and "  output 2 = w3" in lines
    assert "  coefficient chain 0: d C[0, 0] / d x[0] = 1" in lines
    assert sum(line.startswith("  term ") for line in lines) == len(_lowered().term_op)


def test_every_gate_kind_has_a_row_and_its_kernels_exist():
    """GATE_KINDS: every storage kind on 1, 2 and 3 wires has a row; each row's kernels
    are kernels of qsym.kernels that apply_row calls; only the many-wire kinds are not
    written out."""
    apply_row = inspect.getsource(kernels.apply_row.py_func)
    for kind in program.KIND.values():
        for wires in (1, 2, 3):
            form = emit.written_form(kind, wires)
            assert (form is None) == (kind in (kernels.PAULI, kernels.PCPHASE))
    for kind, _, names, _ in emit.GATE_KINDS:
        for name in names:
            assert callable(getattr(kernels, name)) and f"{name}(" in apply_row


# --- consumers: shots and second order on the kernels' walk ------------------------------
dev = qml.device("default.qubit", wires=2)


@qml.qnode(dev)
def circuit(w):
    qml.RX(w[0], wires=0)
    qml.CRX(w[1] * w[0], wires=[0, 1])
    qml.RY(w[1], wires=1)
    return (qml.expval(qml.Hamiltonian([w[0]], [qml.PauliZ(0) @ qml.PauliX(1)])),
            qml.probs(wires=[1]))


W = np.array([0.7, -0.4])


def test_lowered_program_is_the_generated_modules():
    entry = circuit.compiled((W,), {})[0]
    p = program.lowered(entry)
    assert program.lowered(entry) is p  # once per compiled signature
    ints, floats = p.pack()
    np.testing.assert_array_equal(ints, entry.module.PROGRAM[0])
    np.testing.assert_array_equal(floats, entry.module.PROGRAM[1])


_UNPACK = re.compile(r"^\s*([\w ]+(?:,[\w ]+)+) = (?:(?:\w+\.)+_?)?prepare(?:_adjoint)?\(", re.M)


def _prepare_unpackings():
    root = Path(program.__file__).parent
    return [(f.name, [n.strip() for n in m.group(1).split(",")])
            for f in sorted(root.glob("*.py")) for m in _UNPACK.finditer(f.read_text())]


def test_prepare_unpackings_follow_the_declared_fields():
    """The 6-tuple of ``prepare`` is named once (program.Prepared); every place that
    unpacks the plain tuple (the hot paths, the generated code's templates) uses those
    names in that order (``_`` for one not used; the second is ``extra``/``dmats`` where
    the mode decides what it holds)."""
    fields = program.Prepared._fields
    found = _prepare_unpackings()
    assert len(found) >= 10, found  # emit's templates, aot's, the runtime's
    for where, names in found:
        assert len(names) == len(fields), (where, names)
        for i, (n, f) in enumerate(zip(names, fields)):
            assert n in (f, "_") or (i == 1 and n in ("extra", "dmats")), (where, names)
    bad = [("x.py", ["mats", "ch", "smats", "C", "cc", "th"])]
    assert any(n not in (f, "_") for n, f in zip(bad[0][1], fields))
    # the generated prepare returns the plain tuple in that order
    entry = circuit.compiled((W,), {})[0]
    assert "    return " + ", ".join(fields) + "\n" in entry.source
    raw = entry.module.prepare(W, np.zeros(0), 1)
    named = entry.prepare(W, np.zeros(0), 1)
    assert type(raw) is tuple and isinstance(named, program.Prepared)
    for f, r in zip(fields, raw):
        np.testing.assert_array_equal(getattr(named, f), r)
    p = program.lowered(entry)
    assert named.mats.shape[0] == len(p.mats0) and named.smats.shape[0] == p.num_smats


def test_sampled_parameter_shift_is_the_kernels_walk(monkeypatch):
    """With every sampled word replaced by its exact value, the shots gradient is the
    kernels' parameter-shift gradient, bit for bit: the same terms, the same sums, the same
    chain-rule finish."""
    entry = circuit.compiled((W,), {})[0]
    sampler = shots.Sampler(entry)

    def exact(mats, n, rng):
        out = np.empty(sampler.masks[0].shape[0])
        kernels.pauli_expvals(sampler.state(mats), *sampler.masks, out)
        return out

    monkeypatch.setattr(sampler, "estimate_words", exact)
    x, d = flat([W]), np.zeros(0)
    out, jac = sampler.parameter_shift(x, d, 100, None)
    from conftest import kernel_returning

    ref_out, ref_jac = kernel_returning(kernels.program_value_and_grad_into)(
        *entry.module.PROGRAM, *entry.module.prepare(x, d, 1)[:5])
    assert out.tolist() == ref_out.tolist() and jac.tolist() == ref_jac.tolist()
    # and central differences of the value
    h = 1e-6

    def value(v):
        mats, _, _, C, _, _ = entry.module.prepare(v, d, 0)
        return kernel_returning(kernels.program_value_into)(*entry.module.PROGRAM, mats, C)

    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        np.testing.assert_allclose(jac[:, j], (value(x + e) - value(x - e)) / (2 * h), atol=1e-7)


def test_hessian_against_finite_differences_of_the_gradient():
    """second_order's walk over the program's terms: the Hessian against central
    differences of the exact gradient."""
    from qsym import _second_order as second_order

    entry = circuit.compiled((W,), {})[0]
    x, d = flat([W]), np.zeros(0)
    _, _, hess = second_order.rows_hessian(entry, x, d)
    h = 1e-5
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        gp = entry.value_and_grad(x + e, d)[1]
        gm = entry.value_and_grad(x - e, d)[1]
        np.testing.assert_allclose(hess[:, :, j], (gp - gm) / (2 * h), atol=1e-6)


def test_design_doc_shows_the_seed_program():
    """docs/design.md, "The lowered program", prints the seed's program as format_program
    does today."""
    from pathlib import Path

    p0, p1 = sp.symbols("p0 p1", real=True)
    seed = Circuit(1, (Op("RX", (0,), (p0,)), Op("RY", (0,), (p1,))),
                   (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),), inputs=(p0, p1))
    text = program.format_program(program.lower(seed, make_plan(seed)))
    doc = (Path(__file__).parent.parent / "docs" / "design.md").read_text()
    assert "```\n" + text + "\n```" in doc


def test_a_gate_of_no_parameters_is_made_once_per_circuit(monkeypatch):
    """Issue #17: lowering stores each constant gate's entries; a gate of no parameters
    nor hyperparameters (CNOT, H, CZ, SWAP, Toffoli) is made once per variant and circuit
    (a 12x8 HEA's 96 CNOTs: one), constant gates with numbers each time; the stored
    entries are what each op's own ``constant_entries`` gives, by hand for CNOT and H."""
    calls = []
    real = program.constant_entries

    def counting(op):
        calls.append(op.name)
        return real(op)

    monkeypatch.setattr(program, "constant_entries", counting)
    ops = []
    for layer in range(3):
        ops += [Op("RY", (w,), (a if w else b,)) for w in range(3)]
        ops += [Op("CNOT", (w, (w + 1) % 3)) for w in range(3)]
        ops += [Op("Hadamard", (w,)) for w in range(3)]
        ops += [Op("RZ", (1,), (sp.Float(0.25 * (layer + 1)),)), Op("Toffoli", (0, 1, 2))]
    c = Circuit(3, tuple(ops), (Measurement("expval", ((sp.S(1), ((0, "Z"),)),)),),
                inputs=(a, b))
    tables = program._op_tables(c)
    assert sorted(calls) == sorted(["CNOT", "Hadamard", "Toffoli"] + ["RZ"] * 3)
    mats0, off = tables["mats0"], tables["op_off"]
    for k, op in enumerate(ops):
        if k in tables["parametric"]:
            continue
        end = off[k + 1] if k + 1 < len(ops) else len(mats0)
        np.testing.assert_array_equal(np.array(mats0[off[k]:end]), real(op))
    cnot, h = ops.index(Op("CNOT", (0, 1))), ops.index(Op("Hadamard", (0,)))
    stored = {k: np.array(mats0[off[k]:off[k + 1]]) for k in (cnot, h)}
    # by hand: CNOT's 4x4 matrix row by row, H's 2x2 (1, 1; 1, -1) / sqrt(2)
    assert np.array_equal(stored[cnot], np.eye(4)[[0, 1, 3, 2]].ravel())
    assert np.allclose(stored[h], np.array([1, 1, 1, -1]) / np.sqrt(2), rtol=0, atol=1e-15)
