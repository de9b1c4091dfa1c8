/* input.h: where replay's records come from.  One input is a file or "-":
 * the capture's JSONL or a HAR document (through lib/har.c), a GoReplay
 * .gor file (lib/gor.c), or a live pipe, read without blocking so that each
 * record is sent as soon as it arrives. */
#ifndef CUTOVER_REPLAY_INPUT_H
#define CUTOVER_REPLAY_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cutover/exchange.h"

enum input_kind { INPUT_HAR, INPUT_GOR, INPUT_LIVE };

struct input;

/* Open path. A pipe, socket or terminal on stdin (or a named FIFO) is live.
 * CUT_EIO with errno set when it cannot be opened. */
enum cut_err input_open(struct input **out, const char *path);
/* The next record. CUT_EOF at the end; CUT_EAGAIN (live only): nothing
 * complete yet, poll input_fd; CUT_EPARSE: a bad record, input_error says
 * "FILE:LINE: reason", and the next call goes on after it; CUT_EIO. */
enum cut_err input_next(struct input *in, struct exchange *x);
const char *input_error(const struct input *in);
/* What the reader skipped with a warning at the end (a torn last line), or
 * NULL. */
const char *input_warning(const struct input *in);
enum input_kind input_kind(const struct input *in);
/* The descriptor to poll for a live input; -1 otherwise. */
int input_fd(const struct input *in);
/* A quick count of the records in path (newlines of a JSONL file); 0 when
 * unknown (a pipe, a HAR document, a .gor file). */
uint64_t input_count_hint(const char *path);
void input_free(struct input *in);

#endif
