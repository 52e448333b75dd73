#!/usr/bin/env bash
# Installs the Debian packages of the evaluation and training text when missing and extracts
# their Vietnamese sentences into DIR/train (MPL-2.0 and BSD-3-Clause sources) and DIR/test
# (held out).
# Usage: bash crates/vitext/eval/fetch.sh DIR
set -euo pipefail
crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$1"
mkdir -p "$work/train" "$work/test" "$work/debs"

need=()
for p in maint-guide-vi manpages-vi libreoffice-help-vi libreoffice-l10n-vi; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
fi
# Firefox's and Thunderbird's Vietnamese language packs and Chromium's translations: downloaded
# and unpacked, not installed (installing would bring the browsers).
for p in firefox-esr-l10n-vi thunderbird-l10n-vi chromium-l10n; do
    ls "$work/debs/${p}"_*.deb >/dev/null 2>&1 && continue
    (cd "$work/debs" && { apt-get download "$p" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get download "$p" >/dev/null; }; } &&
        dpkg-deb -x "$p"_*.deb x) || echo "$p not available: trained without it" >&2
done

# Message catalogues of programs under permissive licences (BSD-2/3-Clause, ISC, MIT,
# public domain, the PostgreSQL and flex licences; models/NOTICE.md): downloaded and unpacked
# apart, not installed (installing dos2unix would add its Vietnamese manual page to the
# held-out manual pages).
msg_pkgs=(debconf-i18n python3-django sudo sphinx-common flex dos2unix libecpg-dev libpopt0 xz-utils login)
if [ ! -f "$work/debs/msg/.done" ]; then
    rm -rf "$work/debs/msg" && mkdir -p "$work/debs/msg/x"
    (cd "$work/debs/msg" && { apt-get download "${msg_pkgs[@]}" >/dev/null 2>&1 ||
        { apt-get update >/dev/null && apt-get download "${msg_pkgs[@]}" >/dev/null; }; } &&
        for d in *.deb; do dpkg-deb -x "$d" x; done && touch .done) ||
        echo "message catalogues not available: trained without them" >&2
fi

x="$crate_dir/eval/extract.py"
python3 "$x" libreoffice-help "$work/train/libreoffice-help.txt" --min-words 2
python3 "$x" libreoffice-ui "$work/train/libreoffice-ui.txt" --min-words 2
if [ -d "$work/debs/x" ]; then
    python3 "$x" mozilla "$work/debs/x" "$work/train/mozilla.txt" --min-words 2
    python3 "$x" chromium "$work/debs/x" "$work/train/chromium.txt" --min-words 2
    python3 "$x" mozilla-topics "$work/debs/x" "$work/test/mozilla-topics.tsv" --min-words 3
    python3 "$x" chromium-polarity "$work/debs/x" "$work/test/chromium-polarity.tsv" --min-words 3
fi
if [ -f "$work/debs/msg/.done" ]; then
    python3 "$x" messages "$work/debs/msg/x" "$work/train/messages.txt" --min-words 2
fi
python3 "$x" libreoffice-help-topics "$work/test/libreoffice-help-topics.tsv"
python3 "$x" maint-guide "$work/test/maint-guide.txt"
python3 "$x" manpages "$work/test/manpages.txt"
