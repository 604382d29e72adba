#!/bin/sh
# docs.sh - the command reference doc/commands.md and the man page's
# COMMANDS section must be what the command table generates (`nnsh
# --commands-md`, `--commands-man`), so help and docs never drift; the man
# page renders without warnings; and every command in the table must be
# exercised by a golden transcript.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
fail=0
if ! "$nnsh" --commands-md | diff -u "$here/../doc/commands.md" -; then
	echo "doc/commands.md differs from the command table: regenerate it"
	echo "with 'nnsh --commands-md > doc/commands.md'"
	fail=1
fi
# the man page's COMMANDS section, between its markers, likewise
if ! sed -n '/^\.\\" The COMMANDS section is generated/,/^\.\\" End of the generated/p' \
	"$here/../doc/nnsh.1" | sed '1d;$d' |
	diff -u - "$(mkdir -p "${TMPDIR:-/tmp}" && "$nnsh" --commands-man > \
		"${TMPDIR:-/tmp}/nnsh-commands-man.$$" &&
		echo "${TMPDIR:-/tmp}/nnsh-commands-man.$$")"; then
	echo "doc/nnsh.1's COMMANDS section differs from the command table:"
	echo "put 'nnsh --commands-man' between its markers (see HACKING.md)"
	fail=1
fi
rm -f "${TMPDIR:-/tmp}/nnsh-commands-man.$$"
# and the page renders without a warning, where groff is installed
if command -v groff > /dev/null &&
   [ -n "$(groff -man -Tutf8 -ww -z "$here/../doc/nnsh.1" 2>&1)" ]; then
	groff -man -Tutf8 -ww -z "$here/../doc/nnsh.1"
	echo "doc/nnsh.1: groff warns"
	fail=1
fi
# every command of the table is run by some golden transcript
for c in $("$nnsh" --commands-md | sed -n 's/^### //p'); do
	if ! grep -qhE "^[[:space:]]*$c([[:space:]]|$)" \
		"$here"/transcripts/*.nn "$here"/transcripts/*.inc; then
		echo "command '$c' has no transcript test in tests/transcripts/"
		fail=1
	fi
done
echo "docs: $((1 - fail)) passed, $fail failed"
exit $fail
