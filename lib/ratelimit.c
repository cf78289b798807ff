/* ratelimit.c - the client-side request rate of one service quota */
#include <math.h>

#include "ratelimit.h"

/* Unpaced: a rate no request ever waits for. */
#define RATELIMIT_UNPACED 1e9

static double floor_of(const struct ratelimit *rl)
{
	return rl->max_rate < RATELIMIT_FLOOR ? rl->max_rate : RATELIMIT_FLOOR;
}

static void refill(struct ratelimit *rl, double now)
{
	if (now > rl->last) {
		rl->tokens += (now - rl->last) * rl->rate;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
	}
	rl->last = now;
}

void ratelimit_init(struct ratelimit *rl, double rate, double burst,
		    double now)
{
	*rl = (struct ratelimit){0};
	if (rate < 0) {
		rl->adaptive = 1;
		rl->max_rate = rl->rate = RATELIMIT_UNPACED;
		rl->burst = rl->tokens = RATELIMIT_UNPACED;
		rl->last = now;
		rl->cut_at = -1e300;
		rl->measured = -1;
		rl->window_start = now;
		rl->first_reply = -1;
		return;
	}
	rl->max_rate = rl->rate = rate;
	rl->burst = burst > 0 ? burst : (rate > 1 ? rate : 1);
	rl->tokens = rl->burst;
	rl->last = now;
	rl->cut_at = -1e300;            /* never */
}

uint64_t ratelimit_ticket(struct ratelimit *rl)
{
	return rl->next_ticket++;
}

double ratelimit_try(struct ratelimit *rl, uint64_t ticket, double now)
{
	refill(rl, now);
	if (ticket != rl->serving) {
		/* behind others: never now, however many tokens there are
		 * (its turn comes when the ones before it went: the caller
		 * is woken then) */
		double w = ((double)(ticket - rl->serving) + 1 - rl->tokens) /
			   rl->rate;

		return w > 1e-3 ? w : 1e-3;
	}
	/* a microsecond's worth of rounding is not worth another wait */
	if (rl->tokens >= 1 - 1e-6) {
		rl->tokens -= 1;
		rl->serving++;
		return 0;
	}
	return (1 - rl->tokens) / rl->rate;
}

/* Count a reply in the current window; close the windows that ended. */
static void measure(struct ratelimit *rl, double now)
{
	double end = rl->window_start + RATELIMIT_WINDOW;

	if (rl->first_reply < 0)
		rl->first_reply = now;
	else if (now - rl->last_reply > RATELIMIT_WINDOW) {
		/* idle is not a rate: measure the work, not the pauses
		 * (a throttle after one would cut to nothing) */
		rl->window_start = now;
		rl->window_count = 0;
		end = now + RATELIMIT_WINDOW;
	}
	rl->last_reply = now;
	if (now >= end) {
		double cur = rl->window_count / (now - rl->window_start);

		rl->measured = rl->measured < 0 ? cur :
			cur * RATELIMIT_SMOOTH +
			rl->measured * (1 - RATELIMIT_SMOOTH);
		rl->window_start = now;
		rl->window_count = 0;
	}
	rl->window_count += 1;
}

double ratelimit_measured(const struct ratelimit *rl, double now)
{
	double span;

	if (rl->measured >= 0)
		return rl->measured;
	/* no window completed yet: what came back so far, over at least
	 * the time since the first reply, and some of a window */
	if (rl->first_reply < 0)
		return 0;
	span = now - rl->window_start;
	if (span < RATELIMIT_WINDOW / 5)
		span = RATELIMIT_WINDOW / 5;
	return rl->window_count / span;
}

/* The bucket of an engaged adaptive limiter: a second's worth. */
static void set_rate(struct ratelimit *rl, double rate)
{
	if (rate < RATELIMIT_FLOOR)
		rate = RATELIMIT_FLOOR;
	rl->rate = rate;
	rl->burst = rate > 1 ? rate : 1;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
}

static int adaptive_reply(struct ratelimit *rl, double sent_at,
			  enum ratelimit_outcome outcome, double now)
{
	double measured, t, want;

	if (outcome == RATELIMIT_OTHER)
		return 0;
	measure(rl, now);
	measured = ratelimit_measured(rl, now);
	if (sent_at < rl->cut_at)
		return 0;
	refill(rl, now);                /* what grew so far, at the old rate */
	if (outcome == RATELIMIT_OK) {
		if (!rl->engaged)
			return 0;
		/* CUBIC: back to w_max after k seconds, then above it */
		t = now - rl->cut_at - rl->k;
		want = RATELIMIT_SCALE * t * t * t + rl->w_max;
		if (measured > 0 && want > 2 * measured)
			want = 2 * measured;
		if (want > rl->rate)
			set_rate(rl, want);
		return 0;
	}
	/* throttled: the rate replies came back at, or the pace if lower */
	want = measured;
	if (rl->engaged && rl->rate < want)
		want = rl->rate;
	if (want < RATELIMIT_FLOOR)
		want = RATELIMIT_FLOOR;
	rl->w_max = want;
	rl->k = cbrt(want * (1 - RATELIMIT_BETA) / RATELIMIT_SCALE);
	rl->engaged = 1;
	rl->tokens = 0;                 /* the service is full now */
	set_rate(rl, want * RATELIMIT_BETA);
	rl->cut_at = now;
	rl->cuts++;
	return 1;
}

int ratelimit_reply(struct ratelimit *rl, double sent_at,
		    enum ratelimit_outcome outcome, double now)
{
	if (rl->adaptive)
		return adaptive_reply(rl, sent_at, outcome, now);
	/* sent at the rate of before the last cut: what its reply says
	 * was already acted on */
	if (sent_at < rl->cut_at)
		return 0;
	switch (outcome) {
	case RATELIMIT_OK:
		refill(rl, now);        /* what grew so far, at the old rate */
		rl->rate += rl->max_rate / 20;
		if (rl->rate > rl->max_rate)
			rl->rate = rl->max_rate;
		return 0;
	case RATELIMIT_THROTTLED:
		refill(rl, now);
		rl->rate /= 2;
		if (rl->rate < floor_of(rl))
			rl->rate = floor_of(rl);
		/* the service is full now: nobody goes before a token has
		 * grown back at the new rate */
		if (rl->tokens > 0)
			rl->tokens = 0;
		rl->cut_at = now;
		rl->cuts++;
		return 1;
	default:
		return 0;
	}
}
