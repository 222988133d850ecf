/* probe.c - feature probing in a namespace that exists only for the
 * probing thread: when it exits, the namespace and all it held vanish. */
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/pkt_sched.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "tc/link.h"
#include "tc/nl.h"
#include "tc/probe.h"
#include "tc/qdisc.h"
#include "tc/u32.h"

struct probe_job {
	struct tc_features *f;
	struct nis_err *err;
	int rc;
};

static void probe_here(struct nl_sock *sk, int lo, struct tc_features *f)
{
	struct tc_u32_rule r = { .parent = TC_INGRESS, .prio = 1, .protocol = ETH_P_IP,
				 .act = TC_U32_REDIRECT, .target = lo };
	struct tc_limit l = { .rate = 125000 };
	struct tc_fq_codel q;

	tc_fq_codel_tune(125000, 0, &q);
	f->fq_codel = !tc_fq_codel_add(sk, lo, TC_H_ROOT, 0x00010000, &q, false, NULL);
	tc_qdisc_delete(sk, lo, TC_H_ROOT, NULL);
	f->tbf = !tc_tbf_leaf_add(sk, lo, TC_H_ROOT, 0x00010000, 125000, false, NULL);
	tc_qdisc_delete(sk, lo, TC_H_ROOT, NULL);
	f->htb = !tc_limit_add(sk, lo, &l, NULL);
	tc_qdisc_delete(sk, lo, TC_H_ROOT, NULL);
	if (!(f->ingress = !tc_qdisc_ingress_add(sk, lo, false, NULL)))
		return;
	f->mirred = !tc_u32_add(sk, lo, &r, NULL);
	r.act = TC_U32_NONE;
	r.prio = 2;
	f->u32 = f->mirred || !tc_u32_add(sk, lo, &r, NULL);
	f->cls_bpf = !tc_drop_add(sk, lo, TC_INGRESS, 3, NULL);
	tc_qdisc_delete(sk, lo, TC_H_INGRESS, NULL);
}

static void *probe_thread(void *arg)
{
	struct probe_job *job = arg;
	struct nl_sock *sk;
	int lo;

	if (unshare(CLONE_NEWNET)) {
		job->rc = nis_err_set(job->err, -errno, "cannot create a probe namespace: %s",
				      strerror(errno));
		return NULL;
	}
	if ((job->rc = tc_nl_open(&sk, job->err)))
		return NULL;
	if (!(job->rc = tc_link_ifindex(sk, "lo", &lo, job->err)) &&
	    !(job->rc = tc_link_set(sk, lo, NULL, 0, 1, job->err)))
		probe_here(sk, lo, job->f);
	tc_nl_close(sk);
	return NULL;
}

int tc_probe(struct tc_features *out, struct nis_err *err)
{
	struct probe_job job = { out, err, 0 };
	pthread_t t;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = pthread_create(&t, NULL, probe_thread, &job)))
		return nis_err_set(err, -rc, "cannot start the probe thread");
	pthread_join(t, NULL);
	return job.rc;
}

const char *tc_features_missing(const struct tc_features *f)
{
	if (!f->ingress)
		return "ingress qdisc";
	if (!f->u32)
		return "u32 classifier";
	if (!f->mirred)
		return "mirred action";
	if (!f->cls_bpf)
		return "bpf classifier";
	if (!f->htb)
		return "htb qdisc";
	return NULL;
}
