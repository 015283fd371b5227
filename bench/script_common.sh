# Shared by the bench run scripts (sourced, not run): the binaries of a build directory,
# which load tool runs (--tool=), and the open-files cap on --users.

# Sets tool from a --tool=one|group flag; exits 2 for any other value.
bench_tool=one
take_tool_flag() {
  bench_tool=${1#--tool=}
  case $bench_tool in
    one|group) ;;
    *) echo "$0: --tool must be one (parley-bench) or group (parley-group-bench)" >&2; exit 2 ;;
  esac
}

# Sets node_bin and bench_bin from BUILD_DIR and the tool; exits 2 when either is not built.
# PARLEY_BENCH_BIN runs another bench tool instead (e.g. parley-media-bench).
bench_binaries() {
  node_bin=$1/apps/parley-node
  bench_bin=$1/bench/parley-bench
  [ "$bench_tool" = group ] && bench_bin=$1/bench/parley-group-bench
  bench_bin=${PARLEY_BENCH_BIN:-$bench_bin}
  local bin
  for bin in "$node_bin" "$bench_bin"; do
    [ -x "$bin" ] || { echo "$0: $bin not built" >&2; exit 2; }
  done
}

# The bench holds one socket per user, and a process may open at most 20,000 files here
# (DESIGN.md): exits 2 unless --users=N stays well below that.
users_cap=19000
check_users_flag() {
  local users=${1#--users=}
  if ! [[ $users =~ ^[0-9]+$ ]] || [ "$users" -gt "$users_cap" ]; then
    echo "$0: --users must be a number <= $users_cap (open files are capped at 20,000)" >&2
    exit 2
  fi
}
