/* acct_bpf_probe.c - drives tc/bpf.c for tests/integration/acct_bpf.sh in
 * the caller's network namespace:
 *   acct_bpf_probe supported
 *   acct_bpf_probe attach DEV [--reuse] CI=NET/LEN...
 *       clsact, a new trie with the classes, counters (new, or with --reuse
 *       the ones of the filter already there, which is then replaced), the
 *       RX program on egress and TX on ingress at prio 1; prints "map ID"
 *   acct_bpf_probe read DEV
 *       prints "map ID", then "rx|tx CI BYTES PACKETS" for each non-zero
 *       class; exit 2 if DEV has no accounting filter
 *   acct_bpf_probe trie-errors
 *   acct_bpf_probe spares
 *       acct/spare.h's thread over a new trie: prints "ready N" (made
 *       ahead), "took A B" and "ids distinct|same" (two taken, 1 each when
 *       its fds are open and close-on-exec), "third G" (a take right
 *       after: none left), "again N" (made again), "fds D" (open fds at
 *       the end less at the start: 0 when stop closed what it made)
 * DEV is an interface name or index. Exit 1 on any other failure. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acct/spare.h"
#include "tc/bpf.h"
#include "tc/nl.h"
#include "tc/qdisc.h"

#define PRIO 1

static int fail(const struct nis_err *err, int rc)
{
	fprintf(stderr, "acct_bpf_probe: %s\n", err->msg);
	return rc == -ENOENT ? 2 : 1;
}

static int dev_index(const char *s)
{
	char *end;
	long i = strtol(s, &end, 10);

	return *end || end == s ? (int)if_nametoindex(s) : (int)i;
}

/* "CI=A.B.C.D/LEN" into the trie. */
static int add_class(int trie, const char *arg, struct nis_err *err)
{
	char net[32];
	unsigned ci, len;
	struct in_addr a;

	if (sscanf(arg, "%u=%31[0-9.]/%u", &ci, net, &len) != 3 || inet_pton(AF_INET, net, &a) != 1)
		return nis_err_set(err, -EINVAL, "bad class '%s' (want CI=A.B.C.D/LEN)", arg);
	return tc_acct_trie_set(trie, a, len, ci, err);
}

static bool cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags >= 0 && (flags & FD_CLOEXEC);
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The counters fd of the filter at hook, checked to be close-on-exec. */
static int find(struct nl_sock *sk, int ifindex, uint32_t hook, uint32_t *id,
		struct nis_err *err)
{
	int fd = tc_acct_find_counters(sk, ifindex, hook, PRIO, id, err);

	if (fd >= 0 && !cloexec(fd)) {
		close(fd);
		return nis_err_set(err, -EINVAL, "the counters fd is not close-on-exec");
	}
	return fd;
}

static int attach(struct nl_sock *sk, int ifindex, int argc, char **argv,
		  struct nis_err *err)
{
	bool reuse = argc > 0 && !strcmp(argv[0], "--reuse");
	int trie = -1, counters = -1, rx = -1, tx = -1, rc;
	uint32_t id = 0;

	if ((rc = tc_qdisc_clsact_add(sk, ifindex, true, err)) ||
	    (rc = trie = tc_acct_trie_create(err)) < 0)
		goto out;
	for (int i = reuse; i < argc; i++)
		if ((rc = add_class(trie, argv[i], err)))
			goto out;
	counters = reuse ? find(sk, ifindex, TC_CLSACT_INGRESS, &id, err)
			 : tc_acct_counters_create(err);
	if ((rc = counters) < 0 || (!reuse && (rc = tc_acct_map_id(counters, &id, err))) ||
	    (rc = rx = tc_acct_prog_load(trie, counters, TC_ACCT_RX, NULL, 0, err)) < 0 ||
	    (rc = tx = tc_acct_prog_load(trie, counters, TC_ACCT_TX, NULL, 0, err)) < 0 ||
	    (rc = tc_acct_attach(sk, ifindex, TC_CLSACT_EGRESS, PRIO, rx, reuse, err)) ||
	    (rc = tc_acct_attach(sk, ifindex, TC_CLSACT_INGRESS, PRIO, tx, reuse, err)))
		goto out;
	if (!cloexec(trie) || !cloexec(counters) || !cloexec(rx) || !cloexec(tx)) {
		rc = nis_err_set(err, -EINVAL, "a created fd is not close-on-exec");
		goto out;
	}
	printf("map %u\n", id);
out:
	close_fd(tx);
	close_fd(rx);
	close_fd(counters);
	close_fd(trie);
	return rc < 0 ? rc : 0;
}

static int read_counts(struct nl_sock *sk, int ifindex, struct nis_err *err)
{
	struct tc_acct_count c[2][TC_ACCT_CLASSES];
	uint32_t in_id = 0, eg_id = 0;
	int fd, rc;

	if ((fd = find(sk, ifindex, TC_CLSACT_EGRESS, &eg_id, err)) < 0)
		return fd;
	close(fd);
	if ((fd = find(sk, ifindex, TC_CLSACT_INGRESS, &in_id, err)) < 0)
		return fd;
	if (in_id != eg_id) {
		close(fd);
		return nis_err_set(err, -EINVAL, "ingress map %u != egress map %u", in_id, eg_id);
	}
	rc = tc_acct_counters_read(fd, c, err);
	close(fd);
	if (rc)
		return rc;
	printf("map %u\n", in_id);
	for (int d = 0; d < 2; d++)
		for (int ci = 0; ci < TC_ACCT_CLASSES; ci++)
			if (c[d][ci].packets)
				printf("%s %d %llu %llu\n", d == TC_ACCT_RX ? "rx" : "tx", ci,
				       (unsigned long long)c[d][ci].bytes,
				       (unsigned long long)c[d][ci].packets);
	return 0;
}

