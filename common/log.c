#define LOG_MODULE "log"
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Atomic(log_handler_fn) log_handler;
static atomic_int log_level = -1;

static void PRINTF(6, 0) log_stderr(enum log_level level, enum log_fault fault, const char *module,
	const char *file, int line, const char *fmt, va_list args)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, args);
	if (fault != LOG_FAULT_NONE)
		fprintf(stderr, "%s [%s] %s:%d: bug (%s): %s\n", log_level_to_str(level), module,
			file, line, log_fault_to_str(fault), msg);
	else
		fprintf(stderr, "%s [%s] %s:%d: %s\n", log_level_to_str(level), module, file, line,
			msg);
}

void log_set_handler(log_handler_fn handler)
{
	atomic_store(&log_handler, handler);
}

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	int level = atomic_load(&log_level);
	if (level >= 0)
		return (enum log_level)level;
	const char *env = getenv("HVD_LOG");
	level = LOG_INFO;
	if (env) {
		for (int l = LOG_ERROR; l <= LOG_DEBUG; l++) {
			if (strcmp(env, log_level_to_str((enum log_level)l)) == 0)
				level = l;
		}
	}
	atomic_store(&log_level, level);
	return (enum log_level)level;
}

const char *log_level_to_str(enum log_level level)
{
	switch (level) {
	case LOG_ERROR:
		return "error";
	case LOG_WARN:
		return "warn";
	case LOG_INFO:
		return "info";
	case LOG_DEBUG:
		return "debug";
	}
	return "?";
}

const char *log_fault_to_str(enum log_fault fault)
{
	switch (fault) {
	case LOG_FAULT_NONE:
		return "none";
	case LOG_FAULT_HOST:
		return "host";
	case LOG_FAULT_GUEST:
		return "guest";
	case LOG_FAULT_CLIENT:
		return "client";
	case LOG_FAULT_SELF:
		return "self";
	}
	return "?";
}

void log_write(enum log_level level, enum log_fault fault, const char *module, const char *file,
	int line, const char *fmt, ...)
{
	if (level > log_get_level())
		return;
	log_handler_fn handler = atomic_load(&log_handler);
	if (!handler)
		handler = log_stderr;
	va_list args;
	va_start(args, fmt);
	handler(level, fault, module, file, line, fmt, args);
	va_end(args);
}

bool log_ratelimit_pass(struct log_ratelimit *rl)
{
	unsigned long n = __atomic_add_fetch(&rl->count, 1, __ATOMIC_RELAXED);
	return n <= LOG_RATELIMIT_BURST || n % LOG_RATELIMIT_EVERY == 0;
}
