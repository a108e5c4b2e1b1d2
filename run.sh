#!/usr/bin/env bash
# run.sh — build, test, demo, benchmark and fuzz agora.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bash run.sh COMMAND [ARGS...]

commands:
  build             configure + build everything in build/ (RelWithDebInfo)
  test              build and run the full ctest suite twice:
                      build/       normal build
                      build-asan/  -DAGORA_SANITIZE=ON (AddressSanitizer + UBSan)
                    both must pass
  demo [ARGS...]    build and run the cluster demo, build/apps/agora-cluster-demo:
                    five agora-node processes, a job, the leader killed mid-job
  demo chat         build and run the chat demo, build/apps/agora-demo
  bench [ARGS...]   build and run build/bench/agora-bench; with --install-baselines,
                    first install Erlang and mosquitto for the cluster baselines,
                    python3 for the jobs benchmark and gnuplot for its plot
                    (scripts/bootstrap.sh --bench)
  fuzz [SECONDS]    build the libFuzzer targets with clang in build-fuzz/ and run
                    each fuzz/fuzz_*.cpp for SECONDS (default 60) on a scratch
                    copy of fuzz/corpus/<name>/ (kept in fuzz-corpus/<name>/)
  -h, --help        show this help

Every command first runs scripts/bootstrap.sh (installs missing Debian packages).
Environment: AGORA_TEST_TIMEOUT (per-test seconds, default 300),
             AGORA_ASAN_BUILD_TYPE (default Debug).
EOF
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$ROOT"

JOBS=$(nproc 2>/dev/null || echo 2)
TEST_TIMEOUT=${AGORA_TEST_TIMEOUT:-300}

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

bootstrap() { bash "$ROOT/scripts/bootstrap.sh" "$@"; }

# configure DIR [CMAKE_ARGS...]
configure() {
  local dir=$1; shift
  log "configure $dir/"
  cmake -S "$ROOT" -B "$ROOT/$dir" "$@"
}

# build DIR [TARGET...]
build() {
  local dir=$1; shift
  local targets=()
  (($# > 0)) && targets=(--target "$@")
  log "build $dir/ ${*:-all}"
  cmake --build "$ROOT/$dir" -j"$JOBS" "${targets[@]}"
}

# run_ctest DIR
run_ctest() {
  local dir=$1
  log "ctest $dir/"
  ctest --test-dir "$ROOT/$dir" --output-on-failure -j"$JOBS" --timeout "$TEST_TIMEOUT"
}

# has_target DIR TARGET — does the configured build system know TARGET?
# Returns 0 also when the generator cannot list its targets (then the build
# itself will tell).
has_target() {
  local dir=$1 target=$2 list
  list=$(cmake --build "$ROOT/$dir" --target help 2>/dev/null) || return 0
  grep -Eq "(^|[ .])${target}(:|\$| )" <<<"$list"
}

# require_target DIR TARGET SOURCE_DIR
require_target() {
  has_target "$1" "$2" ||
    die "the CMake target '$2' does not exist (yet): nothing in $3/CMakeLists.txt defines it."
}

# Options for the normal build in build/; explicit so that a stale cache from
# some other experiment cannot change what gets built.
normal_opts=(
  -DCMAKE_BUILD_TYPE=RelWithDebInfo
  -DAGORA_SANITIZE=OFF -DAGORA_FUZZ=OFF
  -DAGORA_BUILD_TESTS=ON -DAGORA_BUILD_BENCH=ON -DAGORA_BUILD_APPS=ON
)

# LeakSanitizer cannot run under ptrace (strace, gdb, some sandboxes): every
# sanitized program then dies at exit. Probe with a leak-free program built
# by COMPILER and fall back to detect_leaks=0 if it fails.
# Prints 1 when leak detection works, 0 otherwise.
lsan_works() {
  local compiler=$1 probe_dir
  probe_dir=$(mktemp -d)
  printf '#include <cstdlib>\nint main() { void* p = std::malloc(16); std::free(p); return 0; }\n' \
    >"$probe_dir/probe.cpp"
  if ! "$compiler" -fsanitize=address "$probe_dir/probe.cpp" -o "$probe_dir/probe" 2>"$probe_dir/log"; then
    cat "$probe_dir/log" >&2
    rm -rf "$probe_dir"
    die "cannot build an AddressSanitizer program with $compiler"
  fi
  if ASAN_OPTIONS=detect_leaks=1 "$probe_dir/probe" >"$probe_dir/log" 2>&1; then
    echo 1
  else
    echo "run.sh: warning: LeakSanitizer does not work here (ptrace sandbox?):" >&2
    sed 's/^/run.sh:   /' "$probe_dir/log" >&2
    echo "run.sh: warning: falling back to ASAN_OPTIONS=detect_leaks=0 — leaks are NOT checked." >&2
    echo 0
  fi
  rm -rf "$probe_dir"
}

cmd_build() {
  bootstrap
  configure build "${normal_opts[@]}"
  build build
}

# test_pass NAME — one configure/build/ctest round; returns non-zero on failure.
# (Called in an `if`, where set -e is off: every step is checked explicitly.)
test_pass() {
  case $1 in
    normal)
      configure build "${normal_opts[@]}" || return 1
      build build || return 1
      run_ctest build || return 1
      ;;
    asan)
      local leaks
      leaks=$(lsan_works "${CXX:-c++}") || return 1
      # Exported before building: doctest test discovery runs the test
      # programs at build time.
      export ASAN_OPTIONS="detect_leaks=${leaks}:abort_on_error=1"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
      log "ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
      configure build-asan \
        -DCMAKE_BUILD_TYPE="${AGORA_ASAN_BUILD_TYPE:-Debug}" \
        -DAGORA_SANITIZE=ON -DAGORA_FUZZ=OFF \
        -DAGORA_BUILD_TESTS=ON -DAGORA_BUILD_BENCH=OFF -DAGORA_BUILD_APPS=ON || return 1
      build build-asan || return 1
      run_ctest build-asan || return 1
      ;;
  esac
}

