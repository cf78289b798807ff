/* prefetch.h - --prefetch: warm the whole tree in the background after
 * mount, with a progress line on stderr */
#ifndef ORGFS_PREFETCH_H
#define ORGFS_PREFETCH_H

struct buf;
struct orgfs;
struct prefetch;

/* The progress of the crawl running, or of the last one, as the
 * progress_* lines of .orgfs/status (documented in orgfs(1)): within a
 * crawl every count only grows, totals appear once known, the ETA once
 * there is a rate.  status: the rest of .orgfs/status (the org's, the
 * resource index's and the source's lines), which the figures are read
 * from; it must not point into out.
 * @return 0 or -ENOMEM */
int progress_render(struct orgfs *fs, const char *status, struct buf *out);

/* Starts the thread that renders what the org-wide views need, so that
 * every later access is served from the cache; with progress, one more
 * that rewrites a progress line on stderr until it is done (the figures
 * of progress_render).  The crawl counts as running until it is done.  Call it
 * after the org exists and after signals_block().
 * @return the running prefetch, or NULL when no thread could start */
struct prefetch *prefetch_start(struct orgfs *fs, int progress);

/* After the FUSE loop: stops the progress line, and joins the prefetch if
 * it is done.  Frees p unless the prefetch is still fetching: then its
 * thread is left to run while the process exits around it, rather than
 * wait for the network.
 * @return 1 when it is still fetching: the org must not be freed, 0
 * otherwise (p NULL included) */
int prefetch_stop(struct prefetch *p);

#endif
