#!/bin/sh
# panel_cost.sh - what the live panel costs a training run. The same
# training runs with the panel (nnsh in a private tmux server, 120x40, the
# digits view on) and with --no-panel (the same pane, a line per epoch),
# alternately, REPEAT times each; the medians of the training's wall time
# (from `runs export`) and of the process's CPU time (user + system, data
# loading included) are compared. The target: at most 2% slower.
# Two workloads on the bundled digits (OPENBLAS_NUM_THREADS=1):
#   mlp     784-200-10 sigmoid, SGD, batch 32, validation on digits.test
#   online  784-32-32-10 sigmoid, batch 1 (a callback every 20 us)
#   bench/panel_cost.sh [NNSH]      (default: build/src/nnsh)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${1:-$here/../build/src/nnsh}
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
repeat=${REPEAT:-3}
[ -x "$nnsh" ] || { echo "panel_cost: no nnsh at $nnsh" >&2; exit 1; }
command -v tmux >/dev/null || { echo "panel_cost: needs tmux" >&2; exit 1; }
tmp=$(mktemp -d)
sock=nnsh-cost-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# workload NAME: the script's model and train lines
workload() {
	case $1 in
	mlp) echo "add dense 200 sigmoid
add dense 10 softmax
optim sgd lr=0.5
train digits.train epochs=${MLP_EPOCHS:-40} batch=32 val=digits.test" ;;
	online) echo "add dense 32 sigmoid
add dense 32 sigmoid
add dense 10 softmax
optim sgd lr=0.05
train digits.train epochs=${ONLINE_EPOCHS:-60} batch=1 val=digits.test" ;;
	esac
}

# one run: prints its training seconds and its CPU seconds
run() {
	out=$tmp/$1-$2.csv
	cat > "$tmp/w.nn" <<EOF
seed 1
data digits = load mnist
model net input=1x28x28
add flatten
$(workload "$1")
runs export $out
EOF
	flags=
	[ "$2" = lines ] && flags=--no-panel
	rm -f "$tmp/done"
	tm new-session -d -s cost -x 120 -y 40 "cd '$tmp' &&
		OPENBLAS_NUM_THREADS=1 LANG=C.UTF-8 '$nnsh' $flags w.nn;
		times > times.txt; touch done; sleep 60"
	while [ ! -f "$tmp/done" ]; do sleep 0.2; done
	tm kill-session -t cost
	printf '%s ' "$(tail -n 1 "$out" | awk -F, '{ print $NF }')"
	tail -n 1 "$tmp/times.txt" | tr 'ms' '  ' |
		awk '{ printf "%.3f\n", 60 * $1 + $2 + 60 * $3 + $4 }'
}

# the median of column k of a file
median() {
	cut -d' ' -f"$1" "$2" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

compare() {
	p=$(median "$2" "$tmp/panel")
	l=$(median "$2" "$tmp/lines")
	echo "  $1: panel $p s, lines $l s:" \
	     "$(awk -v p="$p" -v l="$l" 'BEGIN { printf "%+.1f%%", 100 * (p - l) / l }')"
}

for w in mlp online; do
	: > "$tmp/panel"
	: > "$tmp/lines"
	for i in $(seq "$repeat"); do
		run "$w" panel >> "$tmp/panel"
		run "$w" lines >> "$tmp/lines"
	done
	echo "$w (medians of $repeat runs each):"
	compare "training wall time" 1
	compare "process CPU time  " 2
done
