/* container.h - the agent: the registry of containers and the lifecycle
 * operations the API calls (create, update, destroy, list). One mutex
 * serialises changes; readers get copies (struct iso_record). */
#ifndef NIS_ISOLATOR_CONTAINER_H
#define NIS_ISOLATOR_CONTAINER_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "isolator/config.h"
#include "isolator/flags.h"
#include "portmap/ranges.h"
#include "tc/remap.h"

#define ISO_ID_MAX 64
#define ISO_LABEL_MAX 256

/* The labels Mesos puts next to every statistics entry; those a CNI ADD
 * brings (its network's name, the pod of CNI_ARGS: K8S_POD_*); the image. */
struct iso_labels {
	char executor_id[ISO_LABEL_MAX], executor_name[ISO_LABEL_MAX];
	char framework_id[ISO_LABEL_MAX], source[ISO_LABEL_MAX];
	char network[ISO_LABEL_MAX], k8s_namespace[ISO_LABEL_MAX];
	char pod[ISO_LABEL_MAX], pod_uid[ISO_LABEL_MAX];
	char image[ISO_LABEL_MAX];	/* the create request's, cAdvisor's image label */
};

/* A container's cpus (Mesos' cpus resource): --X_rate_per_cpu scales by it. */
struct iso_cpus {
	bool set;
	double v;
};

/* What a caller may see of a container: a copy, safe without the lock. */
struct iso_record {
	char id[ISO_ID_MAX + 1];
	struct iso_labels labels;
	char netns[PATH_MAX];
	bool external;			/* netns is the runtime's */
	bool chained;			/* CNI chained mode: veth and address a primary's */
	char veth[IF_NAMESIZE];
	char ifname[IF_NAMESIZE];	/* the veth's peer inside */
	int veth_ifindex;
	struct pm_range ephemeral;
	struct pm_set ports;		/* owned by the record */
	struct iso_opt_u64 egress, ingress;
	struct iso_opt_u64 egress_burst, ingress_burst;
	struct iso_cpus cpus;
	struct tc_remap remap[TC_REMAP_MAX];	/* host port != container port */
	size_t nremap;
	double created_at;
	/* what the container's interface has: the host's (chained: its own,
	 * gateway 0) */
	struct in_addr ip, gateway;
	int prefixlen;
	uint8_t mac[6];
};

void iso_record_free(struct iso_record *r);

#define ISO_CPUS_MAX 65536
#define ISO_MIN_RATE 125000	/* Mesos' least egress (and ingress) rate, bytes/s */

/* CNI chained mode: a primary plugin made the veth and gave the address. */
struct iso_chain_req {
	const char *host_veth;		/* in the agent's namespace */
	const char *address;		/* "10.88.0.5/16" */
	const char *mac;		/* "aa:bb:cc:dd:ee:ff" */
};

struct iso_create {
	const char *id;
	const struct iso_chain_req *chained;	/* NULL: port_mapping mode */
	const char *netns;		/* a runtime's namespace to adopt, NULL: make one */
	const char *ifname;		/* NULL: "eth0" */
	const char *ports;		/* Mesos range list, NULL: none */
	struct iso_opt_u64 egress, ingress;	/* unset: the agent's default */
	struct iso_opt_u64 egress_burst, ingress_burst;	/* bytes; unset: the default */
	struct iso_cpus cpus;		/* unset: none (per-cpu rates take 0) */
	const struct tc_remap *remap;	/* host ports (among ports) to its own ports */
	size_t nremap;
	struct iso_labels labels;
};

struct iso_update {
	const char *ports;		/* NULL: unchanged */
	struct iso_opt_u64 egress, ingress;	/* unset: unchanged */
	struct iso_cpus cpus;		/* set: the per-cpu rates follow */
};

struct iso_agent;
struct acct;

/* Probes the kernel; nothing on the host is touched yet. */
int iso_agent_new(const struct iso_config *cfg, struct iso_agent **out, struct nis_err *err);
/* Sets the host datapath up, takes back the containers of the checkpoint
 * (work_dir/netisol.db, made ready by the caller) and removes orphans of
 * earlier runs. Containers are counted through acct, which must outlive
 * the agent (acct_stop before iso_agent_free, acct_free after). */
int iso_agent_start(struct iso_agent *a, struct acct *acct, struct nis_err *err);
/* With destroy, tears every container down; else leaves them running. */
void iso_agent_free(struct iso_agent *a, bool destroy);

/* Errors: -EINVAL bad request, -EEXIST duplicate id, -ENOSPC no block
 * (or --max_executors_per_agent reached), -EADDRINUSE a port is held,
 * -ERANGE a port is outside the agent's ports, -ENOENT no such id,
 * -EROFS the checkpoint could not be written (the change was undone);
 * chained: -ENODEV its interface or host veth is missing, -EALREADY a
 * qdisc of someone else's is where netisol's would go. */
int iso_agent_create(struct iso_agent *a, const struct iso_create *req,
		     struct iso_record *out, struct nis_err *err);
int iso_agent_update(struct iso_agent *a, const char *id, const struct iso_update *req,
		     struct iso_record *out, struct nis_err *err);
int iso_agent_destroy(struct iso_agent *a, const char *id, struct nis_err *err);
int iso_agent_get(struct iso_agent *a, const char *id, struct iso_record *out,
		  struct nis_err *err);
/* verify.c: id's kernel objects against the agent's record: 0 with why ""
 * when they agree, else why says the first difference; -ENOENT unknown. */
int iso_agent_verify(struct iso_agent *a, const char *id, char *why, size_t len,
		     struct nis_err *err);
/* All records, sorted by id; *out is an array of n records to free. */
int iso_agent_list(struct iso_agent *a, struct iso_record **out, size_t *n,
		   struct nis_err *err);

/* 1-64 of [A-Za-z0-9._-]. */
bool iso_id_valid(const char *id);

/* The container a local peer (127.0.0.1 or the host IP, port) is: the
 * owner of its source port (ephemeral block or ports), copied into id;
 * false for any other peer. The guard lets nothing else out of a
 * container, so such a connection is that container's, whatever it says. */
bool iso_agent_peer_owner(struct iso_agent *a, struct in_addr ip, uint16_t port,
			  char id[ISO_ID_MAX + 1]);

/* Whether the agent records what it does (checkpoint writes and accounting
 * passes succeed); else why not, in why. For /health: a degraded agent
 * still serves and must not be restarted in a loop. */
bool iso_agent_health(struct iso_agent *a, char *why, size_t len);

/* --work_dir, where netisol.db lives (readers open their own connection). */
const char *iso_agent_work_dir(const struct iso_agent *a);

#endif
