/* version.c - semantic version comparison, enough for CNI's x.y.z. */
#include <stdio.h>
#include <string.h>

#include "cni/version.h"

const char *const cni_supported_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL,
};

bool cni_version_supported(const char *v)
{
	for (size_t i = 0; cni_supported_versions[i]; i++)
		if (!strcmp(v, cni_supported_versions[i]))
			return true;
	return false;
}

static void split(const char *v, unsigned int n[3])
{
	n[0] = n[1] = n[2] = 0;
	if (sscanf(v, "%u.%u.%u", &n[0], &n[1], &n[2]) < 1)
		n[0] = n[1] = n[2] = 0;
}

int cni_version_cmp(const char *a, const char *b)
{
	unsigned int x[3], y[3];

	split(a, x);
	split(b, y);
	for (int i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

bool cni_version_is_0x(const char *v)
{
	return cni_version_cmp(v, "1.0.0") < 0;
}
