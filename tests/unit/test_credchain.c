/* test_credchain.c - credential caching, refresh windows and chain selection */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "aws.h"
#include "credchain.h"
#include "creds.h"
#include "creds_cached.h"
#include "creds_process.h"
#include "creds_sts.h"
#include "fakesrv.h"
#include "http.h"

/* ---- a fake inner provider with a pinned clock ---------------------- */

static time_t pinned = 1700000000;
static time_t fake_clock(void)
{
	return __atomic_load_n(&pinned, __ATOMIC_SEQ_CST);
}

struct fake {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int calls;                      /* protected by mu */
	int fail;                       /* next fetches fail */
	int gate;                       /* fetch blocks while 1 */
	int in_fetch;
	time_t lifetime;
	unsigned delay_us;
};

static struct fake fk;

static int fake_fetch(void *arg, struct aws_credentials **out,
		      struct aws_error *err)
{
	struct fake *f = arg;
	char akid[32];
	int n;

	pthread_mutex_lock(&f->mu);
	n = ++f->calls;
	f->in_fetch = 1;
	pthread_cond_broadcast(&f->cv);
	while (f->gate)
		pthread_cond_wait(&f->cv, &f->mu);
	pthread_mutex_unlock(&f->mu);
	if (f->delay_us)
		usleep(f->delay_us);    /* keeps the flight open for the others */
	pthread_mutex_lock(&f->mu);
	f->in_fetch = 0;
	pthread_mutex_unlock(&f->mu);
	if (f->fail) {
		aws_error_set(err, EACCES, "UnauthorizedSSOToken",
			      "profile dev: the SSO session has expired; run "
			      "'aws sso login --profile dev'");
		return -EACCES;
	}
	snprintf(akid, sizeof(akid), "AKID%d", n);
	*out = aws_credentials_new(akid, "secret", "token",
				   fake_clock() + f->lifetime);
	return *out ? 0 : -ENOMEM;
}

static struct creds_provider *fake_provider(void)
{
	memset(&fk, 0, sizeof(fk));
	pthread_mutex_init(&fk.mu, NULL);
	pthread_cond_init(&fk.cv, NULL);
	fk.lifetime = 3600;
	pinned = 1700000000;
	return credchain_cached_new("fake", "profile dev (fake)", fake_fetch,
				    &fk, NULL, fake_clock);
}

static int calls(void)
{
	int n;

	pthread_mutex_lock(&fk.mu);
	n = fk.calls;
	pthread_mutex_unlock(&fk.mu);
	return n;
}

static void expect_key(struct creds_provider *p, const char *akid)
{
	struct aws_credentials *c = NULL;
	struct aws_error e;

	aws_error_clear(&e);
	ck_assert_int_eq(creds_provider_get(p, &c, &e), 0);
	ck_assert_str_eq(c->access_key_id, akid);
	aws_credentials_release(c);
}

START_TEST(cached_until_advisory)
{
	struct creds_provider *p = fake_provider();

	expect_key(p, "AKID1");
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 1);
	/* one second before the advisory window: still cached */
	pinned += 3600 - CREDCHAIN_ADVISORY_REFRESH - 1;
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 1);
	/* at the window: refreshed */
	pinned += 1;
	expect_key(p, "AKID2");
	ck_assert_int_eq(calls(), 2);
	creds_provider_release(p);
}
END_TEST

