#!/bin/bash
# make_tls_material.sh CA SERVER_CERT SERVER_KEY: a throwaway certificate authority, made at
# build time and found in no image, and a server certificate for DNS:localhost that it signs.
# Keys are test data only; the certificates are valid for 100 years so a cached build keeps
# working.
set -euo pipefail
ca=$1 cert=$2 key=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
  -subj "/CN=distroless structure test throwaway CA" -keyout "$tmp/ca.key" -out "$ca" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=localhost" -keyout "$key" -out "$tmp/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/server.csr" -CA "$ca" -CAkey "$tmp/ca.key" -CAcreateserial \
  -days 36500 -extfile "$tmp/ext" -out "$cert" 2>/dev/null
# Readable by the image's nonroot user, which runs the TLS server in the test.
chmod 0644 "$key"
