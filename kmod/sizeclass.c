// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes.  The code is shared with libarenalloc and lives in
 * common/; this file builds it into the module, as mm/percpu.c builds in
 * its backends.
 */
#include "../common/sizeclass.c"
