#!/usr/bin/env bash
# Evaluation harness of duluan-vitext's diacritic restoration on text nobody here wrote.
#
# Installs (if missing) the Debian packages whose Vietnamese prose is the test and training
# text, extracts sentences from them (eval/extract.py, written outside the repository, never
# vendored), installs pyvi from PyPI in a venv, and prints one table: syllable accuracy of
# the built-in model, of a model trained in this run on the same training text, and of pyvi,
# on the held-out sets; word-segmentation F1 of ours and pyvi's against underthesea's
# (eval/segment_eval.rs); then topic macro-F1 with 16 labels per topic, with and without
# pseudo-labels from unlabelled items (eval/classify_eval.rs).
#
#   held out (test only):  maint-guide-vi (GPL-2+), manpages-vi (GPL-3+)
#   training:              libreoffice-help-vi, libreoffice-l10n-vi (MPL-2.0),
#                          firefox-esr-l10n-vi, thunderbird-l10n-vi (MPL-2.0), chromium-l10n
#                          (BSD-3-Clause; these three .deb unpacked, not installed), the
#                          Vietnamese message catalogues of debconf, Django, sudo, Sphinx,
#                          flex, dos2unix, ecpg, popt, xz and shadow (permissive licences,
#                          unpacked, not installed; models/NOTICE.md)
#
# Usage: bash crates/vitext/eval/run.sh [--max N] [restore_eval options, e.g. --show 50]
#        (N sentences per held-out set; default all)
# Environment: CARGO_TARGET_DIR (respected), VITEXT_EVAL_DIR (work folder, default
#              $CARGO_TARGET_DIR/vitext-eval), PYVI_VENV (default $CARGO_TARGET_DIR/pyvi-venv).
set -euo pipefail

crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
work="${VITEXT_EVAL_DIR:-$target/vitext-eval}"
venv="${PYVI_VENV:-$target/pyvi-venv}"
max=()
if [ "${1:-}" = "--max" ]; then max=(--max "$2"); shift 2; fi

bash "$crate_dir/eval/fetch.sh" "$work"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pyvi" 2>/dev/null; then
    { python3 -m venv "$venv" 2>/dev/null || { apt-get install -y python3-venv >/dev/null && python3 -m venv "$venv"; }; } &&
        "$venv/bin/pip" install --quiet pyvi || echo "pyvi could not be installed: its column will say 'not run'" >&2
fi
# underthesea (GPL-3.0, run as a separate program for comparison, never linked or vendored):
# its word-segmentation model ships in the wheel; HF_HUB_OFFLINE forbids any download.
if ! "$venv/bin/python" -c "import underthesea" 2>/dev/null; then
    "$venv/bin/pip" install --quiet underthesea ||
        echo "underthesea could not be installed: the segmentation table will say 'not run'" >&2
fi
export HF_HUB_OFFLINE=1
for p in pyvi underthesea; do
    if "$venv/bin/python" -c "import $p" 2>/dev/null; then
        echo "$p $("$venv/bin/pip" show "$p" | sed -n 's/^Version: //p') (PyPI), $("$venv/bin/python" --version)"
    fi
done

for p in maint-guide-vi manpages-vi libreoffice-help-vi libreoffice-l10n-vi; do
    echo "$p $(dpkg-query -W -f '${Version}' "$p")"
done
cd "$repo_dir"
cargo build --quiet --release -p duluan-vitext --example restore_eval --example classify_eval \
    --example segment_eval
PYVI_PYTHON="$venv/bin/python" "$target/release/examples/restore_eval" "${max[@]}" \
    --test "maint-guide-vi=$work/test/maint-guide.txt" "manpages-vi=$work/test/manpages.txt" \
    "duluan held-out 1=$crate_dir/tests/data/restore-heldout.txt" \
    "duluan held-out 2=$crate_dir/tests/data/restore-heldout-2.txt" \
    --train "$work"/train/*.txt "$@"
echo
echo "Word segmentation against underthesea's word_tokenize (a second opinion, not a gold standard):"
PYVI_PYTHON="$venv/bin/python" "$target/release/examples/segment_eval" "${max[@]}" \
    "maint-guide-vi=$work/test/maint-guide.txt" "manpages-vi=$work/test/manpages.txt" \
    "duluan held-out 1=$crate_dir/tests/data/restore-heldout.txt" \
    "duluan held-out 2=$crate_dir/tests/data/restore-heldout-2.txt" \
    --train "$work"/train/*.txt --options 5,4,2
echo
if [ -f "$work/test/mozilla-topics.tsv" ]; then
    echo "Topics from few labels (Firefox and Thunderbird sentences labelled by the subject of their file):"
    "$target/release/examples/classify_eval" "$work/test/mozilla-topics.tsv" 2>/dev/null
    echo
    "$target/release/examples/classify_eval" "$work/test/mozilla-topics.tsv" --items 3 2>/dev/null
    echo
fi
echo "Topics from few labels (LibreOffice help sentences labelled by module):"
"$target/release/examples/classify_eval" "$work/test/libreoffice-help-topics.tsv" 2>/dev/null
if [ -f "$work/test/chromium-polarity.tsv" ]; then
    echo
    echo "Direction from few labels (a proxy: Chromium's messages, negative or positive by their resource names):"
    "$target/release/examples/classify_eval" "$work/test/chromium-polarity.tsv" 2>/dev/null
fi
