#!/bin/sh
# mpi.sh - nnsh as two ranks under Open MPI's mpirun (issue 19), on this
# machine, over the loopback: training shared between two ranks gives the
# weights one process gives on the same global batches (within float
# summation order) and the same weights on both ranks; rank 0 alone prints
# and writes; a failing rank, different scripts, different data and a
# batch smaller than the ranks stop both ranks with one message; a
# parallel for prints what one process prints; SIGUSR1 to mpirun stops
# both at the next batch and the script goes on; Ctrl-C (SIGINT to
# mpirun) stops both at the same batch and rank 0 saves the run. Built without
# MPI, nnsh must refuse to run as two ranks. Skips (77) without mpirun.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if ! command -v mpirun > /dev/null; then
	echo "mpi: skipped: no mpirun (apt-get install openmpi-bin)"
	exit 77
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if ! "$nnsh" --version | grep -q 'over MPI'; then
	# built without MPI: started as two ranks, it says so, once, and
	# does nothing
	out=$(timeout -k 10 60 mpirun -q --oversubscribe -np 2 --mca btl self,vader \
		--mca oob_tcp_if_include lo "$nnsh" -e 'echo ran' 2>&1)
	if [ $? -ne 0 ] && [ "$(echo "$out" |
	     grep -c 'built without MPI')" -eq 1 ] &&
	   ! echo "$out" | grep -q '^ran'; then
		echo "mpi: built without MPI, refuses to run as two ranks"
		exit 0
	fi
	echo "FAIL mpi: built without MPI, under mpirun -np 2:"
	echo "$out"
	exit 1
fi
case $(pwd) in *build-sanitize*)
	echo "mpi: skipped: Open MPI's own allocations fill LeakSanitizer's report"
	exit 77 ;;
esac
tmp=$(mktemp -d)
pid=
# (an mpirun left running by a failed check must not outlive the test: its
# ranks would train on and load the machine for every test after it)
trap '[ -n "$pid" ] && kill -KILL "$pid" 2> /dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
export HOME=$tmp NO_COLOR=1 TERM=dumb
export OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX2
pass=0 fail=0

# ranks N ARGS...: nnsh on N ranks, on this machine, loopback only
ranks() {
	n=$1
	shift
	timeout -k 10 120 mpirun -q --oversubscribe -np "$n" --mca btl self,vader \
		--mca oob_tcp_if_include lo "$nnsh" --batch --no-timing "$@"
}

ok() {
	pass=$((pass + 1))
}

# wait_for RE FILE: until a line of FILE matches RE (at most 60 s)
wait_for() {
	i=0
	while [ $i -lt 600 ] && ! grep -q "$1" "$2"; do
		sleep 0.1
		i=$((i + 1))
	done
}

# wait_or_kill PID: its exit status, or 124 when it is still running after
# 60 s (it is killed then)
wait_or_kill() {
	( sleep 60 && kill -KILL "$1" ) 2> /dev/null &
	guard=$!
	wait "$1"
	st=$?
	pkill -P "$guard" sleep
	wait "$guard" 2> /dev/null
	[ "$st" -eq 137 ] && st=124
	return $st
}

# rank_pid K SCRIPT: the process id of rank K running nnsh on SCRIPT
rank_pid() {
	for p in $(pgrep -f "nnsh --batch $2"); do
		[ "$(tr '\0' '\n' < /proc/"$p"/environ 2> /dev/null |
		     sed -n 's/^OMPI_COMM_WORLD_RANK=//p')" = "$1" ] &&
			echo "$p" && return
	done
}

bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
	shift
	for f in "$@"; do
		echo "--- $f:"
		cat "$f"
	done
}

