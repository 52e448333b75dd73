#!/usr/bin/env bash
# Proves that pyxform (the reference XLSForm converter, PyPI) converts every XLSForm duluan
# exports: imports each form of the corpus, exports it with duluan, adds 60 forms made by the
# round-trip property generator, runs `xls2xform` on each export (ODK Validate skipped: it
# needs Java downloads) and fails on any error.
#
# Usage (from anywhere): bash crates/forms/ci/pyxform-check.sh
# Environment: PYXFORM_VENV (default: $CARGO_TARGET_DIR or target, /pyxform-venv),
#              PYXFORM_VERSION (default: any), CARGO_TARGET_DIR (respected).
set -euo pipefail

crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
venv="${PYXFORM_VENV:-$target/pyxform-venv}"
out="$target/forms-pyxform-check"

if [ ! -x "$venv/bin/xls2xform" ]; then
    python3 -m venv "$venv" 2>/dev/null || {
        echo "python3 -m venv failed; installing python3-venv" >&2
        apt-get install -y python3-venv >/dev/null
        python3 -m venv "$venv"
    }
    "$venv/bin/pip" install --quiet "pyxform${PYXFORM_VERSION:+==$PYXFORM_VERSION}"
fi
echo "pyxform $("$venv/bin/pip" show pyxform | sed -n 's/^Version: //p')"

rm -rf "$out"
mkdir -p "$out"
(cd "$repo_dir" && cargo run --quiet -p duluan-forms --example export_corpus -- "$crate_dir/tests/corpus" "$out")
# Plus 60 forms from the round-trip property generator (fixed seed).
(cd "$repo_dir" && DULUAN_FORMS_EXPORT_DIR="$out" cargo test --quiet -p duluan-forms --test all export_samples_for_pyxform >/dev/null)

failed=0
count=0
for f in "$out"/*.xlsx; do
    count=$((count + 1))
    if "$venv/bin/xls2xform" --skip_validate "$f" "${f%.xlsx}.xml" >"${f%.xlsx}.log" 2>&1 && [ -s "${f%.xlsx}.xml" ]; then
        echo "ok      $(basename "$f")"
    else
        echo "FAILED  $(basename "$f")"
        cat "${f%.xlsx}.log"
        failed=$((failed + 1))
    fi
done
echo "$((count - failed)) passed, $failed failed"
[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
