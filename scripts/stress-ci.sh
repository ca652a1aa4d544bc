#!/usr/bin/env bash
# Runs the test suite (`npm test`, as the README says) N times in a row (default 5) while a
# CPU-heavy process — a busy loop on one core — runs beside it, the way a shared CI machine
# or a developer's busy laptop would. Prints one line per run and stops at the first failure
# (exit status 1). The busy loop is stopped however the script ends.
#
#   scripts/stress-ci.sh        # 5 runs
#   scripts/stress-ci.sh 1      # one run
#   LOG_DIR=/tmp/stress scripts/stress-ci.sh 3   # keep each run's output there (default: a temp dir)
set -u

runs="${1:-5}"
case "$runs" in
  '' | *[!0-9]*) echo "usage: $0 [runs]  (runs: a positive integer, default 5)" >&2; exit 2 ;;
esac
if [ "$runs" -lt 1 ]; then echo "usage: $0 [runs]  (runs: a positive integer, default 5)" >&2; exit 2; fi

cd "$(dirname "$0")/.." || exit 2
log_dir="${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/sinyal-stress.XXXXXX")}"
mkdir -p "$log_dir" || exit 2

node -e 'for (;;) {}' &
busy=$!
stop_busy() {
  kill "$busy" 2>/dev/null
  wait "$busy" 2>/dev/null
}
trap stop_busy EXIT
trap 'exit 130' INT TERM

echo "stress-ci: $runs run(s) of npm test beside a busy loop (pid $busy); output in $log_dir"
for i in $(seq 1 "$runs"); do
  log="$log_dir/run-$i.log"
  start=$(date +%s)
  npm test >"$log" 2>&1
  status=$?
  seconds=$(($(date +%s) - start))
  summary=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^ +Tests +' | tail -n 1 | sed -E 's/^ +//')
  if [ "$status" -eq 0 ]; then
    echo "run $i/$runs: pass in ${seconds}s — ${summary:-no summary}"
  else
    echo "run $i/$runs: FAIL (exit $status) in ${seconds}s — ${summary:-no summary}; see $log"
    exit 1
  fi
done
echo "stress-ci: all $runs run(s) passed"
