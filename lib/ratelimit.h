/* ratelimit.h - the client-side request rate of one service quota
 *
 * A token bucket whose rate follows the service's replies: a throttling
 * reply cuts it by half, each success brings it back by a twentieth of
 * the configured rate.  Requests go out one after the other, first come
 * first served, each when the bucket holds a token at the rate of that
 * moment: a request that began to wait while the rate was cut goes out
 * as soon as the rate has come back, and waiters never go out together.
 *
 * The replies to requests that were already on their way when the rate
 * was cut say nothing new: they do not cut it again (one cut per round
 * of requests, not one per reply), nor do their successes undo it.
 *
 * This is only the arithmetic, with time passed in (seconds of a
 * monotonic clock); the caller serializes calls and does the waiting.
 */
#ifndef ORGFS_RATELIMIT_H
#define ORGFS_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_FLOOR 0.1             /* requests per second, at least */

struct ratelimit {
	double max_rate;                /* configured, requests per second */
	double rate;                    /* current */
	double burst;
	double tokens;
	double last;                    /* when tokens were last counted */
	double cut_at;                  /* when the rate was last cut */
	uint64_t next_ticket;           /* handed to the next request */
	uint64_t serving;               /* the ticket whose turn it is */
	uint64_t cuts;                  /* how many times it was cut */
};

/* burst <= 0: max(rate, 1).  The bucket starts full. */
void ratelimit_init(struct ratelimit *rl, double rate, double burst,
		    double now);
/* A request's place in the queue. */
uint64_t ratelimit_ticket(struct ratelimit *rl);
/* @return 0 when ticket may go now (its token is taken and the next
 * ticket's turn begins), else how many seconds to wait before asking
 * again (the rate can change meanwhile: ask again sooner if told so). */
double ratelimit_try(struct ratelimit *rl, uint64_t ticket, double now);
/* The reply to a request sent at sent_at (the now of the ratelimit_try
 * that let it go), for requests sent after the last cut: a throttle cuts
 * the rate, a success raises it.  Other errors say nothing of the rate.
 * @return 1 when the rate was cut, 0 otherwise */
enum ratelimit_outcome {
	RATELIMIT_OK,
	RATELIMIT_THROTTLED,
	RATELIMIT_OTHER,                /* any other failure */
};
int ratelimit_reply(struct ratelimit *rl, double sent_at,
		    enum ratelimit_outcome outcome, double now);

#endif
