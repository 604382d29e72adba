#!/bin/sh
# interrupt.sh - Ctrl-C and SIGTERM while training, at random moments. A
# script is interrupted N times (SIGINT from outside): nnsh must stop the
# run, go on to the next command and exit 0, and `evaluate` of the
# interrupted model must equal `evaluate` of the same weights saved and
# loaded again (an interrupt that lands before the run starts stops the
# script, as below). Then a prompt in a pseudo-terminal (tmux, live panel
# on) gets Ctrl-C N times: the prompt comes back each time and the same
# evaluate check holds, and `runs` lists the run as stopped. Ctrl-C during
# a `load` (of a FIFO that holds the load until the signal was taken)
# stops a script after the load with status 130, before the train that
# follows, and at the prompt gives the prompt back. Last, SIGTERM and a
# closed terminal (SIGHUP) during train: a checkpoint holding the stopped
# run, and status 128+signal.
# The moments come from a seeded generator (INTERRUPT_SEED, default 1);
# INTERRUPTS (default 50 per part, so 100 in all) sets the count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
n=${INTERRUPTS:-50}
seed=${INTERRUPT_SEED:-1}
tmp=$(mktemp -d)
sock=nnsh-int-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 HOME=$tmp LANG=C.UTF-8
cd "$tmp" || exit 1
crashes=0
early=0

fail() {
	echo "interrupt: FAIL: $1"
	exit 1
}

# The i-th delay in seconds, 0.05 to 0.8, from the seed.
delay() {
	awk -v s="$seed" -v i="$1" 'BEGIN { srand(s * 100003 + i);
		printf "%.2f", 0.05 + rand() * 0.75 }'
}

cat > train.nn <<'EOF'
seed 1
data digits = load mnist
model net input=1x28x28
add flatten
add dense 100 sigmoid
add dense 10 softmax
optim sgd lr=0.1
train digits.train epochs=500 batch=100 val=digits.test
evaluate digits.test
save net w.safetensors
load w.safetensors as back
evaluate digits.test model=back
runs
echo script-done
EOF

# ---- a script, interrupted from outside --------------------------------
i=1
while [ $i -le "$n" ]; do
	rm -f out err w.safetensors
	"$nnsh" --batch --no-panel --no-timing --threads 1 train.nn \
		> out 2> err &
	pid=$!
	sleep "$(delay $i)"
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	if [ $rc = 130 ]; then
		# the interrupt came before the run began: the script stops
		grep -q 'interrupted (Ctrl-C): the script stops' err ||
			{ cat err; fail "run $i: status 130 without a word"; }
		grep -q -e '^script-done$' -e '^stopped at' out &&
			fail "run $i: status 130 after the run started"
		early=$((early + 1))
	elif [ $rc -ge 128 ]; then
		crashes=$((crashes + 1))
		echo "interrupt: script run $i died with status $rc:"
		tail -n 5 err
	elif [ $rc -ne 0 ]; then
		cat err
		fail "script run $i exited $rc"
	else
		grep -q '^script-done$' out || fail "run $i did not finish"
		ev=$(grep '^loss [0-9.]*  accuracy' out)
		[ "$(echo "$ev" | wc -l)" = 2 ] ||
			fail "run $i: two evaluate lines expected: $ev"
		[ "$(echo "$ev" | sed -n 1p)" = "$(echo "$ev" | sed -n 2p)" ] ||
			fail "run $i: evaluate differs after save/load: $ev"
		# (a run stopped before its first batch is not listed)
		if grep -q '^stopped at iteration 0 of' out; then
			grep -q '^  1  net ' out && { cat out
				fail "run $i: runs lists a run of no batch"; }
		elif grep -q '^stopped at iteration' out; then
			grep -q '^  1  net .* stopped$' out || { cat out
				fail "run $i: runs does not list the run as stopped"; }
		elif grep -q '^  1  net .* stopped$' out; then
			fail "run $i: runs lists a finished run as stopped"
		fi
	fi
	i=$((i + 1))
done
[ $crashes = 0 ] || fail "$crashes of $n script runs crashed"
echo "interrupt: script: $n interrupts, 0 crashes ($early before the run)"

