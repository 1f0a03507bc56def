#!/bin/bash
# build_test_binary.sh COMPILER OUT SRC [FLAGS...]: compiles a test program for an image and
# fails if it needs a newer glibc or libstdc++ than the oldest release the images ship
# (Debian 12: glibc 2.36, GCC 12's libstdc++ GLIBCXX_3.4.30 / CXXABI_1.3.13). The toolchain
# root's compilers are newer than that, so a symbol version check is what keeps the binaries
# runnable on every image.
set -euo pipefail
compiler=$1 out=$2 src=$3
shift 3
"$compiler" -O2 -o "$out" "$src" "$@"
# A static binary has no dynamic symbols: nothing to check.
symbols=$(LC_ALL=C objdump -T "$out" 2>/dev/null || true)
too_new=$({ grep -oE '(GLIBC|GLIBCXX|CXXABI)_[0-9.]+' <<<"$symbols" || true; } | sort -u | while read -r v; do
  case $v in
    GLIBC_*) max=GLIBC_2.36 ;;
    GLIBCXX_*) max=GLIBCXX_3.4.30 ;;
    CXXABI_*) max=CXXABI_1.3.13 ;;
  esac
  [[ $(printf '%s\n%s\n' "$v" "$max" | sort -V | tail -1) == "$max" ]] || echo "$v"
done)
if [[ -n $too_new ]]; then
  echo "$out needs symbol versions newer than Debian 12 has: $too_new" >&2
  exit 1
fi
