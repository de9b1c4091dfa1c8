/* outq.h: the replayer's output records, turned into JSON and written by a
 * second thread when the machine has a second processor, so that the
 * thread that sends requests and reads answers does not also spend its
 * time on JSON.  Records keep the order in which their answers came, and
 * only whole records reach a file, as when they were written inline. */
#ifndef CUTOVER_REPLAY_OUTQ_H
#define CUTOVER_REPLAY_OUTQ_H

#include <stdbool.h>

#include "cutover/err.h"
#include "cutover/exchange.h"
#include "cutover/outfile.h"

struct outq;

/* A queue writing to files[0..ndest), which stay the caller's: open before
 * and still open after outq_finish, and untouched by the caller between.
 * With threaded false (or one processor) every record is written inline
 * by outq_put. */
enum cut_err outq_new(struct outq **out, struct outfile *files, int ndest, bool threaded);

/* Hand x's record to output d.  x's contents are taken: x gets back spent
 * contents of an earlier record (freed by the caller, or reused, as any
 * exchange is).  Blocks while the queue is full. */
void outq_put(struct outq *q, int d, struct exchange *x);

/* Have every record handed over so far written and flushed to its file:
 * the run's periodic tick.  Does not wait for it. */
void outq_flush(struct outq *q);

/* The first output failure (CUT_OK: none yet) and which output it was in
 * *d; the outfile's err_no tells more. Records after a failure are
 * dropped. */
enum cut_err outq_error(struct outq *q, int *d);

/* Write every record still queued, stop the thread and free q.  Returns
 * outq_error's code. */
enum cut_err outq_finish(struct outq *q, int *d);

#endif
