/* acctdp.c - attaching and re-finding a container's counting filters. */
#include <errno.h>
#include <unistd.h>

#include "common/log.h"
#include "isolator/acctdp.h"
#include "tc/bpf.h"
#include "tc/qdisc.h"

static const uint32_t hook[2] = { TC_CLSACT_EGRESS, TC_CLSACT_INGRESS };	/* RX, TX */

/* Both programs over counters, attached (replace: in place of old ones). */
static int attach_progs(struct iso_dp *dp, int ifindex, int counters, struct nis_err *err)
{
	for (int dir = TC_ACCT_RX; dir <= TC_ACCT_TX; dir++) {
		int prog = tc_acct_prog_load(dp->acct_trie, counters, (enum tc_acct_dir)dir, err);
		int rc;

		if (prog < 0)
			return prog;
		rc = tc_acct_attach(dp->sk, ifindex, hook[dir], DP_PRIO_ACCT, prog, true, err);
		close(prog);
		if (rc)
			return rc;
	}
	return 0;
}

static void set_counters(struct iso_dp_ct *ct, int fd, uint32_t map_id, int ifindex)
{
	iso_acct_dp_release(ct);
	ct->acct_fd = fd;
	ct->acct_map_id = map_id;
	ct->acct_ifindex = ifindex;
}

int iso_acct_dp_attach(struct iso_dp *dp, struct iso_dp_ct *ct, int ifindex,
		       struct nis_err *err)
{
	uint32_t id;
	int fd, rc;

	if (dp->acct_trie < 0)
		return 0;
	if ((rc = tc_qdisc_clsact_add(dp->sk, ifindex, true, err)))
		return rc;
	if ((fd = tc_acct_counters_create(err)) < 0)
		return fd;
	if ((rc = tc_acct_map_id(fd, &id, err)) ||
	    (rc = attach_progs(dp, ifindex, fd, err))) {
		close(fd);
		return rc;
	}
	set_counters(ct, fd, id, ifindex);
	return 0;
}

int iso_acct_dp_resume(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err)
{
	uint32_t id;
	int fd, rc;

	if (dp->acct_trie < 0)
		return 0;
	fd = tc_acct_find_counters(dp->sk, ct->veth_ifindex, TC_CLSACT_INGRESS, DP_PRIO_ACCT,
				   &id, err);
	if (fd == -ENOENT) {
		log_msg(LOG_WARN, "%s: no counting filter on %s; counting from zero",
			ct->netns, ct->veth);
		return iso_acct_dp_attach(dp, ct, ct->veth_ifindex, err);
	}
	if (fd < 0)
		return fd;
	if ((rc = attach_progs(dp, ct->veth_ifindex, fd, err))) {
		close(fd);
		return rc;
	}
	set_counters(ct, fd, id, ct->veth_ifindex);
	return 0;
}

void iso_acct_dp_release(struct iso_dp_ct *ct)
{
	if (ct->acct_fd >= 0)
		close(ct->acct_fd);
	ct->acct_fd = -1;
}
