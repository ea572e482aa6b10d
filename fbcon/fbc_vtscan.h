/*
 * A lexer that runs beside libvterm and reports the few sequences libvterm 0.1.4 parses but
 * drops or misreads: SGR 2/22 (faint), SGR 8/28 (conceal), T.416 colon colours, CSI 3 J (erase
 * scrollback), and the cursor
 * save/restore/reset points that must carry those two attributes along (ESC 7/8, CSI s/u,
 * DECSET 1048/1049, RIS, DECSTR). See doc/vt-library.md.
 *
 * It only tokenises (ECMA-48 escape, CSI and control-string syntax, 7-bit, as libvterm does in
 * UTF-8 mode); libvterm stays the parser of record. Where the two disagree on a malformed
 * sequence, the cost is a wrong faint or conceal flag, never lost text.
 *
 * It is also a guard: libvterm 0.1.4 stores CSI parameters without a bound check, so a 16th
 * separator (';' or ':') in one sequence writes past its array and corrupts the VTerm (seen
 * crashing). Such separators come back as FBC_VTSCAN_DROP_BYTE and are never passed on.
 *
 * Pure: no allocation, no I/O. Every byte is looked at once; strings of any length pass through
 * in constant memory.
 */
#ifndef HVD_FBCON_FBC_VTSCAN_H
#define HVD_FBCON_FBC_VTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBC_VTSCAN_MAX_ARGS 16 // libvterm 0.1.4's CSI_ARGS_MAX: at most 15 separators

enum fbc_vtscan_event_type {
	FBC_VTSCAN_NONE = 0,
	FBC_VTSCAN_SGR,              // faint and conceal say what changed
	FBC_VTSCAN_SAVE_CURSOR,      // ESC 7, CSI s, DECSET 1048/1049
	FBC_VTSCAN_RESTORE_CURSOR,   // ESC 8, CSI u, DECRST 1048/1049
	FBC_VTSCAN_HARD_RESET,       // RIS (ESC c)
	FBC_VTSCAN_SOFT_RESET,       // DECSTR (CSI ! p)
	FBC_VTSCAN_CLEAR_SCROLLBACK, // CSI 3 J
	FBC_VTSCAN_DROP_BYTE,        // the last byte consumed must not reach libvterm
};

enum fbc_vtscan_change {
	FBC_VTSCAN_KEEP = 0,
	FBC_VTSCAN_SET,
	FBC_VTSCAN_CLEAR,
};

/*
 * For FBC_VTSCAN_SGR: faint and conceal say what changed; fg_rgb/bg_rgb are set when the SGR's
 * last word on that colour was ITU T.416's 38:2:<colour space>:r:g:b (48 for the background),
 * which libvterm 0.1.4 misreads as 38:2:r:g:b; the colour is then 0xRRGGBB in fg/bg.
 */
struct fbc_vtscan_event {
	enum fbc_vtscan_event_type type;
	enum fbc_vtscan_change faint;
	enum fbc_vtscan_change conceal;
	bool fg_rgb;
	bool bg_rgb;
	uint32_t fg;
	uint32_t bg;
};

enum fbc_vtscan_state {
	FBC_VTSCAN_GROUND = 0,
	FBC_VTSCAN_ESCAPE,
	FBC_VTSCAN_ESCAPE_INTERMEDIATE,
	FBC_VTSCAN_CSI,
	FBC_VTSCAN_STRING,
	FBC_VTSCAN_STRING_ESCAPE,
};

/* Caller memory; zero it (or fbc_vtscan_init()) to start in the ground state. */
struct fbc_vtscan {
	enum fbc_vtscan_state state;
	uint16_t args[FBC_VTSCAN_MAX_ARGS];
	uint8_t sub[FBC_VTSCAN_MAX_ARGS]; // arg ended with ':' (a sub-parameter follows)
	uint8_t argc;                     // args started, at most FBC_VTSCAN_MAX_ARGS
	uint8_t separators;               // ';' and ':' seen in this CSI
	uint8_t leader;                   // '<' '=' '>' '?' or 0
	uint8_t intermediate;             // last intermediate byte or 0
};

void fbc_vtscan_init(struct fbc_vtscan *scan);

/*
 * Scans bytes[0..len). Returns how many bytes were consumed: up to and including the final byte
 * of the first sequence that produces an event (filled into *event), or len with
 * event->type == FBC_VTSCAN_NONE. The caller feeds exactly those bytes to libvterm, then applies
 * the event, and calls again with the rest.
 */
size_t fbc_vtscan_step(
	struct fbc_vtscan *scan, const uint8_t *bytes, size_t len, struct fbc_vtscan_event *event);

const char *fbc_vtscan_state_to_str(enum fbc_vtscan_state state);

#endif
