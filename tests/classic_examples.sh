#!/bin/sh
# classic_examples.sh - the classic experiments reach the figures their
# comments state: hopfield.nn (the Hebb mixture state, the pseudoinverse's
# exact recall, the capacity curves), letters.nn (the letters each rule
# recalls), symmetry.nn (1,240 sweeps with
# seed 10, every seed of 1-10 solving it in 457-6191 sweeps, half within
# 1,000, the mirrored weights, and the ratios they settle on: 1 : 2 : 4
# for four seeds, 2 : 3 : 4 for six), family.nn (the plateau of the
# paper's whole recipe, the counts right on the training and held-out
# facts of seeds 1-6 without its decay and of seeds 1-3 with it from
# larger weights, the nationality, branch and generation units; the
# paper's recipe run again in numpy by family_paper.py). Runs on the
# bundled digits.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
case $(pwd) in *build-sanitize*)
	echo "classic_examples: skipped: the sanitizer build rounds" \
	     "differently, so its counts are not the stated ones"
	exit 77 ;;
esac
ex=$here/../examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OPENBLAS_NUM_THREADS=1 HOME=$tmp NNSH_DATA= XDG_CACHE_HOME=$tmp
cd "$tmp" || exit 1
fail=0

# want FILE TEXT: the output holds TEXT
want() {
	grep -qF -- "$2" "$1" ||
		{ echo "classic_examples: FAIL: no '$2' in $1"; fail=1; }
}

# count FILE TEXT N: TEXT is in exactly N lines
count() {
	got=$(grep -cF -- "$2" "$1")
	[ "$got" = "$3" ] ||
		{ echo "classic_examples: FAIL: '$2' $got times in $1, not $3"
		  fail=1; }
}

# --- hopfield.nn
"$nnsh" --no-timing "$ex/hopfield.nn" > hop.out 2>&1 ||
	{ cat hop.out; exit 1; }
# Hebb: all four noisy digits end in one state (one energy), nearest the
# 9 (pattern 0) with overlap 0.94-0.96, none exact
count hop.out "yes       0     0.9" 4
count hop.out "-131.56" 4
want hop.out "0 of 4 ended exactly on a stored pattern"
want hop.out "4 of 4 ended exactly on a stored pattern"
want hop.out "5 of 5 ended exactly on a stored pattern"
# fewer than half exact from a load of 0.17-0.19 (Hebb); Storkey about
# 0.9 still exact at 0.4
load=$(sed -n 's/^fewer than half .* from load \([0-9.]*\).*/\1/p' hop.out)
if awk -v v="$load" 'BEGIN { exit !(v != "" && v >= 0.17 && v <= 0.19) }'
then echo "classic_examples: hebb collapses at load $load (stated 0.17-0.19)"
else echo "classic_examples: FAIL: hebb collapse at '$load'"; fail=1
fi
st=$(awk '$1 == "0.400" { print $2 }' hop.out | tail -1)
if awk -v v="$st" 'BEGIN { exit !(v != "" && v >= 0.8 && v <= 1) }'
then echo "classic_examples: storkey exact at 0.4: $st (stated about 0.9)"
else echo "classic_examples: FAIL: storkey at 0.4 '$st'"; fail=1
fi

# --- letters.nn
"$nnsh" --no-timing "$ex/letters.nn" > let.out 2>&1 ||
	{ cat let.out; exit 1; }
grep 'ended exactly' let.out | cut -d' ' -f1-3 > lrights
printf '%s\n' "3 of 4" "4 of 4" "2 of 2" "2 of 2" "1 of 3" "3 of 3" \
	"0 of 5" "5 of 5" "0 of 10" "10 of 10" "0 of 26" "18 of 26" > lstated
cmp -s lrights lstated ||
	{ echo "classic_examples: FAIL: letters recalled:"; cat lrights
	  fail=1; }
# Hebb on A H T X: H ends near H (overlap 0.96), not on it
want let.out "     1     1     1    yes       1     0.96    -70.96"

# --- symmetry.nn
"$nnsh" --no-timing "$ex/symmetry.nn" > sym.out 2>&1 ||
	{ cat sym.out; exit 1; }
want sym.out "reached the goal at epoch 1240: accuracy 1.0000 >= 1"
# the mirror: |w_i| = |w_(7-i)| within 2%, opposite signs, for both
# hidden units, when solved and after; the pairs' sizes all different
awk '/^net.1.W \(2x6\)/ { on = 2; next }
     on > 0 { on--; n++
	for (i = 1; i <= 3; i++) {
		a = $i; b = $(7 - i)
		if (a * b >= 0 || (a + b) ^ 2 > (0.02 * a) ^ 2) bad = 1
	}
	if ($1 ^ 2 == $2 ^ 2 || $2 ^ 2 == $3 ^ 2) bad = 1 }
     END { exit !(n == 4 && !bad) }' sym.out ||
	{ echo "classic_examples: FAIL: symmetry weights not mirrored"
	  grep -A2 '^net.1.W (2x6)' sym.out; fail=1; }
