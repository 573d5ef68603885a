# Sourced by the bench scripts: `record_results NAME` sends everything the script prints from then
# on to the terminal and to bench/results/NAME-<UTC time>.txt, starting with a header that says
# when, on which commit and on which machine (CPU model and vector extensions read from the
# system) the numbers were measured. Commit the file; documents cite it.
record_results() {
  local name=$1 stamp commit dirty cpu flags
  # A script run by another bench script writes into its caller's file.
  [ -n "${BENCH_RESULTS_FILE:-}" ] && return 0
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p bench/results
  export BENCH_RESULTS_FILE="bench/results/$name-$stamp.txt"
  commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
  dirty=$(git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null | head -1)
  cpu=$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  flags=$(grep -o -w -E 'avx512f|avx2|fma' /proc/cpuinfo | sort -u | tr '\n' ' ')
  exec > >(tee "$BENCH_RESULTS_FILE")
  echo "# bench/$name — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# commit: $commit${dirty:+ (with uncommitted changes to the code)}"
  echo "# cpu: ${cpu:-unknown} ($(nproc) cores available; flags: ${flags:-none of avx512f/avx2/fma})"
  echo "# system: $(uname -srm); $(rustc --version 2>/dev/null || echo 'rustc not found')"
  echo "# command: $0 ${*:2}"
  echo
}
