#!/bin/sh
# tests/fuzz/replay.sh - make check's part of fuzzing: every crash the
# fuzzers found (tests/fuzz/regress/TARGET/) and every seed input
# (tests/fuzz/corpus/TARGET/) goes once through its target, built
# without libFuzzer (fuzz_replay_TARGET), so CI checks them without clang.
set -eu
src=${srcdir:-.}/fuzz
status=0
for t in lex csv idx modelfile; do
	dirs="$src/corpus/$t"
	[ -d "$src/regress/$t" ] && dirs="$dirs $src/regress/$t"
	# shellcheck disable=SC2086
	if ! ./fuzz_replay_$t $dirs; then
		echo "FAIL: fuzz_replay_$t $dirs" >&2
		status=1
	fi
done
exit $status