# a small classifier with momentum, a last batch of one sample (which the
# second rank has no share of) and a batch that divides unevenly
cat > train.nn <<'EOF'
seed 1
data m = make moons n=401 noise=0.2 seed=3
model net input=2
add dense 8 tanh
add dense 1 sigmoid
loss bce
optim sgd lr=0.3 momentum=0.9
train m epochs=4 batch=41 log=run.jsonl
loss bce reduction=sum
optim sgd lr=0.01
train m epochs=2 batch=25
precision 9
show net.1.W
show net.1.b
show net.2.W
show net.2.b
ranks net
save net net.safetensors
EOF
mkdir one two
(cd one && "$nnsh" --batch --no-timing ../train.nn > ../one.out 2> ../one.err)
(cd one && ranks 1 ../train.nn > ../mpi1.out 2> ../mpi1.err)
(cd two && ranks 2 ../train.nn > ../two.out 2> ../two.err)
status=$?
# the weights: every number of the show lines, one process against two
nums() {
	sed -n '/^net\./,/^[0-9]* rank/p' "$1" | grep -v rank |
		sed 's/^net\.[^)]*)//' | tr -c '0-9.eE+-' '\n' | grep '[0-9]'
}
nums one.out > one.w
nums two.out > two.w
if [ "$status" -eq 0 ] && [ -s one.w ] &&
   [ "$(wc -l < one.w)" -eq "$(wc -l < two.w)" ] &&
   paste one.w two.w | awk '{ d = $1 - $2; if (d < 0) d = -d;
	if (d > 2e-5 * (1 + ($1 < 0 ? -$1 : $1))) bad = 1 }
	END { exit bad }'; then ok; else bad "two ranks: the weights of one \
process within 2e-5" one.out two.out two.err; fi
if [ "$(wc -l < one.w)" -eq 33 ] &&
   grep -q "^1 rank: this process alone; net's weights" one.out; then ok
else bad "one process: 33 weights shown" one.out; fi
if grep -q "^2 ranks (Open MPI" two.out &&
   [ "$(grep -c "^  rank [01] on .*net's weights" two.out)" -eq 2 ] &&
   grep -q "^net's weights are the same on every rank" two.out; then ok
else bad "two ranks: the same weights on both" two.out; fi
if cmp -s one.out mpi1.out; then ok; else
	bad "mpirun -np 1: as without mpirun" one.out mpi1.out mpi1.err; fi
# rank 0 alone prints and writes: one line per epoch, one save, a log
# with one start and the 4 points of the first train (the batch records
# between points are rate-limited by the clock)
if [ "$(grep -c '^epoch' two.out)" -eq 6 ] &&
   [ "$(grep -c '^saved net' two.out)" -eq 1 ] &&
   [ -s two/net.safetensors ] &&
   [ "$(grep -c '"record":"start"' two/run.jsonl)" -eq 1 ] &&
   [ "$(grep -c '"record":"point"' two/run.jsonl)" -eq 4 ]
then ok; else bad "rank 0 alone prints and writes" two.out two/run.jsonl; fi

# the full-batch methods: every closure evaluation sums the ranks' losses
# and gradients, so the line searches take the same steps (the same
# evaluations) and the weights are one process's within float summation
# order. cg is checked over 3 iterations: later, a line search's test can
# tip the other way on a last-bit difference and the paths part. scg
# takes its curvature from a difference of two gradients 1e-4 apart,
# which turns a last-bit difference of a gradient into one of 1e-3 in the
# step: it is held to 1e-3.
cat > full.nn <<'EOF'
seed 1
data m = make moons n=301 noise=0.2 seed=3
precision 9
for o in lbfgs bfgs cg scg
  seed 1
  model net$o input=2
  add dense 6 tanh
  add dense 1 sigmoid
  loss bce
  optim $o
  train m epochs=3
  show net$o.1.W
  show net$o.2.W
end
EOF
"$nnsh" --batch --no-timing full.nn > one.out 2> one.err
ranks 2 full.nn > two.out 2> two.err
status=$?
# near NAME TOL: the 18 numbers shown of model netNAME, within TOL
near() {
	for f in one two; do
		sed -n "/^net$1\./,/^epoch/p" $f.out | grep -v epoch |
			sed 's/^net[^)]*)//' | tr -c '0-9.eE+-' '\n' |
			grep '[0-9]' > $f.w
	done
	[ "$(wc -l < one.w)" -eq 18 ] && [ "$(wc -l < two.w)" -eq 18 ] &&
	paste one.w two.w | awk -v tol="$2" '{ d = $1 - $2; if (d < 0) d = -d;
		if (d > tol * (1 + ($1 < 0 ? -$1 : $1))) bad = 1 }
		END { exit bad }'
}
evals() {
	grep -o 'evals [0-9]*' "$1" | tr '\n' ' '
}
if [ "$status" -eq 0 ] && near lbfgs 2e-5 && near bfgs 2e-5 &&
   near cg 2e-5 && near scg 1e-3 &&
   [ "$(grep -c 'evals' one.out)" -eq 12 ] &&
   [ "$(evals one.out)" = "$(evals two.out)" ]; then ok; else
	bad "full-batch methods on two ranks: one process's steps" one.out \
		two.out two.err; fi

