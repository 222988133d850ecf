/* thread.h - the one way the agent's worker threads are stopped. */
#ifndef NIS_COMMON_THREAD_H
#define NIS_COMMON_THREAD_H

#include <pthread.h>
#include <stdbool.h>

/* Sets *stop under mu, wakes the worker waiting on cv and joins t. */
void nis_thread_stop(pthread_t t, pthread_mutex_t *mu, pthread_cond_t *cv, bool *stop);

#endif
