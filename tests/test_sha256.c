/* test_sha256.c: lib/sha256.c against the FIPS 180-4 examples and the
 * HMAC-SHA256 vectors of RFC 4231. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "cutover/sha256.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void test_sha256_known_digests(void **state)
{
    (void)state;
    static const struct {
        const char *msg, *digest;
    } rows[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t d[SHA256_LEN];
        char h[65];
        sha256(rows[i].msg, strlen(rows[i].msg), d);
        hex(d, sizeof d, h);
        assert_string_equal(h, rows[i].digest);
    }
    /* A million 'a's fed in uneven pieces. */
    struct sha256 s;
    sha256_init(&s);
    char a[997];
    memset(a, 'a', sizeof a);
    size_t left = 1000000;
    while (left) {
        size_t k = left < sizeof a ? left : sizeof a;
        sha256_update(&s, a, k);
        left -= k;
    }
    uint8_t d[SHA256_LEN];
    char h[65];
    sha256_final(&s, d);
    hex(d, sizeof d, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_rfc4231_vectors(void **state)
{
    (void)state;
    uint8_t k1[20], k2[20], d2[50], k3[25], d3[50], k6[131];
    memset(k1, 0x0b, sizeof k1);
    memset(k2, 0xaa, sizeof k2);
    memset(d2, 0xdd, sizeof d2);
    for (int i = 0; i < 25; i++) k3[i] = (uint8_t)(i + 1);
    memset(d3, 0xcd, sizeof d3);
    memset(k6, 0xaa, sizeof k6);
    static const char msg6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char msg7[] = "This is a test using a larger than block-size key and a larger "
                               "than block-size data. The key needs to be hashed before being "
                               "used by the HMAC algorithm.";
    const struct {
        const void *key;
        size_t klen;
        const void *msg;
        size_t mlen;
        const char *mac;
    } rows[] = {
        {k1, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", 4, "what do ya want for nothing?", 28,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {k2, 20, d2, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {k3, 25, d3, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {k6, 131, msg6, strlen(msg6),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {k6, 131, msg7, strlen(msg7),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        uint8_t d[SHA256_LEN];
        char h[65];
        hmac_sha256(rows[i].key, rows[i].klen, rows[i].msg, rows[i].mlen, d);
        hex(d, sizeof d, h);
        assert_string_equal(h, rows[i].mac);
    }
    /* Test case 5: output truncated to 128 bits. */
    uint8_t k5[20], d[SHA256_LEN];
    char h[65];
    memset(k5, 0x0c, sizeof k5);
    hmac_sha256(k5, 20, "Test With Truncation", 20, d);
    hex(d, 16, h);
    assert_string_equal(h, "a3b6167473100ee06e0c796c2955552b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_known_digests),
        cmocka_unit_test(test_hmac_rfc4231_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
