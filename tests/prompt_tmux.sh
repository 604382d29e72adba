#!/bin/sh
# prompt_tmux.sh - the prompt in a pseudo-terminal. nnsh runs inside a
# private tmux server (its own socket, a fixed size); the test types at
# the prompt and presses Tab (a generator after 'make', an option key
# after 'add KIND', which takes its value with no blank), then resizes
# the terminal while the prompt waits and starts a run: the live panel
# must see the new size (readline kept it, not a stale one), saying the
# terminal is too small, and draw once it is large again.
# Fails with a message when tmux is missing: ./setup installs it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if [ ! -x "$nnsh" ]; then
	echo "prompt_tmux: no nnsh binary at $nnsh (set NNSH=)" >&2
	exit 1
fi
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
if ! command -v tmux >/dev/null 2>&1; then
	echo "prompt_tmux: FAIL: tmux is not installed (./setup installs it," \
	     "or apt-get install tmux)" >&2
	exit 1
fi
tmp=$(mktemp -d)
sock=nnsh-prompt-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

fail() {
	echo "prompt_tmux: FAIL: $1; the pane shows:"
	cat "$tmp/pane"
	exit 1
}

# Wait up to 60 s for the pane to show a text (a busy machine is slow,
# never wrong).
wait_for() {
	i=0
	while [ $i -lt 600 ]; do
		tm capture-pane -p -S -100 -t run > "$tmp/pane" 2>/dev/null
		grep -q -- "$1" "$tmp/pane" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "'$1' never appeared"
}

export OPENBLAS_NUM_THREADS=1 LANG=C.UTF-8 HOME=$tmp
unset NO_COLOR
tm new-session -d -s run -x 100 -y 32 "cd '$tmp' && '$nnsh';
	echo nnsh-exit \$?; sleep 60"
wait_for 'nnsh>'
tm send-keys -t run 'data m = make moo' Tab
wait_for 'data m = make moons'
tm send-keys -t run 'n=200 seed=3' Enter
wait_for 'm: 200 samples'
tm send-keys -t run 'model net input=2' Enter
tm send-keys -t run 'add dense 8 tanh na' Tab
wait_for 'add dense 8 tanh name='
tm send-keys -t run 'h' Enter
tm send-keys -t run 'add dense 1 sigmoid' Enter
tm send-keys -t run 'ls' Enter
wait_for 'net .* 2 layers, 33 parameters'

# a resize while the prompt waits, then a run
tm resize-window -t run -x 36 -y 9
sleep 0.5
tm send-keys -t run 'train m epochs=1000000 batch=10' Enter
wait_for 'terminal too small (36x9)'
tm resize-window -t run -x 100 -y 32
wait_for ' iter '
tm send-keys -t run 'q'
wait_for 'stopped at iteration'
tm send-keys -t run 'quit' Enter
wait_for 'nnsh-exit 0'
echo "prompt_tmux: Tab and a resize at the prompt: ok"
