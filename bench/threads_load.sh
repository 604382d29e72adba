#!/bin/sh
# threads_load.sh - is nnsh on two threads ever slower than on one? Each
# workload trains on the bundled digits with --threads 1 and --threads 2,
# alternately, RUNS times each, on a quiet machine and beside a CPU hog
# (a shell loop, started for each workload and mode and bounded by
# timeout), pinned to the last CPU or left to the scheduler; given
# several binaries, they take turns within each round. Prints the best
# training time of each (the sum of its epochs' times) and the ratio
# t2/t1 (target: at most 1.0 in every row), and the load average before
# and after: other programs on a shared machine make every figure
# noisier, so quote it with them.
#   bench/threads_load.sh                    (nnsh from build/, or $NNSH)
#   bench/threads_load.sh OLD/nnsh NEW/nnsh  (A/B in the same run)
#   RUNS=5 WORKLOADS="w1 w5" MODES="quiet pinned" bench/threads_load.sh
# Workloads (DESIGN.md section 6, on the 8,000 bundled digits):
#   w1  784-200-10 sigmoid, SGD, batch 100, 4 epochs
#   w2  784-256-128-64-10 ReLU, dropout 0.2, Adam, batch 32, 2 epochs
#   w4  LeNet: two convs with max pooling, dropout, Adam, batch 64, 1 epoch
#   w5  the three-conv CNN, Adam, batch 100, 2 epochs
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "${NNSH:-$here/../build/src/nnsh}"
for nnsh in "$@"; do
	[ -x "$nnsh" ] || { echo "threads_load: no nnsh at $nnsh" >&2; exit 1; }
done
runs=${RUNS:-3}
workloads=${WORKLOADS:-w1 w2 w4 w5}
modes=${MODES:-quiet pinned free}
hog_seconds=${HOG_SECONDS:-300}
last_cpu=$(($(nproc) - 1))
tmp=$(mktemp -d)
hog=""
trap '[ -n "$hog" ] && kill "$hog" 2>/dev/null; rm -rf "$tmp"' EXIT
export NNSH_DATA= XDG_CACHE_HOME=/nonexistent-cache HOME=$tmp

# script NAME: the workload's nnsh script
script() {
	echo "seed 1
data d = load mnist
model net input=1x28x28"
	case $1 in
	w1) echo "add flatten
add dense 200 sigmoid
add dense 10 softmax
loss crossentropy
optim sgd lr=0.5
train d.train epochs=4 batch=100" ;;
	w2) echo "add flatten
add dense 256 relu
add dropout 0.2
add dense 128 relu
add dropout 0.2
add dense 64 relu
add dropout 0.2
add dense 10 softmax
loss crossentropy
optim adam lr=1e-3
train d.train epochs=2 batch=32" ;;
	w4) echo "add conv 10 5x5 relu
add maxpool 2
add conv 20 5x5 relu
add maxpool 2
add flatten
add dense 50 relu
add dropout 0.5
add dense 10 logsoftmax
loss nll
optim adam lr=1e-3
train d.train epochs=1 batch=64" ;;
	w5) echo "add conv 4 5x5 stride=1 pad=2 relu
add conv 8 5x5 stride=2 pad=2 relu
add conv 12 4x4 stride=2 pad=1 relu
add flatten
add dense 200 relu
add dense 10 softmax
loss crossentropy
optim adam lr=0.003
train d.train epochs=2 batch=100" ;;
	*) echo "threads_load: unknown workload $1" >&2; exit 2 ;;
	esac
}

# start_hog MODE: a busy loop on the last CPU (pinned), anywhere (free),
# or none (quiet)
start_hog() {
	case $1 in
	quiet) hog="" ;;
	pinned) taskset -c "$last_cpu" timeout "$hog_seconds" \
		sh -c 'while :; do :; done' & hog=$! ;;
	free) timeout "$hog_seconds" sh -c 'while :; do :; done' & hog=$! ;;
	*) echo "threads_load: unknown mode $1" >&2; exit 2 ;;
	esac
}

stop_hog() {
	if [ -n "$hog" ]; then
		kill "$hog" 2>/dev/null || true
		wait "$hog" 2>/dev/null || true
		hog=""
	fi
}

# ms NNSH THREADS SCRIPT: the milliseconds one run spends training, the
# sum of the times its epoch lines print (start-up, loading and the
# threads' first use are the same few milliseconds on one thread or two,
# and would blur what a longer run feels)
ms() {
	"$1" --batch --no-panel --threads "$2" "$3" > "$tmp/out" 2>&1 || {
		echo "threads_load: $1 failed:" >&2
		cat "$tmp/out" >&2
		exit 1
	}
	awk '/^epoch / { t = $NF; sub(/s$/, "", t); s += t }
	     END { printf "%d\n", s * 1000 + 0.5 }' "$tmp/out"
}

min() { [ -z "$1" ] || [ "$2" -lt "$1" ] && echo "$2" || echo "$1"; }

echo "threads_load: $(nproc) CPUs, $runs runs each, hog on CPU $last_cpu" \
     "when pinned"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-4s %-7s %8s %8s %6s\n' binary work mode "t1 ms" "t2 ms" t2/t1
for w in $workloads; do
	script "$w" > "$tmp/$w.nn"
	for mode in $modes; do
		# the binaries take turns within each round, so that a slower
		# or faster spell of the machine falls on all of them
		start_hog "$mode"
		sleep 0.2
		i=0
		while [ "$i" -lt "$runs" ]; do
			b=0
			for nnsh in "$@"; do
				b=$((b + 1))
				eval "one=\${best1_$b:-}; two=\${best2_$b:-}"
				one=$(min "$one" "$(ms "$nnsh" 1 "$tmp/$w.nn")")
				two=$(min "$two" "$(ms "$nnsh" 2 "$tmp/$w.nn")")
				eval "best1_$b=$one; best2_$b=$two"
			done
			i=$((i + 1))
		done
		stop_hog
		b=0
		for nnsh in "$@"; do
			b=$((b + 1))
			eval "one=\$best1_$b; two=\$best2_$b; best1_$b=; best2_$b="
			printf '%-6s %-4s %-7s %8d %8d %6.2f\n' "#$b" "$w" \
			       "$mode" "$one" "$two" \
			       "$(echo "$two $one" | awk '{ print $1 / $2 }')"
		done
	done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
b=0
for nnsh in "$@"; do
	b=$((b + 1))
	echo "#$b: $nnsh"
done
