#!/bin/bash
# max_symbol_versions_test.sh MAX... -- BINARY...: fails if a dynamically linked BINARY needs a
# symbol version newer than a MAX of its family (GLIBC_2.36 GLIBCXX_3.4.30 CXXABI_1.3.13 are
# Debian 12's glibc and GCC 12 libstdc++). The build machine's compilers may be newer than the
# image's runtime: this says which symbol is too new before the image fails to start it.
set -euo pipefail
declare -A max=()
while [[ $# -gt 0 && $1 != -- ]]; do max[${1%_*}]=$1; shift; done
[[ $# -gt 0 ]] || { echo "usage: $0 MAX... -- BINARY..." >&2; exit 2; }
shift
status=0
for binary in "$@"; do
  # The version needs of the dynamic section (none for a static binary); readelf reads any ELF.
  bad=0
  needed=$(LC_ALL=C readelf --version-info --wide "$binary" | grep -oE 'Name: [A-Z]+_[0-9.]+' | cut -d' ' -f2 | sort -u)
  for version in $needed; do
    limit=${max[${version%_*}]:-}
    [[ -n $limit ]] || continue
    if [[ $(printf '%s\n%s\n' "$version" "$limit" | sort -V | tail -1) != "$limit" ]]; then
      echo "FAIL $binary needs $version, newer than $limit" >&2
      bad=1
    fi
  done
  if [[ $bad -eq 0 ]]; then echo "PASS $binary: $(tr '\n' ' ' <<<"$needed")"; else status=1; fi
done
exit "$status"
