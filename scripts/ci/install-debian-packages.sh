#!/usr/bin/env bash
# Debian packages the test suite uses: PostgreSQL (a real server for the PostgreSQL adapter),
# protoc and its well-known types (an independent encoder for the canonical-encoding test), Chromium (browser tests),
# curl (the README's walkthrough, run as printed).
# Installs only what is missing, so a prepared machine pays nothing.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
# protoc's well-known types (descriptor.proto, imported by options.proto): only recommended by protobuf-compiler.
[ -f /usr/include/google/protobuf/descriptor.proto ] || missing+=(libprotobuf-dev)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
