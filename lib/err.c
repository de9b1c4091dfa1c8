/* err.c: texts and exit statuses of enum cut_err, as one table. */
#include "cutover/err.h"

static const struct {
    const char *text;
    int exit_status;
} err_table[CUT_ERR_COUNT] = {
    [CUT_OK] = {"success", 0},
    [CUT_ENOMEM] = {"out of memory", 3},
    [CUT_EIO] = {"input/output error", 3},
    [CUT_EPARSE] = {"malformed input", 2},
    [CUT_ETRUNC] = {"truncated input", 2},
    [CUT_ELIMIT] = {"limit reached", 2},
    [CUT_EINVAL] = {"invalid argument", 2},
    [CUT_ENOTFOUND] = {"not found", 2},
    [CUT_EOF] = {"end of input", 0},
    [CUT_EUNSUPP] = {"not supported", 2},
    [CUT_ENET] = {"network error", 3},
    [CUT_EAGAIN] = {"try again", 3},
};

const char *cutover_strerror(enum cut_err e)
{
    if ((unsigned)e >= CUT_ERR_COUNT) return "unknown error";
    return err_table[e].text;
}

int cutover_exit_status(enum cut_err e)
{
    if ((unsigned)e >= CUT_ERR_COUNT) return 3;
    return err_table[e].exit_status;
}
