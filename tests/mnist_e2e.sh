#!/bin/sh
# mnist_e2e.sh - end to end: examples/demo.nn trains on the bundled digits
# (no MNIST files are visible to it) and must reach the test accuracy its
# comment states, 90.5% +-1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(HOME=$tmp XDG_CACHE_HOME=$tmp NNSH_DATA= "$nnsh" --batch \
	"$here/../examples/demo.nn" 2>&1)
status=$?
echo "$out"
acc=$(echo "$out" | sed -n 's/^loss [0-9.]*  accuracy \([0-9.]*\).*/\1/p')
if [ $status -eq 0 ] && echo "$out" | grep -q "bundled sample" &&
   [ -n "$acc" ] && awk "BEGIN { exit !($acc >= 0.895 && $acc <= 0.915) }"
then
	echo "mnist_e2e: 1 passed, 0 failed (test accuracy $acc, stated" \
	     "0.905 +-0.01)"
else
	echo "mnist_e2e: 0 passed, 1 failed (status $status, accuracy '$acc')"
	exit 1
fi