# lm and gn: every rank builds J'J and J'r of its share, the ranks sum
# them, and each solves the same system (gn on a linear model, where
# its undamped steps stay well-posed)
cat > lm.nn <<'EOF'
seed 1
data s = make sine n=41
precision 9
model netlm input=1
add dense 4 tanh
add dense 1
loss mse
optim lm
train s epochs=4
show netlm.1.W
show netlm.2.W
model netgn input=1
add dense 1
loss mse
optim gn
train s epochs=2
show netgn.1.W
show netgn.1.b
EOF
"$nnsh" --batch --no-timing lm.nn > one.out 2> one.err
ranks 2 lm.nn > two.out 2> two.err
status=$?
shown() {
	grep -v '^epoch\|^s:' "$1" | sed 's/^net[^)]*)//' |
		tr -c '0-9.eE+-' '\n' | grep '[0-9]'
}
shown one.out > one.w
shown two.out > two.w
if [ "$status" -eq 0 ] && [ "$(wc -l < one.w)" -eq 10 ] &&
   [ "$(wc -l < two.w)" -eq 10 ] &&
   paste one.w two.w | awk '{ d = $1 - $2; if (d < 0) d = -d;
	if (d > 2e-5 * (1 + ($1 < 0 ? -$1 : $1))) bad = 1 }
	END { exit bad }' &&
   [ "$(grep '^epoch' one.out)" = "$(grep '^epoch' two.out)" ]; then ok
else bad "lm and gn on two ranks: one process's steps" one.out two.out \
	two.err; fi

# gan: each D and G step shares its real and generated samples out and
# sums the gradients; the noise is drawn whole on every rank, so without
# dropout the steps are one process's
cat > gan.nn <<'EOF'
seed 1
data moons = make moons n=301 noise=0.05
model G input=2
add dense 16 leaky alpha=0.2
add dense 2
optim adam lr=0.002 beta1=0.5
model D input=2
add dense 16 leaky alpha=0.2
add dense 1 sigmoid
optim sgd lr=0.05 momentum=0.9
gan G D moons epochs=3 batch=50 k=2 smooth=0.9 every=4 log=gan.jsonl
precision 9
show G.1.W
show D.2.W
ranks G
ranks D
EOF
mkdir -p gan1 gan2
(cd gan1 && "$nnsh" --batch --no-timing ../gan.nn > ../one.out 2> ../one.err)
(cd gan2 && ranks 2 ../gan.nn > ../two.out 2> ../two.err)
status=$?
ganw() {
	sed -n '/^[GD]\.[12]\.W/,/rank/p' "$1" | grep -v rank |
		sed 's/^[GD]\.[^)]*)//' | tr -c '0-9.eE+-' '\n' | grep '[0-9]'
}
ganw one.out > one.w
ganw two.out > two.w
if [ "$status" -eq 0 ] && [ "$(wc -l < one.w)" -eq 35 ] &&
   [ "$(wc -l < two.w)" -eq 35 ] &&
   paste one.w two.w | awk '{ d = $1 - $2; if (d < 0) d = -d;
	if (d > 2e-5 * (1 + ($1 < 0 ? -$1 : $1))) bad = 1 }
	END { exit bad }' &&
   [ "$(grep -c '^iter' one.out)" -ge 2 ] &&
   [ "$(grep '^iter' one.out)" = "$(grep '^iter' two.out)" ] &&
   [ "$(grep -c "weights are the same on every rank" two.out)" -eq 2 ] &&
   [ -s gan2/gan.jsonl ] && [ "$(wc -l < gan1/gan.jsonl)" -eq \
	"$(wc -l < gan2/gan.jsonl)" ]; then ok; else
	bad "gan on two ranks: one process's weights within 2e-5" one.out \
		two.out two.err; fi

# expect NAME PATTERN: the last run failed (status 1) within the timeout
# and its error output holds PATTERN, once
expect() {
	if [ "$status" -eq 1 ] &&
	   [ "$(grep -c -- "$2" err)" -eq 1 ] && ! grep -q '^after$' out; then
		ok
	else
		echo "(status $status)"
		bad "$1" out err
	fi
}

