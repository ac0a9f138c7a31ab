// SPDX-License-Identifier: MIT
/*
 * lib/ntm_ratelimit.c: per-source token buckets (rate and burst exact to the
 * nanosecond), IPv6 sources grouped by /64, the source table's cap and its
 * garbage collection, the total bucket, exempt prefixes, and the log limit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "ntm_ratelimit.h"

#define SEC 1000000000ULL
#define MS 1000000ULL

static int fixed_random(void *arg, uint8_t *buf, size_t len)
{
	memset(buf, 0x5a, len);
	return NTM_OK;
}

static const struct ntm_ctl_env env = { .random = fixed_random };

static struct sockaddr_storage ip(const char *s)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, s, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, s, &s4->sin_addr), 1);
	}
	return ss;
}

static struct ntm_ratelimit *limiter(uint32_t rate, uint32_t burst,
				     uint32_t total_rate, uint32_t total_burst,
				     uint32_t sources)
{
	struct ntm_ratelimit_config c = {
		.rate = rate, .burst = burst, .total_rate = total_rate,
		.total_burst = total_burst, .max_sources = sources,
	};
	struct ntm_ratelimit *rl = ntm_ratelimit_new(&c, &env);

	assert_non_null(rl);
	return rl;
}

/* How many of @n datagrams from @src at @t pass. */
static unsigned int passes(struct ntm_ratelimit *rl, const char *src, unsigned int n,
			   uint64_t t)
{
	struct sockaddr_storage ss = ip(src);
	unsigned int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += ntm_ratelimit_allow(rl, &ss, t) == NTM_RL_PASS;
	return ok;
}

static void test_config_check(void **state)
{
	struct ntm_ratelimit_config c;
	const char *why;

	ntm_ratelimit_config_default(&c);
	assert_int_equal(ntm_ratelimit_config_check(&c, &why), NTM_OK);
	assert_null(why);
	c.burst = 0;
	assert_int_equal(ntm_ratelimit_config_check(&c, &why), NTM_E_MALFORMED);
	assert_string_equal(why, "a per-source rate with a burst of 0");
	assert_null(ntm_ratelimit_new(&c, &env));
	c.rate = 0;		/* no per-source limit: burst unused */
	assert_int_equal(ntm_ratelimit_config_check(&c, NULL), NTM_OK);
	ntm_ratelimit_config_default(&c);
	c.max_sources = 0;
	assert_int_equal(ntm_ratelimit_config_check(&c, NULL), NTM_E_MALFORMED);
	ntm_ratelimit_config_default(&c);
	c.total_rate = NTM_RL_MAX_RATE + 1;
	assert_int_equal(ntm_ratelimit_config_check(&c, NULL), NTM_E_MALFORMED);
}

/* The burst passes at once, then one datagram per 1/rate s. */
static void test_burst_then_rate(void **state)
{
	struct ntm_ratelimit *rl = limiter(10, 5, 0, 0, 16);
	struct sockaddr_storage a = ip("192.0.2.1");
	uint64_t t = 5 * SEC;

	assert_int_equal(passes(rl, "192.0.2.1", 20, t), 5);
	assert_int_equal(ntm_ratelimit_allow(rl, &a, t), NTM_RL_SOURCE);
	/* 99 ms later: not yet a token (cost 100 ms). */
	assert_int_equal(passes(rl, "192.0.2.1", 1, t + 99 * MS), 0);
	assert_int_equal(passes(rl, "192.0.2.1", 3, t + 100 * MS), 1);
	/* Half a second refills 5 tokens; never more than the burst. */
	assert_int_equal(passes(rl, "192.0.2.1", 100, t + 600 * MS), 5);
	assert_int_equal(passes(rl, "192.0.2.1", 100, t + 1600 * MS), 5);
	assert_int_equal(passes(rl, "192.0.2.1", 100, t + 1000 * SEC), 5);
	ntm_ratelimit_free(rl);
}