# ---- Ctrl-C during a load ------------------------------------------------
# Wait up to 60 s for process $1 to have file $2 open (for nnsh, to be
# inside its load).
opened() {
	k=0
	while [ $k -lt 600 ]; do
		for f in /proc/"$1"/fd/*; do
			[ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0
		done
		sleep 0.1
		k=$((k + 1))
	done
	fail "process $1 never opened $2"
}
# Wait up to 60 s for process $1 to have taken a SIGINT sent to it (no
# longer pending: nnsh's signal thread has noted it).
taken() {
	k=0
	while [ $k -lt 6000 ]; do
		m=$(sed -n 's/^ShdPnd:[[:space:]]*//p' /proc/"$1"/status \
			2>/dev/null)
		case $m in *[2367abefABEF]) ;; *) return 0 ;; esac
		sleep 0.01
		k=$((k + 1))
	done
	fail "SIGINT still pending after 60 s"
}
# 200 rows of two inputs and a 0/1 label
rows() {
	awk 'BEGIN { print "a,b,label"
		for (i = 0; i < 200; i++) print i % 7 "," i % 5 "," i % 2 }'
}
cat > load.nn <<'EOF'
data d = load csv fifo.csv
echo loaded
model net input=2
add dense 8 tanh
add dense 1 sigmoid
optim sgd lr=0.1
train d epochs=50 batch=10
echo script-done
EOF
mkfifo fifo.csv
"$nnsh" --batch --no-panel --no-timing --threads 1 load.nn > out 2> err &
pid=$!
exec 4<> fifo.csv
opened $pid "$tmp/fifo.csv"
kill -INT $pid
taken $pid
rows >&4
exec 4>&-
wait $pid
rc=$?
[ $rc = 130 ] || { cat out err; fail "Ctrl-C during load: status $rc"; }
said='nnsh:load.nn:1: interrupted (Ctrl-C): the script stops after this line'
grep -qxF "$said" err ||
	{ cat err; fail "Ctrl-C during load: no line saying the script stops"; }
grep -q -e loaded -e epoch out &&
	{ cat out; fail "Ctrl-C during load: the script went on"; }
echo "interrupt: Ctrl-C during a script's load stops it, status 130"

# ---- the prompt in a terminal, with the live panel ----------------------
if ! command -v tmux >/dev/null 2>&1; then
	fail "tmux is not installed (./setup installs it)"
fi
wait_for() {    # wait_for TEXT: up to 60 s for the pane to show TEXT
	k=0
	while [ $k -lt 600 ]; do
		tm capture-pane -p -S -200 -t run > pane 2>/dev/null
		grep -q -- "$1" pane && return 0
		sleep 0.1
		k=$((k + 1))
	done
	cat pane
	fail "'$1' never appeared"
}
tm new-session -d -s run -x 100 -y 32 \
	"cd '$tmp' && '$nnsh' -i --threads 1 --no-timing; echo nnsh-exit \$?;
	 sleep 60"
wait_for 'nnsh>'
for line in 'data digits = load mnist' 'model net input=1x28x28' \
	'add flatten' 'add dense 64 sigmoid' 'add dense 10 softmax' \
	'optim sgd lr=0.1'; do
	tm send-keys -t run "$line" Enter
done
i=1
while [ $i -le "$n" ]; do
	tm send-keys -t run "train digits.train epochs=1000 batch=50 model=net" \
		Enter
	wait_for 'iter '
	sleep "$(delay $((i + 5000)))"
	tm send-keys -t run C-c
	wait_for "'train DATA resume' goes on"
	tm send-keys -t run "echo mark-$i" Enter
	wait_for "^mark-$i"
	tm send-keys -t run "evaluate digits.test model=net" Enter \
		"save net w.safetensors" Enter "load w.safetensors as back" \
		Enter "evaluate digits.test model=back" Enter "echo end-$i" Enter
	wait_for "^end-$i"
	ev=$(sed -n "/^mark-$i\$/,\$p" pane | grep '^loss [0-9.]*  accuracy')
	[ "$(echo "$ev" | wc -l)" = 2 ] ||
		fail "prompt run $i: two evaluate lines expected: $ev"
	[ "$(echo "$ev" | sed -n 1p)" = "$(echo "$ev" | sed -n 2p)" ] ||
		fail "prompt run $i: evaluate differs after save/load: $ev"
	i=$((i + 1))
