#!/bin/sh
# docs.sh - the command reference doc/commands.md must be what the command
# table generates (`nnsh --commands-md`), so help and docs never drift.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
if "$nnsh" --commands-md | diff -u "$here/../doc/commands.md" -; then
	echo "docs: 1 passed, 0 failed"
else
	echo "doc/commands.md differs from the command table: regenerate it"
	echo "with 'nnsh --commands-md > doc/commands.md'"
	echo "docs: 0 passed, 1 failed"
	exit 1
fi
