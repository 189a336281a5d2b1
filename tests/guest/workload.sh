# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_workload: kpart_workload.ko in each mode. The host checks the
# exported /proc/slabinfo copies (tests/host/check_live.py): histogram sums,
# the pointer split, the random spread, and the black-box prediction; and,
# in the random load counted with stats=1 (its allocations out of line, the
# others' in line), that debugfs counts them where the objects are.

# run_workload MODE [KPART_ARGS...]
run_workload() {
	mode=$1
	shift
	insmod $KO mode=${mode%2} partitions=16 "$@" || return 1
	cp /proc/slabinfo /tmp/slabinfo-before
	insmod /kpart/kpart_workload.ko || { rmmod kpart; return 1; }
	kpart_export slabinfo-$mode-before /tmp/slabinfo-before
	kpart_export slabinfo-$mode /proc/slabinfo
	kpart_export types-$mode /sys/kernel/debug/kpart_workload/types
	kpart_export partitions-$mode /sys/kernel/debug/kpart/partitions
	rmmod kpart_workload && rmmod kpart
}

ktap_group kpart_workload
check workload_typed run_workload typed
check workload_random run_workload random stats=1
# A second random load, to compare site->partition maps across loads.
check workload_random_reload run_workload random2
ktap_group_end
