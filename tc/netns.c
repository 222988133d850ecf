/* netns.c - namespace handles without ever moving the caller's thread:
 * every unshare/setns happens in a thread that exits right after. */
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

struct exec_job {
	int nsfd;
	int (*fn)(void *);
	void *arg;
	int rc;
};

static void *exec_thread(void *arg)
{
	struct exec_job *job = arg;

	if (setns(job->nsfd, CLONE_NEWNET))
		job->rc = -errno;
	else
		job->rc = job->fn(job->arg);
	return NULL;
}

int tc_netns_exec(int nsfd, int (*fn)(void *arg), void *arg)
{
	struct exec_job job = { nsfd, fn, arg, 0 };
	pthread_t t;
	int rc;

	if ((rc = pthread_create(&t, NULL, exec_thread, &job)))
		return -rc;
	pthread_join(t, NULL);
	return job.rc;
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
