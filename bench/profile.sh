#!/bin/sh
# profile.sh - where an epoch of a workload goes, in percent. Runs
# bench/wN.nn for a few epochs on one thread under `perf record`, then
# sorts the samples into groups (the products, copies and zeroing,
# activations, loss, optimizer, batches, loading the data, the kernel,
# the rest) and prints a table with each group's share of all samples and
# of the samples spent outside loading, and the largest symbols of the
# rest. doc/profiles.md keeps the tables of the last run.
#   bench/profile.sh W1 [EPOCHS]       (EPOCHS: 3, or as the script has)
#   NNSH=/path/to/nnsh bench/profile.sh W5
# Needs perf (Debian's linux-perf) and Fashion-MNIST (bench/run installs
# it). Shares are of CPU samples, so they hold on a busy machine too;
# quote the load average with them all the same.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$here/../build/src/nnsh}
[ $# -ge 1 ] || { echo "usage: bench/profile.sh W1..W10 [EPOCHS]" >&2; exit 2; }
w=$(echo "$1" | tr W w)
epochs=${2:-3}
[ -f "$here/$w.nn" ] || { echo "profile: no workload $here/$w.nn" >&2; exit 2; }
[ -x "$nnsh" ] || { echo "profile: no nnsh at $nnsh (run ./setup)" >&2; exit 1; }
command -v perf >/dev/null ||
	{ echo "profile: perf is missing (apt-get install linux-perf)" >&2; exit 1; }
tmp=$(mktemp -d)

# the same script with EPOCHS epochs, run from bench/ for its relative paths
sed -e "s/^let epochs = .*/let epochs = $epochs/" \
    -e "s/ epochs=[0-9][0-9]*/ epochs=$epochs/" "$here/$w.nn" > "$here/.profile-$w.nn"
trap 'rm -rf "$tmp" "$here/.profile-$w.nn"' EXIT
echo "profile: $1, $epochs epoch(s), one thread, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?')"
(cd "$here" && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 perf record -q -F 2000 \
	-o "$tmp/perf.data" "$nnsh" --batch --no-panel --threads 1 \
	".profile-$w.nn" > "$tmp/out" 2>&1) ||
	{ cat "$tmp/out"; echo "profile: the run failed" >&2; exit 1; }
grep -E '^epoch ' "$tmp/out" | tail -n 1
perf report -i "$tmp/perf.data" --no-children --sort dso,sym --stdio \
	2>/dev/null | grep -v '^#' | grep -v '^$' > "$tmp/report"

# overhead, dso and symbol of each line -> a group
awk '
function group(dso, sym) {
	if (dso ~ /libz|ld-linux/ || sym ~ /scale_bytes|idx|inflate|crc32|_dl_|csv/)
		return "loading the data and starting"
	if (dso ~ /kernel/)
		return "the kernel (page faults, system calls)"
	if (dso ~ /JIT|libdnnl|openblas|libblas|libgomp/ || sym ~ /gemm|gemv|ger_/)
		return "products (oneDNN, OpenBLAS)"
	if (sym ~ /nn_direct_/)
		return "convolution kernels (convdirect.c)"
	if (sym ~ /mem(move|cpy|set)|im2col|col2im|lower|plane|copy|transpose|pack|gather2|scatter2|narrow|widen|add_floats/)
		return "copies and zeroing (lowering, layouts)"
	if (sym ~ /sigm|tanh|relu|exp|softmax|_act|gelu|pool|dropout|norm/)
		return "activations, pooling, dropout"
	if (sym ~ /loss|count_correct|finite/)
		return "loss and accuracy"
	if (sym ~ /update|adam|sgd|optim|decay|clip/)
		return "optimizer step"
	if (sym ~ /gather|shuffle|rng/)
		return "batches (shuffle, gather)"
	return "the rest"
}
{
	p = $1; sub(/%/, "", p); dso = $2; sym = $NF
	g = group(dso, sym); share[g] += p; all += p
	if (g == "loading the data and starting") load += p
	if (g == "the rest") rest[sym] += p
}
END {
	printf "\n| where | share of all samples | share outside loading |\n"
	printf "|---|---|---|\n"
	n = split("products (oneDNN, OpenBLAS)|convolution kernels (convdirect.c)|copies and zeroing (lowering, layouts)|activations, pooling, dropout|loss and accuracy|optimizer step|batches (shuffle, gather)|the kernel (page faults, system calls)|the rest|loading the data and starting", order, "|")
	for (i = 1; i <= n; i++) {
		g = order[i]
		out = "-"
		if (g != "loading the data and starting")
			out = sprintf("%.1f%%", 100 * share[g] / (all - load))
		printf "| %s | %.1f%% | %s |\n", g, share[g], out
	}
	printf "\nthe rest, largest symbols:"
	for (k = 0; k < 5; k++) {
		best = ""; bv = 0
		for (s in rest) if (rest[s] > bv) { bv = rest[s]; best = s }
		if (best == "") break
		printf " %s %.1f%%", best, bv; delete rest[best]
	}
	printf "\n"
}' "$tmp/report"
