#!/bin/sh
# threads_agree.sh - the same script and seed print the same numbers on
# any number of threads: runs threads_agree.nn (a CNN with shifts, pooling
# and dropout trained with Adam, an MLP with SGD and momentum, several
# epochs, the bundled digits) with --threads 1, 2 and 3, on this machine's
# vector width and on the transcripts' (AVX2), and compares the outputs
# and the saved models byte for byte.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if [ ! -x "$nnsh" ]; then
	echo "threads_agree: no nnsh binary at $nnsh (set NNSH=)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CACHE_HOME=/nonexistent-cache NNSH_DATA= NO_COLOR=1
export TERM=dumb
pass=0 fail=0

# run ISA THREADS: the script's output and models in $tmp/ISA-THREADS;
# ISA is native (as the environment says) or avx2 (as the transcripts)
run() {
	dir=$tmp/$1-$2
	vars=""
	[ "$1" = avx2 ] && vars="OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2"
	mkdir -p "$dir"
	(cd "$dir" && env $vars "$nnsh" --batch --no-timing --threads "$2" \
		"$here/threads_agree.nn" > out 2>&1; echo "exit status $?" >> out)
}

for isa in native avx2; do
	for t in 1 2 3; do
		run "$isa" "$t"
	done
	ref=$tmp/$isa-1
	if ! grep -q "^exit status 0" "$ref/out" ||
	   ! grep -q "saved mlp" "$ref/out"; then
		fail=$((fail + 1))
		echo "FAIL $isa: the script did not run through:"
		cat "$ref/out"
		continue
	fi
	for t in 2 3; do
		ok=1
		for f in out cnn.safetensors mlp.safetensors; do
			if ! cmp -s "$ref/$f" "$tmp/$isa-$t/$f"; then
				ok=0
				echo "FAIL $isa: $f differs between 1 and $t" \
				     "threads"
				[ "$f" = out ] && diff -u "$ref/out" \
					"$tmp/$isa-$t/out"
			fi
		done
		if [ $ok = 1 ]; then pass=$((pass + 1)); else
			fail=$((fail + 1)); fi
	done
done
echo "threads_agree: $pass passed, $fail failed"
[ "$fail" = 0 ]
