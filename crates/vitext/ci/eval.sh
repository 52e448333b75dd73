#!/usr/bin/env bash
# Short form of the evaluation (eval/run.sh) for CI: 600 sentences per held-out set, the
# built-in model, pyvi and underthesea in the same run; about a minute once the packages are
# installed. Fails when the built-in model falls below 93.5 % syllable accuracy on either
# held-out Debian set (94.72 % and 95.59 % on 2026-12-05).
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../eval/run.sh" --max 600 --min-accuracy 93.5
