# SPDX-License-Identifier: GPL-2.0
#
# Groups kunit_<mode>_...: kpart_kunit.ko's suites (the list
# the host read from kunit/*.rs, /kpart/kunit-suites), once for each load of
# kpart in /kpart/kunit-loads. kpart_kunit gets the load's parameters too, to
# check that kpart runs as loaded and to compare random mode with the
# kernel's hash_64() under the same seed.

KUNIT_SEED=0x6b70617274a5eed1

# kpart's debugfs state names the mode, partitions, accounted matrix and
# retention of the load.
state_is() {
	grep -qx "mode	$1" /sys/kernel/debug/kpart/state &&
		grep -qx "partitions	$2" /sys/kernel/debug/kpart/state &&
		grep -qx "accounted	$3" /sys/kernel/debug/kpart/state &&
		grep -qx "retain	$4" /sys/kernel/debug/kpart/state ||
		{ cat /sys/kernel/debug/kpart/state; return 1; }
}

grep -v '^#' /kpart/kunit-loads >/tmp/kunit-loads
while read -r group mode partitions accounted retain <&3; do
	[ -n "$group" ] || continue
	args="mode=$mode partitions=$partitions accounted=$accounted retain=$retain seed=$KUNIT_SEED"
	ktap_group $group
	check loads insmod $KO $args
	check runs_as_loaded state_is $mode $partitions $accounted $retain
	if insmod /kpart/kpart_kunit.ko $args 2>$KTAP_DIR/out; then
		while read -r suite; do
			ktap_kunit_suite "$suite"
		done </kpart/kunit-suites
		rmmod kpart_kunit
	else
		ktap_result "not ok" load_kpart_kunit $KTAP_DIR/out
	fi
	check unloads rmmod kpart
	ktap_group_end
done 3</tmp/kunit-loads
