#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Every guest-side kpart test, as one KTAP document on the console, and the
# files the host checks (kpart_export). Each group is a file of its own.
. /kpart/lib.sh
. /kpart/ktap.sh

KO=/kpart/kpart.ko

kpart_caches() {
	grep -o '^kpart-[^ ]*' /proc/slabinfo
}

for group in module kunit workload reliability security samples wrapped; do
	. /kpart/$group.sh
done

ktap_emit
exit ${KTAP_FAILED:-0}
