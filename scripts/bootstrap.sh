#!/usr/bin/env bash
# Installs every dependency of aud from Debian's archive. Idempotent: packages
# already present are skipped, and nothing is fetched when all are there.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build make pkg-config
  # grammar: ANTLR tool 4.7.2 (needs a JRE) + C++ runtime 4.9
  antlr4 libantlr4-runtime-dev default-jre-headless
  # JIT
  llvm-14-dev
  # front end and runtime libraries
  libtomlplusplus-dev libsimdjson-dev libsqlite3-dev sqlite3 zlib1g-dev
  libpq-dev postgresql libcurl4-openssl-dev libssl-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libcpp-httplib-dev
  # fuzzing (libFuzzer + sanitizers, built with clang)
  clang-14 libclang-rt-14-dev
  # `aud graph | dot -Tsvg` in the README (the README test runs it)
  graphviz
  # `make lint` and `make format` (scripts/lint.sh; python3 reads the compile database)
  clang-format-14 clang-tidy-14 python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js and npm for the benchmark's DuckDB side (bench/duckdb, `npm ci` in
# .ci/run): any installation will do (Debian's, or NodeSource's, whose
# `nodejs` package bundles npm), so they are checked as commands.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "bootstrap: all ${#PACKAGES[@]} packages (and node, npm) present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "bootstrap: done"
