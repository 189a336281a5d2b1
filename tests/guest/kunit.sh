# SPDX-License-Identifier: GPL-2.0
#
# Groups kunit_<mode>_...: kpart_kunit.ko's suites (the list
# the host read from kunit/*.rs, /kpart/kunit-suites), once for each load of
# kpart in /kpart/kunit-loads. kpart_kunit gets the load's parameters too, to
# check that kpart runs as loaded and to compare random mode with the
# kernel's hash_64() under the same seed.

KUNIT_SEED=0x6b70617274a5eed1

# kpart's debugfs state names the mode, partitions, accounted matrix and
# retention of the load: retain= as given and the slabs each cache keeps,
# a count for a budget (<n>M, <n>G, or "-": kpart's default, a budget).
state_is() {
	case $4 in
	-) state_retain='[1-9][0-9]*[MG]' state_slabs='[1-9][0-9]*' ;;
	*[MG]) state_retain=$4 state_slabs='[1-9][0-9]*' ;;
	*) state_retain=$4 state_slabs=$4 ;;
	esac
	grep -qx "mode	$1" /sys/kernel/debug/kpart/state &&
		grep -qx "partitions	$2" /sys/kernel/debug/kpart/state &&
		grep -qx "accounted	$3" /sys/kernel/debug/kpart/state &&
		grep -qx "retain	$state_retain" /sys/kernel/debug/kpart/state &&
		grep -qx "retain_slabs	$state_slabs" /sys/kernel/debug/kpart/state ||
		{ cat /sys/kernel/debug/kpart/state; return 1; }
}

grep -v '^#' /kpart/kunit-loads >/tmp/kunit-loads
# kunit's filter_glob, which picks the suites a module runs when it loads.
FILTER=/sys/module/kunit/parameters/filter_glob

while read -r group mode partitions accounted retain max_caches only <&3; do
	[ -n "$group" ] || continue
	# shape:<budget>: shape mode with that budget.
	budget=
	case $mode in shape:*) budget=${mode#shape:} mode=shape ;; esac
	args="mode=$mode partitions=$partitions accounted=$accounted seed=$KUNIT_SEED"
	[ -z "$budget" ] || args="$args shape_budget=$budget"
	[ "$retain" = - ] || args="$args retain=$retain"
	[ "$max_caches" = - ] || args="$args max_caches=$max_caches"
	if [ "$only" = "*" ]; then
		cp /kpart/kunit-suites /tmp/suites
	else
		echo "$only" >/tmp/suites
	fi
	ktap_group $group
	check loads insmod $KO $args
	check runs_as_loaded state_is $mode $partitions $accounted $retain
	check selects_suites sh -c "printf %s '$only' >$FILTER"
	if insmod /kpart/kpart_kunit.ko $args 2>$KTAP_DIR/out; then
		while read -r suite; do
			ktap_kunit_suite "$suite"
		done </tmp/suites
		rmmod kpart_kunit
	else
		ktap_result "not ok" load_kpart_kunit $KTAP_DIR/out
	fi
	check unloads rmmod kpart
	ktap_group_end
done 3</tmp/kunit-loads
printf %s '*' >$FILTER
