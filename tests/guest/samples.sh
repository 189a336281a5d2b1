# SPDX-License-Identifier: GPL-2.0
#
# Group kpart_samples: the C and the Rust sample (samples/) load on kpart in
# typed mode (16 partitions) and report where their objects went: the
# pointer-holding session in the top half, the same partition from C and
# from Rust; the pointer-free counters in the bottom half, accounted from C.

# sample_output MODULE: load kpart and MODULE, print what MODULE logged.
sample_output() {
	insmod $KO mode=typed partitions=16 || return 1
	kmsg_mark "sample $1"
	if ! insmod /kpart/$1.ko; then
		rmmod kpart
		return 1
	fi
	# (The C sample's lines have no prefix, the Rust sample's its name.)
	kmsg_since "sample $1" | sed "s/^\[[^]]*\] //; s/^$1: //" >/tmp/$1.out
	rmmod $1 && rmmod kpart
}

# partition_of FILE WHAT CLASS [accounted]: the partition FILE reports for
# WHAT in the CLASS-byte class (and the accounted matrix), or nothing.
partition_of() {
	sed -n "s/^$2: partition \([0-9]*\), $3-byte class${4:+, accounted}\( (token [0-9]*)\)\{0,1\}\$/\1/p" "$1"
}

samples_report_their_partitions() {
	status=0
	sample_output kpart_sample_c || return 1
	sample_output kpart_sample_rust || return 1
	cat /tmp/kpart_sample_c.out /tmp/kpart_sample_rust.out
	c_session=$(partition_of /tmp/kpart_sample_c.out 'struct sample_session' 16)
	c_counters=$(partition_of /tmp/kpart_sample_c.out 'struct sample_counters' 64 accounted)
	c_string=$(partition_of /tmp/kpart_sample_c.out 'a string' 16)
	rust_session=$(partition_of /tmp/kpart_sample_rust.out sample_session 16)
	rust_words=$(partition_of /tmp/kpart_sample_rust.out '\[u32; 16\]' 64)
	for v in c_session c_counters c_string rust_session rust_words; do
		eval "[ -n \"\$$v\" ]" || { echo "no line for $v"; status=1; }
	done
	[ $status = 0 ] || return 1
	[ "$c_session" -ge 8 ] || { echo "C session in the bottom half"; status=1; }
	[ "$c_session" = "$rust_session" ] ||
		{ echo "sample_session: partition $c_session from C, $rust_session from Rust"; status=1; }
	[ "$c_counters" -lt 8 ] || { echo "C counters in the top half"; status=1; }
	[ "$rust_words" -lt 8 ] || { echo "Rust [u32; 16] in the top half"; status=1; }
	[ "$c_string" -lt 8 ] || { echo "C string in the top half"; status=1; }
	return $status
}

ktap_group kpart_samples
check samples_report_their_partitions samples_report_their_partitions
ktap_group_end
