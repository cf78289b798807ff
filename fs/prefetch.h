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

/* After the FUSE loop and http_abort_all(): stops the progress line and
 * the prefetch, joins them and frees p (NULL: nothing).  Nothing waits
 * for the network: what the prefetch still fetches fails at once. */
void prefetch_stop(struct prefetch *p);

#endif
