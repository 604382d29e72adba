#!/bin/sh
# seq_examples.sh - the sequence examples reach the figures their comments
# and the manual state: reverse.nn's small Transformer reverses at least
# 99% of 1,000 held-out sequences of 8 tokens whole (it reaches 100% in
# 6 epochs, about 2 seconds here; the test runs the example as written);
# rnn_parity.nn's 16 tanh units get the running parity of at least 99%
# of 500 held-out 16-bit sequences right (100% after 10 epochs, under a
# second); lstm_add.nn's LSTM adds at least 99% of 1,000 held-out pairs
# of 6-digit numbers right to the last digit (100% after 8 epochs, about
# 2 seconds); chars.nn's character LSTM gets at least 42% of the
# held-out next characters right with a loss of at most 2.0 (47% and
# 1.85 after 20 epochs, about 12 s); transformer.nn's model has as many
# parameters as PyTorch counts for the same architecture
# (transformer_params.txt, written by transformer_params.py); its
# training steps (minutes on two busy cores) run with NNSH_SLOW=1 only,
# which checks that the loss goes down.
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

# atleast NAME VALUE MIN: VALUE >= MIN
atleast() {
	if awk -v v="$2" -v m="$3" 'BEGIN { exit !(v != "" && v >= m) }'
	then
		echo "seq_examples: $1 = $2 (at least $3)"
	else
		echo "seq_examples: FAIL: $1 = '$2', stated at least $3"
		fail=1
	fi
}

"$nnsh" --no-panel "$ex/reverse.nn" > reverse.out 2>&1 ||
	{ cat reverse.out; exit 1; }
grep -qF "total parameters: 17738" reverse.out ||
	{ echo "seq_examples: FAIL: reverse.nn's parameter count"; fail=1; }
atleast "reverse.nn whole sequences right" \
	"$(sed -n 's/.* \([0-9.]*\) per sequence.*/\1/p' reverse.out)" 0.99
atleast "reverse.nn tokens right" \
	"$(sed -n 's/.*accuracy \([0-9.]*\) per token.*/\1/p' reverse.out)" 0.99
"$nnsh" --no-panel "$ex/rnn_parity.nn" > parity.out 2>&1 ||
	{ cat parity.out; exit 1; }
atleast "rnn_parity.nn whole sequences right" \
	"$(sed -n 's/.* \([0-9.]*\) per sequence.*/\1/p' parity.out)" 0.99
"$nnsh" --no-panel "$ex/lstm_add.nn" > add.out 2>&1 ||
	{ cat add.out; exit 1; }
atleast "lstm_add.nn whole sums right" \
	"$(sed -n 's/.* \([0-9.]*\) per sequence.*/\1/p' add.out)" 0.99
(cd "$here/.." && "$nnsh" --no-panel examples/chars.nn) > chars.out 2>&1 ||
	{ cat chars.out; exit 1; }
atleast "chars.nn held-out characters right" \
	"$(sed -n 's/.*accuracy \([0-9.]*\) per token.*/\1/p' chars.out)" 0.42
atleast "chars.nn held-out loss below 2 (2 - loss)" \
	"$(sed -n 's/^loss \([0-9.]*\)  accuracy.*/\1/p' chars.out |
	   awk '{ print 2 - $1 }')" 0
sed -n '1,/^summary$/p' "$ex/transformer.nn" > tf.nn
"$nnsh" --no-panel tf.nn > tf.out 2>&1 || { cat tf.out; exit 1; }
want=$(cat "$here/transformer_params.txt")
if grep -qx "total parameters: $want" tf.out; then
	echo "seq_examples: transformer.nn has PyTorch's $want parameters"
else
	echo "seq_examples: FAIL: transformer.nn: $(grep '^total' tf.out)," \
	     "PyTorch counts $want"
	fail=1
fi
if [ "${NNSH_SLOW:-0}" = 1 ]; then
	"$nnsh" --no-panel "$ex/transformer.nn" > tfrun.out 2>&1 ||
		{ cat tfrun.out; exit 1; }
	first=$(sed -n 's/.*  loss \([0-9.]*\) .*/\1/p' tfrun.out | head -1)
	last=$(sed -n 's/.*  loss \([0-9.]*\) .*/\1/p' tfrun.out | tail -1)
	atleast "transformer.nn loss drop (first - last)" \
		"$(awk -v a="$first" -v b="$last" 'BEGIN { print a - b }')" 0.01
fi
exit $fail
