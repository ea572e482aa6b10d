/*
 * app: hvplay's program around the player: picks the output (a shim socket, or an output of its
 * own), wires keys, runs the poll loop, prints the status line and the --bench report.
 */
#ifndef HVD_HVPLAY_APP_H
#define HVD_HVPLAY_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "player.h"
#include "shim.h"

enum app_ui {
	APP_UI_AUTO,       // the shim socket if one answers, else fullscreen
	APP_UI_FULLSCREEN, // an output of our own
	APP_UI_CLIENT,     // through a running shim
};

struct app_options {
	const char *path;
	enum app_ui ui;
	const char *socket;          // client mode: the shim socket; NULL: the default
	uint32_t window_w, window_h; // client mode window; 0: fullscreen with bars
	struct shim_auto_options output;
	const char *screenshot; // headless: the last frame as PNG
	bool follow, quiet;
	struct player_options play; // clock filled in by app_run()
};

/* Plays o->path until the end, q or a signal. 0, or a negative errno after saying why. */
int app_run(const struct app_options *o);

/* Set from a signal handler: app_run() stops at the next loop turn. */
void app_interrupt(void);

#endif
