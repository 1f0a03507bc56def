#!/bin/bash
# programs_test.sh HELLO_SSL HELLO_CXX ID_STATIC HELLO_CXX_ARM64 ID_STATIC_ARM64 CA CERT KEY:
# the test programs behave as the image YAMLs (tests/images/*) expect, on this machine's libs.
set -uo pipefail
hello_ssl=$1 hello_cxx=$2 id_static=$3 hello_cxx_arm64=$4 id_static_arm64=$5 ca=$6 cert=$7 key=$8
failures=0
expect() { # expect NAME WANTED_EXIT REGEX COMMAND...
  local name=$1 want=$2 regex=$3
  shift 3
  out=$("$@" 2>&1)
  status=$?
  if [[ $status == "$want" ]] && grep -qE -- "$regex" <<<"$out"; then
    echo "PASS $name"
  else
    echo "FAIL $name: exit $status (expected $want), output did not match /$regex/:"
    # shellcheck disable=SC2001 # indents every line
    sed 's/^/    /' <<<"$out"
    failures=$((failures + 1))
  fi
}
arm64=(qemu-aarch64 -L /usr/aarch64-linux-gnu)
expect "hello_ssl loads glibc and libssl" 0 '^glibc 2\.[0-9]+$' "$hello_ssl"
expect "hello_ssl prints OpenSSL_version" 0 '^OpenSSL 3\.' "$hello_ssl"
expect "hello_ssl counts the CA bundle" 0 '^[1-9][0-9]{2,} certificates in ' "$hello_ssl" certs /etc/ssl/certs/ca-certificates.crt
expect "hello_ssl fails on a bundle that is not PEM" 1 'hello_ssl|PEM|no certificate|error' "$hello_ssl" certs "$0"
expect "TLS to a throwaway CA fails verification" 1 '^verify failed: unable to get local issuer certificate$' \
  env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt "$hello_ssl" tls "$cert" "$key"
expect "TLS verifies with the CA given by SSL_CERT_FILE" 0 '^verify ok: hello over TLS$' \
  env SSL_CERT_FILE="$ca" "$hello_ssl" tls "$cert" "$key"
expect "hello_cxx uses libstdc++" 0 '^hello from libstdc\+\+: a=1 b=2 $' "$hello_cxx"
expect "hello_cxx catches an exception" 0 '^exception caught$' "$hello_cxx"
expect "id_static prints uid and cwd" 0 "^uid=$(id -u) gid=$(id -g) cwd=$(pwd) home=" "$id_static"
expect "hello_cxx arm64" 0 '^hello from libstdc\+\+: a=1 b=2 $' "${arm64[@]}" "$hello_cxx_arm64"
expect "id_static arm64" 0 "^uid=$(id -u) " "${arm64[@]}" "$id_static_arm64"
expect "id_static is static" 0 'no dynamic section' readelf -d "$id_static"
[[ $failures == 0 ]] || { echo "$failures failed"; exit 1; }