struct thr {
	struct creds_provider *p;
	pthread_barrier_t *bar;
	char akid[32];
	int rc;
	struct aws_error err;
	double ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static void *getter(void *arg)
{
	struct thr *t = arg;
	struct aws_credentials *c = NULL;
	double t0;

	aws_error_clear(&t->err);
	pthread_barrier_wait(t->bar);
	t0 = now_ms();
	t->rc = creds_provider_get(t->p, &c, &t->err);
	t->ms = now_ms() - t0;
	if (t->rc == 0) {
		snprintf(t->akid, sizeof(t->akid), "%s", c->access_key_id);
		aws_credentials_release(c);
	}
	return NULL;
}

#define NTHREADS 32

static void run_threads(struct creds_provider *p, struct thr *t)
{
	pthread_t th[NTHREADS];
	pthread_barrier_t bar;

	pthread_barrier_init(&bar, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) {
		t[i].p = p;
		t[i].bar = &bar;
		ck_assert_int_eq(pthread_create(&th[i], NULL, getter, &t[i]), 0);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
}

START_TEST(single_flight_32_threads)
{
	struct creds_provider *p = fake_provider();
	struct thr t[NTHREADS];

	memset(t, 0, sizeof(t));
	expect_key(p, "AKID1");
	/* about to expire: inside the mandatory window */
	pinned += 3600 - CREDCHAIN_MANDATORY_REFRESH + 60;
	fk.delay_us = 200000;
	run_threads(p, t);
	ck_assert_int_eq(calls(), 2);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(t[i].rc, 0);
		ck_assert_str_eq(t[i].akid, "AKID2");
	}
	creds_provider_release(p);
}
END_TEST

static void *one_getter(void *arg)
{
	struct thr *t = arg;
	struct aws_credentials *c = NULL;

	aws_error_clear(&t->err);
	t->rc = creds_provider_get(t->p, &c, &t->err);
	if (t->rc == 0) {
		snprintf(t->akid, sizeof(t->akid), "%s", c->access_key_id);
		aws_credentials_release(c);
	}
	return NULL;
}

START_TEST(advisory_does_not_block)
{
	struct creds_provider *p = fake_provider();
	struct thr t = { .p = p };
	pthread_t th;

	expect_key(p, "AKID1");
	pinned += 3600 - CREDCHAIN_ADVISORY_REFRESH + 60;
	pthread_mutex_lock(&fk.mu);
	fk.gate = 1;
	pthread_mutex_unlock(&fk.mu);
	ck_assert_int_eq(pthread_create(&th, NULL, one_getter, &t), 0);
	pthread_mutex_lock(&fk.mu);
	while (!fk.in_fetch)
		pthread_cond_wait(&fk.cv, &fk.mu);
	pthread_mutex_unlock(&fk.mu);
	/* the refresh is in flight and stuck: others keep the old ones */
	expect_key(p, "AKID1");
	expect_key(p, "AKID1");
	pthread_mutex_lock(&fk.mu);
	fk.gate = 0;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.mu);
	pthread_join(th, NULL);
	ck_assert_int_eq(t.rc, 0);
	ck_assert_str_eq(t.akid, "AKID2");
	expect_key(p, "AKID2");
	ck_assert_int_eq(calls(), 2);
	creds_provider_release(p);
}
END_TEST

START_TEST(failed_refresh_keeps_valid)
{
	struct creds_provider *p = fake_provider();
	struct aws_credentials *c = NULL;
	struct aws_error e;

	expect_key(p, "AKID1");
	fk.fail = 1;
	pinned += 3600 - CREDCHAIN_MANDATORY_REFRESH + 60;
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 2);
	/* no new attempt for 30 s while the old ones are good */
	pinned += 29;
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 2);
	pinned += 1;
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 3);
	/* once they have expired the failure is the caller's */
	pinned += CREDCHAIN_MANDATORY_REFRESH;
	aws_error_clear(&e);
	ck_assert_int_eq(creds_provider_get(p, &c, &e), -EACCES);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(calls(), 4);
	ck_assert_msg(strstr(e.message, "aws sso login --profile dev") != NULL,
		      "%s", e.message);
	/* and is repeated without a new attempt for a moment */
	fk.fail = 0;
	aws_error_clear(&e);
	ck_assert_int_eq(creds_provider_get(p, &c, &e), -EACCES);
	ck_assert_msg(strstr(e.message, "aws sso login --profile dev") != NULL,
		      "%s", e.message);
	ck_assert_int_eq(calls(), 4);
	/* then recovers when the fetch works again */
	pinned += 2;
	expect_key(p, "AKID5");
	creds_provider_release(p);
}
END_TEST

START_TEST(short_lifetime_not_refetched)
{
	struct creds_provider *p = fake_provider();

	fk.lifetime = 900;      /* DurationSeconds 900 */
	expect_key(p, "AKID1");
	pinned += 599;
	expect_key(p, "AKID1");
	ck_assert_int_eq(calls(), 1);
	pinned += 1;            /* a third of the lifetime left */
	expect_key(p, "AKID2");
	/* credentials that arrive expired are fetched again on each call */
	fk.lifetime = -10;
	creds_provider_invalidate(p);
	expect_key(p, "AKID3");
	expect_key(p, "AKID4");
	creds_provider_release(p);
}
END_TEST

START_TEST(expired_fails_all_at_once)
{
	struct creds_provider *p = fake_provider();
	struct thr t[NTHREADS];

	memset(t, 0, sizeof(t));
	expect_key(p, "AKID1");
	fk.fail = 1;
	fk.delay_us = 100000;
	pinned += 7200;
	run_threads(p, t);
	/* waiters share the one failed flight instead of queueing fetches */
	ck_assert_int_lt(calls() - 1, NTHREADS / 2);
	for (int i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(t[i].rc, -EACCES);
		ck_assert_msg(strstr(t[i].err.message, "profile dev") != NULL,
			      "%s", t[i].err.message);
	}
	creds_provider_release(p);
}
END_TEST

START_TEST(invalidate_refetches)
{
	struct creds_provider *p = fake_provider();

	expect_key(p, "AKID1");
	creds_provider_invalidate(p);
	expect_key(p, "AKID2");
	expect_key(p, "AKID2");
	ck_assert_int_eq(calls(), 2);
	creds_provider_release(p);
}
END_TEST

/* ---- chain selection from files and environment -------------------- */

