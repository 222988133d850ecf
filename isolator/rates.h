/* rates.h - Mesos' net_rate_statistics: a container's rates (bytes,
 * packets, drops, errors per second, each way) sampled every
 * --network_rate_statistics_interval from its own eth0 and kept for
 * --network_rate_statistics_window, summarised as percentiles the way
 * libprocess' Statistics does (at least two samples; linear interpolation
 * between the closest ranks). Pure: the caller brings time and counters. */
#ifndef NIS_ISOLATOR_RATES_H
#define NIS_ISOLATOR_RATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The eight series, in RateStatistics' order. */
enum iso_rate_kind {
	ISO_RX_RATE, ISO_RX_PACKET_RATE, ISO_RX_DROP_RATE, ISO_RX_ERROR_RATE,
	ISO_TX_RATE, ISO_TX_PACKET_RATE, ISO_TX_DROP_RATE, ISO_TX_ERROR_RATE,
	ISO_RATE_KINDS
};

struct iso_pct {
	bool set;		/* fewer than two samples: no summary */
	uint64_t min, max, p50, p90, p95, p99, p999, p9999, samples;
};

struct iso_rates {
	size_t cap, n, head;	/* a ring of the last cap rates */
	double *t;		/* when each was taken */
	uint64_t (*v)[ISO_RATE_KINDS];
	bool primed;		/* prev holds a sample */
	double prev_t;
	uint64_t prev[ISO_RATE_KINDS];	/* counters, same order */
};

/* cap: window / interval (at least 3, as libprocess' TimeSeries). */
int iso_rates_init(struct iso_rates *r, size_t cap);
void iso_rates_free(struct iso_rates *r);

/* Counters at time t (seconds): the rates since the last call join the
 * series. A counter that went down (a reset) gives no rate. */
void iso_rates_sample(struct iso_rates *r, double t, const uint64_t c[ISO_RATE_KINDS]);

/* The summary of each series over (now - window, now]; a window with a
 * single sample keeps it, as TimeSeries does. */
void iso_rates_summary(const struct iso_rates *r, double now, double window,
		       struct iso_pct out[ISO_RATE_KINDS]);

#endif