done
# Ctrl-C during a load at the prompt: the load ends, the prompt comes back
tm send-keys -t run 'data big = load csv fifo.csv' Enter
exec 4<> fifo.csv
shell=$(tm display -p -t run '#{pane_pid}')
p=$(awk -v pp="$shell" '$4 == pp { print $1 }' /proc/[0-9]*/stat \
	2>/dev/null)
opened "$p" "$tmp/fifo.csv"
tm send-keys -t run C-c
taken "$p"
rows >&4
exec 4>&-
tm send-keys -t run 'echo after-load' Enter
wait_for '^after-load'
tm send-keys -t run 'info big' Enter
wait_for '^big: 200 samples'
tm send-keys -t run 'partial line' C-c
tm send-keys -t run 'echo after-clear' Enter
wait_for '^after-clear'
grep -q 'partial lineecho' pane && fail "Ctrl-C did not clear the line"
tm send-keys -t run C-d
wait_for 'nnsh-exit 0'
echo "interrupt: prompt: $n interrupts, prompt back each time"

# ---- SIGTERM and SIGHUP: a checkpoint, then 128+signal -----------------
# training() waits (up to 60 s) until nnsh, started in the background with
# its stdout line-buffered into out, has printed its first epoch: a signal
# sent before train begins (a fixed sleep, on a loaded machine) finds no
# run to save, which is right but not what these checks are about
training() {
	k=0
	while [ $k -lt 600 ]; do
		grep -q '^epoch 1/' out 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
		k=$((k + 1))
	done
	cat out err
	fail "train never printed its first epoch"
}
# stdbuf preloads a library, which ASan refuses unless told not to check
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS
for sig in TERM:15 HUP:1; do
	num=${sig#*:}
	sig=${sig%:*}
	rm -f nnsh-interrupted-net.safetensors out err
	stdbuf -oL "$nnsh" --batch --no-panel --threads 1 train.nn \
		> out 2> err &
	pid=$!
	training $pid
	kill -$sig $pid
	wait $pid
	rc=$?
	want=$((128 + num))
	[ $rc = $want ] || { cat err; fail "SIG$sig: status $rc, not $want"; }
	grep -q 'saved net with its training state to nnsh-interrupted-net' \
		err || { cat err; fail "SIG$sig: no word of the checkpoint"; }
	"$nnsh" -e 'load nnsh-interrupted-net.safetensors' > out 2>&1 ||
		{ cat out; fail "SIG$sig: the checkpoint does not load"; }
	grep -q 'a stopped run at iteration' out ||
		{ cat out; fail "SIG$sig: the checkpoint holds no run"; }
done
# the checkpoint goes beside the model's last save
mkdir -p keep
sed 's|^train |save net keep/first.safetensors\ntrain |' train.nn > t2.nn
rm -f out
stdbuf -oL "$nnsh" --batch --no-panel --threads 1 t2.nn > out 2> err &
pid=$!
training $pid
kill -TERM $pid
wait $pid
[ -f keep/nnsh-interrupted-net.safetensors ] ||
	{ cat err; fail "no checkpoint beside the last save"; }
# SIGTERM while nnsh waits for input on a pipe: it leaves at once, with
# what it printed so far written out (stdout to a file is buffered)
mkfifo in
"$nnsh" < in > out 2>&1 &
pid=$!
exec 3> in
printf 'echo written before the signal\nmodel m input=2\nsave m done.safetensors\n' >&3
# wait (up to 60 s) until nnsh has run those lines (done.safetensors is
# there) and is back in read(0, ...) for the next one, which
# /proc/PID/syscall shows as "0 0x0 ..."; a fixed sleep could signal it
# before it had read them on a loaded machine
k=0
while [ $k -lt 600 ]; do
	if [ -f done.safetensors ]; then
		case $(cat /proc/$pid/syscall 2>/dev/null) in
		"0 0x0 "*) break ;;
		"") sleep 1; break ;;
		esac
	fi
	sleep 0.1
	k=$((k + 1))
done
kill -TERM $pid
wait $pid
rc=$?
exec 3>&-
[ $rc = 143 ] || fail "SIGTERM at a pipe's read: status $rc, not 143"
grep -q '^written before the signal$' out ||
	{ cat out; fail "SIGTERM at a pipe's read lost the output before it"; }
echo "interrupt: SIGTERM and SIGHUP save a checkpoint with the run"
