// SPDX-License-Identifier: GPL-2.0
/*
 * Every struct of the kernel's Rust bindings (bindings::<name>), for
 * scripts/gen/kernel-types.sh: it includes the header bindgen read,
 * rust/bindings/bindings_helper.h, and the list the script writes from
 * bindgen's output (kernel_types_list.h: KPART_TYPE(name, C type) per
 * struct, as `struct name` or, for a typedef of an anonymous struct, `name`),
 * then compiles this file to assembly with the kernel's flags and kpart's
 * -falloc-token-max=2^63. Each token Clang computes becomes a line of
 * rust/kernel_types.rs: the C name, the pointer flag (token >= 2^62), and
 * the token itself, which the Rust side asserts at compile time. Not part of
 * any module.
 */
#include <../rust/bindings/bindings_helper.h>
/* Structs bindgen declares opaque that Rust users name all the same. */
#include <linux/msg.h>
#include <linux/netdevice.h>
#include <net/sock.h>

#define KPART_TYPE(name, type)						\
({									\
	asm volatile("\n.ascii \"->KPART_TYPE " #name " %0\""		\
		     : : "i" (__builtin_infer_alloc_token(sizeof(type))));	\
})

static void __used kpart_kernel_types(void)
{
#include "kernel_types_list.h"
}
