#!/bin/bash
# max_symbol_versions_test_test.sh SCRIPT BINARY: max_symbol_versions_test.sh passes a dynamically
# linked BINARY under a generous limit and fails it, naming the version, under GLIBC_2.0.
set -euo pipefail
script=$1 binary=$2
"$script" GLIBC_99.0 GLIBCXX_3.4.99 -- "$binary" | grep -q "^PASS $binary: .*GLIBC_2"
if "$script" GLIBC_2.0 -- "$binary" 2>"$TEST_TMPDIR/err"; then
  echo "FAIL: $binary passed a GLIBC_2.0 limit" >&2
  exit 1
fi
grep -qE "^FAIL $binary needs GLIBC_2\.[0-9.]+, newer than GLIBC_2\.0$" "$TEST_TMPDIR/err"
echo "PASS"