/* Over a simulated minute at 10x the rate, what passes is rate x time +
 * burst, exactly. */
static void test_sustained_flood(void **state)
{
	struct ntm_ratelimit *rl = limiter(50, 20, 0, 0, 16);
	struct ntm_ratelimit_stats st;
	unsigned int ok = 0, i;
	uint64_t t0 = 1 * SEC, t;

	for (i = 0, t = t0; i <= 30000; i++, t += 2 * MS)	/* 500/s, 60 s */
		ok += passes(rl, "198.51.100.7", 1, t);
	assert_int_equal(ok, 50 * 60 + 20);
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.passed, ok);
	assert_int_equal(st.limited_source, 30001 - ok);
	assert_int_equal(st.sources, 1);
	ntm_ratelimit_free(rl);
}

static void test_sources_independent(void **state)
{
	struct ntm_ratelimit *rl = limiter(1, 3, 0, 0, 16);

	assert_int_equal(passes(rl, "192.0.2.1", 10, SEC), 3);
	assert_int_equal(passes(rl, "192.0.2.2", 10, SEC), 3);
	assert_int_equal(passes(rl, "2001:db8::1", 10, SEC), 3);
	/* The same /64 is one source; another /64 is not. */
	assert_int_equal(passes(rl, "2001:db8::ffff:1", 10, SEC), 0);
	assert_int_equal(passes(rl, "2001:db8:0:1::1", 10, SEC), 3);
	/* A v4-mapped address is its IPv4 address. */
	assert_int_equal(passes(rl, "::ffff:192.0.2.1", 10, SEC), 0);
	ntm_ratelimit_free(rl);
}

/* A full table refuses new sources, keeps limiting known ones, and the GC
 * frees the sources whose buckets are full again. */
static void test_table_full_and_gc(void **state)
{
	struct ntm_ratelimit *rl = limiter(10, 2, 0, 0, 4);
	struct ntm_ratelimit_stats st;
	struct sockaddr_storage e = ip("10.0.0.5");
	char a[32];
	int i;

	for (i = 1; i <= 4; i++) {
		snprintf(a, sizeof(a), "10.0.0.%d", i);
		assert_int_equal(passes(rl, a, 1, SEC), 1);
	}
	assert_int_equal(ntm_ratelimit_allow(rl, &e, SEC), NTM_RL_FULL);
	assert_int_equal(passes(rl, "10.0.0.1", 5, SEC), 1);	/* burst 2 */
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.sources, 4);
	assert_int_equal(st.limited_full, 1);
	assert_int_equal(st.limited_source, 4);
	/* 150 ms: 10.0.0.2..4 have refilled (one token spent), 10.0.0.1 (two
	 * spent) has not; the GC keeps only it. */
	ntm_ratelimit_gc(rl, SEC + 150 * MS);
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.sources, 1);
	assert_int_equal(st.gc_freed, 3);
	assert_int_equal(ntm_ratelimit_allow(rl, &e, SEC + 150 * MS), NTM_RL_PASS);
	/* allow() runs the GC by itself a second after the last one. */
	assert_int_equal(passes(rl, "10.0.0.1", 1, 3 * SEC), 1);
	ntm_ratelimit_get_stats(rl, &st);
	/* 10.0.0.1 and 10.0.0.5 were freed; 10.0.0.1 came back. */
	assert_int_equal(st.gc_freed, 5);
	assert_int_equal(st.sources, 1);
	ntm_ratelimit_free(rl);
}

/* Many sources, each under its own rate: the total bucket bounds them. */
static void test_total(void **state)
{
	struct ntm_ratelimit *rl = limiter(100, 100, 10, 30, 1024);
	struct ntm_ratelimit_stats st;
	unsigned int ok = 0, i;
	char a[32];

	for (i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "203.0.113.%u", i);
		ok += passes(rl, a, 1, SEC);
	}
	assert_int_equal(ok, 30);
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.limited_total, 170);
	/* A refused datagram cost its source nothing. */
	assert_int_equal(passes(rl, "203.0.113.199", 1, SEC + 100 * MS), 1);
	assert_int_equal(passes(rl, "203.0.113.198", 1, SEC + 100 * MS), 0);
	ntm_ratelimit_free(rl);
}

