#!/bin/sh
# report.sh - examples/report.nn writes every figure and table of a
# homework report: each PNG is a PNG of a plausible size (its header's
# width and height), each PDF a PDF, the CSV files have their headers and
# rows, and the CNN reaches the accuracy the example states (94.5% +-1).
# Runs on the bundled digits (no ../shared needed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1 HOME=$tmp NNSH_DATA= XDG_CACHE_HOME=$tmp
cd "$tmp" || exit 1
fail=0

bad() {
	echo "report: FAIL: $1"
	fail=1
}

"$nnsh" --batch --no-timing "$here/../examples/report.nn" > out 2>&1 ||
	{ cat out; bad "report.nn failed"; exit 1; }

# a PNG: the signature, then IHDR's width and height (big-endian)
for f in lr confusion digits probs stats filters latent recon boundary; do
	[ -s $f.png ] || { bad "no $f.png"; continue; }
	sig=$(od -An -tx1 -N8 $f.png | tr -d ' \n')
	[ "$sig" = 89504e470d0a1a0a ] || { bad "$f.png is not a PNG"; continue; }
	w=$(od -An -tu1 -j16 -N4 $f.png | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4 }')
	h=$(od -An -tu1 -j20 -N4 $f.png | awk '{ print $1*16777216 + $2*65536 + $3*256 + $4 }')
	{ [ "$w" -ge 300 ] && [ "$w" -le 4000 ] && [ "$h" -ge 100 ] &&
	  [ "$h" -le 4000 ]; } || bad "$f.png is ${w}x$h"
done
for f in loss accuracy; do
	head -c 5 $f.pdf 2>/dev/null | grep -q '^%PDF-' || bad "$f.pdf is not a PDF"
done
head -n 1 history.csv | grep -q '^point,epoch,iter,loss,acc,val_loss,val_acc' ||
	bad "history.csv has no header"
[ "$(wc -l < history.csv)" = 3 ] || bad "history.csv does not hold 2 points"
head -n 1 runs.csv | grep -q '^run,model,.*,status$' || bad "runs.csv has no header"
[ "$(grep -c ',done$' runs.csv)" = 3 ] || bad "runs.csv does not hold 3 finished runs"

acc=$(sed -n 's/^loss [0-9.]*  accuracy \([0-9.]*\) .*/\1/p' out | head -n 1)
if awk -v a="$acc" 'BEGIN { exit !(a != "" && a >= 0.935 && a <= 0.955) }'; then
	echo "report: the CNN reaches $acc (stated 0.945 +-0.01)"
else
	bad "the CNN reaches '$acc', stated 0.945 +-0.01"
fi
[ $fail = 0 ] && echo "report: 9 PNGs, 2 PDFs, 2 CSV files: ok"
exit $fail
