#!/bin/bash
# expect_output_test.sh EXPECTATIONS -- COMMAND...: runs COMMAND (the structure test runner on
# a case that must fail, or skip) and checks its output against EXPECTATIONS, a file of lines:
#   exit N     COMMAND must exit with status N
#   +TEXT      some output line must contain TEXT
#   -TEXT      no output line may contain TEXT
# Blank lines and lines starting with # are ignored. Prints the runner's output on failure.
set -uo pipefail
expectations=$1
[[ $2 == -- ]] || { echo "usage: $0 EXPECTATIONS -- COMMAND..." >&2; exit 2; }
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1
status=$?
problems=()
checked=0
while IFS= read -r line; do
  case $line in
    '' | '#'*) continue ;;
    'exit '*) [[ $status == "${line#exit }" ]] || problems+=("expected exit status ${line#exit }, got $status") ;;
    +*) grep -qF -- "${line:1}" "$out" || problems+=("missing from the output: ${line:1}") ;;
    -*) ! grep -qF -- "${line:1}" "$out" || problems+=("must not be in the output: ${line:1}") ;;
    *) problems+=("bad expectation line: $line") ;;
  esac
  checked=$((checked + 1))
done <"$expectations"
if ((${#problems[@]})); then
  echo "--- runner output:"
  cat "$out"
  echo "--- $expectations: ${#problems[@]} of $checked expectations not met:"
  printf 'FAIL: %s\n' "${problems[@]}"
  exit 1
fi
echo "ok: $checked expectations of $expectations met (runner exit status $status)"
