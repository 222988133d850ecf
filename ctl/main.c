/* main.c - netisolctl: the operator's client for netisold. */
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: netisolctl [--socket PATH | --agent URL] COMMAND\n"
		"  --socket PATH   the agent's unix socket (default: /run/netisol/api.sock)\n"
		"  --agent URL     the agent's TCP address, e.g. http://127.0.0.1:5051\n"
		"  --help          print this help and exit\n"
		"  --version       print the version and exit\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("netisolctl %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	usage(stderr);
	return 2;
}
