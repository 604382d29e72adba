#!/bin/sh
# panel_tmux.sh - the live panel end to end in a pseudo-terminal. nnsh
# trains inside a private tmux server (its own socket, a fixed size); the
# test sends keys (pause, one batch, halve the rate, a ':' command, a
# view, the histograms view and one layer of it, a resize too small and
# back, quit), reads the pane, and checks
# that the terminal is given back as it was (echo and canonical input on,
# cursor visible, normal screen, no colour left on) with the summary in
# the scrollback; then `nnsh --monitor` shows the run from its log.
# Fails with a message when tmux is missing: ./setup installs it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if [ ! -x "$nnsh" ]; then
	echo "panel_tmux: no nnsh binary at $nnsh (set NNSH=)" >&2
	exit 1
fi
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
if ! command -v tmux >/dev/null 2>&1; then
	echo "panel_tmux: FAIL: tmux is not installed (./setup installs it," \
	     "or apt-get install tmux)" >&2
	exit 1
fi
tmp=$(mktemp -d)
sock=nnsh-panel-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

fail() {
	echo "panel_tmux: FAIL: $1; the pane shows:"
	cat "$tmp/pane"
	exit 1
}

# Wait up to 60 s for the pane (with its scrollback) to show a text: on a
# busy machine a redraw can be late, never missing.
wait_for() {
	i=0
	while [ $i -lt 600 ]; do
		tm capture-pane -p -S -100 -t "$2" > "$tmp/pane" 2>/dev/null
		grep -q -- "$1" "$tmp/pane" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "'$1' never appeared"
}

# The iteration the status line shows.
iter() {
	tm capture-pane -p -t run | sed -n 's/.* iter \([0-9]*\)\/.*/\1/p' |
		head -n 1
}

# Wait up to 60 s for the status line to show iteration $1 or a later one.
wait_iter_past() {
	i=0
	while [ $i -lt 600 ]; do
		n=$(iter)
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "the status line never reached iteration $1 (it shows $(iter))"
}

# Wait up to 60 s for the status line to show iteration $1.
wait_iter() {
	i=0
	while [ $i -lt 600 ]; do
		[ "$(iter)" = "$1" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	tm capture-pane -p -t run > "$tmp/pane"
	fail "the status line never showed iteration $1 (it shows $(iter))"
}

cat > "$tmp/run.nn" <<'EOF'
seed 1
data m = make moons n=400 noise=0.2 seed=3
data v = make moons n=200 noise=0.2 seed=4
model net input=2
add dense 16 tanh
add dense 1 sigmoid
optim sgd lr=0.5
train m epochs=1000000 batch=10 val=v log=run.jsonl
echo after-train
EOF
export OPENBLAS_NUM_THREADS=1 LANG=C.UTF-8
unset NO_COLOR
tm new-session -d -s run -x 100 -y 32 "cd '$tmp' && '$nnsh' run.nn;
	echo nnsh-exit \$?; stty -a > stty.txt; echo stty-done; sleep 60"

wait_for ' iter ' run
wait_for 'training' run
# the histograms view below needs a history point, and the first comes
# at the end of epoch 1 (40 batches): a slow build pauses before it
wait_iter_past 41
tm send-keys -t run ' '
wait_for 'PAUSED' run
a=$(iter)
sleep 0.5
[ "$(iter)" = "$a" ] || fail "the run went on while paused ($a, $(iter))"
tm send-keys -t run 's'
wait_iter $((a + 1))
sleep 0.5
[ "$(iter)" = $((a + 1)) ] || fail "s ran $(iter) - $a batches, not 1"
tm send-keys -t run '-'
wait_for 'lr 0.5 -> 0.25 from iteration' run
wait_for 'lr 0.25 ' run
tm send-keys -t run ':'
tm send-keys -t run 'lr 0.1' Enter
wait_for 'lr 0.25 -> 0.1 from iteration' run
tm send-keys -t run '3'
wait_for 'decision boundary on v' run
tm send-keys -t run 't'
wait_for 'weights and gradients over time' run
tm send-keys -t run ':'
tm send-keys -t run 'view histograms layer=2' Enter
wait_for '2 dense 1 sigmoid: W, 16 values' run
# the run goes on only now: while it runs free the history grows, and a
# long one would squeeze the early lr change out of the monitor's chart
tm send-keys -t run ' '
wait_for 'training' run
tm resize-window -t run -x 36 -y 9
wait_for 'terminal too small (36x9)' run
tm resize-window -t run -x 100 -y 32
wait_for ' iter ' run
tm send-keys -t run 'q'
wait_for 'stty-done' run

# the summary and what followed it are in the scrollback
for want in 'net on m: stopped at iteration' \
	'changes: lr 0.5 -> 0.25 from iteration' '; lr 0.25 -> 0.1 from' \
	"'train DATA resume' goes on" 'after-train' 'nnsh-exit 0'; do
	grep -q -- "$want" "$tmp/pane" || fail "no '$want' after the run"
done
# the terminal as it was: normal screen, cursor shown, modes restored,
# no attribute left on the lines printed after
[ "$(tm display -p -t run '#{alternate_on} #{cursor_flag}')" = "0 1" ] ||
	fail "alternate screen or hidden cursor left: \
$(tm display -p -t run '#{alternate_on} #{cursor_flag}')"
for mode in echo icanon isig; do
	tr ' ;' '\n\n' < "$tmp/stty.txt" | grep -qx "$mode" ||
		fail "stty shows -$mode after nnsh"
done
tm capture-pane -e -p -t run | grep 'nnsh-exit' | grep -q "$(printf '\033')" &&
	fail "colour or attributes are still on after nnsh"

# the log: a start, the changes, an end
grep -q '"record":"start"' "$tmp/run.jsonl" || fail "no start record"
[ "$(grep -c '"record":"change"' "$tmp/run.jsonl")" = 2 ] ||
	fail "the log does not hold the 2 changes"
tail -n 1 "$tmp/run.jsonl" | grep -q '"record":"end"' ||
	fail "the log does not end with an end record"

# the monitor shows the finished run from its log, and quits on q
tm new-window -d -t run -n mon "cd '$tmp' && '$nnsh' --monitor run.jsonl;
	echo monitor-exit \$?; sleep 60"
wait_for 'monitor run.jsonl: net' run:mon
wait_for 'stopped at iteration' run:mon
wait_for 'lr 0.5 -> 0.25' run:mon
wait_for ' lr 0.1 ' run:mon
tm send-keys -t run:mon 'q'
wait_for 'monitor-exit 0' run:mon
echo "panel_tmux: pause, step, lr keys and command, views, histograms," \
     "resize, quit," \
     "terminal restored, log and monitor: ok"
