/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make wrap's <net/netlink.h>: the kernel's, then kpart_wrap.h, which redefines
 * the allocating functions of the kernel's headers once they can go through
 * kpart (see there).
 */
#ifndef __KPART_WRAP_SHADOW_NET_NETLINK_H
#define __KPART_WRAP_SHADOW_NET_NETLINK_H
#include_next <net/netlink.h>
#define __KPART_WRAP_HAVE_NET_NETLINK_H
#include <kpart_wrap.h>
#endif
