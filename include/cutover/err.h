/* err.h: the one error enum every cutover function returns, and its text.
 * Library code never prints or exits: it returns one of these and the
 * tool's main turns it into a message and an exit status. */
#ifndef CUTOVER_ERR_H
#define CUTOVER_ERR_H

enum cut_err {
    CUT_OK = 0,
    CUT_ENOMEM,    /* allocation failed */
    CUT_EIO,       /* read or write failed (errno tells more) */
    CUT_EPARSE,    /* input is malformed */
    CUT_ETRUNC,    /* input ended early; more may come */
    CUT_ELIMIT,    /* a configured cap was reached */
    CUT_EINVAL,    /* bad argument or option value */
    CUT_ENOTFOUND, /* no such item */
    CUT_EOF,       /* clean end of input */
    CUT_EUNSUPP,   /* valid but not supported (link type, version) */
    CUT_ENET,      /* network fault */
    CUT_EAGAIN,    /* nothing now; try again later */
    CUT_ERR_COUNT
};

/* Static text for e; never NULL, also for values out of range. */
const char *cutover_strerror(enum cut_err e);

/* Exit status a tool should use for e: 2 for input and usage, 3 for runtime. */
int cutover_exit_status(enum cut_err e);

#endif
