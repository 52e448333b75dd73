#!/usr/bin/env bash
# Proves that duluan's XLSForm import gives pyxform's verdict on the verdict corpus
# (`tests/verdicts/forms.rs`: small forms written for it, exercising geo, media, metadata,
# audit, barcode, `or_other`, translated-only labels, missing labels, Excel dates in `default`,
# settings fields, and the types duluan refuses on purpose): every form pyxform converts,
# duluan imports (warnings allowed) and the two XForms compare equal (`xform_compare.py`, as
# in `xform-check.sh`); every form pyxform refuses, duluan refuses at the sheet, row and column
# recorded in the corpus (and on pyxform's row when its message names one); the forms marked
# `unsupported` (metadata other than
# start/end/today/deviceid/username/audit) pyxform converts and duluan refuses with its error.
# Then runs ODK Validate on every XForm duluan wrote, when `java` is installed.
#
# Usage (from anywhere): bash crates/forms/ci/xlsform-verdicts.sh
# Environment: PYXFORM_VENV (default: $CARGO_TARGET_DIR or target, /pyxform-venv),
#              PYXFORM_VERSION (default: any), CARGO_TARGET_DIR (respected).
set -euo pipefail

crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
venv="${PYXFORM_VENV:-$target/pyxform-venv}"
out="$target/forms-xlsform-verdicts"

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
(cd "$repo_dir" && cargo run --quiet -p duluan-forms --example xlsform_verdicts -- "$out")
status=0
"$venv/bin/python" "$crate_dir/ci/xlsform_verdicts.py" "$out" "$crate_dir/ci/xform_compare.py" || status=1

# ODK Validate (JavaRosa, the jar pyxform's wheel ships) on every XForm duluan wrote.
jars=("$venv"/lib/python3*/site-packages/pyxform/validators/odk_validate/bin/ODK_Validate.jar)
validate_jar=""
[ -e "${jars[0]}" ] && validate_jar="${jars[0]}"
if command -v java >/dev/null && [ -n "$validate_jar" ]; then
    checked=0
    for ours in "$out"/*.duluan.xml; do
        checked=$((checked + 1))
        if ! java -jar "$validate_jar" "$ours" >"$ours.validate.log" 2>&1 || ! grep -q "Xform is valid" "$ours.validate.log"; then
            echo "INVALID $(basename "$ours") (ODK Validate)"
            grep -v '^\s*at ' "$ours.validate.log" | awk 'NR <= 5' || true
            status=1
        fi
    done
    echo "ODK Validate: $checked duluan XForms checked"
else
    echo "java or ODK_Validate.jar missing: ODK Validate skipped"
fi
exit "$status"
