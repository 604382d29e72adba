#!/bin/sh
# load_bench.sh - how long nnsh takes to load Fashion-MNIST (60,000 + 10,000
# gzip-compressed IDX images, from Debian's dataset-fashion-mnist) and how
# much memory the images take. Each figure is the best of RUNS runs of a
# fresh nnsh, less the best time of an nnsh that loads nothing.
#   bench/load_bench.sh                 (nnsh from build/, or $NNSH)
#   RUNS=10 FASHION=/dir bench/load_bench.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$here/../build/src/nnsh}
dir=${FASHION:-/usr/share/datasets/fashion-mnist}
runs=${RUNS:-5}

if [ ! -x "$nnsh" ]; then
	echo "load_bench: no nnsh at $nnsh: run ./setup first, or set NNSH" >&2
	exit 2
fi
if [ ! -r "$dir/train-images-idx3-ubyte.gz" ]; then
	echo "load_bench: no Fashion-MNIST in $dir: apt-get install" \
	     "dataset-fashion-mnist, or set FASHION=DIR" >&2
	exit 2
fi

# best wall time in milliseconds of running nnsh with the given commands
best_ms() {
	best=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(date +%s%N)
		"$nnsh" --batch "$@" > /dev/null
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}

# least CPU time (user + system) in milliseconds of running nnsh with the
# given commands: steadier than wall time on a busy machine
cpu_ms() {
	best=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		ms=$(/usr/bin/time -f "%U %S" "$nnsh" --batch "$@" 2>&1 \
			>/dev/null | tail -n 1 |
			awk '{ printf "%d", ($1 + $2) * 1000 }')
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}

# best wall time in milliseconds of zcat decompressing the same file, the
# floor for any reader that uses zlib
zcat_ms() {
	best=""
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(date +%s%N)
		zcat "$1" > /dev/null
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
		i=$((i + 1))
	done
	echo "$best"
}

# peak resident memory in MB of one run
peak_mb() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M "$nnsh" --batch "$@" 2>&1 >/dev/null |
			tail -n 1 | awk '{ printf "%.0f", $1 / 1024 }'
	else
		echo "?"
	fi
}

train="data f = load idx $dir/train-images-idx3-ubyte.gz $dir/train-labels-idx1-ubyte.gz"
both="data f = load fashion-mnist path=$dir"
base=$(best_ms -e "seed 1")
t_train=$(best_ms -e "$train")
t_both=$(best_ms -e "$both")
t_zcat=$(zcat_ms "$dir/train-images-idx3-ubyte.gz")
if [ -x /usr/bin/time ]; then
	c_base=$(cpu_ms -e "seed 1")
	c_train=$(cpu_ms -e "$train")
fi

echo "nnsh: $nnsh"
echo "Fashion-MNIST: $dir (best of $runs runs, nnsh start-up of ${base} ms taken off)"
echo "  training set, 60,000 images (.gz):   $((t_train - base)) ms" \
     "(zcat of its images alone: $t_zcat ms)"
echo "  training + test sets, 70,000 images: $((t_both - base)) ms"
if [ -n "${c_train:-}" ]; then
	echo "  CPU time (user + system) for the training set:" \
	     "$((c_train - c_base)) ms"
fi
echo "  peak memory: $(peak_mb -e "seed 1") MB idle, $(peak_mb -e "$both") MB with both sets loaded"
echo "  (the pixels alone are 70,000 x 784 bytes = 55 MB; as floats they would be 220 MB)"
