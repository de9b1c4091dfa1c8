/* test_link.c: capture/link.c: every supported link type, VLAN and QinQ
 * tags, PPPoE, both byte orders of the loopback family, and what is
 * truncated, invalid, not IP or unsupported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../capture/link.h"

#define MAC12 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2
#define V4 0x45, 0, 0, 20 /* the start of an IPv4 header */
#define V6 0x60, 0, 0, 0  /* the start of an IPv6 header */
#define SLL_ADDR 0, 6, 2, 0, 0, 0, 0, 1, 0, 0

struct lcase {
    const char *name;
    int linktype;
    uint8_t frame[56];
    size_t len;
    enum link_status want;
    int version;
    size_t offset; /* where the IP packet starts */
};

static const struct lcase cases[] = {
    {"ethernet ipv4", LINK_ETHERNET, {MAC12, 0x08, 0x00, V4}, 18, LINK_OK, 4, 14},
    {"ethernet ipv6", LINK_ETHERNET, {MAC12, 0x86, 0xdd, V6}, 18, LINK_OK, 6, 14},
    {"802.1Q", LINK_ETHERNET, {MAC12, 0x81, 0x00, 0, 5, 0x08, 0x00, V4}, 22, LINK_OK, 4, 18},
    {"QinQ 88a8+8100",
     LINK_ETHERNET,
     {MAC12, 0x88, 0xa8, 0, 5, 0x81, 0x00, 0, 6, 0x86, 0xdd, V6},
     26,
     LINK_OK,
     6,
     22},
    {"QinQ 9100", LINK_ETHERNET, {MAC12, 0x91, 0x00, 0, 5, 0x08, 0x00, V4}, 22, LINK_OK, 4, 18},
    {"PPPoE session",
     LINK_ETHERNET,
     {MAC12, 0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 22, 0x00, 0x21, V4},
     26,
     LINK_OK,
     4,
     22},
    {"PPPoE non-IP",
     LINK_ETHERNET,
     {MAC12, 0x88, 0x64, 0x11, 0, 0x12, 0x34, 0, 22, 0xc0, 0x21, V4},
     26,
     LINK_NOT_IP,
     0,
     0},
    {"ARP", LINK_ETHERNET, {MAC12, 0x08, 0x06, 0, 1}, 16, LINK_NOT_IP, 0, 0},
    {"ethernet cut short", LINK_ETHERNET, {MAC12, 0x08}, 13, LINK_TRUNCATED, 0, 0},
    {"VLAN tag cut short", LINK_ETHERNET, {MAC12, 0x81, 0x00, 0}, 15, LINK_TRUNCATED, 0, 0},
    {"nine VLAN tags",
     LINK_ETHERNET,
     {MAC12, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0,    0,
      1,     0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x81, 0, 0, 1, 0x08, 0x00, V4},
     54,
     LINK_INVALID,
     0,
     0},
    {"eight VLAN tags",
     LINK_ETHERNET,
     {MAC12, 0x81, 0, 0,    1, 0x81, 0, 0,    1, 0x81, 0, 0,    1, 0x81, 0, 0,    1,    0x81,
      0,     0,    1, 0x81, 0, 0,    1, 0x81, 0, 0,    1, 0x81, 0, 0,    1, 0x08, 0x00, V4},
     50,
     LINK_OK,
     4,
     46},
    {"linux cooked v1", LINK_LINUX_SLL, {0, 0, SLL_ADDR, 0, 0, 0x08, 0x00, V4}, 20, LINK_OK, 4, 16},
    {"linux cooked v1 with VLAN",
     LINK_LINUX_SLL,
     {0, 4, SLL_ADDR, 0, 0, 0x81, 0x00, 0, 7, 0x86, 0xdd, V6},
     24,
     LINK_OK,
     6,
     20},
    {"linux cooked v1 cut short", LINK_LINUX_SLL, {0, 0, SLL_ADDR}, 12, LINK_TRUNCATED, 0, 0},
    {"linux cooked v2",
     LINK_LINUX_SLL2,
     {0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, V6},
     24,
     LINK_OK,
     6,
     20},
    {"linux cooked v2 cut short", LINK_LINUX_SLL2, {0x08, 0x00, 0, 0, 0}, 5, LINK_TRUNCATED, 0, 0},
    {"null, little-endian AF_INET", LINK_NULL, {2, 0, 0, 0, V4}, 8, LINK_OK, 4, 4},
    {"null, big-endian AF_INET", LINK_NULL, {0, 0, 0, 2, V4}, 8, LINK_OK, 4, 4},
    {"null, darwin AF_INET6", LINK_NULL, {30, 0, 0, 0, V6}, 8, LINK_OK, 6, 4},
    {"null, linux AF_INET6", LINK_NULL, {10, 0, 0, 0, V6}, 8, LINK_OK, 6, 4},
    {"loop, network order AF_INET6 (openbsd)", LINK_LOOP, {0, 0, 0, 24, V6}, 8, LINK_OK, 6, 4},
    {"loop, freebsd AF_INET6", LINK_LOOP, {0, 0, 0, 28, V6}, 8, LINK_OK, 6, 4},
    {"null, other family", LINK_NULL, {7, 0, 0, 0, V4}, 8, LINK_NOT_IP, 0, 0},
    {"null cut short", LINK_NULL, {2, 0}, 2, LINK_TRUNCATED, 0, 0},
    {"raw 101 ipv4", LINK_RAW, {V4}, 4, LINK_OK, 4, 0},
    {"raw 101 ipv6", LINK_RAW, {V6}, 4, LINK_OK, 6, 0},
    {"raw 12", LINK_RAW_BSD12, {V4}, 4, LINK_OK, 4, 0},
    {"raw 14", LINK_RAW_BSD14, {V6}, 4, LINK_OK, 6, 0},
    {"raw, version 5", LINK_RAW, {0x55, 0, 0, 0}, 4, LINK_INVALID, 0, 0},
    {"raw, empty", LINK_RAW, {0}, 0, LINK_TRUNCATED, 0, 0},
    {"linktype ipv4", LINK_IPV4, {V4}, 4, LINK_OK, 4, 0},
    {"linktype ipv6", LINK_IPV6, {V6}, 4, LINK_OK, 6, 0},
    {"802.11 is not decoded", 105, {0}, 4, LINK_UNSUPPORTED, 0, 0},
};

static void test_link_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct lcase *c = &cases[i];
        struct cursor ip = {NULL, 0};
        int version = 0;
        enum link_status st = link_decode(c->linktype, cur_make(c->frame, c->len), &ip, &version);
        if (st != c->want) print_error("case '%s': status %d\n", c->name, (int)st);
        assert_int_equal(st, c->want);
        if (st != LINK_OK) continue;
        if (version != c->version || ip.p != c->frame + c->offset)
            print_error("case '%s'\n", c->name);
        assert_int_equal(version, c->version);
        assert_ptr_equal(ip.p, c->frame + c->offset);
        assert_int_equal(ip.len, c->len - c->offset);
    }
}

static void test_supported_link_types(void **state)
{
    (void)state;
    static const int yes[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) assert_true(link_supported(yes[i]));
    assert_false(link_supported(105));
    assert_false(link_supported(127));
    assert_false(link_supported(-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_cases),
        cmocka_unit_test(test_supported_link_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