static char home[64];
static const char *envn[32], *envv[32];
static int nenv;
static struct http_ctx *http;

static const char *fenv(const char *name)
{
	for (int i = nenv - 1; i >= 0; i--)
		if (strcmp(envn[i], name) == 0)
			return envv[i];
	return NULL;
}

static void fset(const char *n, const char *v)
{
	envn[nenv] = n;
	envv[nenv++] = v;
}

static void write_home(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", home, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void chain_setup(void)
{
	char d[128];

	strcpy(home, "/tmp/test_credchain.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(home));
	snprintf(d, sizeof(d), "%s/.aws", home);
	mkdir(d, 0700);
	nenv = 0;
	fset("HOME", home);
	fset("AWS_EC2_METADATA_DISABLED", "true");
	http = http_ctx_new(NULL);
	ck_assert_ptr_nonnull(http);
}

static void chain_teardown(void)
{
	char cmd[160];

	http_ctx_free(http);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	ck_assert_int_eq(system(cmd), 0);
}

static int load(const char *profile, struct credchain **cc, char *err,
		size_t len)
{
	struct credchain_options o = {
		.profile = profile, .http = http, .getenv_fn = fenv,
		.clock = fake_clock,
	};

	return credchain_load(&o, cc, err, len);
}

static void expect_source(const char *profile, const char *source,
			  const char *akid)
{
	struct credchain *cc = NULL;
	struct aws_credentials *c = NULL;
	struct aws_error e;
	char err[512] = "";

	ck_assert_msg(load(profile, &cc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cc->source, source);
	aws_error_clear(&e);
	ck_assert_msg(creds_provider_get(cc->provider, &c, &e) == 0, "%s",
		      e.message);
	ck_assert_str_eq(c->access_key_id, akid);
	aws_credentials_release(c);
	credchain_free(cc);
}

static void expect_load_error(const char *profile, int rc, const char *want)
{
	struct credchain *cc = NULL;
	char err[512] = "";

	ck_assert_int_eq(load(profile, &cc, err, sizeof(err)), rc);
	ck_assert_msg(strstr(err, want) != NULL, "got '%s' want '%s'", err, want);
	ck_assert_ptr_null(cc);
}

static void expect_get_error(const char *profile, const char *want)
{
	struct credchain *cc = NULL;
	struct aws_credentials *c = NULL;
	struct aws_error e;
	char err[512] = "";

	ck_assert_msg(load(profile, &cc, err, sizeof(err)) == 0, "%s", err);
	aws_error_clear(&e);
	ck_assert_int_lt(creds_provider_get(cc->provider, &c, &e), 0);
	ck_assert_msg(strstr(e.message, want) != NULL, "got '%s' want '%s'",
		      e.message, want);
	credchain_free(cc);
}

START_TEST(env_first_unless_explicit)
{
	write_home(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\n"
		   "aws_secret_access_key = s\n[dev]\naws_access_key_id = DEVKEY\n"
		   "aws_secret_access_key = s\n");
	expect_source(NULL, "shared-credentials-file", "FILEKEY");
	fset("AWS_ACCESS_KEY_ID", "ENVKEY");
	fset("AWS_SECRET_ACCESS_KEY", "envsecret");
	expect_source(NULL, "environment", "ENVKEY");
	/* AWS_PROFILE does not disable the environment; --profile does */
	fset("AWS_PROFILE", "dev");
	expect_source(NULL, "environment", "ENVKEY");
	expect_source("dev", "shared-credentials-file", "DEVKEY");
	fset("AWS_SECRET_ACCESS_KEY", "");
	expect_load_error(NULL, -EINVAL, "AWS_SECRET_ACCESS_KEY is not");
}
END_TEST

START_TEST(files_and_process)
{
	write_home(".aws/config",
		   "[profile cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = s\n"
		   "[profile both]\naws_access_key_id = CFGKEY\naws_secret_access_key = s\n"
		   "[profile proc]\ncredential_process = /bin/echo '{\"Version\": 1, "
		   "\"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": \"x\", "
		   "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n"
		   "[profile badjson]\ncredential_process = /bin/echo '{\"Version\": 1,'\n"
		   "[profile badver]\ncredential_process = /bin/echo '{\"Version\": 2}'\n"
		   "[profile fails]\ncredential_process = /bin/sh -c 'echo denied by policy >&2; echo more >&2; exit 3'\n"
		   "[profile missing]\ncredential_process = /nonexistent/helper --x\n"
		   "[profile partial]\naws_access_key_id = K\n"
		   "[profile nothing]\nregion = x\n");
	write_home(".aws/credentials", "[both]\naws_access_key_id = CREDKEY\n"
		   "aws_secret_access_key = s\n");
	expect_source("cfg", "config-file", "CFGKEY");
	expect_source("both", "shared-credentials-file", "CREDKEY");
	expect_source("proc", "credential-process", "PROCKEY");
	expect_get_error("badjson", "did not print a JSON object");
	expect_get_error("badver", "Version (must be 1)");
	expect_get_error("fails", "exited with status 3: denied by policy");
	expect_get_error("missing", "cannot run /nonexistent/helper");
	expect_load_error("partial", -EINVAL, "aws_secret_access_key is not");
	expect_load_error("nope", -ENOENT, "profile nope not found");
	expect_load_error("nothing", -ENOENT, "instance metadata is disabled");
}
END_TEST

START_TEST(role_config_errors)
{
	write_home(".aws/config",
		   "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
		   "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n"
		   "[profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n"
		   "[profile self]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = self\n"
		   "[profile selfkeys]\nrole_arn = arn:aws:iam::1:role/s\nsource_profile = selfkeys\n"
		   "aws_access_key_id = SELF\naws_secret_access_key = s\n"
		   "[profile dangling]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = ghost\n"
		   "[profile both]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = selfkeys\n"
		   "credential_source = Environment\n"
		   "[profile neither]\nrole_arn = arn:aws:iam::1:role/d\n"
		   "[profile badsrc]\nrole_arn = arn:aws:iam::1:role/d\ncredential_source = Moon\n"
		   "[profile empty]\nregion = x\n"
		   "[profile fromempty]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = empty\n"
		   "[profile mfa]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = selfkeys\n"
		   "mfa_serial = arn:aws:iam::1:mfa/me\n"
		   "[profile dur]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = selfkeys\n"
		   "duration_seconds = 60\n"
		   "[profile ok]\nrole_arn = arn:aws:iam::1:role/m\nsource_profile = selfkeys\n");
	expect_load_error("a", -ELOOP, "source_profile loop: a -> b -> c -> a");
	expect_load_error("self", -ELOOP, "source_profile loop");
	expect_load_error("dangling", -EINVAL, "source_profile ghost does not exist");
	expect_load_error("both", -EINVAL, "mutually exclusive");
	expect_load_error("neither", -EINVAL, "needs source_profile or credential_source");
	expect_load_error("badsrc", -EINVAL, "unknown credential_source 'Moon'");
	expect_load_error("fromempty", -EINVAL, "source_profile empty has no credentials");
	expect_load_error("mfa", -ENOTTY, "no terminal");
	expect_load_error("dur", -EINVAL, "duration_seconds");
	{
		struct credchain *cc = NULL;
		char err[256];

		ck_assert_msg(load("selfkeys", &cc, err, sizeof(err)) == 0, "%s", err);
		ck_assert_str_eq(cc->source, "assume-role");
		credchain_free(cc);
		ck_assert_msg(load("ok", &cc, err, sizeof(err)) == 0, "%s", err);
		ck_assert_str_eq(cc->source, "assume-role");
		credchain_free(cc);
	}
}
END_TEST

START_TEST(sso_and_webid_config)
{
	write_home(".aws/config",
		   "[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
		   "[profile nosess]\nsso_session = ghost\nsso_account_id = 1\nsso_role_name = R\n"
		   "[profile half]\nsso_account_id = 1\n"
		   "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n"
		   "[profile w]\nweb_identity_token_file = /nonexistent/token\n"
		   "[profile w2]\nweb_identity_token_file = /nonexistent/token\n"
		   "role_arn = arn:aws:iam::1:role/w\n");
	expect_load_error("nosess", -EINVAL, "sso-session ghost does not exist");
	expect_load_error("half", -EINVAL, "incomplete SSO configuration");
	expect_load_error("w", -EINVAL, "no role ARN");
	/* no cached token: a message saying what to run, without a network call */
	expect_get_error("s", "profile s: there is no SSO session (no cached "
			 "token); run 'aws sso login --profile s'");
	expect_get_error("w2", "cannot read the web identity token file");
}
END_TEST

START_TEST(container_uri_rule)
{
	static const struct {
		const char *uri;
		int ok;
	} c[] = {
		{ "http://127.0.0.1:8080/creds", 1 },
		{ "http://127.1.2.3/creds", 1 },
		{ "http://localhost/creds", 1 },
		{ "http://[::1]:80/creds", 1 },
		{ "http://169.254.170.2/v2/credentials", 1 },
		{ "http://169.254.170.23/v1/credentials", 1 },
		{ "http://[fd00:ec2::23]/v1/credentials", 1 },
		{ "https://creds.example.com/x", 1 },
		{ "http://10.0.0.1/creds", 0 },
		{ "http://example.com/creds", 0 },
		{ "http://127.0.0.1@evil.example/creds", 0 },
		{ "ftp://127.0.0.1/creds", 0 },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct credchain *cc = NULL;
		char err[512] = "";
		int rc;

		nenv = 2;
		fset("AWS_CONTAINER_CREDENTIALS_FULL_URI", c[i].uri);
		rc = load(NULL, &cc, err, sizeof(err));
		ck_assert_msg((rc == 0) == c[i].ok, "%s: %d %s", c[i].uri, rc, err);
		if (rc == 0)
			ck_assert_str_eq(cc->source, "container");
		credchain_free(cc);
	}
}
END_TEST

START_TEST(endpoints_from_profile)
{
	struct credchain *cc = NULL;
	char err[256];

	write_home(".aws/config",
		   "[default]\nregion = eu-central-1\nendpoint_url = http://127.0.0.1:9\n"
		   "services = local\naws_access_key_id = K\naws_secret_access_key = s\n"
		   "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:7\n");
	ck_assert_msg(load(NULL, &cc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cc->region, "eu-central-1");
	ck_assert_str_eq(cc->profile, "default");
	ck_assert_str_eq(cc->endpoints.profile_endpoint_url, "http://127.0.0.1:9");
	ck_assert_str_eq(cc->endpoints.services_lookup("sts", cc->endpoints.services_arg),
			 "http://127.0.0.1:7");
	ck_assert_ptr_null(cc->endpoints.services_lookup("sso", cc->endpoints.services_arg));
	/* named in the origin of the endpoints */
	ck_assert_str_eq(cc->endpoints.profile, "default");
	ck_assert_str_eq(cc->endpoints.services_section, "local");
	credchain_free(cc);
}
END_TEST

static void expect_desc(const char *profile, const char *want)
{
	struct credchain *cc = NULL;
	char err[512] = "";

	ck_assert_msg(load(profile, &cc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cc->description, want);
	/* never a secret, nor a whole access key id */
	for (const char *const *s = (const char *const[]){ "SECRET1",
		"SECRET2", "SECRET3", "SECRET4", "TOKEN01", "TOKEN02", "AKID",
		NULL }; *s; s++)
		ck_assert_msg(!strstr(cc->description, *s), "%s in %s", *s,
			      cc->description);
	credchain_free(cc);
}

/* What .orgfs/config says of the credentials: kind and origin, an access
 * key id masked, never a secret */
START_TEST(describes_the_chain)
{
	write_home(".aws/config",
		   "[profile cfg]\naws_access_key_id = AKIDCFG1234\n"
		   "aws_secret_access_key = SECRET1\n"
		   "[profile proc]\ncredential_process = /usr/bin/helper --key SECRET2\n"
		   "[profile qproc]\ncredential_process = \"/opt/my tools/get\" SECRET2\n"
		   "[profile role]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = mid\n"
		   "[profile mid]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = keys\n"
		   "[profile envrole]\nrole_arn = arn:aws:iam::1:role/e\n"
		   "credential_source = Environment\n"
		   "[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n"
		   "[profile s2]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n"
		   "sso_account_id = 2\nsso_role_name = Q\n"
		   "[sso-session corp]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n"
		   "[profile w]\nweb_identity_token_file = /t/token\n"
		   "role_arn = arn:aws:iam::1:role/w\n"
		   "[profile bare]\nregion = eu-west-1\n");
	write_home(".aws/credentials", "[keys]\naws_access_key_id = AKIDKEYS5678\n"
		   "aws_secret_access_key = SECRET3\naws_session_token = TOKEN01\n");
	expect_desc("cfg", "profile cfg: static keys in the config file "
		    "(access key id ****1234)");
	expect_desc("keys", "profile keys: static keys in the shared "
		    "credentials file (access key id ****5678, with a session "
		    "token)");
	expect_desc("proc", "profile proc: credential_process (/usr/bin/helper)");
	expect_desc("qproc", "profile qproc: credential_process "
		    "(\"/opt/my tools/get\")");
	expect_desc("role", "profile role: assume role arn:aws:iam::1:role/a; "
		    "source: profile mid: assume role arn:aws:iam::1:role/b; "
		    "source: profile keys: static keys in the shared credentials "
		    "file (access key id ****5678, with a session token)");
	expect_desc("s", "profile s: IAM Identity Center (SSO), sso-session "
		    "corp, account 1, role R, portal "
		    "https://portal.sso.eu-west-1.amazonaws.com (standard)");
	fset("AWS_ENDPOINT_URL_SSO", "http://127.0.0.1:9");
	expect_desc("s2", "profile s2: IAM Identity Center (SSO), start URL "
		    "https://x/start, account 2, role Q, portal "
		    "http://127.0.0.1:9 (AWS_ENDPOINT_URL_SSO)");
	fset("AWS_ENDPOINT_URL_SSO", "");
	expect_desc("w", "profile w: web identity, role arn:aws:iam::1:role/w, "
		    "token file /t/token");
	fset("AWS_ACCESS_KEY_ID", "AKIDENV9999");
	fset("AWS_SECRET_ACCESS_KEY", "SECRET4");
	expect_desc(NULL, "environment variables AWS_ACCESS_KEY_ID (****9999), "
		    "AWS_SECRET_ACCESS_KEY");
	fset("AWS_SESSION_TOKEN", "TOKEN02");
	expect_desc("envrole", "profile envrole: assume role "
		    "arn:aws:iam::1:role/e; source: environment variables "
		    "AWS_ACCESS_KEY_ID (****9999), AWS_SECRET_ACCESS_KEY, "
		    "AWS_SESSION_TOKEN");
	fset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x");
	expect_desc("bare", "container credentials "
		    "(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)");
	fset("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "");
	fset("AWS_EC2_METADATA_DISABLED", "false");
	expect_desc("bare", "EC2 instance metadata at http://169.254.169.254 "
		    "(IMDSv2, IMDSv1 fallback)");
}
END_TEST

START_TEST(member_registry_shares)
{
	struct aws_client_config cfg = { .http = http, .region = "us-east-1" };
	struct aws_client *base = aws_client_new(&cfg);
	struct credchain_member_roles *roles = credchain_member_roles_new(base);
	struct creds_provider *a, *b, *c, *d;

	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(roles);
	a = credchain_member_role(roles, "111111111111", "Reader", NULL, NULL);
	b = credchain_member_role(roles, "111111111111", "Reader", NULL, "aws");
	c = credchain_member_role(roles, "222222222222", "Reader", NULL, NULL);
	d = credchain_member_role(roles, "111111111111", "Reader", "ext", NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ck_assert_ptr_ne(a, c);
	ck_assert_ptr_ne(a, d);
	ck_assert_ptr_null(credchain_member_role(roles, "", "Reader", NULL, NULL));
	creds_provider_release(a);
	creds_provider_release(b);
	creds_provider_release(c);
	creds_provider_release(d);
	credchain_member_roles_free(roles);
	aws_client_free(base);
}
END_TEST

/* ---- HTTP providers against a loopback server ------------------------ */

/* One request per connection.  IMDS's token and role name are answered,
 * the first `fail` other requests get fail_status/fail_body, the rest
 * body with ctype. */
struct tiny {
	struct fakesrv *fs;
	char url[64];
	const char *body, *ctype;
	int fail, fail_status;
	const char *fail_body;
	int nreq;                       /* atomic */
};

static struct tiny *tiny;

static void tiny_serve(int fd, void *arg)
{
	static char req[1 << 17];
	struct tiny *t = arg;
	char head[512], method[16] = "", path[1024] = "";
	const char *body = t->body, *ctype = t->ctype;
	size_t hlen;
	int status = 200, n;

	if (!fakesrv_read_request(fd, req, sizeof(req), &hlen))
		return;
	sscanf(req, "%15s %1023s", method, path);
	if (!strcmp(method, "PUT") && !strcmp(path, "/latest/api/token")) {
		body = "imds-token";
		ctype = "text/plain";
	} else if (!strcmp(path, "/latest/meta-data/iam/security-credentials/")) {
		body = "the-role";
		ctype = "text/plain";
	} else {
		n = __atomic_fetch_add(&t->nreq, 1, __ATOMIC_SEQ_CST);
		if (n < t->fail) {
			status = t->fail_status;
			body = t->fail_body;
			ctype = "text/xml";
		}
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d X\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n\r\n", status,
		     ctype, strlen(body));
	fakesrv_send_all(fd, head, (size_t)n);
	fakesrv_send_all(fd, body, strlen(body));
}

static void tiny_start(const char *body, const char *ctype)
{
	tiny = calloc(1, sizeof(*tiny));
	ck_assert_ptr_nonnull(tiny);
	tiny->body = body;
	tiny->ctype = ctype;
	tiny->fs = fakesrv_start(tiny_serve, tiny);
	snprintf(tiny->url, sizeof(tiny->url), "%s", tiny->fs->url);
}

static void tiny_stop(void)
{
	if (!tiny)
		return;
	fakesrv_stop(tiny->fs);
	free(tiny);
	tiny = NULL;
}

static void http_teardown(void)
{
	tiny_stop();            /* also when an assertion ended the test */
	chain_teardown();
}

enum leak_path { LP_PROCESS, LP_CONTAINER, LP_IMDS, LP_SSO, LP_WEBID };

struct leak_case {
	enum leak_path path;
	const char *body;
	const char *secret;     /* no 6-byte piece of it may be quoted */
	const char *want;       /* what the message must say */
};

#define CUT_CREDS "{\"AccessKeyId\":\"AKIAFAKE\",\"SecretAccessKey\":\"wJalrXUtn"
#define BARE_CREDS "{\"AccessKeyId\": \"AKIAFAKE\", \"SecretAccessKey\": " \
	"wJalrXUtnFEMI/K7MDENG}"

static const struct leak_case leak_cases[] = {
	{ LP_PROCESS, "{\"Version\": 1, \"SecretAccessKey\": wJalrXUtnFEMI/K7MDENG}",
	  "wJalrXUtnFEMI/K7MDENG",
	  "did not print a JSON object (malformed json: line 1 column" },
	{ LP_PROCESS, "{\"Version\": 1, \"AccessKeyId\":\"AKIAFAKE\","
	  "\"SecretAccessKey\":\"wJalrXUtn", "wJalrXUtn",
	  "did not print a JSON object (malformed json: line 1 column" },
	{ LP_PROCESS, "{\"Version\": 1,\n\"SessionToken\": \"IQoJb3JpZ2luX2VjEFAKE\n",
	  "IQoJb3JpZ2luX2VjEFAKE",
	  "did not print a JSON object (malformed json: line 2 column" },
	{ LP_CONTAINER, CUT_CREDS, "wJalrXUtn",
	  "container credentials: malformed json reply: line 1 column" },
	{ LP_CONTAINER, BARE_CREDS, "wJalrXUtnFEMI/K7MDENG",
	  "container credentials: malformed json reply: line 1 column" },
	{ LP_IMDS, CUT_CREDS, "wJalrXUtn",
	  "profile default: instance metadata: malformed json reply: line 1 column" },
	{ LP_IMDS, BARE_CREDS, "wJalrXUtnFEMI/K7MDENG",
	  "profile default: instance metadata: malformed json reply: line 1 column" },
	{ LP_SSO, "{\"roleCredentials\":{\"accessKeyId\":\"ASIAFAKE\","
	  "\"secretAccessKey\":\"wJalrXUtnFEMI", "wJalrXUtnFEMI",
	  "profile default: sso: malformed json reply from sso: line 1 column" },
	{ LP_SSO, "{\"roleCredentials\":{\"sessionToken\": IQoJb3JpZ2luX2VjEFAKE}}",
	  "IQoJb3JpZ2luX2VjEFAKE",
	  "profile default: sso: malformed json reply from sso: line 1 column" },
	{ LP_WEBID, "{\"AssumeRoleWithWebIdentityResponse\":{"
	  "\"AssumeRoleWithWebIdentityResult\":{\"Credentials\":" CUT_CREDS,
	  "wJalrXUtn", "web identity: malformed json reply from sts: line 1 column" },
};

static void assert_no_piece(const char *text, const char *secret, size_t len)
{
	size_t n = strlen(secret);

	for (size_t i = 0; i + len <= n; i++) {
		char piece[64];

		snprintf(piece, sizeof(piece), "%.*s", (int)len, secret + i);
		ck_assert_msg(!strstr(text, piece), "'%s' quotes '%s'", text,
			      piece);
	}
}

static void sso_cache(const char *session)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char name[128] = ".aws/sso/cache/", d[256];

	snprintf(d, sizeof(d), "%s/.aws/sso", home);
	mkdir(d, 0700);
	snprintf(d, sizeof(d), "%s/.aws/sso/cache", home);
	mkdir(d, 0700);
	ck_assert(EVP_Digest(session, strlen(session), md, &n, EVP_sha1(), NULL));
	for (unsigned int i = 0; i < n; i++)
		snprintf(name + strlen(name), 3, "%02x", md[i]);
	strcat(name, ".json");
	write_home(name, "{\"accessToken\": \"sso-access-token\", "
		   "\"expiresAt\": \"2099-01-01T00:00:00Z\"}");
}

START_TEST(no_reply_fragment_in_errors)
{
	const struct leak_case *c = &leak_cases[_i];
	struct credchain *cc = NULL;
	struct aws_credentials *cr = NULL;
	struct aws_error e;
	static char uri[128];           /* fenv keeps the pointer */
	char err[512] = "", cfg[512], full[1024], tokfile[256];
	int rc;

	aws_error_clear(&e);
	if (c->path == LP_PROCESS) {
		rc = credchain_process_output(c->body, strlen(c->body), "p",
					      "helper", &cr, &e);
	} else {
		tiny_start(c->body, c->path == LP_SSO || c->path == LP_WEBID ?
			   "application/json" : "text/plain");
		switch (c->path) {
		case LP_CONTAINER:
			snprintf(uri, sizeof(uri), "%s/creds", tiny->url);
			fset("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri);
			break;
		case LP_IMDS:
			fset("AWS_EC2_METADATA_DISABLED", "false");
			fset("AWS_EC2_METADATA_SERVICE_ENDPOINT", tiny->url);
			break;
		case LP_SSO:
			snprintf(cfg, sizeof(cfg), "[default]\nsso_session = corp\n"
				 "sso_account_id = 111111111111\nsso_role_name = R\n"
				 "endpoint_url = %s\n[sso-session corp]\n"
				 "sso_start_url = https://x/start\n"
				 "sso_region = eu-west-1\n", tiny->url);
			write_home(".aws/config", cfg);
			sso_cache("corp");
			break;
		default:
			snprintf(cfg, sizeof(cfg), "[default]\nendpoint_url = %s\n",
				 tiny->url);
			write_home(".aws/config", cfg);
			write_home("token", "fake-web-identity-token-alice\n");
			snprintf(tokfile, sizeof(tokfile), "%s/token", home);
			fset("AWS_WEB_IDENTITY_TOKEN_FILE", tokfile);
			fset("AWS_ROLE_ARN", "arn:aws:iam::111111111111:role/W");
			break;
		}
		ck_assert_msg(load(NULL, &cc, err, sizeof(err)) == 0, "%s", err);
		rc = creds_provider_get(cc->provider, &cr, &e);
		credchain_free(cc);
		/* the AWS client retries a malformed reply; the others not */
		if (c->path == LP_CONTAINER || c->path == LP_IMDS)
			ck_assert_int_eq(tiny->nreq, 1);
		else
			ck_assert_int_ge(tiny->nreq, 1);
	}
	ck_assert_int_lt(rc, 0);
	ck_assert_ptr_null(cr);
	aws_error_str(&e, full, sizeof(full));
	ck_assert_msg(strstr(e.message, c->want), "'%s' does not say '%s'",
		      e.message, c->want);
	assert_no_piece(full, c->secret, 6);
	/* nor any other piece of the reply */
	assert_no_piece(e.message, c->body + 1, 12);
}
END_TEST

/* AssumeRoleWithWebIdentity goes through the client: throttling is retried */
START_TEST(webid_retried)
{
	struct credchain *cc = NULL;
	struct aws_credentials *cr = NULL;
	struct aws_error e;
	char err[512] = "", cfg[256], tokfile[256];

	tiny_start("<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult>"
		   "<Credentials><AccessKeyId>ASIAWEBID</AccessKeyId>"
		   "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
		   "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
		   "<AssumedRoleUser><Arn>arn:aws:sts::222222222222:assumed-role/W/x</Arn>"
		   "</AssumedRoleUser></AssumeRoleWithWebIdentityResult>"
		   "</AssumeRoleWithWebIdentityResponse>", "text/xml");
	tiny->fail = 2;
	tiny->fail_status = 400;
	tiny->fail_body = "<ErrorResponse><Error><Type>Sender</Type>"
		"<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
		"<RequestId>r</RequestId></ErrorResponse>";
	snprintf(cfg, sizeof(cfg), "[default]\nendpoint_url = %s\n", tiny->url);
	write_home(".aws/config", cfg);
	write_home("token", "fake-web-identity-token-alice\n");
	snprintf(tokfile, sizeof(tokfile), "%s/token", home);
	fset("AWS_WEB_IDENTITY_TOKEN_FILE", tokfile);
	fset("AWS_ROLE_ARN", "arn:aws:iam::222222222222:role/W");
	ck_assert_msg(load(NULL, &cc, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cc->source, "web-identity");
	aws_error_clear(&e);
	ck_assert_msg(creds_provider_get(cc->provider, &cr, &e) == 0, "%s",
		      e.message);
	ck_assert_str_eq(cr->access_key_id, "ASIAWEBID");
	ck_assert_str_eq(cr->account_id, "222222222222");
	ck_assert_int_eq(tiny->nreq, 3);
	aws_credentials_release(cr);
	credchain_free(cc);
}
END_TEST

static Suite *credchain_suite(void)
{
	Suite *s = suite_create("credchain");
	TCase *tc = tcase_create("cache");
	TCase *tch = tcase_create("chain");
	TCase *tcn = tcase_create("network");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, cached_until_advisory);
	tcase_add_test(tc, single_flight_32_threads);
	tcase_add_test(tc, advisory_does_not_block);
	tcase_add_test(tc, failed_refresh_keeps_valid);
	tcase_add_test(tc, expired_fails_all_at_once);
	tcase_add_test(tc, short_lifetime_not_refetched);
	tcase_add_test(tc, invalidate_refetches);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tch, 30);
	tcase_add_checked_fixture(tch, chain_setup, chain_teardown);
	tcase_add_test(tch, env_first_unless_explicit);
	tcase_add_test(tch, files_and_process);
	tcase_add_test(tch, role_config_errors);
	tcase_add_test(tch, sso_and_webid_config);
	tcase_add_test(tch, container_uri_rule);
	tcase_add_test(tch, endpoints_from_profile);
	tcase_add_test(tch, describes_the_chain);
	tcase_add_test(tch, member_registry_shares);
	suite_add_tcase(s, tch);
	tcase_set_timeout(tcn, 60);
	tcase_add_checked_fixture(tcn, chain_setup, http_teardown);
	tcase_add_loop_test(tcn, no_reply_fragment_in_errors, 0,
			    sizeof(leak_cases) / sizeof(leak_cases[0]));
	tcase_add_test(tcn, webid_retried);
	suite_add_tcase(s, tcn);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(credchain_suite());
	int failed;

	http_global_init();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	http_global_cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