want sym.out "output  0.9919  -> 1"
want sym.out "output  0.00555  -> 0"
# ratios: each hidden unit's pair sizes over the smallest, in the pairs'
# order (1-6, 2-5, 3-4), rounded to 0.1, per printing of the weights
ratios() {
	awk '/^net.1.W \(2x6\)/ { on = 2; r = ""; next }
	     on > 0 { on--; m = 1e9
		for (i = 1; i <= 3; i++) {
			v[i] = $i < 0 ? -$i : $i; if (v[i] < m) m = v[i]
		}
		r = r sprintf("%.1f:%.1f:%.1f ", v[1] / m, v[2] / m, v[3] / m)
		if (on == 0) print r }' "$1"
}
ratios sym.out > r10
printf '%s\n' "1.0:2.8:1.6 1.0:2.8:1.6 " "1.0:4.0:2.0 1.0:4.0:2.0 " > r10want
cmp -s r10 r10want ||
	{ echo "classic_examples: FAIL: seed 10's ratios:"; cat r10; fail=1; }
# seeds 1-10: all solve it, in 457..6191 sweeps, half within 1,000;
# after, 1 : 2 : 4 for seeds 2 6 8 10 and 2 : 3 : 4 for the others
for s in 1 2 3 4 5 6 7 8 9 10; do
	sed "s/^seed 10$/seed $s/" "$ex/symmetry.nn" > s$s.nn
	"$nnsh" --no-timing s$s.nn > s$s.out 2>&1
	sed -n 's/^reached the goal at epoch \([0-9]*\).*/\1/p' s$s.out
	set -- $(ratios s$s.out | tail -1 | tr ':' ' ')
	code=$(printf '%s\n' "$@" | sort -n | uniq | tr '\n' ' ')
	case $s:$code in
	2:"1.0 2.0 4.0 "|6:"1.0 2.0 4.0 "|8:"1.0 2.0 4.0 "|10:"1.0 2.0 4.0 ")
		;;
	[13579]:"1.0 1.5 2.0 "|4:"1.0 1.5 2.0 ") ;;
	*) echo "classic_examples: FAIL: symmetry seed $s ends $code" >&2
	   echo bad ;;
	esac
done > epochs 2>&1
if [ "$(wc -l < epochs)" = 10 ] &&
   awk '{ if ($1 < 457 || $1 > 6191) bad = 1; if ($1 <= 1000) k++ }
        END { exit !(!bad && k >= 5) }' epochs; then
	echo "classic_examples: symmetry seeds 1-10: $(tr '\n' ' ' < epochs)"
else
	echo "classic_examples: FAIL: symmetry seeds 1-10:" $(cat epochs)
	fail=1
