/* rawframe.c - the hostile-tenant test's hands: writes the frames a root
 * tenant could write, and counts what arrives on the far side.
 *   rawframe send IFACE HEX [COUNT]   one frame (hex digits; ':' '.' and
 *       blanks ignored) COUNT times; IPv4 header and TCP/UDP/ICMP
 *       checksums are filled in, so a frame that got through would be
 *       taken by its receiver. "{mac}" in HEX cycles the last two bytes
 *       of the Ethernet source through COUNT values (a MAC flood).
 *       RAWFRAME_BYPASS=1: past the device's qdiscs (PACKET_QDISC_BYPASS);
 *       RAWFRAME_SECONDS=S: again and again for S seconds (COUNT per round).
 *   rawframe count IFACE HEXMARKER SECONDS   prints how many frames
 *       arriving on IFACE (not sent by it) contain the marker.
 * and, through the kernel's own sockets (so it fragments and reassembles):
 *   rawframe udp-send DST PORT SIZE [COUNT]   COUNT datagrams of SIZE
 *       bytes ("netisol" repeated) from an ephemeral port.
 *   rawframe udp-recv PORT SECONDS   prints "DATAGRAMS BYTES" received.
 *   rawframe reject SECONDS   answers each echo request with destination
 *       unreachable, communication prohibited, quoting it; prints how many. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (; *s; s++) {
		int v;

		if (strchr(": .\t\n", *s))
			continue;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? (int)n : -1;
}

static uint32_t sum16(const unsigned char *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 header checksum, and the L4 one of a first fragment. */
static void fix_sums(unsigned char *f, size_t len)
{
	unsigned char *ip = f + 14, *l4;
	size_t ihl, tot, l4len;
	int csum_at;
	uint32_t s;

	if (len < 34 || f[12] != 0x08 || f[13] != 0x00)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	tot = (size_t)ip[2] << 8 | ip[3];
	if (ihl < 20 || 14 + tot > len || tot < ihl)
		return;
	ip[10] = ip[11] = 0;
	s = fold(sum16(ip, ihl, 0));
	ip[10] = (unsigned char)(s >> 8), ip[11] = (unsigned char)s;
	if ((ip[6] & 0x1f) || ip[7])
		return;
	l4 = ip + ihl;
	l4len = tot - ihl;
	csum_at = ip[9] == 6 ? 16 : ip[9] == 17 ? 6 : ip[9] == 1 ? 2 : -1;
	if (csum_at < 0 || l4len < (size_t)csum_at + 2)
		return;
	l4[csum_at] = l4[csum_at + 1] = 0;
	s = ip[9] == 1 ? 0 : sum16(ip + 12, 8, (uint32_t)ip[9] + (uint32_t)l4len);
	s = fold(sum16(l4, l4len, s));
	l4[csum_at] = (unsigned char)(s >> 8), l4[csum_at + 1] = (unsigned char)s;
}

static int open_on(const char *ifname, struct sockaddr_ll *sll)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(ETH_P_ALL);
	sll->sll_ifindex = (int)if_nametoindex(ifname);
	if (fd < 0 || !sll->sll_ifindex || bind(fd, (struct sockaddr *)sll, sizeof(*sll))) {
		fprintf(stderr, "rawframe: %s: %s\n", ifname, strerror(errno));
		exit(2);
	}
	return fd;
}

static double now_s(void);

