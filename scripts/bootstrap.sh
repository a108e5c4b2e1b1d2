#!/usr/bin/env bash
# bootstrap.sh — install the Debian packages agora needs to build, if missing.
#
#   scripts/bootstrap.sh [--bench] [--test] [EXTRA_PACKAGE...]
#
# Checks every package with dpkg-query; when all are installed it prints one
# line and does nothing else. Otherwise it runs `apt-get update` (a fresh
# Debian 12 machine has no package lists) and installs only what is missing,
# non-interactively. As non-root it uses sudo when available, and otherwise
# fails with the list of missing packages.
#
# Extra package names given as arguments are checked/installed too
# (run.sh fuzz passes the clang toolchain this way). --bench adds the
# programs the cluster benchmark's baselines run (Erlang distribution,
# mosquitto), python3 for the jobs benchmark and gnuplot for its plot, and
# the dns benchmark's peers and load (nsd upstream, unbound, dnsmasq-base,
# dnsperf); they are never installed otherwise. --test adds the tools the
# test suite runs when they are there (promtool, from Debian's prometheus
# package, checks agora-node's /metrics; ldns is the DNS codec's test
# oracle; nsd and dig serve and query zones in agora-dns's process tests);
# `run.sh test` (CI) passes it.
set -euo pipefail

# Packages every build needs. Add new ones here, one per line.
PACKAGES=(
  g++
  cmake
  make
  pkg-config
  libcaf-dev
  libboost-dev
  libfmt-dev
  doctest-dev
  libcli11-dev
  libssl-dev
  libtomlplusplus-dev
  nlohmann-json3-dev
  libcpp-httplib-dev
)

# Opt-in (--test): tools the tests use (they skip, saying so, without them).
TEST_PACKAGES=(
  prometheus
  libldns-dev
  nsd
  bind9-dnsutils
)

# Opt-in (--bench): the cluster benchmark's baselines; the jobs benchmark's
# interpreter (python3) and bench/plot_jobs_speedup.sh's gnuplot; the dns
# benchmark's upstream (nsd), its peers (unbound; dnsmasq-base, not dnsmasq,
# which would add a service on port 53) and its load generator (dnsperf).
BENCH_PACKAGES=(
  erlang-base
  mosquitto
  mosquitto-clients
  libmosquitto-dev
  python3-minimal
  gnuplot-nox
  nsd
  unbound
  dnsmasq-base
  dnsperf
)

while [[ ${1:-} == --bench || ${1:-} == --test ]]; do
  if [[ $1 == --bench ]]; then PACKAGES+=("${BENCH_PACKAGES[@]}"); else PACKAGES+=("${TEST_PACKAGES[@]}"); fi
  shift
done
PACKAGES+=("$@")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "bootstrap: dpkg-query not found (not a Debian system?); skipping package check," \
       "make sure these are installed: ${PACKAGES[*]}" >&2
  exit 0
fi

is_installed() {
  # One status line per installed architecture; any fully installed one counts.
  dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -qx 'install ok installed'
}

missing_packages() {
  local p seen=" "
  for p in "${PACKAGES[@]}"; do
    [[ $seen == *" $p "* ]] && continue
    seen+="$p "
    is_installed "$p" || printf '%s\n' "$p"
  done
}

mapfile -t missing < <(missing_packages)

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#PACKAGES[@]} required packages are installed."
  exit 0
fi

echo "bootstrap: missing packages: ${missing[*]}"

as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "bootstrap: not running as root and sudo is not available." >&2
    echo "bootstrap: please install: ${missing[*]}" >&2
    echo "bootstrap:   apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

apt_env=(env DEBIAN_FRONTEND=noninteractive)
"${as_root[@]}" "${apt_env[@]}" apt-get update -q
"${as_root[@]}" "${apt_env[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages)
if ((${#still_missing[@]} != 0)); then
  echo "bootstrap: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "bootstrap: installed: ${missing[*]}"
