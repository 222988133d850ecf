/* cni_exec - for scripts/bench_cni.sh, not a test: runs one CNI plugin as
 * a runtime does (Go's os/exec in containerd, CRI-O, podman: a vfork-style
 * spawn, the config written to a pipe on the plugin's stdin, its stdout
 * read from another, then wait), and appends the time that took, in us,
 * to TIMEFILE. The plugin's stdout is copied to ours, its exit status is
 * ours. Timing it here, not in the shell, keeps the shell's own fork (a
 * few ms for a large bash) out of every row.
 * Usage: cni_exec TIMEFILE PLUGIN [ARG...] <config   (CNI_* in the env) */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char *slurp(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	ssize_t r;

	while (b && (r = read(fd, b + n, cap - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if ((n += (size_t)r) == cap) {
			char *nb = realloc(b, cap *= 2);

			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
		}
	}
	*len = n;
	return b;
}

static int put(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	int in[2], out[2], st = 0;
	size_t clen, olen;
	char *conf, *res;
	posix_spawn_file_actions_t fa;
	double t0, t1;
	FILE *tf;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: cni_exec TIMEFILE PLUGIN [ARG...] <config\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (!(conf = slurp(0, &clen)) || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	t0 = now_us();
	if ((errno = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ))) {
		perror(argv[2]);
		return 2;
	}
	close(in[0]);
	close(out[1]);
	put(in[1], conf, clen);		/* a plugin that exits early: EPIPE */
	close(in[1]);
	res = slurp(out[0], &olen);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	t1 = now_us();
	if (res)
		put(1, res, olen);
	if ((tf = fopen(argv[1], "a"))) {
		fprintf(tf, "%.0f\n", t1 - t0);
		fclose(tf);
	}
	free(conf);
	free(res);
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
