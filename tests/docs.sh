#!/bin/sh
# docs.sh - the command reference doc/commands.md must be what the command
# table generates (`nnsh --commands-md`), so help and docs never drift; and
# every command in the table must be exercised by a golden transcript.
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
