"""qsym's parses of Python text go through one lock (qsym._parsing): CPython before 3.12.4
shares the AST converter's recursion depth between threads."""

import ast
import pathlib
import threading

from conftest import qsym_modules_naming

from qsym._parsing import parse

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "qsym"


def test_no_module_calls_ast_parse_itself():
    found = []
    for path, tree in qsym_modules_naming("parse"):
        if path.name == "_parsing.py":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "parse" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "ast"):
                found.append(f"{path.name}:{node.lineno}")
    assert found == [], f"use qsym._parsing.parse: {found}"


def test_parses_in_many_threads_give_the_same_trees():
    # deeply nested text, parsed by 8 threads at once, 20 times each
    text = "x = " + "(" * 60 + "1" + " + 1)" * 60
    expected = ast.dump(ast.parse(text))
    seen, errors = [], []

    def work():
        try:
            for _ in range(20):
                seen.append(ast.dump(parse(text)))
        except Exception as exc:  # (a SystemError from the converter, if unlocked)
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(seen) == 160 and set(seen) == {expected}


def test_a_collision_with_a_parse_outside_the_lock_is_parsed_again(monkeypatch):
    """A parse the lock does not cover (Python 3.11's traceback places its carets with
    ast.parse, in any thread) can still corrupt the converter's shared depth: that
    SystemError is retried, any other error is raised as it is."""
    import pytest

    real = ast.parse
    calls = []

    def flaky(source, *args, **kwargs):
        calls.append(source)
        if len(calls) == 1:
            raise SystemError("AST constructor recursion depth mismatch (before=33, after=106)")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", flaky)
    assert ast.dump(parse("a + b")) == ast.dump(real("a + b")) and len(calls) == 2

    def broken(source, *args, **kwargs):
        raise SystemError("something else")

    monkeypatch.setattr(ast, "parse", broken)
    with pytest.raises(SystemError, match="something else"):
        parse("a + b")

    def always(source, *args, **kwargs):
        calls.append(source)
        raise SystemError("AST constructor recursion depth mismatch (before=1, after=2)")

    calls.clear()
    monkeypatch.setattr(ast, "parse", always)
    with pytest.raises(SystemError, match="mismatch"):  # not forever
        parse("a + b")
    assert 1 < len(calls) < 10


def test_the_source_search_parses_every_module_that_names_the_name(tmp_path):
    # the helper the source checks use (tests/conftest.py) skips only the modules whose
    # text cannot name the name: an identifier written in other Unicode letters
    # (NFKC-normalized by Python to the same name) and a name inside a longer one count
    (tmp_path / "a.py").write_text("import ast\nast.\uff50arse('x')\n")  # fullwidth p
    (tmp_path / "b.py").write_text("x = 'ｏ'\nfrom ast import parse as p\np('y')\n")
    (tmp_path / "c.py").write_text("x = 1  # ast.pars e\n")
    (tmp_path / "d.py").write_text("def reparsed(): pass\n")
    found = {path.name: tree for path, tree in qsym_modules_naming("parse", folder=tmp_path)}
    assert sorted(found) == ["a.py", "b.py", "d.py"]
    call = found["a.py"].body[1].value
    assert isinstance(call, ast.Call) and call.func.attr == "parse"  # the parser's view
