/* log.h: the tools' diagnostics on stderr, one line each, prefixed with the
 * program name ("cutover-capture: traffic.pcap: packet 12: truncated IPv6
 * header").  Only the tools' main files and their stages call it; lib/
 * code returns errors instead. */
#ifndef CUTOVER_LOG_H
#define CUTOVER_LOG_H

#include <stdbool.h>

void log_init(const char *prog);
void log_set_quiet(bool quiet);
bool log_is_quiet(void);
const char *log_prog(void);
/* Always printed. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed unless quiet. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
