#!/bin/sh
# bench/mpi.sh - data-parallel training over MPI (issue 19): W1, W2 and W5
# on one rank of one thread against two ranks of one thread each under
# mpirun, on this machine, the same global batches. Prints the seconds per
# epoch (the mean of the `time` on train's epoch lines) and the speed-up;
# the goal is 1.7x or more for two ranks. Then the collectives a step
# adds, alone (bench/mpi_parts.c, when mpicc is there). Quote it only
# from a quiet machine: `uptime` is printed before and after.
# WORKLOADS="W1 W2" picks workloads (default W1 W2 W5).
#   bench/mpi.sh [EPOCHS]       (default 1)
# NNSH=/path/to/nnsh picks the binary (default: ./setup's build/src/nnsh).
set -u
bench=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$bench")
nnsh=${NNSH:-$root/build/src/nnsh}
epochs=${1:-1}
out=$bench/out/mpi
mkdir -p "$out"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OPENBLAS_NUM_THREADS=1

if ! "$nnsh" --version | grep -q 'over MPI'; then
	echo "bench/mpi.sh: $nnsh was built without MPI (run ./setup)" >&2
	exit 1
fi
if [ ! -d /usr/share/datasets/fashion-mnist ]; then
	echo "bench/mpi.sh: needs Fashion-MNIST (apt-get install" \
	     "dataset-fashion-mnist)" >&2
	exit 1
fi

# seconds NAME RANKS: run workload NAME on RANKS ranks of one thread each;
# print its mean seconds per epoch
seconds() {
	sed "s/^let epochs = .*/let epochs = $epochs/" "$bench/$(echo "$1" |
		tr W w).nn" > "$out/$1.nn"
	if [ "$2" -eq 1 ]; then
		"$nnsh" --batch --threads 1 "$out/$1.nn"
	else
		mpirun --oversubscribe -np "$2" --bind-to none \
			--mca btl self,vader --mca oob_tcp_if_include lo \
			"$nnsh" --batch --threads 1 "$out/$1.nn"
	fi > "$out/$1-$2.log" 2>&1 || { echo FAILED; return; }
	awk '/^epoch/ { for (i = 1; i < NF; i++) if ($i == "time") {
		t += $(i + 1); n++ } } END { if (n) printf "%.3f", t / n;
		else printf "FAILED" }' "$out/$1-$2.log"
}

echo "load before: $(uptime)"
printf '%-4s %12s %12s %9s %s\n' workload "1 rank s/ep" "2 ranks s/ep" \
	speed-up "test accuracy (1, 2)"
for w in ${WORKLOADS:-W1 W2 W5}; do
	one=$(seconds $w 1)
	two=$(seconds $w 2)
	acc1=$(grep '^loss' "$out/$w-1.log" | sed 's/.*accuracy \([0-9.]*\).*/\1/')
	acc2=$(grep '^loss' "$out/$w-2.log" | sed 's/.*accuracy \([0-9.]*\).*/\1/')
	printf '%-4s %12s %12s %9s %s %s\n' $w "$one" "$two" \
		"$(awk -v a="$one" -v b="$two" 'BEGIN { if (b > 0)
			printf "%.2fx", a / b; else print "-" }')" "$acc1" "$acc2"
done
# the parts of a step that two ranks add: the allreduce of each
# workload's gradient block (W1, W2, W5) and the record's allgather
if command -v mpicc > /dev/null &&
   mpicc -O2 -o "$out/mpi_parts" "$bench/mpi_parts.c" 2> "$out/mpicc.log"; then
	echo "the collectives alone, on 2 ranks:"
	mpirun -q --oversubscribe -np 2 --bind-to none --mca btl self,vader \
		--mca oob_tcp_if_include lo -x OMPI_MCA_mpi_yield_when_idle=1 \
		"$out/mpi_parts" 159010 242762 122270
fi
echo "load after: $(uptime)"
echo "logs in $out"
