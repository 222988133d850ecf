/* log.h - one line per decision, to stderr, with a UTC timestamp and a level. */
#ifndef NIS_COMMON_LOG_H
#define NIS_COMMON_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
