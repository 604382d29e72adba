#!/bin/sh
# stats_csv.sh - `history stats export`: the CSV has its header of 80
# columns, a row per tensor and recorded point, and each histogram's
# counts (with the values that are not finite) add up to the tensor's size.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp OPENBLAS_NUM_THREADS=1

"$nnsh" --batch -e 'seed 1' -e 'data m = make moons n=200 seed=3' \
	-e 'model net input=2' -e 'add dense 4 tanh' -e 'add dense 1 sigmoid' \
	-e 'train m epochs=6 batch=20' \
	-e "history stats export $tmp/s.csv" > "$tmp/out" 2>&1 || {
	cat "$tmp/out"
	exit 1
}
awk -F, '
NR == 1 {
	if (NF != 80 || $1 != "point" || $5 != "tensor" || $7 != "w_mean" ||
	    $12 != "w_bin1" || $43 != "w_bin32" || $44 != "g_mean" ||
	    $80 != "g_bin32") { print "bad header: " $0; bad = 1 }
	next
}
{
	w = $11; g = $48
	for (i = 12; i <= 43; i++) w += $i
	for (i = 49; i <= 80; i++) g += $i
	if (NF != 80 || w != $6 || g != $6) { print "bad row: " $0; bad = 1 }
	rows++
}
END {
	if (rows != 24) { print "rows: " rows " (24 expected)"; bad = 1 }
	exit bad
}' "$tmp/s.csv" || exit 1
echo "stats_csv: header, 24 rows, histograms add up"
