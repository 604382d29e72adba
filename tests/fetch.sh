#!/bin/sh
# fetch.sh - `fetch` against a local HTTP server on 127.0.0.1
# (fetch_server.py): a file arrives whole and checked; a connection dropped
# part way is resumed (and restarted when the server ignores ranges); a
# file with another checksum is refused and nothing is left; a server that
# is down is a clear one-line error. When Debian's Fashion-MNIST files are
# on the machine, `fetch fashion-mnist` through NNSH_MIRROR fills the cache
# and `load fashion-mnist` reads it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
nnsh=${NNSH:-$(pwd)/../src/nnsh}
[ -x "$nnsh" ] || nnsh=$here/../src/nnsh
command -v python3 > /dev/null ||
	{ echo "fetch.sh: SKIP: no python3 for the test HTTP server"; exit 77; }
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CACHE_HOME=$tmp/cache OPENBLAS_NUM_THREADS=1
unset NNSH_MIRROR NNSH_DATA
pass=0 fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -f "$tmp/out" ] && cat "$tmp/out"; }

# serve [OPTIONS]: (re)start the server on $tmp/srv; sets $url
serve() {
	[ -n "$pid" ] && kill $pid 2>/dev/null && wait $pid 2>/dev/null
	rm -f "$tmp/port"
	python3 "$here/fetch_server.py" "$tmp/srv" --port-file "$tmp/port" \
		--lifetime 60 "$@" &
	pid=$!
	for i in $(seq 100); do
		[ -s "$tmp/port" ] && break
		sleep 0.1
	done
	[ -s "$tmp/port" ] || { echo "fetch.sh: the test server did not start"; exit 99; }
	url=http://127.0.0.1:$(cat "$tmp/port")
}

# nothing_left DIR: no file and no temporary in DIR
nothing_left() { [ -z "$(ls -A "$1")" ]; }

mkdir -p "$tmp/srv" "$tmp/a"
head -c 300000 /dev/urandom > "$tmp/srv/blob.bin"
sum=$(sha256sum "$tmp/srv/blob.bin" | cut -d' ' -f1)

serve
if "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/a" > "$tmp/out" 2>&1 &&
   cmp -s "$tmp/a/blob.bin" "$tmp/srv/blob.bin" &&
   grep -q "300000 bytes, SHA-256 ok" "$tmp/out" &&
   [ "$(ls -A "$tmp/a")" = blob.bin ]; then ok; else bad "whole file"; fi

# a second fetch keeps the checked file
if "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/a" > "$tmp/out" 2>&1 &&
   grep -q "already there" "$tmp/out"; then ok; else bad "already there"; fi

# wrong checksum: refused, nothing left (and an old good file is kept)
rm -rf "$tmp/b"
other=$(echo "$sum" | tr '0-9a-f' '1-9a-f0')
if ! "$nnsh" -e "fetch $url/blob.bin sha256=$other dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "SHA-256 is ${sum%????????????????????????????????????????????????}.*nothing kept" "$tmp/out" &&
   nothing_left "$tmp/b"; then ok; else bad "wrong checksum"; fi

serve --corrupt
rm -rf "$tmp/b"
if ! "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "not the official file; nothing kept" "$tmp/out" &&
   [ "$(wc -l < "$tmp/out")" -eq 1 ] && nothing_left "$tmp/b"; then
	ok; else bad "corrupt server"; fi

# a connection dropped part way: resumed with a range request
serve --drop 100000
rm -rf "$tmp/b"
if "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "at 100000 bytes; resuming (attempt 2 of 5)" "$tmp/out" &&
   cmp -s "$tmp/b/blob.bin" "$tmp/srv/blob.bin" &&
   [ "$(ls -A "$tmp/b")" = blob.bin ]; then ok; else bad "resume"; fi

# the same, from a server that ignores ranges: started again
serve --drop 100000 --no-range
rm -rf "$tmp/b"
if "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "retrying (attempt 3 of 5)" "$tmp/out" &&
   cmp -s "$tmp/b/blob.bin" "$tmp/srv/blob.bin"; then
	ok; else bad "no ranges"; fi

# at a terminal (script(1) gives one) a progress line is redrawn in place;
# into a file or pipe, only plain lines
if command -v script > /dev/null; then
	rm -rf "$tmp/b"
	if script -qec "'$nnsh' -e 'fetch $url/blob.bin sha256=$sum dir=$tmp/b'" \
		/dev/null > "$tmp/out" 2>&1 < /dev/null &&
	   grep -q "$(printf '\r')  blob.bin " "$tmp/out" &&
	   grep -q "300000 bytes, SHA-256 ok" "$tmp/out"; then
		ok; else bad "progress at a terminal"; fi
else
	echo "fetch.sh: no script(1): the progress bar is not checked"
fi
if "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/c" > "$tmp/out" 2>&1 &&
   ! grep -q "$(printf '\r')" "$tmp/out"; then ok; else bad "plain lines"; fi

# a file the server does not have
rm -rf "$tmp/b"
if ! "$nnsh" -e "fetch $url/none.bin sha256=$sum dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "returned error: 404" "$tmp/out" && nothing_left "$tmp/b"; then
	ok; else bad "404"; fi

# a server that is down: one clear line, quickly
kill $pid; wait $pid 2>/dev/null; pid=""
rm -rf "$tmp/b"
if ! timeout 20 "$nnsh" -e "fetch $url/blob.bin sha256=$sum dir=$tmp/b" > "$tmp/out" 2>&1 &&
   grep -q "Couldn't connect to server" "$tmp/out" &&
   [ "$(wc -l < "$tmp/out")" -eq 1 ] && nothing_left "$tmp/b"; then
	ok; else bad "server down"; fi
if ! NNSH_MIRROR=$url "$nnsh" -e "fetch mnist" > "$tmp/out" 2>&1 &&
   grep -q "fetch: $url/mnist/train-images-idx3-ubyte.gz: .*connect" "$tmp/out" &&
   nothing_left "$tmp/cache/nnsh/mnist"; then
	ok; else bad "mirror down"; fi

# a whole dataset through a mirror, into the cache that load reads
fm=/usr/share/datasets/fashion-mnist
if [ -f $fm/train-images-idx3-ubyte.gz ] && [ -f $fm/t10k-labels-idx1-ubyte.gz ]; then
	ln -s $fm "$tmp/srv/fashion-mnist"
	serve --drop 1000000
	if NNSH_MIRROR=$url/ "$nnsh" -e "fetch fashion-mnist" \
		-e "data f = load fashion-mnist" -e "info f.test" > "$tmp/out" 2>&1 &&
	   [ "$(grep -c "SHA-256 ok" "$tmp/out")" -eq 4 ] &&
	   grep -q "10000 samples\|10,000 samples" "$tmp/out" &&
	   [ "$(ls "$tmp/cache/nnsh/fashion-mnist" | wc -l)" -eq 4 ] &&
	   cmp -s $fm/train-images-idx3-ubyte.gz \
		"$tmp/cache/nnsh/fashion-mnist/train-images-idx3-ubyte.gz"; then
		ok; else bad "fashion-mnist through a mirror"; fi
else
	echo "fetch.sh: no Fashion-MNIST in $fm (apt-get install dataset-fashion-mnist): the whole-dataset case is not run"
fi

echo "fetch.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
