// SPDX-License-Identifier: GPL-2.0
/*
 * Decay bookkeeping.  The code is shared with libarenalloc and lives in
 * common/; this file builds it into the module (see kmod/sizeclass.c).
 */
#include "../common/decay.c"
