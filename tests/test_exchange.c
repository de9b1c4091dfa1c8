/* test_exchange.c: lib/exchange.c: header lists and the record's lifetime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cutover/exchange.h"

static void test_headers_keep_order_and_duplicates(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    headers_add(&h, "Set-Cookie", 10, "a=1", 3);
    headers_add(&h, "Host", 4, "x", 1);
    headers_add(&h, "set-cookie", 10, "b=2", 3);
    assert_int_equal(h.n, 3);
    assert_string_equal(headers_get(&h, "SET-COOKIE")->value, "a=1");
    assert_int_equal(headers_remove(&h, "Set-Cookie"), 2);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].name, "Host");
    headers_set(&h, "host", "y");
    headers_set(&h, "X-New", "z");
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].value, "y");
    struct headers c;
    headers_init(&c);
    assert_int_equal(headers_copy(&c, &h), CUT_OK);
    assert_string_equal(c.v[1].name, "X-New");
    assert_null(headers_get(&c, "Missing"));
    headers_release(&c);
    headers_release(&h);
}

/* replay's hop-by-hop stripping passes the name of the header it found:
 * removing must not read that name after freeing it (ASan found this). */
static void test_remove_by_a_name_the_list_owns(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    assert_int_equal(headers_add(&h, "Keep-Alive", 10, "1", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "Host", 4, "h", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "keep-alive", 10, "2", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "Via", 3, "v", 1), CUT_OK);
    assert_int_equal(headers_remove(&h, h.v[0].name), 2);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].name, "Host"); /* the others in their order */
    assert_string_equal(h.v[1].name, "Via");
    assert_int_equal(headers_remove(&h, "nothing"), 0);
    assert_int_equal(h.n, 2);
    headers_release(&h);
}

static void test_release_reinitialises(void **state)
{
    (void)state;
    struct exchange x;
    exchange_init(&x);
    exchange_strset(&x.id, "abc", 3);
    buf_puts(&x.req.body, "body");
    exchange_release(&x);
    assert_null(x.id);
    assert_int_equal(x.req.body.len, 0);
    assert_int_equal(x.flow, -1);
    assert_true(x.lag_ms < 0);
    exchange_release(&x); /* twice is fine */
}

/* Values replaced and headers deleted in place keep the others' order and
 * contents (name and value share one allocation: ASan sees a double free or
 * a leak if either path frees the wrong pointer). */
static void test_set_at_and_delete_at(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    assert_int_equal(headers_add(&h, "A", 1, "1", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "Authorization", 13, "Bearer xyz", 10), CUT_OK);
    assert_int_equal(headers_add(&h, "C", 1, "", 0), CUT_OK);
    assert_int_equal(headers_set_at(&h, 1, "redacted:0123", 13), CUT_OK);
    assert_string_equal(h.v[1].name, "Authorization");
    assert_string_equal(h.v[1].value, "redacted:0123");
    assert_int_equal(headers_set(&h, "c", "now set"), CUT_OK);
    assert_string_equal(h.v[2].name, "C");
    assert_string_equal(h.v[2].value, "now set");
    headers_delete_at(&h, 0);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].name, "Authorization");
    assert_string_equal(h.v[1].value, "now set");
    headers_delete_at(&h, 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].value, "redacted:0123");
    /* A name that is some header's value: removed safely. */
    assert_int_equal(headers_add(&h, "redacted:0123", 13, "x", 1), CUT_OK);
    assert_int_equal(headers_remove(&h, h.v[0].value), 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].name, "Authorization");
    headers_release(&h);
}

/* A value no longer than the one it replaces is written over it: the
 * same pointer, the text right, the name untouched; also when the new value
 * is a part of the old one. A longer value takes a new allocation. */
