// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel structs that Rust users of kpart allocate through bindgen's
 * bindings::<name>. scripts/gen-kernel-types.sh compiles this file to
 * assembly with the kernel's flags and -falloc-token-max=64 and turns each
 * token Clang computes into a line of rust/kernel_types.rs: the C name, the
 * pointer flag (token >= 32), and the token itself, which the Rust side
 * asserts at compile time. Not part of any module.
 */
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kobject.h>
#include <linux/mm_types.h>
#include <linux/msg.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/timer.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#define KPART_TYPE(t)							\
({									\
	asm volatile("\n.ascii \"->KPART_TYPE " #t " %0\""		\
		     : : "i" (__builtin_infer_alloc_token(sizeof(struct t))));	\
})

static void __used kpart_kernel_types(void)
{
	KPART_TYPE(completion);
	KPART_TYPE(cred);
	KPART_TYPE(dentry);
	KPART_TYPE(file);
	KPART_TYPE(hrtimer);
	KPART_TYPE(inode);
	KPART_TYPE(kobject);
	KPART_TYPE(list_head);
	KPART_TYPE(mm_struct);
	KPART_TYPE(msg_msg);
	KPART_TYPE(mutex);
	KPART_TYPE(net_device);
	KPART_TYPE(path);
	KPART_TYPE(qstr);
	KPART_TYPE(sk_buff);
	KPART_TYPE(sock);
	KPART_TYPE(socket);
	KPART_TYPE(super_block);
	KPART_TYPE(task_struct);
	KPART_TYPE(timer_list);
	KPART_TYPE(vm_area_struct);
	KPART_TYPE(wait_queue_head);
	KPART_TYPE(work_struct);
}
