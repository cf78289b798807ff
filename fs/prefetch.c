/* prefetch.c - --prefetch: warm the whole tree in the background */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "prefetch.h"

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

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		struct node n;
		struct dlist d = { 0 };

		node_init(&n);
		if (!strcmp(views[i], "/policies")) {
			if (!layout_list(fs, views[i], &d))
				layout_prefetch(fs, views[i]);
			dlist_free(&d);
			org_wait_idle(fs->org);
		} else {
			layout_get(fs, views[i], &n);
		}
		node_free(&n);
	}
	org_wait_idle(fs->org);
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* One progress line, rewritten in place, while the prefetch runs. */
static void *progress_main(void *arg)
{
	struct prefetch *p = arg;

	while (!__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) &&
	       !__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		char objs[32] = "0", total[32] = "0", res[32] = "0",
		     calls[32] = "0", thr[32] = "0";
		struct { const char *key; char *out; } want[] = {
			{ "crawl_objects_done\t", objs },
			{ "crawl_objects_total\t", total },
			{ "resources_seen\t", res },
			{ "api_calls\t", calls },
			{ "api_throttles\t", thr },
		};
		size_t i;
		struct node n;

		node_init(&n);
		if (!layout_get(p->fs, "/.orgfs/status", &n)) {
			const char *s = node_ptr(&n);

			for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
				const char *q = strstr(s, want[i].key);

				if (q)
					sscanf(q + strlen(want[i].key), "%31s",
					       want[i].out);
			}
		}
		fprintf(stderr, "\rorgfs: prefetch: %s/%s accounts and OUs, "
			"%s resources, %s API calls, %s throttled ", objs,
			total, res, calls, thr);
		node_free(&n);
		usleep(500000);
	}
	if (__atomic_load_n(&p->done, __ATOMIC_ACQUIRE))
		fprintf(stderr, "\rorgfs: prefetch done%60s\n", "");
	return NULL;
}

struct prefetch *prefetch_start(struct orgfs *fs, int progress)
{
	struct prefetch *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fs = fs;
	if (pthread_create(&p->warm, NULL, warm_main, p)) {
		free(p);
		return NULL;
	}
	p->have_progress = progress &&
		!pthread_create(&p->progress, NULL, progress_main, p);
	return p;
}

int prefetch_stop(struct prefetch *p)
{
	if (!p)
		return 0;
	if (p->have_progress) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		pthread_join(p->progress, NULL);
	}
	if (!__atomic_load_n(&p->done, __ATOMIC_ACQUIRE)) {
		/* still fetching: the process exits around it rather than
		 * wait for the network; the cache stays, and so does p */
		pthread_detach(p->warm);
		return 1;
	}
	pthread_join(p->warm, NULL);
	free(p);
	return 0;
}
