"""Write ``qsym/basis_sets.json``: the STO-3G, 6-31G, 6-311G and cc-pVDZ basis sets for H to
Ne (atomic numbers 1-10, the elements and sets PennyLane 0.45 embeds in
``pennylane/qchem/basis_data.py``), taken from the Basis Set Exchange library.

Run once, in a throwaway virtual environment (never the system Python)::

    python -m venv /tmp/bse && /tmp/bse/bin/pip install basis-set-exchange==0.12
    /tmp/bse/bin/python tools/make_basis_sets.py qsym/basis_sets.json

The file holds, per basis set and element, the shells in the library's order as
``[letter, exponents, coefficients]`` rows, one row per contraction (``letter`` is ``S``,
``P``, ``D``, ...): a shell of two angular momenta (Pople's ``SP``) gives an ``S`` row then
a ``P`` row, a generally contracted shell one row per coefficient column, sharing its
exponents. This is the expansion PennyLane's ``load_basisset`` makes, so qsym's
``qml.qchem.atom_basis_data`` reads the embedded sets and ``load_data=True`` the same way
(``qsym/_integrals.py``, ``bse_shells``). ``tests/test_qchem_basis_sets.py`` checks the
numbers against PennyLane 0.45.1's tables.
"""

from __future__ import annotations

import json
import sys

NAMES = ("sto-3g", "6-31g", "6-311g", "cc-pvdz")
SYMBOLS = ("H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne")
LETTERS = "SPDFGHI"


def shells(bse_element: dict) -> list:
    """The ``[letter, exponents, coefficients]`` rows of one element's ``electron_shells``."""
    rows = []
    for shell in bse_element["electron_shells"]:
        momenta = shell["angular_momentum"]
        exponents = [float(x) for x in shell["exponents"]]
        for k, column in enumerate(shell["coefficients"]):
            # PennyLane's load_basisset: a [0, 1] shell is S then P, other shells of several
            # momenta keep the joined letters ("SPD"); none occurs in these sets up to Ne
            letter = ("SP"[k] if momenta == [0, 1]
                      else "".join(LETTERS[m] for m in momenta))
            rows.append([letter, exponents, [float(x) for x in column]])
    return rows


def main(out: str) -> None:
    import basis_set_exchange as bse

    data = {"source": f"basis_set_exchange {bse.__version__}"}
    for name in NAMES:
        basis = bse.get_basis(name, elements=list(range(1, len(SYMBOLS) + 1)))
        data[name] = {s: shells(basis["elements"][str(z)])
                      for z, s in enumerate(SYMBOLS, start=1)}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "qsym/basis_sets.json")
