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
 * Adaptive (rate RATELIMIT_AUTO): requests go out unpaced, at whatever
 * concurrency the caller has, until the service first throttles.  From
 * then on the rate follows CUBIC as the AWS SDKs' adaptive retry mode
 * does (botocore retries/adaptive.py, bucket.py, throttling.py): a
 * throttle sets the rate to 0.7 x the rate replies were coming back at
 * (measured over half-second windows, smoothed), and successes raise it
 * along w_max + 0.4 (t - K)^3 -- back to the rate of the last throttle in
 * K seconds, then probing above it -- never above twice the measured
 * rate.  The bucket then holds one second's worth.  (A set rate is the
 * fixed pace above: a ceiling, halved while the service throttles.)
 *
 * This is only the arithmetic, with time passed in (seconds of a
 * monotonic clock); the caller serializes calls and does the waiting.
 */
#ifndef ORGFS_RATELIMIT_H
#define ORGFS_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_FLOOR 0.1             /* requests per second, at least */
#define RATELIMIT_AUTO (-1.0)           /* ratelimit_init: adaptive, no
					   ceiling */
#define RATELIMIT_BETA 0.7              /* CUBIC: cut to this x the rate */
#define RATELIMIT_SCALE 0.4             /* CUBIC: growth, requests/s^4 */
#define RATELIMIT_WINDOW 0.5            /* seconds of a rate measure */
#define RATELIMIT_SMOOTH 0.8            /* weight of the latest measure */

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
	/* adaptive */
	int adaptive;                   /* RATELIMIT_AUTO: CUBIC */
	int engaged;                    /* paced: throttled at least once */
	double w_max;                   /* the rate of the last throttle */
	double k;                       /* seconds to climb back to it */
	double measured;                /* replies per second, smoothed;
					   < 0: no window completed yet */
	double window_start;
	double window_count;
	double first_reply;             /* < 0: none yet */
	double last_reply;
};

/* burst <= 0: max(rate, 1).  The bucket starts full.  rate
 * RATELIMIT_AUTO: adaptive without a ceiling (burst ignored). */
void ratelimit_init(struct ratelimit *rl, double rate, double burst,
		    double now);
/* The measured reply rate, requests per second (0: not known yet). */
double ratelimit_measured(const struct ratelimit *rl, double now);
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
