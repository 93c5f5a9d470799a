// SPDX-License-Identifier: GPL-2.0
/* Host run of the shared decay cases (common/tests/decay_cases.h). */
#include "tap.h"

#include "../../common/tests/decay_cases.h"

int main(void)
{
	return tap_run(ac_decay_cases);
}
