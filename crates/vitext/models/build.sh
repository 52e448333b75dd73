#!/usr/bin/env bash
# Rebuilds models/restore-vi.bin (the built-in diacritic-restoration model) from the Debian
# packages named in models/NOTICE.md and the bundled corpus. Deterministic: the same package
# versions give the same bytes (its SHA-256 is in NOTICE.md).
# Usage: bash crates/vitext/models/build.sh    (CARGO_TARGET_DIR respected)
set -euo pipefail
crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
work="${VITEXT_EVAL_DIR:-$target/vitext-eval}"
bash "$crate_dir/eval/fetch.sh" "$work"
model="$crate_dir/models/restore-vi.bin"
[ -f "$model" ] || : >"$model" # the crate includes the file; the trainer does not read it
cd "$repo_dir"
cargo build --quiet --release -p duluan-vitext --example restore_train
"$target/release/examples/restore_train" "$model" "$work"/train/*.txt
sha256sum "$model"
