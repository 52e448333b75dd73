#!/usr/bin/env bash
# Short form of the restoration evaluation (eval/run.sh) for CI: 600 sentences per held-out
# set, the built-in model and pyvi in the same run; a few minutes at most. Fails when the
# built-in model falls below 92 % syllable accuracy on either held-out set (93.6 % on
# 2026-12-05).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../eval/run.sh" --max 600 --min-accuracy 92
