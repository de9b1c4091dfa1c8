/* test_zcodec.c: lib/zcodec.c: gzip and deflate decoding with a cap. The
 * compressed inputs are made here with zlib itself, independently of the
 * encoder under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cutover/zcodec.h"

static const char plain[] = "{\"message_id\":\"m-1\",\"status\":\"queued\",\"segments\":2}";

/* Compress with zlib directly: wbits 15+16 gzip, 15 zlib, -15 raw. */
static size_t zmake(int wbits, const void *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (unsigned)n;
    zs.next_out = out;
    zs.avail_out = (unsigned)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

static void check_roundtrip(enum zcodec_kind kind, int wbits)
{
    unsigned char z[256];
    size_t zn = zmake(wbits, plain, strlen(plain), z, sizeof z);
    struct buf out = BUF_INIT;
    assert_int_equal(zcodec_decode(kind, z, zn, &out, 1 << 20), CUT_OK);
    assert_int_equal(out.len, strlen(plain));
    assert_memory_equal(out.data, plain, out.len);
    buf_free(&out);
}

static void test_gzip_made_by_zlib_decodes(void **state)
{
    (void)state;
    check_roundtrip(ZCODEC_GZIP, 15 + 16);
}

static void test_deflate_accepts_zlib_wrapped_and_raw(void **state)
{
    (void)state;
    check_roundtrip(ZCODEC_DEFLATE, 15);
    check_roundtrip(ZCODEC_DEFLATE, -15);
}

static void test_concatenated_gzip_members_decode_whole(void **state)
{
    (void)state;
    unsigned char z[512];
    size_t a = zmake(15 + 16, "hello ", 6, z, sizeof z);
    size_t b = zmake(15 + 16, "world", 5, z + a, sizeof z - a);
    struct buf out = BUF_INIT;
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, a + b, &out, 0), CUT_OK);
    assert_string_equal(out.data, "hello world");
    buf_free(&out);
}

static void test_bomb_stops_at_cap(void **state)
{
    (void)state;
    /* 64 MiB of zeros compress to about 64 KiB; the cap must stop it. */
    size_t big = (size_t)64 << 20;
    char *zeros = calloc(1, big);
    assert_non_null(zeros);
    size_t zcap = big / 500;
    unsigned char *z = malloc(zcap);
    assert_non_null(z);
    size_t zn = zmake(15 + 16, zeros, big, z, zcap);
    free(zeros);
    assert_true(zn < (size_t)1 << 20);
    struct buf out = BUF_INIT;
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, zn, &out, 1000000), CUT_ELIMIT);
    assert_int_equal(out.len, 1000000);
    buf_free(&out);
    free(z);
}

static void test_exact_cap_is_not_a_limit(void **state)
{
    (void)state;
    unsigned char z[256];
    size_t zn = zmake(15 + 16, plain, strlen(plain), z, sizeof z);
    struct buf out = BUF_INIT;
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, zn, &out, strlen(plain)), CUT_OK);
    buf_reset(&out);
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, zn, &out, strlen(plain) - 1), CUT_ELIMIT);
    assert_int_equal(out.len, strlen(plain) - 1);
    buf_free(&out);
}

static void test_corrupt_and_truncated_input_are_reported(void **state)
{
    (void)state;
    unsigned char z[256];
    size_t zn = zmake(15 + 16, plain, strlen(plain), z, sizeof z);
    struct buf out = BUF_INIT;
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, zn / 2, &out, 0), CUT_ETRUNC);
    buf_reset(&out);
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, "not gzip at all", 15, &out, 0), CUT_EPARSE);
    buf_reset(&out);
    z[zn - 3] ^= 0xff; /* the length in the gzip trailer */
    assert_int_equal(zcodec_decode(ZCODEC_GZIP, z, zn, &out, 0), CUT_EPARSE);
    buf_free(&out);
}

static void test_encoding_names(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        enum zcodec_kind kind;
    } rows[] = {
        {"gzip", true, ZCODEC_GZIP},          {" GZip ", true, ZCODEC_GZIP},
        {"x-gzip", true, ZCODEC_GZIP},        {"deflate", true, ZCODEC_DEFLATE},
        {"identity", true, ZCODEC_IDENTITY},  {"br", false, ZCODEC_IDENTITY},
        {"gzip, br", false, ZCODEC_IDENTITY},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        enum zcodec_kind k = ZCODEC_IDENTITY;
        assert_int_equal(zcodec_from_name(rows[i].s, strlen(rows[i].s), &k), rows[i].ok);
        if (rows[i].ok) assert_int_equal(k, rows[i].kind);
    }
}

static void test_encode_then_decode(void **state)
{
    (void)state;
    for (int k = ZCODEC_GZIP; k <= ZCODEC_DEFLATE; k++) {
        struct buf z = BUF_INIT, out = BUF_INIT;
        assert_int_equal(zcodec_encode((enum zcodec_kind)k, plain, strlen(plain), &z), CUT_OK);
        assert_int_equal(zcodec_decode((enum zcodec_kind)k, z.data, z.len, &out, 0), CUT_OK);
        assert_string_equal(out.data, plain);
        buf_free(&z);
        buf_free(&out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_made_by_zlib_decodes),
        cmocka_unit_test(test_deflate_accepts_zlib_wrapped_and_raw),
        cmocka_unit_test(test_concatenated_gzip_members_decode_whole),
        cmocka_unit_test(test_bomb_stops_at_cap),
        cmocka_unit_test(test_exact_cap_is_not_a_limit),
        cmocka_unit_test(test_corrupt_and_truncated_input_are_reported),
        cmocka_unit_test(test_encoding_names),
        cmocka_unit_test(test_encode_then_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
