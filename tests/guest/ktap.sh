# SPDX-License-Identifier: GPL-2.0
#
# KTAP output from guest shell scripts (busybox sh), for kunit.py parse.
#
# A document holds groups; a group holds checks and KUnit suites:
#
#	ktap_group kpart_module
#	check "loads" insmod /kpart/kpart.ko
#	ktap_kunit_suite kpart_matrix      # /sys/kernel/debug/kunit/kpart_matrix/results
#	ktap_group_end
#	ktap_emit                          # the document, between markers, on stdout

KTAP_DIR=/tmp/ktap
mkdir -p $KTAP_DIR
: >$KTAP_DIR/doc
KTAP_GROUPS=0

ktap_group() {
	KTAP_GROUP=$1
	KTAP_ITEMS=0
	KTAP_GROUP_FAILED=0
	KTAP_GROUP_START=$(ktap_uptime)
	: >$KTAP_DIR/group
}

# ktap_result "ok"|"not ok" NAME [DIAGNOSTIC_FILE]
ktap_result() {
	KTAP_ITEMS=$((KTAP_ITEMS + 1))
	[ "$1" = ok ] || KTAP_GROUP_FAILED=1
	echo "    $1 $KTAP_ITEMS $2" >>$KTAP_DIR/group
	if [ "$1" != ok ] && [ -n "${3:-}" ] && [ -s "$3" ]; then
		head -n 20 "$3" | sed 's/^/    # /' >>$KTAP_DIR/group
	fi
}

# Seconds since boot, to a hundredth.
ktap_uptime() {
	read -r _up _idle </proc/uptime
	echo "$_up"
}

# check NAME COMMAND...: ok when COMMAND succeeds; its output is the diagnostic.
# The console gets the result and the check's duration.
check() {
	_ktap_name=$1
	shift
	_ktap_start=$(ktap_uptime)
	if "$@" >$KTAP_DIR/out 2>&1; then
		_ktap_status=ok
		ktap_result ok "$_ktap_name"
	else
		_ktap_status="not ok"
		ktap_result "not ok" "$_ktap_name" $KTAP_DIR/out
	fi
	echo "kpart-test: $KTAP_GROUP: $_ktap_name: $_ktap_status," \
		"$(echo "$_ktap_start $(ktap_uptime)" | awk '{ printf "%.1f", $2 - $1 }') s"
}

# ktap_kunit_suite SUITE: the results KUnit keeps in debugfs, as a subtest.
ktap_kunit_suite() {
	echo "kpart-test: $KTAP_GROUP: $1"
	f=/sys/kernel/debug/kunit/$1/results
	if [ ! -r "$f" ]; then
		echo "no KUnit results for suite $1" >$KTAP_DIR/out
		ktap_result "not ok" "$1" $KTAP_DIR/out
		return
	fi
	cp "$f" $KTAP_DIR/suite
	KTAP_ITEMS=$((KTAP_ITEMS + 1))
	n=$(wc -l <$KTAP_DIR/suite)
	# Drop the document header (KTAP version, 1..1), renumber the suite's
	# own result line, and nest the whole suite one level deeper.
	sed -n "3,$((n - 1))p" $KTAP_DIR/suite | sed 's/^/    /' >>$KTAP_DIR/group
	last=$(tail -n 1 $KTAP_DIR/suite)
	case $last in
	"ok 1 "*) echo "    ok $KTAP_ITEMS ${last#ok 1 }" >>$KTAP_DIR/group ;;
	*)	KTAP_GROUP_FAILED=1
		echo "    not ok $KTAP_ITEMS ${last#not ok 1 }" >>$KTAP_DIR/group ;;
	esac
}

ktap_group_end() {
	KTAP_GROUPS=$((KTAP_GROUPS + 1))
	{
		echo "    KTAP version 1"
		echo "    # Subtest: $KTAP_GROUP"
		echo "    1..$KTAP_ITEMS"
		cat $KTAP_DIR/group
		if [ $KTAP_GROUP_FAILED = 0 ]; then
			echo "ok $KTAP_GROUPS $KTAP_GROUP"
		else
			echo "not ok $KTAP_GROUPS $KTAP_GROUP"
		fi
	} >>$KTAP_DIR/doc
	[ $KTAP_GROUP_FAILED = 0 ] || KTAP_FAILED=1
	# The group's time, KUnit suites included, for the host's summary.
	echo "kpart-time: $KTAP_GROUP" \
		"$(echo "$KTAP_GROUP_START $(ktap_uptime)" | awk '{ printf "%.1f", $2 - $1 }')"
}

ktap_emit() {
	echo "KPART-KTAP-BEGIN"
	echo "KTAP version 1"
	echo "1..$KTAP_GROUPS"
	cat $KTAP_DIR/doc
	echo "KPART-KTAP-END"
}
