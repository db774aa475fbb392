#!/usr/bin/env bash
# CTest: report_test.sh TUNE OUT. A real study, `tune report` on it, and the page opened from
# disk in headless Chromium (check_report.mjs). The screenshot stays in OUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tune=$1 out=$2
source "$here/study.sh"
prepare_browser_test "$out"
make_study "$tune" "$out/work" 24 || { cat "$out/work/run.log"; exit 1; }
trials=$("$tune" export --study "$out/work/study" --format json | python3 -c "import json, sys; print(len(json.load(sys.stdin)))")
"$tune" report --study "$out/work/study" --output "$out/report.html"
node "$here/check_report.mjs" --report "$out/report.html" --out "$out" --trials "$trials"
node "$here/check_edge_cases.mjs" --report "$out/report.html" --out "$out"
