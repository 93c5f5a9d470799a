/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arenalloc: in-kernel interface for other modules.
 *
 * Symbols are exported in the ARENALLOC namespace; a client module says
 * MODULE_IMPORT_NS(ARENALLOC) and gains a symbol dependency on arenalloc.ko,
 * which keeps arenalloc loaded while the client is.
 *
 * Only what the module implements is declared here: the allocation API
 * (arenalloc_malloc() and friends) joins this header together with its
 * implementation.
 */
#ifndef _LINUX_ARENALLOC_H
#define _LINUX_ARENALLOC_H

#include <uapi/linux/arenalloc.h>

#endif /* _LINUX_ARENALLOC_H */