fi
# the same seeds at epsilon 0.05 (solved in 453-881 sweeps; 1 : 2 : 4 for
# seeds 2 4 6 8 10) and from +-0.1 (1 : 2 : 4 for seeds 2 6 8 10); the
# others 2 : 3 : 4
for v in "s/lr=0.1 /lr=0.05 /" "s/lo=-0.3 hi=0.3/lo=-0.1 hi=0.1/"; do
	for s in 1 2 3 4 5 6 7 8 9 10; do
		sed "s/^seed 10$/seed $s/; $v" "$ex/symmetry.nn" > v$s.nn
		"$nnsh" --no-timing v$s.nn > v$s.out 2>&1
		ep=$(sed -n 's/^reached the goal at epoch \([0-9]*\).*/\1/p' \
		     v$s.out)
		set -- $(ratios v$s.out | tail -1 | tr ':' ' ')
		code=$(printf '%s\n' "$@" | sort -n | uniq | tr -d '\n')
		echo "$s ${ep:-none} $code"
	done > codes
	case $v in
	*lr*) want="2 4 6 8 10"; lo=453; hi=881 ;;
	*) want="2 6 8 10"; lo=1; hi=20000 ;;
	esac
	got=$(awk -v lo=$lo -v hi=$hi '
	      $3 == "1.02.04.0" { printf "%s%s", n++ ? " " : "", $1 }
	      ($3 != "1.02.04.0" && $3 != "1.01.52.0") ||
	      !($2 >= lo && $2 <= hi) { bad = 1 }
	      END { if (bad || NR != 10) printf " bad" }' codes)
	if [ "$got" = "$want" ]; then
		echo "classic_examples: symmetry ($v): 1:2:4 for seeds $got"
	else
		echo "classic_examples: FAIL: symmetry ($v): 1:2:4 for" \
		     "'$got', not '$want':"; cat codes; fail=1
	fi
done

# --- family.nn
"$nnsh" --no-timing "$ex/family.nn" > fam.out 2>&1 ||
	{ cat fam.out; exit 1; }
grep '^right:' fam.out | cut -d' ' -f2-4 > rights
printf '%s\n' "0 of 100" "100 of 100" "4 of 4" "99 of 100" "3 of 4" \
	"97 of 100" "3 of 4" "99 of 100" "1 of 4" "95 of 100" "2 of 4" \
	"98 of 100" "3 of 4" > stated
cmp -s rights stated ||
	{ echo "classic_examples: FAIL: family counts right:"; cat rights
	  fail=1; }
# the other three seeds of the second run: 2, 5 and 6
sed 's/^for s in 1 3 4$/for s in 2 5 6/' "$ex/family.nn" > fam256.nn
"$nnsh" --no-timing fam256.nn 2>&1 | grep '^right:' | cut -d' ' -f2-4 |
	sed -n 2,7p > rights256
printf '%s\n' "100 of 100" "0 of 4" "100 of 100" "2 of 4" "93 of 100" \
	"2 of 4" > stated256
cmp -s rights256 stated256 ||
	{ echo "classic_examples: FAIL: family seeds 2 5 6 right:"
	  cat rights256; fail=1; }
# the person units of the last run: unit 4 all negative for the English
# and all positive for the Italians; the largest branch and generation
# differences in units 5 and 6, 1.5 or more in size
awk '/^English$/ { side = 1; next } /^Italian$/ { side = 2; next }
     /^what each unit/ { side = 0 }
     side && NF == 8 { v = $6
	if (side == 1 && v >= 0) mixed = 1
	if (side == 2 && v <= 0) mixed = 1
	rows++ }
     function widest(k,    i, b, v) { b = 0
	for (i = k; i <= NF; i++) {
		v = $i < 0 ? -$i : $i; if (v > b) { b = v; at = i - k + 1 }
	}
	return b }
     $1 == "branch" && widest(2) >= 1.5 && at == 5 { br = 1 }
     $1 == "generation" && $2 == "1-3" && widest(3) >= 1.5 && at == 6 {
	ge = 1 }
     END { exit !(rows == 24 && !mixed && br && ge) }' fam.out ||
	{ echo "classic_examples: FAIL: no nationality, branch or" \
	       "generation unit"; fail=1; }
# the paper's whole recipe in numpy (tests/family_paper.py), from nnsh's
# first weights: the same summed error at sweeps 740 and 1480 (18.43),
# and the plateau with the decay on the biases and the error beyond the
# dead zone counted from 0 and 1
if /usr/bin/python3 -c 'import numpy' 2> /dev/null; then
	awk '{ print }
	     /^init uniform/ && !done { print "save net init.safetensors"
		done = 1 }
	     /^family net fam.train n=3$/ { exit }' "$ex/family.nn" > fp.nn
	"$nnsh" --no-timing fp.nn > fp.out 2>&1 || { cat fp.out; exit 1; }
	sed -n 's/^iter \(740\|1480\) .*(sum over 100: \([0-9.]*\)).*/\2/p' \
		fp.out > fp.nnsh
	py() {
		/usr/bin/python3 "$here/family_paper.py" \
			--start init.safetensors --every 740 "$@"
	}
	py | sed -n 's/^sweep *\(740\|1480\) *E *\([0-9.]*\) .*/\2/p' > fp.np
	got=$(paste fp.nnsh fp.np | awk '{ d = $1 - $2; if (d < 0) d = -d
		if (d < 0.005 && $1 > 18.42 && $1 < 18.44) k++ }
		END { print k + 0 }')
	[ "$got" = 2 ] ||
		{ echo "classic_examples: FAIL: nnsh and numpy part:"
		  paste fp.nnsh fp.np; fail=1; }
	py --bias-decay --zone target | tail -1 > fp.read
	grep -q "right   0 of 100, 0 of 4" fp.read ||
		{ echo "classic_examples: FAIL: numpy's other reading:"
		  cat fp.read; fail=1; }
	echo "classic_examples: family recipe: nnsh and numpy" \
	     $(paste -d/ fp.nnsh fp.np | tr '\n' ' ')
else
	echo "classic_examples: family_paper.py not run: no numpy in" \
	     "/usr/bin/python3 (./setup installs python3-numpy)"
fi
[ $fail = 0 ] && echo "classic_examples: every stated figure reached"
exit $fail
