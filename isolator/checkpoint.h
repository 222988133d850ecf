/* checkpoint.h - the isolator's durable state in work_dir/netisol.db
 * (SQLite, WAL, synchronous=FULL): one row per container, written before
 * and after each lifecycle step, so a crash at any point can be finished
 * off. The table is made by agent/db.c, which owns the schema. */
#ifndef NIS_ISOLATOR_CHECKPOINT_H
#define NIS_ISOLATOR_CHECKPOINT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "isolator/container.h"
#include "tc/netns.h"

enum iso_state { ISO_PREPARING, ISO_RUNNING, ISO_DESTROYING };

struct iso_ckpt_row {
	char id[ISO_ID_MAX + 1];
	enum iso_state state;
	struct iso_labels labels;
	char *ports;			/* Mesos range text, malloc'd */
	struct pm_range ephemeral;
	struct iso_opt_u64 egress, ingress, egress_burst, ingress_burst;
	char veth[IF_NAMESIZE];
	int veth_ifindex;
	char netns[PATH_MAX];
	uint32_t slot;
	char *blocks;			/* "port/size/node/hnode ...", malloc'd */
	double created_at;
	char ifname[IF_NAMESIZE];
	bool external;			/* netns is a runtime's, ns its identity */
	struct tc_netns_id ns;
	char *ext_undo;			/* iso_ext_undo_format's text; malloc'd when read */
	char *remap;			/* iso_remap_format's text; malloc'd when read */
	bool chained;			/* CNI chained mode: */
	char chain_addr[24];		/* its own "ip/len" */
	char chain_mac[18];		/* and MAC */
	bool chain_own_clsact;		/* the host veth's clsact is ours */
	struct iso_cpus cpus;		/* Mesos' cpus resource, if given */
};

struct iso_ckpt;

/* Opens work_dir/netisol.db, made ready by agent_db_prepare. */
int iso_ckpt_open(const char *work_dir, struct iso_ckpt **out, struct nis_err *err);
void iso_ckpt_close(struct iso_ckpt *c);

/* Writes fail with -EROFS (a full disk, an I/O error): nothing was
 * recorded. */
int iso_ckpt_put(struct iso_ckpt *c, const struct iso_ckpt_row *row, struct nis_err *err);
int iso_ckpt_set_state(struct iso_ckpt *c, const char *id, enum iso_state st,
		       struct nis_err *err);
int iso_ckpt_delete(struct iso_ckpt *c, const char *id, struct nis_err *err);

/* Whether the last write succeeded (else why failed), and how many writes
 * failed since start. Any thread. */
bool iso_ckpt_health(struct iso_ckpt *c, char *why, size_t len, uint64_t *failures);

/* Every row; free with iso_ckpt_rows_free. */
int iso_ckpt_load(struct iso_ckpt *c, struct iso_ckpt_row **rows, size_t *n,
		  struct nis_err *err);
void iso_ckpt_rows_free(struct iso_ckpt_row *rows, size_t n);

#endif
