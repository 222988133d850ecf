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

#include "common/fs.h"

extern char **environ;

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
	if (!(conf = nis_read_all(0, &clen)) || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
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
	nis_write_all(in[1], conf, clen);	/* a plugin that exits early: EPIPE */
	close(in[1]);
	res = nis_read_all(out[0], &olen);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	t1 = now_us();
	if (res)
		nis_write_all(1, res, olen);
	if ((tf = fopen(argv[1], "a"))) {
		fprintf(tf, "%.0f\n", t1 - t0);
		fclose(tf);
	}
	free(conf);
	free(res);
	posix_spawn_file_actions_destroy(&fa);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
