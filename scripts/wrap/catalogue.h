/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Included by include/kpart_wrap.h right after kpart.h when scripts/kpart-sites
 * compiles a wrapped module's files again to LLVM IR (never to an object)
 * with -DKPART_WRAP_CATALOGUE="<this file>".
 *
 * Every allocation macro of kpart.h hands the caller's own arguments to
 * __builtin_infer_alloc_token(). Here that builtin becomes a call of a
 * malloc-like marker with the same arguments, in the same place: its result
 * goes to a function that takes a void pointer, so no cast of its own comes
 * between it and the expression the builtin was part of. Clang's alloc-token
 * instrumentation (-fsanitize=alloc-token) then attaches to the call what it
 * infers there, as it would for the builtin: the type's name and whether it
 * holds a pointer (!alloc_token metadata), from which the token follows. A
 * call without that metadata is a site whose type Clang could not infer: it
 * gets the fallback token. The line and function come from the call's debug
 * location.
 */
#ifndef _KPART_CATALOGUE_H
#define _KPART_CATALOGUE_H

void *__kpart_catalogue_site(unsigned long size, ...) __malloc __alloc_size(1);
unsigned long __kpart_catalogue_token(void *site);

#define __builtin_infer_alloc_token(...)				\
	__kpart_catalogue_token(__kpart_catalogue_site(__VA_ARGS__))

#endif /* _KPART_CATALOGUE_H */
