/* held.c - a destroyed container's last traffic that no pass could write
 * yet (a full disk under --work_dir) when the agent stops: its counters,
 * frozen since its veth went, and the map they came from are kept in
 * runtime_dir/held (a tmpfs, not the disk that is full), one file per
 * container, written whole (temporary file, fsync, rename). The next start
 * lists each as held; the pass that writes it removes its file. The delta
 * is the frozen counters against the last ones the history committed for
 * the same map, so nothing is lost or counted twice. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acct/state.h"
#include "common/log.h"

#define HELD_MAGIC "netisol-held 1"

/* runtime_dir/held/ID.held (ids are file names: iso_id_valid). */
static void held_path(const struct acct *a, const char *id, const char *suffix, char *out,
		      size_t len)
{
	snprintf(out, len, "%s/held/%s.held%s", a->cfg->runtime_dir, id, suffix);
}

static int write_all(FILE *f, const struct acct_meter *m, const struct acct_counts *raw)
{
	fprintf(f, HELD_MAGIC "\nid %s\nsource %d %u\n", m->id, m->ifindex, m->map_id);
	for (int ci = 0; ci < ACCT_CLASSES; ci++)
		if (raw[ci].rx_packets || raw[ci].tx_packets)
			fprintf(f, "%d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", ci,
				raw[ci].rx_bytes, raw[ci].tx_bytes, raw[ci].rx_packets,
				raw[ci].tx_packets);
	return fflush(f) || ferror(f) || fsync(fileno(f)) ? -EIO : 0;
}

int acct_held_save(struct acct *a, struct acct_meter *m, struct nis_err *err)
{
	struct acct_counts raw[ACCT_CLASSES];
	char tmp[PATH_MAX], path[PATH_MAX], dir[PATH_MAX];
	FILE *f;
	int rc;

	if (!a->cfg->runtime_dir)
		return nis_err_set(err, -ENOENT, "no runtime directory to keep it in");
	if ((rc = acct_pass_read_raw(m, raw, err)))
		return rc;
	snprintf(dir, sizeof(dir), "%s/held", a->cfg->runtime_dir);
	held_path(a, m->id, ".tmp", tmp, sizeof(tmp));
	held_path(a, m->id, "", path, sizeof(path));
	if ((mkdir(dir, 0700) && errno != EEXIST) || !(f = fopen(tmp, "we")))
		return nis_err_set(err, -errno, "%s: %s", dir, strerror(errno));
	rc = write_all(f, m, raw);
	if (fclose(f) || rc || rename(tmp, path)) {
		unlink(tmp);
		return nis_err_set(err, -EIO, "cannot write %s", path);
	}
	return 0;
}

void acct_held_remove(struct acct *a, const struct acct_meter *m)
{
	char path[PATH_MAX];

	if (!m->frozen || !a->cfg->runtime_dir)
		return;
	held_path(a, m->id, "", path, sizeof(path));
	if (unlink(path) && errno != ENOENT)
		log_msg(LOG_WARN, "cannot remove %s: %s", path, strerror(errno));
}

/* One file into m (frozen counters, id, source); 0 or -EINVAL. */
static int parse(FILE *f, struct acct_meter *m)
{
	char line[256], id[ACCT_ID_MAX + 2];
	struct acct_counts c;
	int ci;

	if (!fgets(line, sizeof(line), f) || strcmp(line, HELD_MAGIC "\n") ||
	    fscanf(f, "id %65s\nsource %d %u\n", id, &m->ifindex, &m->map_id) != 3 ||
	    strlen(id) > ACCT_ID_MAX)
		return -EINVAL;
	memcpy(m->id, id, strlen(id) + 1);	/* fits: checked above */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%d %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &ci,
			   &c.rx_bytes, &c.tx_bytes, &c.rx_packets, &c.tx_packets) != 5 ||
		    ci < 0 || ci >= ACCT_CLASSES)
			return -EINVAL;
		m->frozen[ci] = c;
	}
	return 0;
}

/* The held meter of one file, tracked (its last committed counters from
 * the history) and listed; NULL when the file is not one. */
static struct acct_meter *load_one(struct acct *a, const char *path)
{
	struct nis_err err = { "" };
	struct acct_meter *m = calloc(1, sizeof(*m));
	FILE *f = fopen(path, "re");
	char id[ACCT_ID_MAX + 1];
	int rc = -ENOMEM;

	if (m && (m->frozen = calloc(ACCT_CLASSES, sizeof(*m->frozen))) && f) {
		m->a = a;
		m->fd = -1;
		rc = parse(f, m);
	}
	if (f)
		fclose(f);
	snprintf(id, sizeof(id), "%s", m ? m->id : "");
	if (!rc && !(rc = acct_track(m, id, true, &err))) {
		m->held = m->unsaved = true;
		return m;
	}
	log_msg(LOG_ERROR, "%s: not a container's last traffic (%s): left as it is", path,
		err.msg[0] ? err.msg : strerror(-rc));
	if (m)
		free(m->frozen);
	free(m);
	return NULL;
}

void acct_held_load(struct acct *a)
{
	char dir[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *d;
	DIR *dp;

	if (!a->cfg->runtime_dir)
		return;
	snprintf(dir, sizeof(dir), "%s/held", a->cfg->runtime_dir);
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		struct acct_meter *m;

		if (d->d_name[0] == '.' || len <= 5 || strcmp(d->d_name + len - 5, ".held"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if ((m = load_one(a, path)))
			log_msg(LOG_WARN, "container %s: its last traffic, kept by the last run, "
				"is held until it can be written", m->id);
	}
	closedir(dp);
}
