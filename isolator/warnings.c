/* warnings.c - degraded features for the agent-state endpoint: derived
 * from the resolved datapath, not from log lines, so they cannot drift. */
#include "acct/collector.h"
#include "isolator/agent.h"
#include "isolator/warnings.h"

static void add(const char **out, size_t max, size_t *n, const char *what)
{
	if (*n < max)
		out[(*n)++] = what;
}

size_t iso_agent_warnings(struct iso_agent *a, const char **out, size_t max)
{
	const struct iso_dp *dp = &a->dp;
	size_t n = 0;

	if (a->cfg->flags.bloat_reduction == ISO_BLOAT_AUTO && dp->leaf == TC_LEAF_TBF)
		add(out, max, &n, "fq_codel qdisc not available in this kernel: "
		    "--bloat_reduction=auto takes a bounded tbf leaf");
	else if (a->cfg->flags.bloat_reduction == ISO_BLOAT_AUTO && dp->leaf == TC_LEAF_NONE)
		add(out, max, &n, "neither fq_codel nor tbf in this kernel: "
		    "--bloat_reduction=auto degrades to none");
	if (!acct_enabled(a->acct)) {
		add(out, max, &n, "traffic accounting is off");
	} else if (dp->guard.owners < 0) {
		add(out, max, &n, "the guard cannot check source ports: the u32 tables "
		    "drop unowned ones");
	} else if (dp->guard.police < 0) {
		add(out, max, &n, "no host-side egress meter: egress caps are enforced "
		    "by the containers' own HTB only");
	}
	if (!dp->fast_on)
		add(out, max, &n, "no fast path: world -> container traffic takes the "
		    "host veth");
	return n;
}
