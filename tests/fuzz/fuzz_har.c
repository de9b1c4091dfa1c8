/* fuzz_har.c: libFuzzer target for lib/har.c.  The input is parsed as one
 * entry (har_parse_entry); an entry that parses is written back with
 * har_write_entry, and what the writer produced must parse again (and be
 * what it writes without the request text the reader kept).  Then the
 * input is written to a private temporary file and read with the streaming
 * reader (JSON Lines, a whole HAR document, torn last lines, over-long
 * lines), both by record and by raw line, which must reach the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutover/har.h"

#include "fuzz_util.h"

/* An invariant the code promises; a broken one is a bug, so crash. */
static void round_trip(const char *p, size_t n)
{
    struct exchange x, y;
    char err[256];
    exchange_init(&x);
    exchange_init(&y);
    if (har_parse_entry(p, n, &x, err, sizeof err) == CUT_OK) {
        struct buf out = BUF_INIT, esc = BUF_INIT;
        check(har_write_entry(&out, &x) == CUT_OK);
        check(memchr(out.data, '\n', out.len) == NULL);
        /* The request text the reader kept is what escaping would write. */
        x.req.body_json.len = 0;
        check(har_write_entry(&esc, &x) == CUT_OK);
        check(esc.len == out.len && memcmp(esc.data, out.data, out.len) == 0);
        buf_free(&esc);
        enum cut_err e = har_parse_entry(out.data, out.len, &y, err, sizeof err);
        if (e != CUT_OK) {
            fprintf(stderr, "written entry does not parse: %s\n%.*s\n", err, (int)out.len,
                    out.data);
            abort();
        }
        buf_free(&out);
    }
    exchange_release(&x);
    exchange_release(&y);
}

static void read_stream(const uint8_t *data, size_t size, size_t max_line, int raw)
{
    FILE *f = fopen(fuzz_tmp_file("fuzz_har"), "wb");
    if (!f) return;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    if (w != size) return;
    struct har_reader *r;
    if (har_reader_open(&r, fuzz_tmp_file("fuzz_har"), max_line) != CUT_OK) return;
    struct exchange x;
    exchange_init(&x);
    /* Every record or error returned consumes at least one byte: more
     * calls than bytes means the reader repeats itself (it did, on a
     * broken HAR document, answering CUT_EPARSE forever). */
    for (size_t i = 0;; i++) {
        if (i > size + 1) {
            fprintf(stderr, "reader does not advance: %zu calls on %zu bytes, last error: %s\n", i,
                    size, har_reader_error(r));
            abort();
        }
        enum cut_err e;
        if (raw) {
            const char *line;
            size_t len;
            long long off;
            e = har_reader_next_line(r, &line, &len, &off);
            if (e == CUT_OK) {
                check(len > 0 && len <= max_line);
                check(off >= 0 && (size_t)off + len <= size);
                check(memcmp(line, data + off, len) == 0);
            }
        } else {
            e = har_reader_next(r, &x);
        }
        if (e == CUT_EPARSE) check(har_reader_error(r)[0] != '\0');
        if (e != CUT_OK && e != CUT_EPARSE) break;
    }
    check(har_reader_torn(r) <= 1);
    exchange_release(&x);
    har_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    if (!p) return 0;
    memcpy(p, data, size);
    round_trip(p, size);
    free(p);
    /* A small max_line drives the over-long-line path too. */
    size_t max_line = size > 0 && (data[0] & 1) ? 64 : 0;
    read_stream(data, size, max_line, 0);
    read_stream(data, size, max_line ? max_line : HAR_DEFAULT_MAX_LINE, 1);
    return 0;
}
