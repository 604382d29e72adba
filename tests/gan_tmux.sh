#!/bin/sh
# gan_tmux.sh - the live panel of a GAN run end to end in a pseudo-
# terminal (tmux, a private server, a fixed size, plain characters so the
# pictures can be read back): the D and G curves and the grid of samples
# from fixed noise appear, and the grid changes as the generator trains;
# paused, d runs one discriminator step (the grid stays: G did not move)
# and g one generator step (the grid changes); ':use' and '-' halve the
# discriminator's rate; q stops and keeps both models, and `gan ...
# resume` goes on; `monitor` follows the run's log=FILE; an
# autoencoder's training panel starts on its reconstructions. Fails with a message when tmux is missing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if [ ! -x "$nnsh" ]; then
	echo "gan_tmux: no nnsh binary at $nnsh (set NNSH=)" >&2
	exit 1
fi
case $nnsh in /*) ;; *) nnsh=$(pwd)/$nnsh ;; esac
if ! command -v tmux >/dev/null 2>&1; then
	echo "gan_tmux: FAIL: tmux is not installed (./setup installs it," \
	     "or apt-get install tmux)" >&2
	exit 1
fi
tmp=$(mktemp -d)
sock=nnsh-gan-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

fail() {
	echo "gan_tmux: FAIL: $1; the pane shows:"
	cat "$tmp/pane"
	exit 1
}

# Wait up to 60 s for the pane (with its scrollback) to show a text.
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

# The grid of samples: the rows between the view's title and the key line.
grid() {
	tm capture-pane -p -t run | sed -n '/samples of digits from fixed/,$p' |
		sed '1d;$d' > "$1"
	[ -s "$1" ] || { tm capture-pane -p -t run > "$tmp/pane";
		fail "no grid of samples"; }
}

cat > "$tmp/run.nn" <<'EOS'
seed 1
data d = load mnist
data digits = take d.train 512
data digits = scale digits -1 1 per=all
model G input=16
add dense 64 leaky alpha=0.2
add dense 784 tanh
add reshape 1x28x28
optim adam lr=2e-4 beta1=0.5
model D input=1x28x28
add flatten
add dense 64 leaky alpha=0.2
add dense 1 sigmoid
optim adam lr=2e-4 beta1=0.5
gan G D digits epochs=100000 batch=32 log=run.jsonl
echo after-gan
EOS
export OPENBLAS_NUM_THREADS=1 LANG=C.UTF-8 NO_COLOR=1
tm new-session -d -s run -x 100 -y 40 "cd '$tmp' && '$nnsh';
	echo nnsh-exit \$?; sleep 60"
wait_for 'nnsh>' run
tm send-keys -t run 'source run.nn' Enter

wait_for 'G vs D on digits' run
wait_for 'D and G loss' run
wait_for "D's mean output" run
wait_for 'samples of digits from fixed noise' run
grid "$tmp/g1"
i=0
while [ $i -lt 300 ]; do
	sleep 0.2
	grid "$tmp/g2"
	cmp -s "$tmp/g1" "$tmp/g2" || break
	i=$((i + 1))
done
cmp -s "$tmp/g1" "$tmp/g2" && fail "the samples never changed"

tm send-keys -t run ' '
wait_for 'PAUSED' run
wait_for 'd runs one D step' run
sleep 1
grid "$tmp/p1"
tm send-keys -t run 'd'
wait_for 'one D step (' run
sleep 1
grid "$tmp/p2"
cmp -s "$tmp/p1" "$tmp/p2" || fail "a D step changed the samples"
tm send-keys -t run 'g'
wait_for 'one G step (' run
i=0
while [ $i -lt 100 ]; do
	grid "$tmp/p3"
	cmp -s "$tmp/p2" "$tmp/p3" || break
	sleep 0.1
	i=$((i + 1))
done
cmp -s "$tmp/p2" "$tmp/p3" && fail "a G step did not change the samples"
tm send-keys -t run ':'
tm send-keys -t run 'use D' Enter
wait_for "change D's learning rate" run
tm send-keys -t run '-'
wait_for 'D lr 0.0002 -> 0.0001 from iteration' run
tm send-keys -t run 'q'
wait_for 'after-gan' run
# the summary, then the resumed run's panel
for want in 'G vs D on digits: stopped at iteration' \
	"'gan G D digits resume' goes on"; do
	grep -q -- "$want" "$tmp/pane" || fail "no '$want' after the run"
done
tm send-keys -t run 'gan G D digits resume' Enter
wait_for 'samples of digits from fixed noise' run
tm send-keys -t run 'q'
i=0
while [ "$(tm capture-pane -p -S -200 -t run | grep -c "resume' goes on")" \
	-lt 2 ]; do
	[ $i -lt 600 ] || { tm capture-pane -p -S -200 -t run > "$tmp/pane";
		fail "the resumed run did not stop on q"; }
	sleep 0.1
	i=$((i + 1))
done
tm send-keys -t run 'quit' Enter
wait_for 'nnsh-exit 0' run

# the monitor shows the GAN run from its log, with its own charts
tm new-window -d -t run -n mon "cd '$tmp' && '$nnsh' --monitor run.jsonl;
	echo monitor-exit \$?; sleep 60"
wait_for_in() {
	i=0
	while [ $i -lt 600 ]; do
		tm capture-pane -p -t "$2" > "$tmp/pane" 2>/dev/null
		grep -q -- "$1" "$tmp/pane" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	fail "'$1' never appeared"
}
wait_for_in 'monitor run.jsonl: G vs D on digits' run:mon
wait_for_in 'D and G loss' run:mon
wait_for_in 'D lr 0.0002 -> 0.0001' run:mon
tm send-keys -t run:mon 'q'
wait_for_in 'monitor-exit 0' run:mon

# an autoencoder's run starts on its reconstructions, a classifier's on
# its predictions; each panel offers the views of its kind of run
cat > "$tmp/ae.nn" <<'EOS'
data d = load mnist
data pairs = autoencode d.test
model ae input=1x28x28
add flatten
add dense 16 relu
add dense 784 sigmoid
add reshape 1x28x28
optim adam lr=1e-3
train pairs epochs=100000 batch=50
EOS
tm new-window -d -t run -n ae "cd '$tmp' && '$nnsh' ae.nn;
	echo ae-exit \$?; sleep 60"
wait_for_in 'above their reconstructions' run:ae
wait_for_in '\[7 recon\]' run:ae
grep -q ' 8 samples' "$tmp/pane" && fail "a training panel offers samples"
tm send-keys -t run:ae 'q'
wait_for_in 'ae-exit 0' run:ae

echo "gan_tmux: curves, samples changing, pause, d and g steps, use and" \
     "lr, stop and resume, the monitor, an autoencoder's first view: ok"
