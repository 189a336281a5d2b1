# SPDX-License-Identifier: GPL-2.0
#
# Groups kunit_typed and kunit_random: kpart_kunit.ko's suites, with kpart
# loaded in each mode.

for mode in typed random; do
	ktap_group kunit_$mode
	if insmod $KO mode=$mode && insmod /kpart/kpart_kunit.ko; then
		for s in /sys/kernel/debug/kunit/kpart_*; do
			ktap_kunit_suite "${s##*/}"
		done
		rmmod kpart_kunit
	else
		echo "could not load kpart ($mode) and kpart_kunit" >$KTAP_DIR/out
		ktap_result "not ok" load_modules $KTAP_DIR/out
	fi
	rmmod kpart 2>/dev/null
	ktap_group_end
done

