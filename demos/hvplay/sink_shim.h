/*
 * sink_shim: the player's pictures on a surface of an in-process shim (fullscreen: the shim's
 * output is ours alone). The surface covers exactly the video rectangle; the shim's black
 * background is the letterbox, painted once when the output first repaints and never damaged
 * again. Three buffers (pixman images on 64-byte aligned memory), so conversion of the next
 * frame never waits for the shim to let go of the last.
 *
 * The shim stays the caller's: it owns the loop and dispatches the shim. Error convention:
 * 0 or a negative errno; create/destroy as usual.
 */
#ifndef HVD_HVPLAY_SINK_SHIM_H
#define HVD_HVPLAY_SINK_SHIM_H

#include "player.h"
#include "shim.h"

struct sink_shim;

extern const struct play_sink sink_shim_impl;

/* shim must outlive the sink. */
int sink_shim_create(struct sink_shim **out, struct shim *shim);
void sink_shim_destroy(struct sink_shim *s);

#endif
