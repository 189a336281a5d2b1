// SPDX-License-Identifier: GPL-2.0
/*
 * Whether kpart's routing table can be written once kpart's init has
 * returned: its pages' table entries, and real writes that fault without
 * harm. The table is __ro_after_init, as the kernel's kmalloc_caches.
 */
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <asm/pgtable.h>
#include <kpart.h>

#include "c_allocations.h"

/*
 * Write the byte at @dst with its own value; 0 on success, -EFAULT when the
 * write faults. An exception-table entry catches the fault, as in
 * copy_to_kernel_nofault().
 */
static int rewrite_byte(u8 *dst)
{
	u8 value = READ_ONCE(*dst);

	pagefault_disable();
	__put_kernel_nofault(dst, &value, u8, fault);
	pagefault_enable();
	return 0;
fault:
	pagefault_enable();
	return -EFAULT;
}

/*
 * Every page of the table (its lanes span several): whether any is writable
 * and whether a write to any succeeds.
 */
int kpart_test_routes_writable(bool *page_writable, bool *write_succeeds)
{
	unsigned long start = (unsigned long)&kpart_routes;
	unsigned long end = start + sizeof(kpart_routes) - 1;
	unsigned long addr;
	unsigned int level;
	pte_t *pte;

	*page_writable = false;
	*write_succeeds = false;
	for (addr = start; addr <= end; addr = (addr & PAGE_MASK) + PAGE_SIZE) {
		pte = lookup_address(addr, &level);
		if (!pte || !pte_present(*pte))
			return -ENOENT;
		*page_writable |= pte_write(*pte);
		*write_succeeds |= !rewrite_byte((u8 *)addr);
	}
	return 0;
}

int kpart_test_ro_page(const void *p, bool *linear_map, bool *page_writable,
		       bool *write_succeeds)
{
	unsigned long addr = (unsigned long)p;
	unsigned int level;
	pte_t *pte;

	if (!p)
		return -ENOENT;
	/* Slab objects are in the linear map; kpart's read-only pages are not. */
	*linear_map = virt_addr_valid(p);
	pte = lookup_address(addr, &level);
	if (!pte || !pte_present(*pte))
		return -ENOENT;
	*page_writable = pte_write(*pte);
	*write_succeeds = !rewrite_byte((u8 *)addr);
	return 0;
}
