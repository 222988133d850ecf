/* pass.c - one collection pass: each meter's counters read from its map,
 * deltas against what was counted so far (a counter that went backwards
 * restarted from zero), the rows of every class that moved written to the
 * store in one transaction, and only after the commit counted as counted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acct/pass.h"
#include "acct/state.h"
#include "common/log.h"
#include "tc/bpf.h"

_Static_assert(ACCT_CLASSES == TC_ACCT_CLASSES, "one class index space");

/* The counters of m's map now: the one the agent holds, which still reads
 * after its veth is gone; or those a held meter of the last run kept. */
int acct_pass_read_raw(struct acct_meter *m, struct acct_counts raw[ACCT_CLASSES],
		       struct nis_err *err)
{
	struct tc_acct_count k[2][TC_ACCT_CLASSES];
	int rc;

	if (m->frozen) {
		memcpy(raw, m->frozen, ACCT_CLASSES * sizeof(*raw));
		return 0;
	}
	if ((rc = tc_acct_counters_read(m->fd, k, err)))
		return rc;
	for (int ci = 0; ci < ACCT_CLASSES; ci++)
		raw[ci] = (struct acct_counts){ k[TC_ACCT_RX][ci].bytes, k[TC_ACCT_TX][ci].bytes,
						k[TC_ACCT_RX][ci].packets,
						k[TC_ACCT_TX][ci].packets };
	return 0;
}

/* One direction: a counter that went backwards restarted from zero. */
static void delta1(uint64_t last_b, uint64_t last_p, uint64_t raw_b, uint64_t raw_p,
		   uint64_t *d_b, uint64_t *d_p)
{
	bool reset = raw_b < last_b || raw_p < last_p;

	*d_b = reset ? raw_b : raw_b - last_b;
	*d_p = reset ? raw_p : raw_p - last_p;
}

static bool counts_eq(const struct acct_counts *x, const struct acct_counts *y)
{
	return !memcmp(x, y, sizeof(*x));
}

/* ---- passes ---- */

struct pass {
	struct acct_row *rows;
	struct acct_meter **row_of;
	size_t n, cap;
	int64_t *cks;
	struct acct_source *srcs;
	struct acct_meter **src_of;
	size_t nsrc;
};

static int pass_init(struct pass *p, size_t nmeters, struct nis_err *err)
{
	memset(p, 0, sizeof(*p));
	p->cks = calloc(nmeters + 1, sizeof(*p->cks));
	p->srcs = calloc(nmeters + 1, sizeof(*p->srcs));
	p->src_of = calloc(nmeters + 1, sizeof(*p->src_of));
	if (!p->cks || !p->srcs || !p->src_of)
		return nis_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

static void pass_free(struct pass *p)
{
	free(p->rows);
	free(p->row_of);
	free(p->cks);
	free(p->srcs);
	free(p->src_of);
}

static int push_row(struct pass *p, struct acct_meter *m, const struct acct_row *r)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct acct_row *rows = realloc(p->rows, cap * sizeof(*rows));
		struct acct_meter **of;

		if (!rows)
			return -ENOMEM;
		p->rows = rows;
		if (!(of = realloc(p->row_of, cap * sizeof(*of))))
			return -ENOMEM;
		p->row_of = of;
		p->cap = cap;
	}
	p->row_of[p->n] = m;
	p->rows[p->n++] = *r;
	return 0;
}

/* m's rows (classes whose counters moved) and source into p. When its
 * veth was re-created, the old map's last counts are still counted and
 * the rows record zero as counted so far: the new map starts there. */
static int add_meter(struct acct *a, struct pass *p, struct acct_meter *m,
		     struct nis_err *err)
{
	struct acct_counts raw[ACCT_CLASSES];
	int rc, moved;

	if ((rc = acct_pass_read_raw(m, raw, err)) || (moved = acct_meter_follow(m, err)) < 0)
		return rc ? rc : moved;
	for (unsigned int ci = 0; ci < ACCT_CLASSES; ci++) {
		const struct acct_counts *l = &m->last[ci];
		struct acct_row r = { m->ck, ci, { 0, 0, 0, 0 }, raw[ci] };

		if (counts_eq(l, &raw[ci]))
			continue;
		delta1(l->rx_bytes, l->rx_packets, raw[ci].rx_bytes, raw[ci].rx_packets,
		       &r.delta.rx_bytes, &r.delta.rx_packets);
		delta1(l->tx_bytes, l->tx_packets, raw[ci].tx_bytes, raw[ci].tx_packets,
		       &r.delta.tx_bytes, &r.delta.tx_packets);
		if (moved)
			memset(&r.raw, 0, sizeof(r.raw));
		if (push_row(p, m, &r))
			return nis_err_set(err, -ENOMEM, "out of memory");
	}
	if (moved)
		memset(m->last, 0, sizeof(m->last));
	p->cks[p->nsrc] = m->ck;
	p->srcs[p->nsrc] = (struct acct_source){ "", m->ifindex, m->map_id, m->reset };
	memcpy(p->srcs[p->nsrc].boot_id, a->boot_id, sizeof(a->boot_id));
	p->src_of[p->nsrc++] = m;
	return 0;
}

/* After the commit: what was written is now counted. */
static void pass_apply(struct pass *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct acct_meter *t = p->row_of[i];
		const struct acct_row *r = &p->rows[i];

		t->last[r->ci] = r->raw;
		t->total[r->ci].rx_bytes += r->delta.rx_bytes;
		t->total[r->ci].tx_bytes += r->delta.tx_bytes;
		t->total[r->ci].rx_packets += r->delta.rx_packets;
		t->total[r->ci].tx_packets += r->delta.tx_packets;
	}
	for (size_t i = 0; i < p->nsrc; i++)
		p->src_of[i]->reset = p->src_of[i]->unsaved = false;
}

int acct_pass_run(struct acct *a, struct acct_meter **ms, size_t n, time_t now,
		  struct nis_err *err)
{
	struct nis_err e1 = { "" };
	struct pass p;
	int rc;

	if ((rc = pass_init(&p, n, err)))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (ms[i]->ck && add_meter(a, &p, ms[i], &e1))
			log_msg(LOG_WARN, "accounting: %s", e1.msg);
	if (!(rc = acct_store_pass(a->store, now, p.rows, p.n, p.cks, p.srcs, p.nsrc, err)))
		pass_apply(&p);
out:
	pass_free(&p);
	return rc;
}

