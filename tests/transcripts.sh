#!/bin/sh
# transcripts.sh - golden transcripts: runs every tests/transcripts/*.nn
# through nnsh in batch mode (fixed seed, no wall-clock times, one BLAS
# thread, --keep-going so error cases show their messages) and compares
# standard output and error with the matching .out file.
#   tests/transcripts.sh [NAME...]      check (all, or the named ones)
#   UPDATE=1 tests/transcripts.sh NAME  rewrite NAME.out from the output
# Scripts run inside tests/transcripts/, so relative paths start there.
# $NNSH_DIGITS is the bundled digits' directory (data/, train10k-*), and
# $NNSH_SHARED that of MNIST's official test set (testdata.sh says where
# it is looked for): a transcript that uses $NNSH_SHARED is skipped, with
# a line saying why, when there is none.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if [ ! -x "$nnsh" ]; then
	echo "transcripts: no nnsh binary at $nnsh (set NNSH=)" >&2
	exit 1
fi
dir=$here/transcripts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

export OPENBLAS_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2
export HOME=$tmp/home XDG_CACHE_HOME=/nonexistent-cache NNSH_DATA= NO_COLOR=1 TERM=dumb
export NNSH_TEST_ENV=yes
# files a transcript writes go to its own directory, $NNSH_TMP, which the
# output names as such: checks running side by side never share a file
export NNSH_TMP=$tmp/files
. "$here/testdata.sh"
export NNSH_SHARED="$official" NNSH_DIGITS="$digits"
mkdir -p "$HOME"

if [ $# -gt 0 ]; then names="$*"; else
	names=$(cd "$dir" && ls *.nn | sed 's/\.nn$//')
fi
pass=0 fail=0 skip=0
for name in $names; do
	if [ -z "$official" ] && grep -q 'NNSH_SHARED' "$dir/$name.nn"; then
		echo "SKIP $name: $why"
		skip=$((skip + 1))
		continue
	fi
	rm -rf "$NNSH_TMP" && mkdir "$NNSH_TMP"
	(cd "$dir" && "$nnsh" --batch --keep-going --no-timing "$name.nn" \
		2>&1; echo "exit status $?") |
		sed "s|$NNSH_TMP/|\$NNSH_TMP/|g" > "$tmp/$name.got"
	if [ "${UPDATE:-}" = 1 ]; then
		cp "$tmp/$name.got" "$dir/$name.out"
		echo "updated $name.out"
	elif diff -u "$dir/$name.out" "$tmp/$name.got" > "$tmp/$name.diff"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		cat "$tmp/$name.diff"
	fi
done
echo "transcripts: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ] || exit 1
[ "$pass" = 0 ] && [ "$skip" -gt 0 ] && exit 77
exit 0