static void test_set_at_overwrites_when_it_fits(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    assert_int_equal(headers_add(&h, "Host", 4, "old.example:8080", 16), CUT_OK);
    const char *where = h.v[0].value;
    assert_int_equal(headers_set_at(&h, 0, "new.example:9090", 16), CUT_OK);
    assert_ptr_equal(h.v[0].value, where);
    assert_string_equal(h.v[0].value, "new.example:9090");
    assert_int_equal(headers_set_at(&h, 0, h.v[0].value + 4, 7), CUT_OK); /* "example" */
    assert_string_equal(h.v[0].value, "example");
    assert_string_equal(h.v[0].name, "Host");
    assert_int_equal(headers_set(&h, "host", ""), CUT_OK);
    assert_string_equal(h.v[0].value, "");
    assert_int_equal(headers_set_at(&h, 0, "a.much.longer.example:1", 23), CUT_OK);
    assert_string_equal(h.v[0].value, "a.much.longer.example:1");
    assert_string_equal(h.v[0].name, "Host");
    assert_ptr_equal(headers_get(&h, "HOST"), &h.v[0]);
    assert_null(headers_get(&h, "Hos"));
    headers_release(&h);
}

/* Every pair's value_len is its value's strlen, whatever wrote it. */
static void assert_lens(const struct headers *h)
{
    for (size_t i = 0; i < h->n; i++) assert_int_equal(h->v[i].value_len, strlen(h->v[i].value));
}

/* value_len follows the value through a new pair, a kept pair written over
 * (also one moved into place), a value shrunk or grown by set_at, set and
 * copy: the writers use it instead of strlen. */
static void test_value_len_follows_the_value(void **state)
{
    (void)state;
    struct headers h, d;
    headers_init(&h);
    headers_init(&d);
    assert_int_equal(headers_add(&h, "Host", 4, "example.com:80", 14), CUT_OK);
    assert_int_equal(headers_add(&h, "A", 1, "", 0), CUT_OK);
    assert_int_equal(headers_add(&h, "Longer-Name", 11, "a long value here", 17), CUT_OK);
    assert_lens(&h);
    assert_int_equal(h.v[0].value_len, 14);
    assert_int_equal(headers_set_at(&h, 0, "x:1", 3), CUT_OK); /* in place */
    assert_int_equal(h.v[0].value_len, 3);
    assert_int_equal(headers_set_at(&h, 1, "now longer", 10), CUT_OK); /* a new pair */
    assert_int_equal(h.v[1].value_len, 10);
    assert_int_equal(headers_set(&h, "host", "y.example:8080"), CUT_OK);
    assert_int_equal(headers_set(&h, "X-New", "z"), CUT_OK);
    assert_lens(&h);
    assert_int_equal(headers_copy(&d, &h), CUT_OK);
    assert_lens(&d);
    headers_clear(&h);
    /* "B" + "12345" fits the first kept pair; the next needs a later one */
    assert_int_equal(headers_add(&h, "B", 1, "12345", 5), CUT_OK);
    assert_int_equal(headers_add(&h, "C", 1, "a longer value", 14), CUT_OK);
    assert_int_equal(headers_add(&h, "D", 1, "", 0), CUT_OK);
    assert_lens(&h);
    assert_int_equal(h.v[1].value_len, 14);
    assert_int_equal(headers_remove(&h, "b"), 1);
    assert_lens(&h);
    headers_release(&h);
    headers_release(&d);
}

/* headers_clear empties the headers and keeps the array, which the next
 * headers fill. */
static void test_clear_keeps_the_array(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    assert_int_equal(headers_add(&h, "A", 1, "1", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "B", 1, "2", 1), CUT_OK);
    const struct header *v = h.v;
    headers_clear(&h);
    assert_int_equal(h.n, 0);
    assert_ptr_equal(h.v, v);
    assert_null(headers_get(&h, "A"));
    assert_int_equal(headers_add(&h, "C", 1, "3", 1), CUT_OK);
    assert_ptr_equal(h.v, v);
    assert_string_equal(h.v[0].name, "C");
    assert_string_equal(h.v[0].value, "3");
    headers_clear(&h);
    headers_clear(&h); /* twice is fine */
    headers_release(&h);
    assert_null(h.v);
    headers_clear(&h); /* and after a release */
}

/* The pairs headers_clear keeps are written over by the next headers that
 * fit in them (the same memory), replaced by those that do not, and freed
 * by release (ASan and valgrind see a leak or a double free). A pair's room
 * is what it was made for, through shorter values written over it; a pair
 * that delete_at or remove takes out is kept the same way. */
