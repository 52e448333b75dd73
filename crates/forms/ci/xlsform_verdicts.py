#!/usr/bin/env python3
"""Compares pyxform's verdict on every form of the verdict corpus with the verdict recorded in
the corpus and with duluan's (run with the venv's python, where pyxform is installed).

Usage: xlsform_verdicts.py DIR COMPARE_SCRIPT

DIR holds, per form NAME (written by `cargo run --example xlsform_verdicts -- DIR`):
NAME.xlsx, NAME.expect (`accept W [nocompare WHY]`, `refuse SHEET ROW COLUMN`,
`unsupported SHEET ROW COLUMN`),
NAME.duluan (duluan's verdict, first line `accept W` or `refuse SHEET ROW COLUMN`) and
NAME.duluan.xml when duluan accepts the form. For each form, converts NAME.xlsx with pyxform
(NAME.xml) and checks:
- `accept`: pyxform converts it, duluan imports it, and the XForms compare equal
  (COMPARE_SCRIPT, the comparison of ci/xform-check.sh) unless the corpus says why not;
- `refuse`: pyxform refuses it, duluan refuses it at SHEET ROW COLUMN, and when pyxform's message
  names a row it is ROW;
- `unsupported`: pyxform converts it, duluan refuses it at SHEET ROW COLUMN on purpose.
Prints one line per form and the totals; exits 1 on any mismatch.
"""

import glob
import os
import re
import subprocess
import sys

from pyxform.xls2xform import convert


def pyxform_verdict(xlsx, xml):
    try:
        res = convert(xlsform=xlsx, validate=False, pretty_print=False)
    except Exception as e:  # pyxform raises PyXFormError and a few others
        msg = str(e)
        m = re.search(r"\[row : (\d+)\]", msg) or re.search(r"row (\d+)", msg)
        ctx = getattr(e, "context", None) or {}
        row = ctx.get("row") or (int(m.group(1)) if m else None)
        return ("refuse", row, msg.splitlines()[0][:160])
    with open(xml, "w", encoding="utf-8") as f:
        f.write(res.xform)
    return ("accept", len(res.warnings), "; ".join(w[:100] for w in res.warnings))


def main():
    out, compare = sys.argv[1], sys.argv[2]
    counts = {"accept": 0, "refuse": 0, "unsupported": 0}
    same_xform = 0
    not_compared = []
    failed = []
    for xlsx in sorted(glob.glob(os.path.join(out, "*.xlsx"))):
        stem = xlsx[: -len(".xlsx")]
        name = os.path.basename(stem)
        expect = open(stem + ".expect", encoding="utf-8").read().split()
        duluan = open(stem + ".duluan", encoding="utf-8").read().splitlines()[0].split()
        py = pyxform_verdict(xlsx, stem + ".xml")
        kind = expect[0]
        counts[kind] += 1
        problems = []
        if kind == "accept":
            if py[0] != "accept":
                problems.append(f"pyxform refuses it: {py[2]}")
            if duluan[0] != "accept":
                problems.append("duluan refuses it: " + " ".join(duluan))
            if not problems and "nocompare" in expect:
                why = " ".join(expect[expect.index("nocompare") + 1 :])
                not_compared.append(f"{name} ({why})")
            elif not problems:
                r = subprocess.run(
                    [sys.executable, compare, stem + ".xml", stem + ".duluan.xml"],
                    capture_output=True,
                    text=True,
                )
                if r.returncode == 0:
                    same_xform += 1
                else:
                    problems.append("XForms differ:\n" + r.stdout.rstrip())
            detail = f"pyxform {py[1]} warning(s), duluan {duluan[1]}"
        else:
            want = expect[1:4]
            if kind == "refuse" and py[0] != "refuse":
                problems.append("pyxform accepts it")
            if kind == "unsupported" and py[0] != "accept":
                problems.append(f"pyxform refuses it too: {py[2]}")
            if duluan[0] != "refuse":
                problems.append("duluan accepts it")
            elif duluan[1:4] != want:
                problems.append(f"duluan refuses it at {' '.join(duluan[1:4])}, expected {' '.join(want)}")
            if kind == "refuse" and py[0] == "refuse" and py[1] is not None and str(py[1]) != want[1]:
                problems.append(f"pyxform's error is on row {py[1]}, duluan's on row {want[1]}")
            detail = f"pyxform: {py[2]}" if py[0] == "refuse" else "pyxform accepts it"
        status = "ok" if not problems else "FAILED"
        print(f"{status:7} {kind:11} {name}  ({detail})")
        for p in problems:
            print("    " + p.replace("\n", "\n    "))
            failed.append(name)
    total = sum(counts.values())
    print(
        f"{total} forms: {counts['accept']} accepted by both ({same_xform} with the same XForm, "
        f"{len(not_compared)} not compared: {', '.join(not_compared) or 'none'}), "
        f"{counts['refuse']} refused by both at the same place, {counts['unsupported']} accepted "
        f"by pyxform and refused by duluan on purpose (not supported yet); "
        f"{len(set(failed))} mismatch(es)"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
