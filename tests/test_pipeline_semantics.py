"""CompilePipeline and BoundTransform details PennyLane 0.45.1 defines (qsym/_transform.py):
pop takes a transform's own expansion with it, an empty pipeline hands back its input,
repr/str layout, bound transforms differ by pass name, errors name the transform."""

import warnings

import numpy as np
import pytest

import qsym as qml
from qsym.transforms.core import BoundTransform, CompilePipeline


def _drop_first(tape):
    return [tape.copy(operations=tape.operations[1:])], lambda r: r[0]


def _expand(tape):
    return [tape], lambda r: r[0]


def test_pop_removes_the_expansion_before_its_transform():
    first = qml.transform(_drop_first)
    second = qml.transform(_drop_first, expand_transform=_expand)
    pipeline = first + second + second  # first, (expand, second), (expand, second)
    assert [b.tape_transform for b in pipeline] == [_drop_first, _expand, _drop_first,
                                                    _expand, _drop_first]
    assert pipeline.pop(0).tape_transform is _drop_first
    assert pipeline.pop(1).tape_transform is _drop_first  # and the _expand before it
    assert [b.tape_transform for b in pipeline] == [_expand, _drop_first]
    pipeline.add_marker("end")
    pipeline.pop()  # the last: its expansion too; the marker moves down to 0
    assert len(pipeline) == 0 and pipeline.get_marker_level("end") == 0


def test_an_empty_pipeline_returns_its_input():
    tape = qml.tape.QuantumScript([qml.RX(0.3, 0)], [qml.expval(qml.Z(0))])
    out, fn = CompilePipeline()(tape)
    results = [0.25, 0.5]
    assert out is tape and fn(results) is results
    # a non-empty pipeline still gives a batch and combines its results
    (new,), fn = CompilePipeline(qml.transform(_drop_first))(tape)
    assert new.operations == [] and tuple(fn([0.7])) == (0.7,)  # one result per input tape


def test_repr_and_str_layout():
    t = BoundTransform(qml.transform(_drop_first))
    pipeline = CompilePipeline()
    assert repr(pipeline) == "CompilePipeline()"
    pipeline.append(t)
    pipeline.add_transform(qml.transform(_drop_first), "x" * 60, key=3)
    assert repr(pipeline) == f"CompilePipeline(\n  [1] {t!r},\n  [2] {pipeline[1]!r}\n)"
    assert str(pipeline) == ("CompilePipeline(\n  [1] _drop_first(),\n"
                             "  [2] _drop_first(..., key=3)\n)")


def test_slicing_with_a_step_drops_markers_with_a_warning():
    pipeline = CompilePipeline(qml.transform(_drop_first), qml.transform(_drop_first))
    pipeline.add_marker("m")
    with pytest.warns(UserWarning, match="step size other than 1"):
        assert pipeline[::2].markers == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pipeline[0:2].markers == ["m"]


def test_bound_transforms_of_different_pass_names_differ():
    a = BoundTransform(qml.transform(pass_name="one"), args=(0.5,))
    b = BoundTransform(qml.transform(pass_name="two"), args=(0.5,))
    assert a != b and hash(a) != hash(b)
    assert a == BoundTransform(qml.transform(pass_name="one"), args=(0.5,))


def test_errors_name_the_transform():
    t = qml.transform(pass_name="only_a_name")
    with pytest.raises(NotImplementedError, match="<transform: only_a_name> has no defined tape"):
        t(qml.tape.QuantumScript([]))

    def setup(a):
        return (a,), {}

    s = qml.transform(pass_name="named", setup_inputs=setup)
    with pytest.raises(TypeError, match=r"<transform: named> takes 1 positional argument"):
        s(1, 2)
    dev = qml.device("default.qubit", wires=1)
    for kw, what in (({"is_informative": True}, "informative"),
                     ({"final_transform": True}, "final"),
                     ({"expand_transform": _expand}, "expand")):
        with pytest.raises(qml.transforms.TransformError,
                           match=f"Device transform does not support {what} transforms"):
            qml.transform(_drop_first, **kw)(dev)
    assert np.isclose(float(qml.transforms.core.compile_pipeline.null_postprocessing(2.0)), 2.0)


def test_a_registered_tape_override_applies_to_each_tape_of_a_batch():
    @qml.transform
    def keep_three(tape):
        return [tape.copy(operations=tape.operations[:3])], lambda r: r[0]

    @keep_three.register
    def _(tape: qml.tape.QuantumScript):
        return [tape.copy(operations=tape.operations[:1])], lambda r: r[0]

    a = qml.tape.QuantumScript([qml.X(i) for i in range(5)])
    b = qml.tape.QuantumScript([qml.Y(i) for i in range(4)])
    (one,), _ = keep_three(a)
    (first, second), _ = keep_three((a, b))
    assert one.operations == [qml.X(0)] == first.operations
    assert second.operations == [qml.Y(0)]
    (generic,), _ = keep_three.generic_apply_transform(a)
    assert generic.operations == [qml.X(0), qml.X(1), qml.X(2)]