static void test_exempt(void **state)
{
	struct ntm_ratelimit *rl = limiter(1, 1, 1, 1, 2);
	struct ntm_ratelimit_stats st;
	struct sockaddr_storage dc = ip("198.51.100.20");
	uint8_t p4[4] = { 198, 51, 100, 16 }, p6[16] = { 0xfd, 0 };
	int i;

	assert_int_equal(ntm_ratelimit_exempt(rl, AF_INET, p4, 28), 0);
	assert_int_equal(ntm_ratelimit_exempt(rl, AF_INET6, p6, 8), 0);
	assert_int_equal(ntm_ratelimit_exempt(rl, AF_INET, p4, 33), -EINVAL);
	assert_int_equal(ntm_ratelimit_exempt(rl, AF_UNIX, p4, 1), -EINVAL);
	for (i = 0; i < 1000; i++)
		assert_int_equal(ntm_ratelimit_allow(rl, &dc, SEC), NTM_RL_EXEMPT);
	assert_int_equal(passes(rl, "fd12::1", 1, SEC), 0);	/* EXEMPT */
	assert_int_equal(passes(rl, "198.51.100.32", 3, SEC), 1);
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.exempt, 1001);
	assert_int_equal(st.sources, 1);
	ntm_ratelimit_free(rl);
}

/* A clock that goes back refills nothing and breaks nothing. */
static void test_clock_back(void **state)
{
	struct ntm_ratelimit *rl = limiter(10, 2, 10, 2, 4);

	assert_int_equal(passes(rl, "192.0.2.9", 5, 10 * SEC), 2);
	assert_int_equal(passes(rl, "192.0.2.9", 5, 1 * SEC), 0);
	assert_int_equal(passes(rl, "192.0.2.9", 5, 10 * SEC + 100 * MS), 1);
	ntm_ratelimit_free(rl);
}

static void test_no_source_limit(void **state)
{
	struct ntm_ratelimit *rl = limiter(0, 0, 0, 0, 1);
	struct ntm_ratelimit_stats st;

	assert_int_equal(passes(rl, "192.0.2.1", 1000, SEC), 1000);
	assert_int_equal(passes(rl, "192.0.2.2", 1000, SEC), 1000);
	ntm_ratelimit_get_stats(rl, &st);
	assert_int_equal(st.sources, 0);
	ntm_ratelimit_free(rl);
}

/* Burst 4e9 at 1/s would overflow cost * burst: saturated instead. */
static void test_huge_burst(void **state)
{
	struct ntm_ratelimit *rl = limiter(1, UINT32_MAX, 0, 0, 1);

	assert_int_equal(passes(rl, "192.0.2.1", 1000, SEC), 1000);
	ntm_ratelimit_free(rl);
}

static void test_log_limit(void **state)
{
	struct ntm_log_limit l = { .interval_ms = 10000 };
	uint64_t sup = 99;
	int i, lines = 0;

	assert_true(ntm_log_limit_ok(&l, 1000, &sup));
	assert_int_equal(sup, 0);
	for (i = 0; i < 500; i++)
		lines += ntm_log_limit_ok(&l, 1000 + (uint64_t)i * 10, &sup);
	assert_int_equal(lines, 0);
	assert_true(ntm_log_limit_ok(&l, 11000, &sup));
	assert_int_equal(sup, 500);
	assert_false(ntm_log_limit_ok(&l, 11001, &sup));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_check),
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_sustained_flood),
		cmocka_unit_test(test_sources_independent),
		cmocka_unit_test(test_table_full_and_gc),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_exempt),
		cmocka_unit_test(test_clock_back),
		cmocka_unit_test(test_no_source_limit),
		cmocka_unit_test(test_huge_burst),
		cmocka_unit_test(test_log_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
