/*
 * sink_client: the player's pictures on a surface of a shim in another process (hvcon's), over
 * the shim's socket (shim_client.h), above the console (z 10).
 *
 * Fullscreen (the default) puts the video where the layout says and covers the rest of the
 * output with black bars: one small surface per bar, drawn and committed once. A window (size
 * given) shows the video centred on the console with no bars. Three buffers from the shim; a
 * buffer is drawn only after the shim released it.
 *
 * Error convention: 0 or a negative errno; create/destroy as usual.
 */
#ifndef HVD_HVPLAY_SINK_CLIENT_H
#define HVD_HVPLAY_SINK_CLIENT_H

#include <stdbool.h>

#include "player.h"
#include "shim_client.h"

#define SINK_CLIENT_Z 10 // the console is at 0

struct sink_client;

extern const struct play_sink sink_client_impl;

/* client must outlive the sink. window_w x window_h: a window of that size centred on the
 * output (0 x 0: fullscreen with bars). */
int sink_client_create(
	struct sink_client **out, struct shim_client *client, uint32_t window_w, uint32_t window_h);
void sink_client_destroy(struct sink_client *s);

/* The output changed size: re-centres the window. Call before player_resize(). */
void sink_client_output_resized(struct sink_client *s);

/* The size the player should lay the picture out in: the window's, or the output's. */
void sink_client_get_area(const struct sink_client *s, uint32_t *w, uint32_t *h);

#endif
