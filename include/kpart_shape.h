/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpart_shape.h - the signature table that shape mode loads
 *
 * In shape mode (mode=shape) kpart groups types by their layout, as XNU's
 * kalloc_type does: a type's signature has one digit per 8-byte granule of
 * the type, '0' padding, '1' pointer, '2' data, '3' pointer and data (members
 * that share a granule). Per size class the types are sorted by signature,
 * and a signature that is a prefix of the next one's joins its group. Each
 * load shuffles the groups of a size class across the caches that class gets
 * from the budget (shape_budget=).
 *
 * Clang's allocation token names a type but says nothing of its layout: the
 * layouts come from the types' debug information, which scripts/kpart-shape
 * reads from the modules about to use kpart and writes into this table.
 * kpart loads it at init with request_firmware() (shape_table=, a name
 * under the firmware search path) and refuses a table made for another
 * kernel. This header is the one definition of the format; the host tool
 * writes it, little-endian, and its tests check the two agree.
 *
 * Layout of the file:
 *
 *	struct kpart_shape_header
 *	struct kpart_shape_type types[header.types]	sorted by token
 *	char signatures[header.sig_bytes]		'0'..'3', no NUL
 */
#ifndef _KPART_SHAPE_H
#define _KPART_SHAPE_H

#include <linux/types.h>

#define KPART_SHAPE_MAGIC	"KPSHAPE1"
#define KPART_SHAPE_VERSION	1
/* The size classes of KPART_SIZE_CLASSES (kpart.h), 8 bytes to 8 KiB. */
#define KPART_SHAPE_CLASSES	13
/* The longest signature: 8 KiB in 8-byte granules. */
#define KPART_SHAPE_MAX_GRANULES	1024
/* The most types a table may hold. */
#define KPART_SHAPE_MAX_TYPES	65536

struct kpart_shape_header {
	char magic[8];			/* KPART_SHAPE_MAGIC, no NUL */
	__le32 version;			/* KPART_SHAPE_VERSION */
	__le32 types;			/* entries after the header */
	__le32 sig_bytes;		/* bytes of signatures after them */
	__le32 groups[KPART_SHAPE_CLASSES];	/* signature groups per class */
	char release[68];		/* the kernel's utsname release, NUL-padded */
	char build[68];			/* and its utsname version, NUL-padded */
};

struct kpart_shape_type {
	__le64 token;		/* Clang's token with -falloc-token-max=2^63 */
	__le32 size;		/* sizeof the type, 1..8192 */
	__le32 sig_offset;	/* its signature in the signature bytes */
	__le16 sig_len;		/* granules: DIV_ROUND_UP(size, 8) */
	__le16 group;		/* its group in its class: 0..groups[class]-1 */
	u8 class;		/* the size class of size */
	u8 flags;		/* KPART_SHAPE_* below */
	__le16 reserved;	/* zero */
};

/* The type is itself a pointer: arrays of it are arrays of pointers. */
#define KPART_SHAPE_POINTER	0x01

#endif /* _KPART_SHAPE_H */
