// SPDX-License-Identifier: GPL-2.0
/* Host run of the shared size-class cases (common/tests/sizeclass_cases.h). */
#include "tap.h"

#include "../../common/tests/sizeclass_cases.h"

int main(void)
{
	return tap_run(ac_sizeclass_cases);
}
