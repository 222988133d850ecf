/* remap.c - port mappings of one container, see remap.h. */
#include <errno.h>
#include <linux/if_ether.h>
#include <stdio.h>
#include <string.h>

#include "isolator/datapath.h"
#include "isolator/hostdp.h"
#include "isolator/portblocks.h"
#include "isolator/remap.h"
#include "tc/u32.h"

/* From the top of the id space: blocks take theirs from the bottom. */
#define REMAP_NODE(i) ((uint32_t)(ISO_IDS_MAX - (i)))

int iso_remap_check(struct tc_remap *m, size_t *n, const struct pm_set *ports,
		    const struct pm_set *pool, struct nis_err *err)
{
	size_t k = 0;

	for (size_t i = 0; i < *n; i++) {
		if (m[i].host == m[i].ct)
			continue;
		if (!pm_set_contains_port(ports, m[i].host))
			return nis_err_set(err, -EINVAL, "port mapping %u -> %u: host port %u is "
					   "not one of the container's ports", m[i].host, m[i].ct,
					   m[i].host);
		if (!m[i].ct || pm_set_contains_port(ports, m[i].ct) ||
		    pm_set_contains_port(pool, m[i].ct))
			return nis_err_set(err, -EINVAL, "port mapping %u -> %u: container port "
					   "%u must be 1-65535, not one of the container's ports "
					   "nor an ephemeral port", m[i].host, m[i].ct, m[i].ct);
		for (size_t j = 0; j < k; j++)
			if (m[j].host == m[i].host || m[j].ct == m[i].ct)
				return nis_err_set(err, -EINVAL, "port mapping %u -> %u: a port "
						   "mapped twice", m[i].host, m[i].ct);
		m[k++] = m[i];
	}
	*n = k;
	return 0;
}

void iso_remap_format(const struct tc_remap *m, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u:%u", i ? " " : "",
					 m[i].host, m[i].ct);
}

int iso_remap_parse(const char *text, struct tc_remap *m, size_t *n)
{
	unsigned host, ct;
	int used;

	*n = 0;
	while (sscanf(text, " %u:%u%n", &host, &ct, &used) == 2) {
		if (*n == TC_REMAP_MAX || !host || host > 65535 || !ct || ct > 65535)
			return -EINVAL;
		m[(*n)++] = (struct tc_remap){ (uint16_t)host, (uint16_t)ct };
		text += used;
	}
	return *text && strspn(text, " ") != strlen(text) ? -EINVAL : 0;
}

int iso_dp_remap_reserve(struct iso_dp_ct *ct, struct nis_err *err)
{
	for (size_t i = 0; i < ct->nremap; i++)
		if (!iso_ids_reserve(&ct->nodes, REMAP_NODE(i)))
			return nis_err_set(err, -EEXIST, "u32 node %u is taken", REMAP_NODE(i));
	return 0;
}

int iso_dp_remap_add(struct iso_dp_ct *ct, bool may_exist, struct nis_err *err)
{
	int rc;

	if (!ct->nremap)
		return 0;
	if ((rc = tc_remap_attach(ct->nsk, ct->ct_eth0, ct->remap, ct->nremap, may_exist, err)))
		return rc;
	for (size_t i = 0; i < ct->nremap; i++) {
		struct tc_u32_rule r = iso_dp_rule(DP_PRIO_IP_HIGH, ETH_P_IP, TC_U32_NONE, 0);

		r.table = TC_U32_HT(DP_HT_CT_LO);
		r.handle = TC_U32_HANDLE(DP_HT_CT_LO, 0, REMAP_NODE(i));
		r.keys[r.nkeys++] = tc_u32_key16(ct->remap[i].ct, 0xffff, 2, false);	/* dport */
		rc = tc_u32_add(ct->nsk, ct->ct_lo, &r, err);
		if (rc && !(rc == -EEXIST && may_exist))
			return rc;
	}
	return 0;
}
