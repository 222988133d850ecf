/* netns.c - namespace handles without ever moving the caller's thread:
 * a new namespace is made by a thread that exits right after; existing
 * ones are entered by one worker thread that returns home after each job. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc/netns.h"
#include "tc/nl.h"

int tc_netns_dir_setup(const char *dir, struct nis_err *err)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return nis_err_set(err, -errno, "cannot create %s: %s", dir, strerror(errno));
	/* Already shared (a previous run, or the operator did it): done. */
	if (!mount("", dir, "none", MS_SHARED | MS_REC, NULL))
		return 0;
	if (errno != EINVAL)
		return nis_err_set(err, -errno, "cannot make %s shared: %s", dir,
				   strerror(errno));
	/* Not a mount point yet: bind it onto itself first. */
	if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) ||
	    mount("", dir, "none", MS_SHARED | MS_REC, NULL))
		return nis_err_set(err, -errno, "cannot make %s a shared mount: %s", dir,
				   strerror(errno));
	return 0;
}

struct create_job {
	const char *path;
	int rc;
};

static void *create_thread(void *arg)
{
	struct create_job *job = arg;
	if (unshare(CLONE_NEWNET)) {
		job->rc = -errno;
		return NULL;
	}
	job->rc = mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) ?
		  -errno : 0;
	return NULL;
}

int tc_netns_create(const char *path, struct nis_err *err)
{
	struct create_job job = { path, 0 };
	pthread_t t;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444)) < 0)
		return nis_err_set(err, -errno, "cannot create netns handle %s: %s", path,
				   strerror(errno));
	close(fd);
	if ((job.rc = pthread_create(&t, NULL, create_thread, &job)) == 0)
		pthread_join(t, NULL);
	else
		job.rc = -job.rc;
	if (job.rc) {
		unlink(path);
		return nis_err_set(err, job.rc, "cannot create a network namespace at %s: %s",
				   path, strerror(-job.rc));
	}
	if ((fd = tc_netns_open(path, err)) < 0) {
		umount2(path, MNT_DETACH);
		unlink(path);
	}
	return fd;
}

int tc_netns_open(const char *path, struct nis_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nis_err_set(err, -errno, "cannot open netns handle %s: %s", path,
				   strerror(errno));
	return fd;
}

int tc_netns_fd_id(int fd, struct tc_netns_id *id)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	*id = (struct tc_netns_id){ st.st_dev, st.st_ino };
	return 0;
}

int tc_netns_path_id(const char *path, struct tc_netns_id *id)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	*id = (struct tc_netns_id){ st.st_dev, st.st_ino };
	return 0;
}

int tc_netns_open_foreign(const char *path, struct tc_netns_id *id, struct nis_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return nis_err_set(err, -EINVAL,
				   "cannot open netns %s: %s", path, strerror(errno));
	/* NS_GET_NSTYPE (4.11): anything but a network namespace is refused. */
	if ((rc = ioctl(fd, NS_GET_NSTYPE)) != CLONE_NEWNET) {
		close(fd);
		return nis_err_set(err, -EINVAL, "%s is not a network namespace", path);
	}
	tc_netns_fd_id(fd, id);
	return fd;
}

int tc_netns_remove(const char *path, struct nis_err *err)
{
	if (access(path, F_OK))
		return nis_err_set(err, -ENOENT, "no netns handle %s", path);
	/* EINVAL: the handle is not mounted (left half-made); still unlink. */
	if (umount2(path, MNT_DETACH) && errno != EINVAL)
		return nis_err_set(err, -errno, "cannot unmount %s: %s", path, strerror(errno));
	if (unlink(path))
		return nis_err_set(err, -errno, "cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* One long-lived thread enters namespaces for every caller: per job it
 * joins the job's namespace, runs it, and goes back to its home (the
 * namespace of the thread that started it, held by an fd). Here a thread
 * per job cost ~0.3 ms; a hand-off to this one costs a few us. Jobs run
 * one at a time, each short: open a file or a socket, write a sysctl. */
struct exec_job {
	int nsfd;
	int (*fn)(void *);
	void *arg;
	int rc;
	bool done;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a job was posted, or one is done */
	struct exec_job *job;		/* the posted one, until it is done */
	bool up, stop;
	int home;
	pthread_t t;
} W = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, false, false, -1, 0 };

