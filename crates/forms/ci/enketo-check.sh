#!/usr/bin/env bash
# Proves that Enketo's transformer turns duluan's XForms into web forms: for every corpus form
# (and the round-trip generator's forms, in every wording: plain, with a case list, interviewer),
# writes duluan's XForm (example `xform_corpus`), then runs `enketo-transformer` (npm registry) on
# each in headless Chromium, using the transformer's web build (the browser's XSLTProcessor; its
# Node build needs the native `libxslt` module, which does not compile on Node 20). A form passes
# when the transformer does not throw, returns the HTML form and the model, and every control of
# the XForm's body has its field in the HTML. Checks that a form without controls and a form cut
# short both fail.
#
# Usage: bash crates/forms/ci/enketo-check.sh
# Environment: CARGO_TARGET_DIR (respected), ENKETO_TRANSFORMER_VERSION (default 4.2.0),
#              CHROMIUM (default: chromium).
set -euo pipefail

crate_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$crate_dir/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$repo_dir/target}"
version="${ENKETO_TRANSFORMER_VERSION:-4.2.0}"
npm_dir="$target/enketo-transformer-$version"
out="$target/forms-enketo-check"
chromium="${CHROMIUM:-chromium}"

if [ ! -e "$npm_dir/node_modules/enketo-transformer/dist/enketo-transformer/web/transformer.js" ]; then
    mkdir -p "$npm_dir"
    (cd "$npm_dir" && echo '{"private":true}' >package.json &&
        npm install --silent --no-audit --no-fund --legacy-peer-deps "enketo-transformer@$version" >/dev/null 2>&1)
fi
echo "enketo-transformer $version"

rm -rf "$out"
mkdir -p "$out/xforms" "$out/xlsx"
(cd "$repo_dir" && cargo run --quiet -p duluan-forms --example export_corpus -- "$crate_dir/tests/corpus" "$out/xlsx")
(cd "$repo_dir" && DULUAN_FORMS_EXPORT_DIR="$out/xlsx" cargo test --quiet -p duluan-forms --test all export_samples_for_pyxform >/dev/null)
(cd "$repo_dir" && cargo run --quiet -p duluan-forms --example xform_corpus -- "$out/xlsx" "$out/xforms")

# The canaries: a well-formed form whose body lost its controls, and a form cut short, must fail.
xforms=("$out"/xforms/*.duluan.xml)
python3 - "${xforms[0]}" "$out/xforms" <<'PY'
import re, sys
xml = open(sys.argv[1], encoding="utf-8").read()
body = re.sub(r"<h:body(\s[^>]*)?>.*</h:body>", "<h:body/>", xml, flags=re.S)
assert body != xml, "no body to remove"
open(sys.argv[2] + "/canary-no-body.xml", "w", encoding="utf-8").write(body)
open(sys.argv[2] + "/canary-cut-short.xml", "w", encoding="utf-8").write(xml[: len(xml) // 2])
PY

cp "$crate_dir/ci/enketo/check.html" "$crate_dir/ci/enketo/check.js" "$out/"
cp "$npm_dir/node_modules/enketo-transformer/dist/enketo-transformer/web/transformer.js" "$out/"
(cd "$out/xforms" && python3 -c 'import json, os; print(json.dumps(sorted(os.listdir("."))))') >"$out/list.json"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$out" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/list.json')" 2>/dev/null && break
    sleep 0.1
done

timeout 600 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --virtual-time-budget=600000 --dump-dom "http://127.0.0.1:$port/check.html" 2>/dev/null >"$out/dom.html" || true

python3 - "$out/dom.html" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
if not m or not m.group(1).startswith("RESULT "):
    print("FAILED  the check page did not finish:", (m.group(1)[:300] if m else dom[:300]))
    sys.exit(1)
results = json.loads(html.unescape(m.group(1)[len("RESULT "):]))
failed = 0
passed = 0
for r in results:
    if r["name"].startswith("canary"):
        if r["ok"]:
            print(f"FAILED  the check did not notice {r['name']}")
            failed += 1
        else:
            print(f"canary  {r['name']}: {r['why']}")
        continue
    if r["ok"]:
        passed += 1
    else:
        print(f"FAILED  {r['name']}: {r['why']}")
        failed += 1
print(f"{passed} XForms transformed by Enketo with every control, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
