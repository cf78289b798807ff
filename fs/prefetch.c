/* prefetch.c - --prefetch: warm the whole tree in the background; the
 * progress figures of a crawl, for its progress line and .orgfs/status */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "prefetch.h"
#include "resindex.h"

/* ---- the progress of a crawl ----
 *
 * A crawl runs from the first sample that finds the mount busy (the tags
 * crawl or a walk over the resources running, fetches in flight or
 * queued, or a prefetch running) to
 * the first that finds it idle.  Within it every count only grows: a
 * walk that reads again what the crawl read already (a second view over
 * the same listings) counts nothing twice, and calls and throttles count
 * from the crawl's start. */

enum { P_NONE, P_RUNNING, P_DONE };

/* the figures of one sample: .orgfs/status's other lines and the
 * resource index's statistics */
struct sample {
	uint64_t objects_done, objects_total;   /* tags crawl: accounts, OUs */
	uint64_t listings_done, listings_total; /* account x region listings */
	uint64_t resources;
	uint64_t regions;               /* the walk's, 0 until known */
	uint64_t calls, throttles;
	uint64_t runs, builds;          /* tags crawls, resource walks ended */
	int tags_running, building;
	int busy;
};

static struct {
	pthread_mutex_t mu;
	int state;                      /* P_* */
	int pinned;                     /* a prefetch is running */
	struct timespec start, end;     /* CLOCK_MONOTONIC */
	struct timespec last_busy;      /* the last sample that was busy */
	struct timespec idle_since;     /* the first idle one after it */
	int idle;                       /* idle_since is set */
	uint64_t calls0, throttles0;    /* at the start */
	uint64_t runs0, builds0;        /* the same */
	struct sample hi;               /* the highest figures of the crawl */
} pg = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* The value of "key\tvalue" in status, into out */
static void value_of(const char *status, const char *key, char *out,
		     size_t len)
{
	size_t n = strlen(key);
	const char *p = status;

	snprintf(out, len, "?");
	while ((p = strstr(p, key))) {
		if ((p == status || p[-1] == '\n') && p[n] == '\t') {
			snprintf(out, len, "%.*s", (int)strcspn(p + n + 1, "\n"),
				 p + n + 1);
			return;
		}
		p += n;
	}
}

static uint64_t field(const char *status, const char *key)
{
	char v[24];

	value_of(status, key, v, sizeof(v));
	return strtoull(v, NULL, 10);
}

static void read_sample(struct orgfs *fs, const char *status,
			struct sample *s)
{
	struct resindex_stats rs;

