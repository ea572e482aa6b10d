/*
 * Logging for every layer.
 *
 * Libraries never print on their own: every line goes through one process-wide handler that the
 * program sets (the default writes to stderr). Each file defines LOG_MODULE before including this
 * header, so a line names its module, file and line.
 *
 * log_bug_*() name who is at fault, as libinput does: the host (in guest code), the guest (in
 * hvhost), a client (shim clients, monitor and VNC peers) or ourselves. They are rate-limited per
 * call site (the first LOG_RATELIMIT_BURST lines, then one in LOG_RATELIMIT_EVERY) so a hostile
 * peer cannot flood the log; the rejection they report is also counted by the caller.
 */
#ifndef HVD_COMMON_LOG_H
#define HVD_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "macros.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

enum log_fault {
	LOG_FAULT_NONE = 0,
	LOG_FAULT_HOST,   // the Hyper-V host (or hvhost) sent something wrong
	LOG_FAULT_GUEST,  // the guest sent something wrong
	LOG_FAULT_CLIENT, // a client of ours (monitor, VNC, shim socket) did
	LOG_FAULT_SELF,   // a bug of ours
};

/* fmt and args are a printf format and its arguments (format(printf, 6, 0)). */
typedef void (*log_handler_fn)(enum log_level level, enum log_fault fault, const char *module,
	const char *file, int line, const char *fmt, va_list args);

/* Sets the handler for the whole process; NULL restores the stderr default. */
void log_set_handler(log_handler_fn handler);
/* Lines above this level are dropped before formatting. Default LOG_INFO, or $HVD_LOG. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

const char *log_level_to_str(enum log_level level);
const char *log_fault_to_str(enum log_fault fault);

void log_write(enum log_level level, enum log_fault fault, const char *module, const char *file,
	int line, const char *fmt, ...) PRINTF(6, 7);

struct log_ratelimit {
	unsigned long count;
};

#define LOG_RATELIMIT_BURST 20
#define LOG_RATELIMIT_EVERY 1000

/* True when this occurrence should be printed. */
bool log_ratelimit_pass(struct log_ratelimit *rl);

#ifndef LOG_MODULE
#error "define LOG_MODULE before including log.h"
#endif

#define log_at(level, ...)                                                                         \
	log_write(level, LOG_FAULT_NONE, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)
#define log_error(...) log_at(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_at(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_at(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_at(LOG_DEBUG, __VA_ARGS__)

#define log_bug_fault(fault, ...)                                                                  \
	do {                                                                                       \
		static struct log_ratelimit log_rl_;                                               \
		if (log_ratelimit_pass(&log_rl_))                                                  \
			log_write(LOG_WARN, fault, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__);   \
	} while (0)

#define log_bug_host(...) log_bug_fault(LOG_FAULT_HOST, __VA_ARGS__)
#define log_bug_guest(...) log_bug_fault(LOG_FAULT_GUEST, __VA_ARGS__)
#define log_bug_client(...) log_bug_fault(LOG_FAULT_CLIENT, __VA_ARGS__)
#define log_bug_self(...)                                                                          \
	log_write(LOG_ERROR, LOG_FAULT_SELF, LOG_MODULE, __FILE__, __LINE__, __VA_ARGS__)

#endif
