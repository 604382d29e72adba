#!/bin/sh
# cli.sh - the command line: --help, --version, -e, scripts, standard input,
# batch-mode exit status, --keep-going, --seed reproducibility, bad options.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp OPENBLAS_NUM_THREADS=1
pass=0 fail=0

check() {       # check NAME COMMAND...: the command must succeed
	name=$1
	shift
	if "$@" > "$tmp/out" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name:"
		cat "$tmp/out"
	fi
}

status_is() {   # status_is N COMMAND...: the command exits with N
	want=$1
	shift
	"$@" > /dev/null 2>&1
	[ $? -eq "$want" ]
}

check help sh -c "'$nnsh' --help | grep -q '^usage: nnsh'"
check help-bugs sh -c "'$nnsh' --help |
	grep -q '^Report bugs at the nnsh issue tracker'"
check version sh -c "'$nnsh' --version | grep -q '^nnsh [0-9]'"
check expr sh -c "[ \"\$('$nnsh' -e 'echo one' -e 'echo two')\" = \"one
two\" ]"
check stdin sh -c "echo 'echo from stdin' | '$nnsh' | grep -q '^from stdin$'"
check stdin-dash sh -c "echo 'echo dash' | '$nnsh' - | grep -q '^dash$'"
check ok-status status_is 0 "$nnsh" -e 'echo fine'
check fail-status status_is 1 "$nnsh" -e 'bogus'
check bad-option status_is 2 "$nnsh" --bogus
check missing-script status_is 1 "$nnsh" "$tmp/none.nn"
check missing-value status_is 2 "$nnsh" --seed
check bad-seed status_is 2 "$nnsh" --seed abc

printf 'echo a\nbogus\necho b\n' > "$tmp/s.nn"
check stops-at-error sh -c "'$nnsh' '$tmp/s.nn' 2>&1 | tr '\n' '|' |
	grep -qx 'a|nnsh:$tmp/s.nn:2: unknown command .bogus. (type .help. for a list)|'"
check keep-going sh -c "'$nnsh' --keep-going '$tmp/s.nn' 2>/dev/null |
	tr '\n' '|' | grep -qx 'a|b|'"
check keep-going-status status_is 1 "$nnsh" --keep-going "$tmp/s.nn"
printf 'echo a\necho b\n' > "$tmp/ok.nn"
check keep-going-ok status_is 0 "$nnsh" --keep-going "$tmp/ok.nn"

# the same seed gives the same numbers, another seed others (on the
# bundled digits, which every clone has)
digits=$(cd "$here/../data" && pwd)
seed_run() {
	"$nnsh" --no-timing --seed "$1" -e 'model m input=1x28x28' \
		-e 'add flatten' -e 'add dense 8 tanh' -e 'add dense 10 softmax' \
		-e "data d = load idx $digits/train10k-images-idx3-ubyte.gz $digits/train10k-labels-idx1-ubyte.gz" \
		-e 'train d iters=20 batch=50'
}
seed_run 5 > "$tmp/s5a" 2>&1
seed_run 5 > "$tmp/s5b" 2>&1
seed_run 6 > "$tmp/s6" 2>&1
check same-seed cmp "$tmp/s5a" "$tmp/s5b"
check other-seed sh -c "! cmp -s '$tmp/s5a' '$tmp/s6'"
check seed-trained grep -q "^epoch 1/1  loss" "$tmp/s5a"

# --monitor waits for a log that does not exist yet, then follows it to
# its end (bounded: the log appears after a second, the whole in 60 s)
(sleep 1
 printf '%s\n' '{"record":"start","model":"net","data":"d","iters":10}' \
	'{"record":"end","iter":10,"end":"done"}' > "$tmp/later.jsonl") &
check monitor-waits sh -c "timeout 60 '$nnsh' --monitor '$tmp/later.jsonl' |
	tr '\n' '|' | grep -q 'waiting for .*run: net on d.*end: done'"
wait
check monitor-bad-path status_is 1 "$nnsh" --monitor "$tmp/ok.nn/run.jsonl"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