static void *worker(void *unused)
{
	bool lost = false;

	(void)unused;
	pthread_mutex_lock(&W.mu);
	while (!W.stop && !lost) {
		struct exec_job *job = W.job;

		if (!job || job->done) {
			pthread_cond_wait(&W.cv, &W.mu);
			continue;
		}
		pthread_mutex_unlock(&W.mu);
		if (setns(job->nsfd, CLONE_NEWNET))
			job->rc = -errno;
		else if ((job->rc = job->fn(job->arg)), setns(W.home, CLONE_NEWNET))
			lost = true;	/* stuck outside home: a new worker takes over */
		pthread_mutex_lock(&W.mu);
		job->done = true;
		pthread_cond_broadcast(&W.cv);
	}
	if (lost)
		W.up = false;
	pthread_mutex_unlock(&W.mu);
	return NULL;
}

/* Under W.mu: the worker, started in the caller's namespace. */
static int worker_up(void)
{
	int rc;

	if (W.up)
		return 0;
	if (W.t) {		/* one that lost its home has exited */
		pthread_join(W.t, NULL);
		W.t = 0;
	}
	if (W.home < 0 && (W.home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if ((rc = pthread_create(&W.t, NULL, worker, NULL))) {
		W.t = 0;
		return -rc;
	}
	W.up = true;
	return 0;
}

int tc_netns_exec(int nsfd, int (*fn)(void *arg), void *arg)
{
	struct exec_job job = { nsfd, fn, arg, 0, false };
	int rc;

	pthread_mutex_lock(&W.mu);
	while (W.job)
		pthread_cond_wait(&W.cv, &W.mu);
	if ((rc = worker_up())) {
		pthread_mutex_unlock(&W.mu);
		return rc;
	}
	W.job = &job;
	pthread_cond_broadcast(&W.cv);
	while (!job.done)
		pthread_cond_wait(&W.cv, &W.mu);
	W.job = NULL;
	pthread_cond_broadcast(&W.cv);
	pthread_mutex_unlock(&W.mu);
	return job.rc;
}

void tc_netns_exec_stop(void)
{
	pthread_mutex_lock(&W.mu);
	W.stop = true;
	pthread_cond_broadcast(&W.cv);
	pthread_mutex_unlock(&W.mu);
	if (W.t)
		pthread_join(W.t, NULL);
	if (W.home >= 0)
		close(W.home);
	W.t = 0;
	W.home = -1;
	W.up = W.stop = false;
}

struct nl_job {
	struct nl_sock *sk;
	struct nis_err *err;
};

static int nl_open_here(void *arg)
{
	struct nl_job *job = arg;

	return tc_nl_open(&job->sk, job->err);
}

int tc_netns_nl_open(int nsfd, struct nl_sock **out, struct nis_err *err)
{
	struct nl_job job = { NULL, err };
	int rc = tc_netns_exec(nsfd, nl_open_here, &job);

	if (rc)
		return err && err->msg[0] ? rc : nis_err_set(err, rc, "cannot enter netns: %s",
							   strerror(-rc));
	*out = job.sk;
	return 0;
}

struct fd_job {
	const char *path;
	int domain, type, protocol;
	int flags;		/* open(2)'s, for a path */
};

static int open_here(void *arg)
{
	struct fd_job *j = arg;
	int fd = j->path ? open(j->path, j->flags | O_CLOEXEC)
			 : socket(j->domain, j->type | SOCK_CLOEXEC, j->protocol);

	return fd < 0 ? -errno : fd;
}

int tc_netns_open_file(int nsfd, const char *path)
{
	struct fd_job j = { .path = path, .flags = O_RDONLY };

	return tc_netns_exec(nsfd, open_here, &j);
}

int tc_netns_open_file_rw(int nsfd, const char *path)
{
	struct fd_job j = { .path = path, .flags = O_RDWR };

	return tc_netns_exec(nsfd, open_here, &j);
}

int tc_netns_socket(int nsfd, int domain, int type, int protocol)
{
	struct fd_job j = { NULL, domain, type, protocol, 0 };

	return tc_netns_exec(nsfd, open_here, &j);
}
