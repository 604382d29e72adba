#!/bin/sh
# graph_examples.sh - the graph examples reach the figures their comments
# state: residual.nn's hand-computed loss, output and dL/dx; tied_ae.nn's
# validation losses; cae_skip.nn's losses without and with skips. Runs on
# the bundled digits (no ../shared needed).
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
ex=$here/../examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1 HOME=$tmp NNSH_DATA= XDG_CACHE_HOME=$tmp
cd "$tmp" || exit 1
fail=0

# want FILE TEXT: the output holds TEXT
want() {
	grep -qF -- "$2" "$1" ||
		{ echo "graph_examples: FAIL: no '$2' in $1"; fail=1; }
}

# near NAME VALUE WANT TOL: |VALUE - WANT| <= TOL
near() {
	if awk -v v="$2" -v w="$3" -v t="$4" \
	     'BEGIN { exit !(v != "" && (v - w <= t && w - v <= t)) }'; then
		echo "graph_examples: $1 = $2 (stated $3, +-$4)"
	else
		echo "graph_examples: FAIL: $1 = '$2', stated $3 +-$4"
		fail=1
	fi
}

# The validation loss of the last epoch of the k-th run in FILE.
val() {
	grep "^epoch $2/$2 " "$1" | sed -n "$3p" |
		sed 's/.*val_loss \([0-9.]*\).*/\1/'
}

"$nnsh" --no-timing "$ex/residual.nn" > residual.out 2>&1 ||
	{ cat residual.out; exit 1; }
want residual.out "output   1.0806  -1.3475"
want residual.out "mse loss 3.3809 on 1 sample"
want residual.out "= 2.9239 (the loss of the output) + 0.4570 (term 1)"
want residual.out "dL/dx   0.5301  -2.3880"
want residual.out "dL/db (2)  -0.0807  -0.1415"

"$nnsh" "$ex/tied_ae.nn" > tied.out 2>&1 || { cat tied.out; exit 1; }
want tied.out "total parameters: 51024 (and 50176 shared, counted once)"
want tied.out "total parameters: 101200"
near "tied_ae tied val_loss" "$(val tied.out 5 1)" 9.85 0.6
near "tied_ae untied val_loss" "$(val tied.out 5 2)" 14.13 1.0

"$nnsh" "$ex/cae_skip.nn" > cae.out 2>&1 || { cat cae.out; exit 1; }
near "cae_skip none val_loss" "$(val cae.out 2 1)" 23.4 1.5
near "cae_skip sum val_loss" "$(val cae.out 2 2)" 2.2 0.6
near "cae_skip concat val_loss" "$(val cae.out 2 3)" 1.7 0.6
exit $fail
