/* clock.h - the monotonic clock in seconds, for rates and intervals. */
#ifndef NIS_COMMON_CLOCK_H
#define NIS_COMMON_CLOCK_H

#include <time.h>

static inline double nis_mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