# a rank that fails stops both, with its message
printf 'x,y\n1,0\n2,1\n' > d0.csv
cat > fail.nn <<'EOF'
echo before
data d = load csv d$OMPI_COMM_WORLD_RANK.csv label=y
echo after
EOF
ranks 2 fail.nn > out 2> err
status=$?
expect "a failing rank stops both" \
	'^nnsh:fail.nn:2: rank 1: .*d1.csv'

# different scripts: stopped at the first line that differs
printf 'echo one\necho two\necho three\necho after\n' > a.nn
printf 'echo one\necho two\necho 3\necho after\n' > b.nn
timeout -k 10 120 mpirun -q --oversubscribe --mca btl self,vader \
	--mca oob_tcp_if_include lo -np 1 "$nnsh" --batch a.nn : \
	-np 1 "$nnsh" --batch b.nn > out 2> err
status=$?
expect "different scripts" '^nnsh:a.nn:3: rank 1 runs another script'

# different data: found when train starts, before any step
printf 'x,y\n1,0\n2,1\n3,0\n4,1\n' > d0.csv
printf 'x,y\n1,0\n2,1\n3,1\n4,1\n' > d1.csv
cat > data.nn <<'EOF'
data d = load csv d$OMPI_COMM_WORLD_RANK.csv label=y
model net input=1
add dense 1 sigmoid
train d epochs=1 batch=2
echo after
EOF
ranks 2 data.nn > out 2> err
status=$?
expect "different data" \
	'^nnsh:data.nn:4: rank 1 has other training or validation data'

# a batch smaller than the ranks
cat > batch.nn <<'EOF'
data m = make moons n=20
model net input=2
add dense 1 sigmoid
train m epochs=1 batch=1
echo after
EOF
ranks 2 batch.nn > out 2> err
status=$?
expect "a batch of 1 on 2 ranks" \
	'^nnsh:batch.nn:4: a batch of 1 cannot be shared by 2 ranks'

# standard input reaches rank 0 only
echo 'echo after' | ranks 2 > out 2> err
status=$?
[ "$status" -ne 0 ] && [ "$(grep -c 'give the script as a file' err)" -eq 1 ] &&
	! grep -q after out && ok || bad "standard input refused" out err

# a parallel for prints what one process prints, in order
cat > sweep.nn <<'EOF'
seed 2
data m = make moons n=200 noise=0.2 seed=3
parallel for h in 1 2 4 8 16
  model net$h input=2
  add dense $h tanh
  add dense 1 sigmoid
  optim sgd lr=0.5
  train m epochs=2 batch=20
  echo done $h
end
echo last $h
runs
EOF
# (mpirun passes standard output and error on separately: each is compared)
"$nnsh" --batch --no-timing sweep.nn > one.out 2> one.err
ranks 2 sweep.nn > two.out 2> two.err
status=$?
if [ "$status" -eq 0 ] && [ "$(grep -c '^done' one.out)" -eq 5 ] &&
   grep -q '^last 16$' one.out && cmp -s one.out two.out &&
   cmp -s one.err two.err; then ok; else
	bad "parallel for: as one process" one.out two.out two.err; fi
# its third iteration fails: what comes before is printed, then the error
printf 'x,y\n1,0\n2,1\n' > ok1.csv
cp ok1.csv ok2.csv
sed 's/^  echo done/  data x = load csv ok$h.csv label=y\n&/' sweep.nn \
	> sweep_bad.nn
"$nnsh" --batch --no-timing sweep_bad.nn > one.out 2> one.err
ranks 2 sweep_bad.nn > two.out 2> two.err
status=$?
if [ "$status" -eq 1 ] && [ "$(grep -c '^done' one.out)" -eq 2 ] &&
   grep -q '^nnsh:sweep_bad.nn:9: ok4.csv' one.err &&
   cmp -s one.out two.out && cmp -s one.err two.err; then ok; else
	bad "parallel for: stops at the failing iteration" one.out two.out \
		one.err two.err; fi

# kill -USR1 to mpirun, which passes it on to every rank: both stop at
# the next batch, as Ctrl-C stops one process, and the script goes on
cat > long.nn <<'EOF'
seed 1
data m = make moons n=2000
model net input=2
add dense 64 tanh
add dense 64 tanh
add dense 1 sigmoid
train m epochs=100000 batch=2
ranks net
save net net.safetensors state
EOF
mpirun -q --oversubscribe -np 2 --mca btl self,vader \
	--mca oob_tcp_if_include lo "$nnsh" --batch long.nn > out 2> err &
