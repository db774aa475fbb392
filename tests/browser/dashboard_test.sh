#!/usr/bin/env bash
# CTest: dashboard_test.sh TUNE OUT. A study that keeps adding trials slowly, `tune dashboard
# --port 0` on it, and the page in headless Chromium while trials finish
# (check_dashboard.mjs). The screenshot and both programs' logs stay in OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tune=$1 out=$2
source "$here/study.sh"
prepare_browser_test "$out"
set -m  # each background job in its own process group, so that the study stops as a whole
study= dashboard=
stop_all() {
  [ -z "$dashboard" ] || kill -INT "$dashboard" 2>/dev/null || true
  [ -z "$study" ] || kill -TERM -- "-$study" 2>/dev/null || true
  wait || true
}
trap stop_all EXIT

# Each trial reports 8 epochs 0.4 s apart, on two workers: a trial ends every second or two.
make_study "$tune" "$out/work" 60 0.4 &
study=$!
complete() {
  "$tune" export --study "$out/work/study" --format json 2>/dev/null |
    python3 -c "import json, sys; print(sum(t['state'] == 'complete' for t in json.load(sys.stdin)))" 2>/dev/null ||
    echo 0
}
# Enough complete trials that every view has something to draw (importance needs a few).
for _ in $(seq 600); do
  [ "$(complete)" -ge 4 ] && break
  sleep 0.1
done
[ "$(complete)" -ge 4 ] || { echo "the study did not get going:"; cat "$out/work/run.log"; exit 1; }

"$tune" dashboard --study "$out/work/study" --port 0 --poll-ms 500 > "$out/dashboard.out" \
  2> "$out/dashboard.err" &
dashboard=$!
url=
for _ in $(seq 300); do
  url=$(grep -o 'http://[^ ]*' "$out/dashboard.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "tune dashboard printed no URL:"; cat "$out/dashboard.out" "$out/dashboard.err"; exit 1; }
node "$here/check_dashboard.mjs" --url "$url" --out "$out"
kill -INT "$dashboard"
code=0
wait "$dashboard" || code=$?
dashboard=
[ "$code" = 0 ] || { echo "tune dashboard exited $code after Ctrl-C:"; cat "$out/dashboard.err"; exit 1; }
