/*
 * Frame pacing: when the next frame may be made.
 *
 * A frame is wanted once something changed; it may be made when the previous commit's
 * frame_done() arrived and the frame clock says so. Everything committed in between joins the
 * damage of that one frame.
 *
 * The frame clock ticks once per refresh (or per the cap, if slower) on a grid anchored at the
 * first commit: a frame made a little late still counts as made on its tick, so lateness does
 * not pile up from frame to frame; one more than a whole period late starts a new grid. On
 * outputs without vsync (headless, synthvid, legacy dirty-fb KMS) the clock is the pace. On
 * vsync outputs the page-flip event is, and the clock only stops drivers whose events come back
 * at once from exceeding the refresh; a quarter refresh of slack keeps it from ever delaying a
 * flip that waited for a real vblank.
 *
 * Time comes in as numbers from the shim's injected clock: this file never reads a clock, so
 * tests step time instead of sleeping.
 */
#include "shim_internal.h"

#define NS_PER_MHZ_SECOND 1000000000000LL // ns per second, times 1000 for mHz

static int64_t period_of(uint32_t mhz)
{
	return NS_PER_MHZ_SECOND / (mhz ? mhz : 60000);
}

void shim_pacing_init(struct shim_pacing *p, uint32_t output_mhz, uint32_t cap_mhz, bool vsync)
{
	int64_t output = period_of(output_mhz);
	int64_t period = output;
	if (cap_mhz && period_of(cap_mhz) > output)
		period = period_of(cap_mhz);
	bool keep = p->committed_once;
	int64_t last = p->last_commit_ns;
	bool wanted = p->wanted, pending = p->frame_pending;
	*p = (struct shim_pacing){
		.period_ns = period,
		.slack_ns = vsync ? output / 4 : 0,
		.output_ns = output,
		.retry_ns = INT64_MIN,
		.last_commit_ns = last,
		.committed_once = keep,
		.wanted = wanted,
		.frame_pending = pending,
	};
}

void shim_pacing_schedule(struct shim_pacing *p)
{
	p->wanted = true;
}

static int64_t earliest(const struct shim_pacing *p)
{
	if (!p->committed_once)
		return p->retry_ns;
	int64_t at = p->last_commit_ns + p->period_ns - p->slack_ns;
	return at > p->retry_ns ? at : p->retry_ns;
}

bool shim_pacing_ready(const struct shim_pacing *p, int64_t now_ns)
{
	return p->wanted && !p->frame_pending && now_ns >= earliest(p);
}

int64_t shim_pacing_timeout_ns(const struct shim_pacing *p, int64_t now_ns)
{
	if (!p->wanted || p->frame_pending)
		return -1;
	int64_t at = earliest(p);
	return at <= now_ns ? 0 : at - now_ns;
}

void shim_pacing_committed(struct shim_pacing *p, int64_t now_ns, bool frame_event)
{
	int64_t tick = p->last_commit_ns + p->period_ns;
	bool on_grid = p->committed_once && now_ns < tick + p->period_ns;
	p->last_commit_ns = on_grid ? tick : now_ns;
	p->wanted = false;
	p->committed_once = true;
	p->frame_pending = frame_event;
}

void shim_pacing_idle(struct shim_pacing *p)
{
	p->wanted = false;
}

void shim_pacing_failed(struct shim_pacing *p, int64_t now_ns)
{
	p->wanted = true;
	p->frame_pending = false;
	p->retry_ns = now_ns + p->output_ns;
}

void shim_pacing_frame_done(struct shim_pacing *p)
{
	p->frame_pending = false;
}
