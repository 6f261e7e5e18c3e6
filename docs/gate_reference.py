"""An mkdocs hook (mkdocs.yml, ``hooks:``): the gate reference of ``docs/api/gates.md``,
generated from the gate table when the site is built, so it cannot drift from the code.

The page holds the marker ``<!-- qsym:gate-table -->``; :func:`on_page_markdown` replaces
it with :func:`gate_reference`: for every gate of the table (``qsym._gates.GATES``, in the
table's order) its PennyLane name, parameters (PennyLane's names), wires and
hyperparameters, its exact matrix (sympy, as the table defines it; for a gate on any number
of wires, the variants ``qsym rules`` proves) and, for each parameter, the proved
parameter-shift rule (the terms of ``qsym rules``: ``coefficient * f(multiplier * x +
shift)``). tests/test_api_reference.py checks that every gate is on the page.
"""

from __future__ import annotations

MARKER = "<!-- qsym:gate-table -->"
PAGE = "api/gates.md"


def _matrix_text(matrix) -> str:
    """The exact matrix, one row a line (sympy's printing)."""
    import sympy as sp

    rows = [", ".join(sp.sstr(sp.nsimplify(x) if x.is_Number else x) for x in matrix.row(i))
            for i in range(matrix.rows)]
    return "\n".join(f"[{r}]" for r in rows)


def _rule_lines(name: str, row, pnames, variants) -> list[str]:
    from qsym import rules

    out = []
    for num_wires, hyper in variants:
        where = _variant(row, num_wires, hyper)
        for pos in range(row.num_params):
            rule = rules.rule_for_gate(name, pos, num_wires=num_wires, hyper=hyper)
            terms = ""
            for k, (c, m, sh) in enumerate(rule.terms):
                sign, c = ("-", -c) if c < 0 else ("+", c)
                arg = pnames[pos] if m == 1 else f"{m}·{pnames[pos]}"
                if sh:
                    arg += f" - {-sh}" if sh < 0 else f" + {sh}"
                terms += (f"{sign} " if k or sign == "-" else "") + f"{c}·f({arg}) "
            terms = terms.strip()
            freqs = ", ".join(str(f) for f in rule.frequencies)
            out.append(f"| `{pnames[pos]}` | {where} | {freqs} | ∂f/∂{pnames[pos]} = {terms} |")
    return out


def _variant(row, num_wires, hyper) -> str:
    parts = [f"{num_wires} wire{'s' if num_wires != 1 else ''}"] if not row.num_wires else []
    parts += [f"{k}={v!r}" for k, v in hyper]
    return ", ".join(parts) or "-"


def _smallest(row, symbols, num_wires, hyper):
    """(wires, exact matrix) of a variant; a gate on any number of wires listed without
    variants is shown on the fewest wires it takes."""
    if num_wires is not None or row.num_wires:
        return num_wires, row.sympy_matrix(symbols, num_wires, hyper)
    for n in (1, 2, 3):
        try:
            return n, row.sympy_matrix(symbols, n, hyper)
        except Exception:  # too few wires for the gate (MultiControlledX): one more
            continue
    raise ValueError(f"{row.name}: no matrix on 1 to 3 wires")


def _gate_section(name: str) -> list[str]:
    import sympy as sp

    from qsym import _gates as gates
    from qsym._operations import PARAM_NAMES

    row = gates.GATES[name]
    pnames = PARAM_NAMES.get(name) or tuple(f"p{i}" for i in range(row.num_params))
    wires = row.num_wires or "any number"
    hyper = ", ".join(f"`{h}`" for h in row.hyper) or "none"
    params = ", ".join(f"`{p}`" for p in pnames) or "none"
    summary = row.doc if row.doc and row.doc != name else f"PennyLane's {name}"
    lines = [f"### `qml.{name}`", "", f"{summary[:1].upper()}{summary[1:]}.", "",
             f"Parameters: {params}. Wires: {wires}. Hyperparameters: {hyper}.", ""]
    variants = list(row.variants())
    symbols = tuple(sp.Symbol(p, real=True) for p in pnames)
    if name == "QubitUnitary":
        lines += ["Matrix: the unitary `U` given (checked unitary at use).", ""]
    else:
        for num_wires, hyp in variants[:2]:
            num_wires, matrix = _smallest(row, symbols, num_wires, hyp)
            label = _variant(row, num_wires, hyp)
            head = "Matrix" + ("" if label == "-" else f" ({label})")
            lines += [f"{head}:", "", "```text", _matrix_text(matrix), "```", ""]
    if row.num_params:
        lines += ["Shift rule (derived from the matrix and proved exactly):", "",
                  "| parameter | variant | frequencies | rule |", "|---|---|---|---|",
                  *_rule_lines(name, row, pnames, variants), ""]
    else:
        lines += ["No parameters: no shift rule.", ""]
    return lines


def builtin_gates() -> list[str]:
    """qsym's own gates, in the table's order."""
    from qsym import _gates as gates

    return [name for name in gates.GATES if name in gates.BUILTIN_GATES]


def gate_reference() -> str:
    """The generated Markdown: one section per gate of the table."""
    lines = []
    for name in builtin_gates():
        lines += _gate_section(name)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, **kwargs) -> str:  # mkdocs calls it per page
    if page.file.src_uri == PAGE:
        if MARKER not in markdown:
            raise ValueError(f"{PAGE} lost its marker {MARKER}")
        return markdown.replace(MARKER, gate_reference())
    return markdown