	s->objects_done = field(status, "crawl_objects_done");
	s->objects_total = field(status, "crawl_objects_total");
	s->runs = field(status, "crawl_runs");
	s->tags_running = field(status, "crawl_running") != 0;
	s->calls = field(status, "api_calls");
	s->throttles = field(status, "api_throttles");
	/* the index's own, read after it says whether a walk runs */
	resindex_stats(fs->index, &rs);
	s->listings_done = rs.slices_done;
	s->listings_total = rs.slices_total;
	s->resources = rs.resources;
	s->regions = rs.regions;
	s->builds = rs.builds;
	s->building = rs.building;
	s->busy = s->tags_running || s->building ||
		  field(status, "fetches_in_flight") ||
		  field(status, "fetches_queued");
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

#define RAISE(f) do { if (s->f > pg.hi.f) pg.hi.f = s->f; } while (0)

/* A crawl is done once no sample found the mount busy for this long:
 * between its phases (the tags read, the resource walk about to begin)
 * a reader is between two fetches for a moment, and a read of status
 * that fell there ended the crawl, and the next began again from 0. */
#define IDLE_GRACE 1.0

/* One sample into the crawl's state; called with pg.mu held */
static void advance(const struct sample *s, const struct timespec *now)
{
	int busy = s->busy || pg.pinned;

	if (busy) {
		pg.last_busy = *now;
		pg.idle = 0;
	}

	if (busy && pg.state != P_RUNNING) {
		memset(&pg.hi, 0, sizeof(pg.hi));
		pg.state = P_RUNNING;
		pg.start = *now;
		pg.calls0 = s->calls;
		pg.throttles0 = s->throttles;
		pg.runs0 = s->runs;
		pg.builds0 = s->builds;
	}
	if (pg.state == P_NONE)
		return;
	if (pg.state == P_RUNNING) {
		/* counts of a tags crawl or a walk that ended before this
		 * crawl began are not this crawl's */
		if (s->tags_running || s->runs > pg.runs0) {
			RAISE(objects_done);
			RAISE(objects_total);
		}
		if (s->building || s->builds > pg.builds0) {
			RAISE(listings_done);
			RAISE(listings_total);
			RAISE(resources);
			RAISE(regions);
		}
		if (s->calls - pg.calls0 > pg.hi.calls)
			pg.hi.calls = s->calls - pg.calls0;
		if (s->throttles - pg.throttles0 > pg.hi.throttles)
			pg.hi.throttles = s->throttles - pg.throttles0;
	}
	if (!busy && pg.state == P_RUNNING) {
		if (!pg.idle) {
			pg.idle = 1;
			pg.idle_since = *now;
		}
		if (secs(&pg.last_busy, now) >= IDLE_GRACE) {
			pg.state = P_DONE;
			pg.end = pg.idle_since;
		}
	}
}

/* The seconds left at the rate so far of the phase running, or -1 */
static long eta(double elapsed)
{
	uint64_t done = pg.hi.listings_done, total = pg.hi.listings_total;

	if (pg.state == P_DONE)
		return 0;
	if (!total || done >= total) {
		done = pg.hi.objects_done;
		total = pg.hi.objects_total;
	}
	if (!done || done >= total || elapsed < 1.0)
		return -1;
	return (long)(elapsed * (double)(total - done) / (double)done + 0.5);
}

int progress_render(struct orgfs *fs, const char *status, struct buf *out)
{
	static const char *const states[] = { "none", "running", "done" };
	struct timespec now;
	struct sample s;
	struct cache_ref ref;
	char accounts[24] = "unknown", resources[24] = "unknown",
	     left[24] = "unknown", regions[24] = "unknown";
	uint64_t nreg;
	double elapsed = 0;
	long e;
	int res;

	read_sample(fs, status, &s);
	if (!org_peek(fs->org, ORG_ACCOUNTS, "", &ref)) {
		snprintf(accounts, sizeof(accounts), "%zu",
			 ((const struct org_accounts *)ref.data)->n);
		org_put(fs->org, &ref);
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&pg.mu);
	advance(&s, &now);
	if (pg.state != P_NONE)
		/* idle for a moment: counted to where it went idle, which
		 * is where it ends unless it is busy again */
		elapsed = secs(&pg.start, pg.state == P_DONE ? &pg.end :
					  pg.idle ? &pg.idle_since : &now);
	e = eta(elapsed);
	if (e >= 0)
		snprintf(left, sizeof(left), "%ld", e);
	/* regions=all: those the accounts' lists name, once this crawl's
	 * walk has them (outside a crawl: the last walk's) */
	nreg = !fs->resources ? 0 : !fs->regions_all ? fs->nregions :
	       pg.hi.regions ? pg.hi.regions :
	       pg.state != P_RUNNING ? s.regions : 0;
	if (nreg || !fs->resources)
		snprintf(regions, sizeof(regions), "%" PRIu64, nreg);
	if (pg.hi.listings_total && pg.hi.listings_done >= pg.hi.listings_total)
		snprintf(resources, sizeof(resources), "%" PRIu64,
			 pg.hi.resources);
	res = buf_printf(out,
		"progress\t%s\n"
		"progress_elapsed\t%.0f\n"
		"progress_eta\t%s\n"
		"progress_accounts_total\t%s\n"
		"progress_regions\t%s\n"
		"progress_objects_done\t%" PRIu64 "\n"
		"progress_objects_total\t%" PRIu64 "\n"
		"progress_listings_done\t%" PRIu64 "\n"
		"progress_listings_total\t%" PRIu64 "\n"
		"progress_resources_listed\t%" PRIu64 "\n"
		"progress_resources_total\t%s\n"
		"progress_calls\t%" PRIu64 "\n"
		"progress_throttles\t%" PRIu64 "\n",
		states[pg.state], elapsed, left, accounts, regions,
		pg.hi.objects_done, pg.hi.objects_total, pg.hi.listings_done,
		pg.hi.listings_total, pg.hi.resources, resources, pg.hi.calls,
		pg.hi.throttles);
	pthread_mutex_unlock(&pg.mu);
	return res;
}

/* The prefetch holds the crawl running (on) or lets it end, and takes a
 * sample, so that its start and end are those of the prefetch, whoever
 * reads .orgfs/status meanwhile */
static void progress_pin(struct orgfs *fs, int on)
{
	struct node n;

	pthread_mutex_lock(&pg.mu);
	pg.pinned = on;
	if (!on)        /* the prefetch's end: no grace (IDLE_GRACE) */
		memset(&pg.last_busy, 0, sizeof(pg.last_busy));
	pthread_mutex_unlock(&pg.mu);
	node_init(&n);
	layout_get(fs, "/.orgfs/status", &n);
	node_free(&n);
}

struct prefetch {
	struct orgfs *fs;
	pthread_t warm;
	pthread_t progress;
	int have_progress;
	int done;                       /* atomic */
	int stop;                       /* atomic */
};

/* Render what the org-wide views need, so that every later access is
 * served from the cache. */
static void *warm_main(void *arg)
{
	static const char *const views[] = {
		"/tables/accounts.tsv", "/policies", "/tables/resources.tsv",
		"/compliance/summary",
	};
	struct prefetch *p = arg;
	struct orgfs *fs = p->fs;
	size_t i;

	for (i = 0; i < sizeof(views) / sizeof(views[0]) &&
		    !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE); i++) {
		struct node n;
		struct dlist d = { 0 };

		node_init(&n);
		if (!strcmp(views[i], "/policies")) {
			if (!layout_list(fs, views[i], &d))
				layout_prefetch_now(fs, views[i]);
			dlist_free(&d);
			org_wait_idle(fs->org);
		} else {
			layout_get(fs, views[i], &n);
		}
		node_free(&n);
	}
	org_wait_idle(fs->org);
	progress_pin(fs, 0);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One progress line, rewritten in place, while the prefetch runs: the
 * figures of .orgfs/status's progress_* lines. */
static void print_progress(struct prefetch *p, int last)
{
	static const char *const keys[] = {
		"progress_objects_done", "progress_objects_total",
		"progress_listings_done", "progress_listings_total",
		"progress_resources_listed", "progress_resources_total",
		"progress_calls", "progress_throttles", "progress_elapsed",
		"progress_eta", "progress_accounts_total", "progress_regions",
	};
	char v[sizeof(keys) / sizeof(keys[0])][24], eta_s[40] = "";
	struct node n;
	size_t i;

	node_init(&n);
	if (layout_get(p->fs, "/.orgfs/status", &n)) {
		node_free(&n);
		return;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		value_of(node_ptr(&n), keys[i], v[i], sizeof(v[i]));
	node_free(&n);
	if (!last && strcmp(v[9], "unknown"))
		snprintf(eta_s, sizeof(eta_s), ", ETA %ss", v[9]);
	fprintf(stderr, "\rorgfs: prefetch%s: %s accounts, %s regions; "
		"tags %s/%s; listings %s/%s; resources %s/%s; %s calls, "
		"%s throttled; %ss%s\033[K", last ? " done" : "", v[10], v[11],
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], eta_s);
	if (last)
		fputc('\n', stderr);
}

static void *progress_main(void *arg)
{
	struct prefetch *p = arg;

	while (!__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		print_progress(p, 0);
		usleep(200000);
	}
	if (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE))
		print_progress(p, 1);
	return NULL;
}

struct prefetch *prefetch_start(struct orgfs *fs, int progress)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fs = fs;
	progress_pin(fs, 1);
	if (pthread_create(&p->warm, NULL, warm_main, p)) {
		progress_pin(fs, 0);
		free(p);
		return NULL;
	}
	p->have_progress = progress &&
		!pthread_create(&p->progress, NULL, progress_main, p);
	return p;
}

void prefetch_stop(struct prefetch *p)
{
	if (!p)
		return;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	if (p->have_progress)
		pthread_join(p->progress, NULL);
	/* http_abort_all() came first: what it still fetches fails at once,
	 * so this wait is short whatever the network does */
	pthread_join(p->warm, NULL);
	free(p);
}