pid=$!
# (once training runs: a signal during the lines before it stops the script)
wait_for '^epoch' out
kill -USR1 $pid
wait_or_kill $pid
status=$?
if [ "$status" -eq 0 ] && grep -q '^stopped at iteration' out &&
   grep -q "^net's weights are the same on every rank" out &&
   [ -s net.safetensors ] && "$nnsh" --batch -e \
	'load net.safetensors' > /dev/null 2>&1; then ok; else
	echo "(status $status)"
	bad "SIGUSR1 stops both, the script goes on" out err; fi

# mpirun passes SIGUSR1 on to one rank after the other: when rank 0's comes
# after the ranks agreed to stop for rank 1's, both report the stop alike
# and rank 0 takes its own as the same signal, not as a second Ctrl-C that
# would stop the next line (a failure CI once saw). A second long run then
# goes on until a second signal, to mpirun, stops it.
sed 's/^ranks net$/&\
train m epochs=100000 batch=2\
echo went on/' long.nn > late.nn
rm -f net.safetensors
mpirun -q --oversubscribe -np 2 --mca btl self,vader \
	--mca oob_tcp_if_include lo "$nnsh" --batch late.nn > out 2> err &
pid=$!
wait_for '^epoch' out
kill -USR1 "$(rank_pid 1 late.nn)"
wait_for '^stopped at iteration' out
kill -USR1 "$(rank_pid 0 late.nn)"
# (the second run's second epoch, printed after the first stop)
i=0
while [ $i -lt 600 ] && ! sed -n '/^stopped/,$p' out | grep -q '^epoch 2/'
do
	sleep 0.1
	i=$((i + 1))
done
kill -USR1 $pid
wait_or_kill $pid
status=$?
if [ "$status" -eq 0 ] && [ "$(grep -c '^stopped at iteration' out)" -eq 2 ] &&
   grep -q '^went on' out && [ -s net.safetensors ] && [ ! -s err ]; then
	ok; else
	echo "(status $status)"
	bad "SIGUSR1 at one rank, then late at rank 0: one stop" out err; fi

# Ctrl-C at the terminal reaches mpirun alone (each rank has a process
# group of its own), which cannot pass SIGINT on: it takes the job down,
# SIGCONT at once, SIGTERM after odls_base_sigkill_timeout seconds,
# SIGKILL after as many again. The first rank terminated stops the others
# at the same batch; rank 0 saves the run. (The timeout, 1 s by default,
# is 3 here so that a loaded machine still saves in time.)
rm -f net.safetensors nnsh-interrupted-net.safetensors
mpirun -q --oversubscribe -np 2 --mca btl self,vader \
	--mca oob_tcp_if_include lo --mca odls_base_sigkill_timeout 3 \
	"$nnsh" --batch long.nn > out 2> err &
pid=$!
# (wait for the first epoch, then interrupt)
wait_for '^epoch' out
kill -INT $pid
# Once in CI (two tests at a time, the ranks' epochs 50 times slower than
# here), mpirun did nothing with the SIGINT for 60 s. That is Open MPI's
# part; nnsh's is what the ranks do with mpirun's SIGTERM. So when mpirun
# has not acted in 20 s, the log says so, with its state, and rank 1 gets
# the SIGTERM mpirun would have sent.
i=0
while [ $i -lt 200 ] && kill -0 $pid 2> /dev/null &&
      ! grep -q '^stopped at iteration' out; do
	sleep 0.1
	i=$((i + 1))
done
if [ $i -ge 200 ]; then
	echo "mpi: note: mpirun had not acted on SIGINT after 20 s:" \
		$(grep '^State\|^Sig\|^ShdPnd' /proc/$pid/status 2> /dev/null)
	kill -TERM "$(rank_pid 1 long.nn)"
fi
wait_or_kill $pid
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ] && grep -q '^stopped at iteration' out &&
   [ "$(grep -c '^nnsh: terminated during train: saved net with its training state to nnsh-interrupted-net.safetensors' err)" -eq 1 ] &&
   ! grep -q "^net's weights" out && [ ! -e net.safetensors ] &&
   "$nnsh" --batch -e 'load nnsh-interrupted-net.safetensors' \
	-e 'data m = make moons n=2000' -e 'evaluate m' > resumed 2>&1 &&
   grep -q '^loss' resumed; then ok; else
	echo "(status $status)"
	bad "SIGINT to mpirun: both stop, rank 0 saves the run" out err \
		resumed; fi

echo "mpi: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
