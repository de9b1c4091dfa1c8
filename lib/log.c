/* log.c: stderr diagnostics with the program's name in front. */
#include "cutover/log.h"

#include <stdarg.h>
#include <stdio.h>

static const char *prog_name = "cutover";
static bool quiet;

void log_init(const char *prog)
{
    prog_name = prog;
}

void log_set_quiet(bool q)
{
    quiet = q;
}

bool log_is_quiet(void)
{
    return quiet;
}

const char *log_prog(void)
{
    return prog_name;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s: %s%s\n", prog_name, tag, line);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    if (quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    if (quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}
