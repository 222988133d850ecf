/* acctdp.h - a container's counting filters: cls_bpf on its host veth's
 * clsact ingress (what it sends) and egress (what it receives), ahead of
 * every other filter, over its own counters map and the agent's class trie. */
#ifndef NIS_ISOLATOR_ACCTDP_H
#define NIS_ISOLATOR_ACCTDP_H

#include "isolator/datapath.h"

/* Counting from zero on ifindex (its clsact qdisc is made if missing):
 * new counters, both filters added or replaced. Fills ct->acct_*. */
int iso_acct_dp_attach(struct iso_dp *dp, struct iso_dp_ct *ct, int ifindex,
		       struct nis_err *err);
/* After an agent restart: the counters the filters already hold are kept
 * (their programs are reloaded over the new trie, replaced in place so no
 * packet goes uncounted); without them, counting starts from zero. */
int iso_acct_dp_resume(struct iso_dp *dp, struct iso_dp_ct *ct, struct nis_err *err);
/* Closes the agent's handle on the counters (the filters keep them). */
void iso_acct_dp_release(struct iso_dp_ct *ct);

#endif
