/* html.c: report.html (placeholder until the full renderer lands). */
#include "../compare/compare.h"

enum cut_err report_html(const struct cmp *c, const char *path)
{
    (void)c;
    (void)path;
    return CUT_EUNSUPP;
}
