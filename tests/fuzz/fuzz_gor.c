/* fuzz_gor.c: libFuzzer target for lib/gor.c, the GoReplay (.gor) reader.
 * The first byte picks the mode: the whole input as a .gor file read with
 * pairing on or off (through a private temporary file), or one record
 * payload parsed as a request or a response.  Every exchange that comes out
 * must also be writable as a HAR entry that reads back. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cutover/gor.h"
#include "cutover/har.h"

#include "fuzz_util.h"

/* What the reader hands to replay must survive the record codec. */
static void as_har(const struct exchange *x)
{
    struct buf out = BUF_INIT;
    struct exchange y;
    char err[256];
    exchange_init(&y);
    check(har_write_entry(&out, x) == CUT_OK);
    if (har_parse_entry(out.data, out.len, &y, err, sizeof err) != CUT_OK) {
        fprintf(stderr, "entry from .gor does not read back: %s\n%s\n", err, out.data);
        abort();
    }
    exchange_release(&y);
    buf_free(&out);
}

static void read_file(const uint8_t *data, size_t size, bool pair)
{
    FILE *f = fopen(fuzz_tmp_file("fuzz_gor"), "wb");
    if (!f) return;
    size_t w = fwrite(data, 1, size, f);
    fclose(f);
    if (w != size) return;
    struct gor_reader *r;
    if (gor_reader_open(&r, fuzz_tmp_file("fuzz_gor"), pair) != CUT_OK) return;
    struct exchange x;
    exchange_init(&x);
    for (int i = 0; i < 10000; i++) {
        enum cut_err e = gor_reader_next(r, &x);
        if (e == CUT_OK) as_har(&x);
        if (e == CUT_EPARSE) check(gor_reader_error(r)[0] != '\0');
        if (e != CUT_OK && e != CUT_EPARSE) break;
    }
    (void)gor_reader_skipped(r);
    exchange_release(&x);
    gor_reader_free(r);
}

static void payload(const uint8_t *data, size_t size, unsigned mode)
{
    static const char *methods[] = {"GET", "HEAD", "CONNECT", "POST"};
    char *p = malloc(size ? size : 1);
    if (!p) return;
    memcpy(p, data, size);
    struct exchange x;
    exchange_init(&x);
    const char *why = NULL;
    enum cut_err e = (mode & 1) ? gor_parse_response(p, size, methods[(mode >> 1) % 4], &x, &why)
                                : gor_parse_request(p, size, &x, &why);
    if (e == CUT_EPARSE) check(why != NULL);
    if (e == CUT_OK && !(mode & 1)) as_har(&x); /* a lone response has no request */
    (void)gor_sniff(p, size);
    exchange_release(&x);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned mode = data[0];
    switch (mode % 4) {
    case 0:
        read_file(data + 1, size - 1, false);
        break;
    case 1:
        read_file(data + 1, size - 1, true);
        break;
    default:
        payload(data + 1, size - 1, mode >> 2);
        break;
    }
    return 0;
}