static int do_send(const char *ifname, const char *hex, long count)
{
	char buf[8192], *mac = strstr(hex, "{mac}");
	const char *secs = getenv("RAWFRAME_SECONDS"), *bypass = getenv("RAWFRAME_BYPASS");
	double end = secs ? now_s() + atof(secs) : 0;
	unsigned char f[4096];
	struct sockaddr_ll sll;
	int fd = open_on(ifname, &sll), n = 0, one = 1;

	if (bypass && !strcmp(bypass, "1") &&
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one))) {
		fprintf(stderr, "rawframe: PACKET_QDISC_BYPASS: %s\n", strerror(errno));
		return 2;
	}
	for (long i = 0; i < count || (end && now_s() < end); i++) {
		if (end && i >= count)
			i = 0;
		if (mac)	/* the 4 hex digits stand where {mac} was */
			snprintf(buf, sizeof(buf), "%.*s%04lx%s", (int)(mac - hex), hex,
				 i & 0xffff, mac + 5);
		if ((mac || i == 0) && (n = unhex(mac ? buf : hex, f, sizeof(f))) < 14) {
			fprintf(stderr, "rawframe: not a frame: %s\n", hex);
			return 2;
		}
		if (mac || i == 0)
			fix_sums(f, (size_t)n);
		if (sendto(fd, f, (size_t)n, 0, (struct sockaddr *)&sll, sizeof(sll)) != n) {
			if (errno == ENOBUFS)	/* a full queue: the next one */
				continue;
			fprintf(stderr, "rawframe: send: %s\n", strerror(errno));
			return 1;
		}
	}
	close(fd);
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int do_count(const char *ifname, const char *hexmark, double seconds)
{
	unsigned char mark[256], f[65536];
	struct sockaddr_ll sll, from;
	int fd = open_on(ifname, &sll), m = unhex(hexmark, mark, sizeof(mark));
	double end = now_s() + seconds;
	long hits = 0;

	if (m <= 0) {
		fprintf(stderr, "rawframe: bad marker %s\n", hexmark);
		return 2;
	}
	for (double left; (left = end - now_s()) > 0;) {
		struct pollfd p = { fd, POLLIN, 0 };
		socklen_t fl = sizeof(from);
		ssize_t n;

		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recvfrom(fd, f, sizeof(f), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		hits += memmem(f, (size_t)n, mark, (size_t)m) != NULL;
	}
	printf("%ld\n", hits);
	close(fd);
	return 0;
}

static void die_errno(const char *what)
{
	fprintf(stderr, "rawframe: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int do_udp_send(const char *dst, int port, size_t size, long count)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	static char data[65507];

	if (fd < 0 || inet_pton(AF_INET, dst, &to.sin_addr) != 1 || size > sizeof(data))
		die_errno("udp-send");
	for (size_t i = 0; i < size; i++)
		data[i] = "netisol"[i % 7];
	for (long i = 0; i < count; i++)
		if (sendto(fd, data, size, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)size)
			die_errno("udp-send: sendto");
	close(fd);
	return 0;
}

static int do_udp_recv(int port, double seconds)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	static char data[65536];
	double end = now_s() + seconds;
	long n = 0, bytes = 0;

	if (fd < 0 || bind(fd, (struct sockaddr *)&at, sizeof(at)))
		die_errno("udp-recv");
	for (double left; (left = end - now_s()) > 0;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t got;

		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		if ((got = recv(fd, data, sizeof(data), 0)) >= 0)
			n++, bytes += got;
	}
	printf("%ld %ld\n", n, bytes);
	close(fd);
	return 0;
}

/* Each echo request in: unreachable (code 13) back, quoting its IPv4
 * header and first 8 bytes, as a filtering router would. */
static int do_reject(double seconds)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	unsigned char in[65536], out[8 + 60 + 8];
	double end = now_s() + seconds;
	long answered = 0;

	if (fd < 0)
		die_errno("reject");
	for (double left; (left = end - now_s()) > 0;) {
		struct pollfd p = { fd, POLLIN, 0 };
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n;
		size_t ihl, q;

		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		ihl = n > 0 ? (size_t)(in[0] & 0xf) * 4 : 0;
		if (n <= 0 || (size_t)n < ihl + 8 || in[ihl] != ICMP_ECHO)
			continue;
		q = ihl + 8;
		memset(out, 0, 8);
		out[0] = ICMP_DEST_UNREACH, out[1] = ICMP_PKT_FILTERED;
		memcpy(out + 8, in, q);
		uint16_t c = fold(sum16(out, 8 + q, 0));
		out[2] = (unsigned char)(c >> 8), out[3] = (unsigned char)c;
		answered += sendto(fd, out, 8 + q, 0, (struct sockaddr *)&from, fl) > 0;
	}
	printf("%ld\n", answered);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "send"))
		return do_send(argv[2], argv[3], argc > 4 ? atol(argv[4]) : 1);
	if (argc == 5 && !strcmp(argv[1], "count"))
		return do_count(argv[2], argv[3], atof(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "udp-send"))
		return do_udp_send(argv[2], atoi(argv[3]), (size_t)atol(argv[4]),
				   argc > 5 ? atol(argv[5]) : 1);
	if (argc == 4 && !strcmp(argv[1], "udp-recv"))
		return do_udp_recv(atoi(argv[2]), atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "reject"))
		return do_reject(atof(argv[2]));
	fprintf(stderr, "usage: rawframe send IFACE HEX [COUNT] | count IFACE HEXMARKER SECONDS |\n"
		"       udp-send DST PORT SIZE [COUNT] | udp-recv PORT SECONDS | reject SECONDS\n");
	return 2;
}
