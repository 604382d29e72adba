# testdata.sh - sourced by the test scripts: where MNIST's official test
# set is, if anywhere. Sets
#   official  a directory laid out as ../shared/data/mnist (t10k-* and
#             train10k-* IDX files), or "" when there is none
#   why       when official is "", one line saying why
#   digits    the bundled digits (data/train10k-*), always present
# NNSH_TEST_DATA=DIR names the directory; NNSH_TEST_DATA=none pretends
# there is none (what a fresh clone sees; .ci/run runs the tests so once);
# unset, shared/data/mnist beside the source tree is used when present.
digits=$(cd "$here/../data" && pwd)
official=""
why=""
case ${NNSH_TEST_DATA-} in
none)
	why="NNSH_TEST_DATA=none hides the official MNIST test set" ;;
"")
	official=$(cd "$here/../.." && pwd)/shared/data/mnist
	why="no official MNIST test set (no $official; set" ;;
*)
	official=$NNSH_TEST_DATA
	why="NNSH_TEST_DATA=$official holds no t10k-* files (set" ;;
esac
if [ -n "$official" ] && { [ ! -r "$official/t10k-images-idx3-ubyte.gz" ] ||
	[ ! -r "$official/t10k-labels-idx1-ubyte.gz" ]; }; then
	official=""
	why="$why NNSH_TEST_DATA=DIR to use one)"
fi