/* Bad input is refused with -EINVAL, a missing prefix is -ENOENT, a set
 * prefix (given with host bits) can be deleted by its network. */
static int trie_errors(struct nis_err *err)
{
	struct in_addr a = { htonl(0xc6120001) }, net = { htonl(0xc6120000) };
	struct nis_err e2;
	int trie = tc_acct_trie_create(err), rc = -EINVAL;

	if (trie < 0)
		return trie;
	if (tc_acct_trie_set(trie, a, 33, 1, &e2) != -EINVAL)
		nis_err_set(err, rc, "prefix length 33 accepted");
	else if (tc_acct_trie_set(trie, a, 24, TC_ACCT_CLASSES, &e2) != -EINVAL)
		nis_err_set(err, rc, "class %d accepted", TC_ACCT_CLASSES);
	else if (tc_acct_trie_del(trie, a, 24, &e2) != -ENOENT)
		nis_err_set(err, rc, "deleting a missing prefix did not give -ENOENT");
	else if ((rc = tc_acct_trie_set(trie, a, 24, 5, err)) ||
		 (rc = tc_acct_trie_del(trie, net, 24, err)))
		nis_err_prefix(err, rc, "set then delete");
	else if ((rc = tc_acct_trie_del(trie, net, 24, &e2)) != -ENOENT)
		nis_err_set(err, rc = -EINVAL, "a deleted prefix is still there");
	else
		rc = 0;
	close(trie);
	return rc;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* How many spares are ready, once there are two or 5 s have passed. */
static int ready(struct acct_spares *sp)
{
	int n = 0;

	for (int i = 0; i < 500 && n < ACCT_SPARES; i++) {
		pthread_mutex_lock(&sp->mu);
		n = sp->n;
		pthread_mutex_unlock(&sp->mu);
		if (n < ACCT_SPARES)
			usleep(10000);
	}
	return n;
}

static bool usable(const struct acct_spare *s)
{
	return cloexec(s->counters) && cloexec(s->prog[0]) && cloexec(s->prog[1]);
}

static int spares(struct nis_err *err)
{
	struct acct_spares sp;
	struct acct_spare s[3];
	int trie = tc_acct_trie_create(err), fds0 = count_fds(), rc;
	bool took[3];

	if (trie < 0)
		return trie;
	if ((rc = acct_spares_start(&sp, trie, err))) {
		close(trie);
		return rc;
	}
	printf("ready %d\n", ready(&sp));
	for (int i = 0; i < 3; i++)
		took[i] = acct_spares_take(&sp, &s[i]);
	printf("took %d %d\n", took[0] && usable(&s[0]), took[1] && usable(&s[1]));
	printf("ids %s\n", took[0] && took[1] && s[0].map_id != s[1].map_id ? "distinct" : "same");
	printf("third %d\n", took[2]);
	printf("again %d\n", ready(&sp));
	for (int i = 0; i < 3; i++)
		if (took[i])
			acct_spare_close(&s[i]);
	acct_spares_stop(&sp);
	close(trie);
	printf("fds %d\n", count_fds() - fds0 + 1);	/* + the trie, opened after fds0 */
	return 0;
}

int main(int argc, char **argv)
{
	struct nis_err err = { "" };
	struct nl_sock *sk = NULL;
	int ifindex = 0, rc;

	if (argc < 2)
		goto usage;
	if (!strcmp(argv[1], "supported")) {
		if (tc_acct_supported(&err))
			return 0;
		return fail(&err, -EINVAL);
	}
	if (!strcmp(argv[1], "trie-errors"))
		return (rc = trie_errors(&err)) ? fail(&err, rc) : 0;
	if (!strcmp(argv[1], "spares"))
		return (rc = spares(&err)) ? fail(&err, rc) : 0;
	if (argc < 3 || (strcmp(argv[1], "attach") && strcmp(argv[1], "read")))
		goto usage;
	if ((ifindex = dev_index(argv[2])) <= 0) {
		fprintf(stderr, "acct_bpf_probe: no device %s\n", argv[2]);
		return 1;
	}
	if ((rc = tc_nl_open(&sk, &err)))
		return fail(&err, rc);
	if (!strcmp(argv[1], "attach"))
		rc = attach(sk, ifindex, argc - 3, argv + 3, &err);
	else
		rc = read_counts(sk, ifindex, &err);
	tc_nl_close(sk);
	return rc ? fail(&err, rc) : 0;
usage:
	fprintf(stderr, "usage: acct_bpf_probe supported | trie-errors | "
		"attach DEV [--reuse] CI=NET/LEN... | read DEV | spares\n");
	return 1;
}
