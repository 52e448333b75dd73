#!/usr/bin/env bash
# Proves that duluan's XForm of a form says what pyxform's XForm of duluan's XLSForm export of
# the same form says: for every corpus form (and 60 forms of the round-trip property generator),
# exports the XLSForm with duluan, converts it with pyxform's `xls2xform` (ODK Validate skipped:
# it needs Java downloads), writes duluan's XForm of the same XLSForm (example `xform_corpus`)
# and compares them with `xform_compare.py`: binds (nodeset → type, required, relevant,
# constraint, calculate, readonly), the primary instance (paths and literal defaults), the body
# controls (tag, appearance, itemset, jr:count, range), `setvalue`s and the texts (labels,
# hints, guidance, choice labels, messages, per language), after normalising the root name,
# whitespace and `true()` spellings, and the model's `submission` (an encrypted form's public key).
# Fails on any difference, printing it. Checks
# that the comparison does fail on a changed bind. Then, when `java` is installed, runs ODK
# Validate (JavaRosa; the jar pyxform's wheel ships) on every duluan XForm: each must get the
# verdict pyxform's XForm of the same file gets (some generated forms are invalid for both:
# a group of calculations only, a date compared with a number), and the corpus forms with a
# case list and in interviewer wording must be valid.
#
# Usage (from anywhere): bash crates/forms/ci/xform-check.sh
# Environment: PYXFORM_VENV (default: $CARGO_TARGET_DIR or target, /pyxform-venv),
#              PYXFORM_VERSION (default: any), CARGO_TARGET_DIR (respected).
set -euo pipefail

crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
venv="${PYXFORM_VENV:-$target/pyxform-venv}"
out="$target/forms-xform-check"
compare="$crate_dir/ci/xform_compare.py"

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
(cd "$repo_dir" && DULUAN_FORMS_EXPORT_DIR="$out" cargo test --quiet -p duluan-forms --test all export_samples_for_pyxform >/dev/null)
(cd "$repo_dir" && cargo run --quiet -p duluan-forms --example xform_corpus -- "$out" "$out")

failed=0
count=0
for f in "$out"/*.xlsx; do
    count=$((count + 1))
    stem="${f%.xlsx}"
    name="$(basename "$stem")"
    if ! "$venv/bin/xls2xform" --skip_validate "$f" "$stem.xml" >"$stem.log" 2>&1 || [ ! -s "$stem.xml" ]; then
        echo "FAILED  $name (pyxform)"
        cat "$stem.log"
        failed=$((failed + 1))
    elif python3 "$compare" "$stem.xml" "$stem.duluan.xml"; then
        echo "same    $name"
    else
        echo "DIFFERS $name"
        failed=$((failed + 1))
    fi
done

# The comparison must be able to fail: an int bind made decimal is a difference it prints …
# (No `ls | head`: under pipefail, head closing the pipe early fails the script with SIGPIPE.)
xlsx_files=("$out"/*.xlsx)
first="${xlsx_files[0]}"
sed 's/type="int"/type="decimal"/; s/type="date"/type="string"/' "${first%.xlsx}.duluan.xml" >"$out/canary.xml"
canary="$(python3 "$compare" "${first%.xlsx}.xml" "$out/canary.xml" || true)"
if ! grep -q "^  bind .* type: pyxform" <<<"$canary"; then
    echo "FAILED  the comparison did not notice a changed bind type"
    failed=$((failed + 1))
fi
# … and a changed text.
sed '0,/<label>/s/<label>/<label>canary /' "${first%.xlsx}.duluan.xml" >"$out/canary.xml"
canary="$(python3 "$compare" "${first%.xlsx}.xml" "$out/canary.xml" || true)"
if ! grep -q "^  text .*duluan 'canary " <<<"$canary"; then
    echo "FAILED  the comparison did not notice a changed text"
    failed=$((failed + 1))
fi

# … and a public key left out of an encrypted form's XForm.
if [ -e "$out/phong_van_ma_hoa.duluan.xml" ]; then
    sed 's/<submission [^>]*\/>//' "$out/phong_van_ma_hoa.duluan.xml" >"$out/canary.xml"
    canary="$(python3 "$compare" "$out/phong_van_ma_hoa.xml" "$out/canary.xml" || true)"
    if ! grep -q "^  submission: pyxform {'base64RsaPublicKey'" <<<"$canary"; then
        echo "FAILED  the comparison did not notice a missing public key"
        failed=$((failed + 1))
    fi
fi

echo "$((count - failed)) same as pyxform, $failed failed"

jars=("$venv"/lib/python3*/site-packages/pyxform/validators/odk_validate/bin/ODK_Validate.jar)
validate_jar=""
[ -e "${jars[0]}" ] && validate_jar="${jars[0]}"
if command -v java >/dev/null && [ -n "$validate_jar" ]; then
    valid() { java -jar "$validate_jar" "$1" >"$1.validate.log" 2>&1 && grep -q "Xform is valid" "$1.validate.log"; }
    checked=0
    for ours in "$out"/*.duluan.xml; do
        checked=$((checked + 1))
        name="$(basename "$ours")"
        stem="${ours%.duluan.xml}"
        if valid "$ours"; then
            continue
        fi
        case "$name" in
        *.cases.duluan.xml | *.interviewer.duluan.xml)
            echo "INVALID $name (ODK Validate)"
            grep -v '^\s*at ' "$ours.validate.log" | awk 'NR <= 5' || true
            failed=$((failed + 1))
            ;;
        *)
            if valid "$stem.xml"; then
                echo "INVALID $name (ODK Validate), pyxform's is valid"
                grep -v '^\s*at ' "$ours.validate.log" | awk 'NR <= 5' || true
                failed=$((failed + 1))
            else
                echo "invalid $name, as pyxform's: $(grep -m1 -v '^\s*at \|^$\|^Validating' "$ours.validate.log")"
            fi
            ;;
        esac
    done
    echo "ODK Validate: $checked duluan XForms checked"
else
    echo "java or ODK_Validate.jar missing: ODK Validate skipped"
fi

[ "$count" -gt 0 ] && [ "$failed" -eq 0 ]
