#!/bin/sh
# gen_examples.sh - the generative examples reach the figures their
# comments state: ae_dense.nn, ae_conv.nn and ae_denoise.nn's validation
# reconstruction losses and gan2d.nn's equilibrium (bundled digits and
# generated data: always run); gan.nn's judge figures and those of
# dcgan.nn shortened (10,000 images, one epoch) on Fashion-MNIST (about
# two minutes and one more; skipped, saying why, when Debian's
# dataset-fashion-mnist is not installed) and, with NNSH_SLOW=1, dcgan.nn's
# whole run's (five minutes more).
set -u
case $(pwd) in *build-sanitize*) echo "gen_examples: skipped: the" \
	"sanitizer build rounds differently (and runs gan.nn's minutes" \
	"several times slower), so its figures are not the stated ones"
	exit 77 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
ex=$here/../examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1 HOME=$tmp NNSH_DATA= XDG_CACHE_HOME=$tmp
cd "$tmp" || exit 1
fail=0

# near NAME VALUE WANT TOL: |VALUE - WANT| <= TOL
near() {
	if awk -v v="$2" -v w="$3" -v t="$4" \
	     'BEGIN { exit !(v ~ /^[0-9.]+$/ && (v - w <= t && w - v <= t)) }'
	then
		echo "gen_examples: $1 = $2 (stated $3, +-$4)"
	else
		echo "gen_examples: FAIL: $1 = '$2', stated $3 +-$4"
		fail=1
	fi
}

# run NAME: run examples/NAME.nn into NAME.out
run() {
	"$nnsh" --no-timing "$ex/$1.nn" > "$1.out" 2>&1 ||
		{ cat "$1.out"; echo "gen_examples: FAIL: $1.nn failed"; exit 1; }
}

# The validation loss of the last epoch line of the k-th run in FILE.
val() {
	grep "^epoch $2/$2 " "$1" | sed -n "$3p" |
		sed 's/.*val_loss \([0-9.]*\).*/\1/'
}

# has FILE TEXT: the output holds TEXT
has() {
	grep -qF -- "$2" "$1" ||
		{ echo "gen_examples: FAIL: no '$2' in $1"; fail=1; }
}

run ae_dense
near "ae_dense val_loss" "$(val ae_dense.out 10 1)" 17.3 1.0
has ae_dense.out "codes of 2000 samples of digits.test at node 6"
has ae_dense.out "above their reconstructions"
run ae_conv
near "ae_conv val_loss" "$(val ae_conv.out 5 1)" 20.1 1.5
has ae_conv.out "codes of 2000 samples of digits.test at node 7"
run ae_denoise
near "ae_denoise no skips val_loss" "$(val ae_denoise.out 3 1)" 23.7 1.5
near "ae_denoise skips val_loss" "$(val ae_denoise.out 3 2)" 3.6 0.6
has ae_denoise.out "with noise 0.3, reconstructed, clean"
run gan2d
last=$(grep '^iter 3000 ' gan2d.out)
near "gan2d D(x)" "$(echo "$last" | sed 's/.*D(x) \([0-9.]*\).*/\1/')" \
	0.5 0.05
near "gan2d D(G(z))" "$(echo "$last" |
	sed 's/.*D(G(z)) \([0-9.]*\).*/\1/')" 0.5 0.05
has gan2d.out "moons: o real, x generated"

if [ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]
then
	echo "gen_examples: gan.nn skipped: no Fashion-MNIST in" \
	     "/usr/share/datasets/fashion-mnist (apt-get install" \
	     "dataset-fashion-mnist, as ./setup does)"
else
	run gan
	j=$(grep '^net judges 1000 samples of fakes' gan.out)
	near "gan.nn classes among confident samples" \
		"$(echo "$j" | sed 's/.* in \([0-9]*\) of 10 classes.*/\1/')" \
		10 2
	near "gan.nn mean confidence" \
		"$(echo "$j" | sed 's/.*mean confidence \([0-9.]*\).*/\1/')" \
		0.74 0.05
	# dcgan.nn shortened as its header says: the first 10,000 images,
	# one epoch of the GAN
	gan='gan G D real epochs'
	sed -e 's/^data rtest = .*/&\ndata real = take real 10000/' \
	    -e "s/^$gan=2 batch=100\$/$gan=1 batch=100/" \
		"$ex/dcgan.nn" > dcgan_short.nn
	grep -q '^data real = take real 10000$' dcgan_short.nn &&
	grep -q '^gan G D real epochs=1 batch=100$' dcgan_short.nn ||
		{ echo "gen_examples: FAIL: dcgan.nn no longer has the lines" \
		       "the short run changes"; exit 1; }
	"$nnsh" --no-timing dcgan_short.nn > dcgan_short.out 2>&1 ||
		{ cat dcgan_short.out; echo "gen_examples: FAIL: the short" \
		  "dcgan.nn failed"; exit 1; }
	e=$(grep '^epoch 1/1 ' dcgan_short.out | tail -1)
	near "short dcgan.nn D(x)" \
		"$(echo "$e" | sed 's/.*D(x) \([0-9.]*\).*/\1/')" 0.89 0.05
	near "short dcgan.nn D(G(z))" \
		"$(echo "$e" | sed 's/.*D(G(z)) \([0-9.]*\).*/\1/')" 0.14 0.05
	j=$(grep '^net judges 1000 samples of fakes' dcgan_short.out)
	near "short dcgan.nn classes among confident samples" \
		"$(echo "$j" | sed 's/.* in \([0-9]*\) of 10 classes.*/\1/')" \
		3 2
	near "short dcgan.nn mean confidence" \
		"$(echo "$j" | sed 's/.*mean confidence \([0-9.]*\).*/\1/')" \
		0.49 0.05
	if [ "${NNSH_SLOW:-}" = 1 ]; then
		run dcgan
		j=$(grep '^net judges 1000 samples of fakes' dcgan.out)
		near "dcgan.nn classes among confident samples" \
			"$(echo "$j" | sed 's/.* in \([0-9]*\) of 10 classes.*/\1/')" \
			9 1
		near "dcgan.nn mean confidence" \
			"$(echo "$j" | sed 's/.*mean confidence \([0-9.]*\).*/\1/')" \
			0.70 0.05
	else
		echo "gen_examples: dcgan.nn skipped: it takes about 5 minutes;" \
		     "NNSH_SLOW=1 runs it"
	fi
fi
[ $fail = 0 ] || exit 1
echo "gen_examples: ok"