static void test_clear_keeps_the_pairs(void **state)
{
    (void)state;
    struct headers h;
    headers_init(&h);
    assert_int_equal(headers_add(&h, "Date", 4, "Fri, 27 Nov", 11), CUT_OK);
    assert_int_equal(headers_add(&h, "A", 1, "1", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "B", 1, "2", 1), CUT_OK);
    const char *first = h.v[0].name;
    assert_int_equal(h.v[0].room, 16);
    headers_clear(&h);
    /* 4 + 1 + 11 bytes of room: "Server" and "nginx/1.2" (6 + 1 + 9) fit */
    assert_int_equal(headers_add(&h, "Server", 6, "nginx/1.2", 9), CUT_OK);
    assert_ptr_equal(h.v[0].name, first);
    assert_string_equal(h.v[0].name, "Server");
    assert_string_equal(h.v[0].value, "nginx/1.2");
    /* "A" + "1" leaves room for 3 bytes: this one takes a new pair */
    assert_int_equal(headers_add(&h, "Long", 4, "value", 5), CUT_OK);
    assert_string_equal(h.v[1].name, "Long");
    assert_string_equal(h.v[1].value, "value");
    assert_ptr_equal(headers_get(&h, "LONG"), &h.v[1]);
    assert_null(headers_get(&h, "B")); /* a kept pair is no header */
    assert_int_equal(h.n, 2);
    /* a value shrunk in place leaves the pair its 16 bytes: "Via" and
     * "1.1 proxy.x" (3 + 1 + 11) still fit in it */
    assert_int_equal(headers_set_at(&h, 0, "x", 1), CUT_OK);
    assert_int_equal(h.v[0].room, 16);
    headers_clear(&h);
    assert_int_equal(headers_add(&h, "Via", 3, "1.1 proxy.x", 11), CUT_OK);
    assert_ptr_equal(h.v[0].name, first);
    assert_string_equal(h.v[0].name, "Via");
    assert_string_equal(h.v[0].value, "1.1 proxy.x");
    assert_int_equal(headers_add(&h, "C", 1, "3", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "D", 1, "4", 1), CUT_OK);
    const char *c = h.v[1].name;
    headers_delete_at(&h, 1); /* C goes behind D, kept */
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[1].name, "D");
    assert_true(h.spare >= 3);
    assert_int_equal(headers_add(&h, "E", 1, "5", 1), CUT_OK); /* over C's pair */
    assert_string_equal(h.v[2].name, "E");
    assert_ptr_equal(h.v[2].name, c);
    headers_clear(&h);
    assert_int_equal(headers_add(&h, "D", 1, "6", 1), CUT_OK);
    assert_int_equal(headers_add(&h, "G", 1, "8", 1), CUT_OK);
    const char *d2 = h.v[0].name;
    assert_int_equal(headers_remove(&h, "d"), 1);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].name, "G");
    assert_int_equal(headers_add(&h, "F", 1, "7", 1), CUT_OK); /* over D's pair */
    assert_ptr_equal(h.v[1].name, d2);
    assert_string_equal(h.v[1].value, "7");
    assert_string_equal(h.v[0].value, "8");
    headers_clear(&h);
    headers_release(&h);
    assert_null(h.v);
    assert_int_equal(h.spare, 0);
}

/* exchange_clear leaves the exchange as exchange_init does, except that
 * the header pairs stay as spares and the bodies keep their memory (a leak
 * or a double free of the strings shows under ASan and valgrind). */