cmd_test() {
  bootstrap --test
  local pass start failed=() summary=()
  for pass in normal asan; do
    start=$SECONDS
    if test_pass "$pass"; then
      summary+=("$pass: PASSED ($((SECONDS - start))s)")
    else
      summary+=("$pass: FAILED ($((SECONDS - start))s)")
      failed+=("$pass")
    fi
  done
  log "summary"
  printf '  %s\n' "${summary[@]}"
  ((${#failed[@]} == 0)) || die "test passes failed: ${failed[*]}"
  echo "all test passes succeeded."
}

# Builds TARGET (defined in DIR/CMakeLists.txt) in build/ and replaces this
# shell with build/DIR/TARGET ARGS...
run_program() {
  local target=$1 dir=$2
  shift 2
  bootstrap
  configure build "${normal_opts[@]}"
  require_target build "$target" "$dir"
  build build "$target"
  [[ -x build/$dir/$target ]] || die "build/$dir/$target was not produced by the $target target"
  log "run build/$dir/$target $*"
  exec "build/$dir/$target" "$@"
}

cmd_demo() {
  if [[ ${1:-} == chat ]]; then
    shift
    run_program agora-demo apps "$@"
  else
    run_program agora-cluster-demo apps "$@"
  fi
}

# --install-baselines (also an agora-bench flag) installs the cluster
# baselines' packages before configuring, so agora-mqtt-bench gets built.
cmd_bench() {
  local arg
  for arg in "$@"; do
    [[ $arg == --install-baselines ]] && bootstrap --bench
  done
  run_program agora-bench bench "$@"
}

cmd_fuzz() {
  local seconds=${1:-60}
  [[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || die "fuzz: SECONDS must be a positive integer, got '$seconds'"
  bootstrap clang libclang-rt-14-dev

  local sources=() src
  for src in fuzz/fuzz_*.cpp; do
    [[ -e $src ]] && sources+=("$src")
  done
  ((${#sources[@]} > 0)) || die "fuzz: no fuzz targets (fuzz/fuzz_*.cpp) yet"

  # A cache made with another compiler cannot be switched to clang: start over.
  if [[ -f build-fuzz/CMakeCache.txt ]] &&
     ! grep -Eq '^CMAKE_CXX_COMPILER:[A-Z]+=.*clang\+\+' build-fuzz/CMakeCache.txt; then
    log "build-fuzz/ was configured with another compiler; recreating it"
    rm -rf build-fuzz
  fi
  export CC=clang CXX=clang++
  configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAGORA_FUZZ=ON -DAGORA_SANITIZE=OFF \
    -DAGORA_BUILD_TESTS=OFF -DAGORA_BUILD_BENCH=OFF -DAGORA_BUILD_APPS=OFF

  local names=() name
  for src in "${sources[@]}"; do
    name=$(basename "$src" .cpp)
    require_target build-fuzz "$name" fuzz
    names+=("$name")
  done
  build build-fuzz "${names[@]}"

  local leaks
  leaks=$(lsan_works clang++)
  export ASAN_OPTIONS="detect_leaks=${leaks}:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

  local failed=() scratch seeds
  mkdir -p fuzz-corpus/crashes
  for name in "${names[@]}"; do
    scratch=fuzz-corpus/$name
    seeds=fuzz/corpus/$name
    rm -rf "$scratch"
    mkdir -p "$scratch"
    if [[ -d $seeds ]]; then
      cp -R "$seeds/." "$scratch/"
    else
      echo "run.sh: warning: no seed corpus $seeds/; starting from an empty corpus" >&2
    fi
    log "fuzz $name for ${seconds}s (corpus $scratch/, crashes in fuzz-corpus/crashes/)"
    if ! build-fuzz/fuzz/"$name" -max_total_time="$seconds" -detect_leaks="$leaks" \
         -print_final_stats=1 -artifact_prefix="fuzz-corpus/crashes/$name-" "$scratch"; then
      failed+=("$name")
    fi
  done
  ((${#failed[@]} == 0)) || die "fuzz: failures in: ${failed[*]} (inputs in fuzz-corpus/crashes/)"
  echo "fuzz: all ${#names[@]} targets ran ${seconds}s without failures."
}

(($# > 0)) || { usage >&2; exit 2; }
command=$1; shift
case $command in
  -h|--help|help) usage ;;
  build) cmd_build "$@" ;;
  test)  cmd_test "$@" ;;
  demo)  cmd_demo "$@" ;;
  bench) cmd_bench "$@" ;;
  fuzz)  cmd_fuzz "$@" ;;
  *) echo "run.sh: unknown command '$command'" >&2; usage >&2; exit 2 ;;
esac
