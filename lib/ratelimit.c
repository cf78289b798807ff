/* ratelimit.c - the client-side request rate of one service quota */
#include "ratelimit.h"

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

int ratelimit_reply(struct ratelimit *rl, double sent_at,
		    enum ratelimit_outcome outcome, double now)
{
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
