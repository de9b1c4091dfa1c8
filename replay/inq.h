/* inq.h: read-ahead of a file input's records on a second thread, so that
 * the thread that sends requests finds each record already parsed.  The
 * records, their errors and their order are input_next's; only when they
 * are parsed changes.  Live inputs (pipes) are not read ahead: each record
 * is sent as it arrives, and a pipe is not a speed path. */
#ifndef CUTOVER_REPLAY_INQ_H
#define CUTOVER_REPLAY_INQ_H

#include "cutover/err.h"
#include "cutover/exchange.h"
#include "input.h"

struct inq;

/* Start reading in ahead.  in stays the caller's, but must not be used
 * until inq_stop.  CUT_ENOMEM, or CUT_EAGAIN when no thread could be
 * started (read in directly then). */
enum cut_err inq_start(struct inq **out, struct input *in);

/* The next record, as input_next would return it: x's contents are
 * swapped for the record's (x's old contents are reused).  For CUT_EPARSE
 * and other failures *why is input_error's text, valid until the next
 * call. Never CUT_EAGAIN: waits for the reader instead. */
enum cut_err inq_next(struct inq *q, struct exchange *x, const char **why);

/* Stop reading ahead (records read but not taken are dropped), wait for
 * the thread and free q.  NULL is allowed. */
void inq_stop(struct inq *q);

#endif
