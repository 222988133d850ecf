/* agent.h - the agent's state, shared by the isolator's own files only
 * (container.c: lifecycle, stats.c: snapshots). Not a public surface. */
#ifndef NIS_ISOLATOR_AGENT_H
#define NIS_ISOLATOR_AGENT_H

#include <pthread.h>

#include "isolator/checkpoint.h"
#include "isolator/container.h"
#include "isolator/datapath.h"
#include "isolator/reaper.h"
#include "portmap/alloc.h"

struct iso_agent {
	pthread_mutex_t lock;
	const struct iso_config *cfg;
	struct iso_dp dp;
	struct pm_alloc *eph;
	struct pm_set used_ports;
	struct iso_container *list;
	size_t count;
	char netns_dir[PATH_MAX];
	struct iso_ckpt *ckpt;
	struct acct *acct;		/* the agent's (agent/main.c), not ours */
	struct iso_reaper *reaper;	/* veths and netns handles of destroyed containers */
	struct iso_watch *watch;	/* puts tampered container-side shaping back */
};

struct iso_container {
	char id[ISO_ID_MAX + 1];
	struct iso_labels labels;
	struct pm_set ports;
	double created_at;
	struct iso_cpus cpus;		/* its cpus resource, for the per-cpu rates */
	struct iso_dp_ct dp;
	struct iso_container *next;
};

/* container.c: where id is in a->list (*result NULL: not there); the lock held. */
struct iso_container **iso_agent_find(struct iso_agent *a, const char *id);
/* container.c: the one log line of a container that is created or recovered. */
void iso_container_log(const struct iso_container *c, const char *what);

/* container.c: frees a registry entry and the agent's handles on it (the
 * kernel objects are left as they are). */
void iso_container_free(struct iso_container *c);

/* admit.c: checks before anything is touched (the caller holds a->lock).
 * The ports text parsed into out, against the agent's and those others
 * hold (own: the caller's); the egress rate clamped to the flags' bounds;
 * a create request, with its egress rate (*eg) and ports. */
int iso_admit_ports(struct iso_agent *a, const char *text, const struct pm_set *own,
		    struct pm_set *out, struct nis_err *err);
int iso_admit_egress(const struct iso_flags *f, struct iso_opt_u64 *rate, struct nis_err *err);
int iso_admit_ingress(const struct iso_flags *f, struct iso_opt_u64 *rate, struct nis_err *err);
/* cpus, when given: 0 to ISO_CPUS_MAX. */
int iso_admit_cpus(const struct iso_cpus *cpus, struct nis_err *err);
/* The agent's rate for a container that asks for none (before the clamp). */
struct iso_opt_u64 iso_admit_derived(const struct iso_config *cfg, bool egress,
				     const struct iso_cpus *cpus);
int iso_admit_create(struct iso_agent *a, const struct iso_create *req, struct iso_opt_u64 *eg,
		     struct iso_opt_u64 *in, struct pm_set *ports, struct nis_err *err);
/* The container that holds namespace ns, or NULL. */
const struct iso_container *iso_admit_ns_owner(const struct iso_agent *a,
					       const struct tc_netns_id *ns);
/* c->dp.netns (a runtime's) opened and checked, and no other container's. */
int iso_admit_adopt(struct iso_agent *a, struct iso_container *c, struct nis_err *err);
/* Chained mode: the address, MAC and host veth of req into c->dp, the
 * runtime's namespace opened, neither of them another container's, the
 * host veth checked (iso_chain_plan; the inside is checked at isolate). */
int iso_admit_chained(struct iso_agent *a, struct iso_container *c,
		      const struct iso_chain_req *req, struct nis_err *err);
/* Logs a burst that HTB cannot hold at its rate, with what it gets. */
void iso_admit_burst_note(const char *id, const char *dir, struct iso_opt_u64 burst,
			  struct iso_opt_u64 rate);

/* container.c: destroys the external containers whose namespace their
 * runtime removed or replaced (the watch, every few seconds). */
void iso_agent_sweep_gone(struct iso_agent *a);

/* recover.c: containers of the checkpoint back, the rest removed. */
int iso_agent_recover(struct iso_agent *a, struct nis_err *err);

/* container.c: the checkpoint row of a container in the given state. */
int iso_agent_checkpoint(struct iso_agent *a, const struct iso_container *c,
			 enum iso_state st, struct nis_err *err);

#endif