static void test_clear_keeps_arrays_and_bodies(void **state)
{
    (void)state;
    struct exchange x;
    exchange_init(&x);
    exchange_strset(&x.id, "id-1", 4);
    exchange_strset(&x.req.method, "POST", 4);
    exchange_strset(&x.resp.reason, "OK", 2);
    assert_int_equal(headers_add(&x.req.headers, "Host", 4, "a", 1), CUT_OK);
    assert_int_equal(headers_add(&x.resp.headers, "A", 1, "1", 1), CUT_OK);
    assert_int_equal(headers_add(&x.resp.headers, "B", 1, "2", 1), CUT_OK);
    buf_puts(&x.resp.body, "{\"k\":1}");
    x.resp.status = 201;
    const char *body_mem = x.resp.body.data;
    const char *pair = x.resp.headers.v[0].name;
    exchange_clear(&x);
    assert_null(x.id);
    assert_null(x.req.method);
    assert_null(x.resp.reason);
    assert_int_equal(x.resp.status, 0);
    assert_true(x.resp.body_size < 0);
    assert_int_equal(x.req.headers.n, 0);
    assert_int_equal(x.resp.headers.n, 0);
    assert_int_equal(x.resp.headers.spare, 2);
    assert_int_equal(x.resp.body.len, 0);
    assert_ptr_equal(x.resp.body.data, body_mem);
    assert_int_equal(headers_add(&x.resp.headers, "C", 1, "3", 1), CUT_OK);
    assert_ptr_equal(x.resp.headers.v[0].name, pair); /* written over */
    assert_string_equal(x.resp.headers.v[0].value, "3");
    exchange_release(&x);
}

/* The answer's reason and version that exchange_clear keeps are taken by
 * the next answer's exchange_strset_kept when they are long enough (the
 * same memory), and a new copy is made when not; clear keeps the latest,
 * release frees whatever is kept (valgrind and ASan see a leak or a double
 * free). */
static void test_clear_keeps_reason_and_version(void **state)
{
    (void)state;
    struct exchange x;
    exchange_init(&x);
    assert_null(x.resp.kept_reason);
    assert_int_equal(exchange_strset(&x.resp.reason, "Created", 7), CUT_OK);
    assert_int_equal(exchange_strset(&x.resp.version, "HTTP/1.1", 8), CUT_OK);
    char *reason = x.resp.reason, *version = x.resp.version;
    exchange_clear(&x);
    assert_null(x.resp.reason);
    assert_null(x.resp.version);
    assert_ptr_equal(x.resp.kept_reason, reason);
    assert_ptr_equal(x.resp.kept_version, version);
    /* fits: written into the kept memory, which is taken */
    assert_int_equal(exchange_strset_kept(&x.resp.reason, &x.resp.kept_reason, "OK", 2), CUT_OK);
    assert_ptr_equal(x.resp.reason, reason);
    assert_string_equal(x.resp.reason, "OK");
    assert_null(x.resp.kept_reason);
    /* does not fit: a copy of its own, the kept one stays */
    assert_int_equal(exchange_strset_kept(&x.resp.version, &x.resp.kept_version, "HTTP/1.10", 9),
                     CUT_OK);
    assert_ptr_not_equal(x.resp.version, version);
    assert_string_equal(x.resp.version, "HTTP/1.10");
    assert_ptr_equal(x.resp.kept_version, version);
    /* a value already set is replaced the usual way */
    assert_int_equal(exchange_strset_kept(&x.resp.version, &x.resp.kept_version, "H", 1), CUT_OK);
    assert_string_equal(x.resp.version, "H");
    assert_ptr_equal(x.resp.kept_version, version);
    /* clear keeps the latest: the older kept version is freed */
    exchange_clear(&x);
    assert_ptr_equal(x.resp.kept_reason, reason);
    assert_non_null(x.resp.kept_version);
    assert_ptr_not_equal(x.resp.kept_version, version);
    /* no answer between two clears: what was kept stays kept */
    char *kv = x.resp.kept_version;
    exchange_clear(&x);
    assert_ptr_equal(x.resp.kept_version, kv);
    assert_ptr_equal(x.resp.kept_reason, reason);
    exchange_release(&x);
    assert_null(x.resp.kept_reason);
    assert_null(x.resp.kept_version);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_headers_keep_order_and_duplicates),
        cmocka_unit_test(test_release_reinitialises),
        cmocka_unit_test(test_clear_keeps_arrays_and_bodies),
        cmocka_unit_test(test_clear_keeps_reason_and_version),
        cmocka_unit_test(test_remove_by_a_name_the_list_owns),
        cmocka_unit_test(test_set_at_and_delete_at),
        cmocka_unit_test(test_set_at_overwrites_when_it_fits),
        cmocka_unit_test(test_value_len_follows_the_value),
        cmocka_unit_test(test_clear_keeps_the_array),
        cmocka_unit_test(test_clear_keeps_the_pairs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
