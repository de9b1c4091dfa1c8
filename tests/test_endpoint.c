/* test_endpoint.c: compare/endpoint.c: requests grouped by method and path
 * template; id-like segments become {id}; declared templates win. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../compare/compare.h"

static void check(const struct cmp_strings *tpl, const char *method, const char *target,
                  const char *want)
{
    struct buf b = BUF_INIT;
    assert_int_equal(endpoint_name(tpl, method, strlen(method), target, strlen(target), &b),
                     CUT_OK);
    assert_string_equal(b.data, want);
    buf_free(&b);
}

static void test_id_like_segments_become_id(void **state)
{
    (void)state;
    static const char *const rows[][3] = {
        {"GET", "/v1/messages/123", "GET /v1/messages/{id}"},
        {"GET", "/v1/messages/550e8400-e29b-41d4-a716-446655440000", "GET /v1/messages/{id}"},
        {"GET", "/v1/users/deadbeef12/devices", "GET /v1/users/{id}/devices"},
        {"GET", "/v1/m/01ARZ3NDEKTSV4RRFFQ69G5FAV", "GET /v1/m/{id}"},
        {"GET", "/v1/m/msg_2NfXq8ZyA7bC9dE1", "GET /v1/m/{id}"},
        {"GET", "/v1/m/msg000192", "GET /v1/m/{id}"},
        {"GET", "/v1/numbers/+15550100000", "GET /v1/numbers/{id}"},
        {"GET", "/v1/contacts/ann@example.com", "GET /v1/contacts/{id}"},
        {"GET", "/v1/contacts/ann%40example.com", "GET /v1/contacts/{id}"},
        {"GET", "/v1/tags/a%20b", "GET /v1/tags/a%20b"}, /* a '%', but no %40 */
        {"GET", "https://api.local/v1/a", "GET /v1/a"},
        {"GET", "/v1/r/http://x/y", "GET /v1/r/http://x/y"}, /* origin-form: no host taken */
        {"GET", "/v2/oauth2/token", "GET /v2/oauth2/token"},
        {"GET", "/v1/messages", "GET /v1/messages"},
        {"GET", "/v1/messages?page=2&id=7", "GET /v1/messages"},
        {"GET", "/v1/messages/", "GET /v1/messages/"},
        {"get", "http://api.local:8080/v1/a/42?x=1", "GET /v1/a/{id}"},
        {"GET", "/", "GET /"},
        {"GET", "", "GET /"},
        {"DELETE", "/v1/hooks/cafe", "DELETE /v1/hooks/cafe"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        check(NULL, rows[i][0], rows[i][1], rows[i][2]);
}

static void test_declared_templates_win_in_order(void **state)
{
    (void)state;
    struct cmp_strings t = {0};
    assert_int_equal(cmp_strings_add(&t, "GET /v1/messages/{message}"), CUT_OK);
    assert_int_equal(cmp_strings_add(&t, "* /v1/lists/{name}/items"), CUT_OK);
    assert_int_equal(cmp_strings_add(&t, "GET /v1/messages/{other}"), CUT_OK);
    check(&t, "GET", "/v1/messages/abc", "GET /v1/messages/{message}");
    check(&t, "GET", "/v1/messages/42?x", "GET /v1/messages/{message}");
    check(&t, "POST", "/v1/messages/abc", "POST /v1/messages/abc");
    check(&t, "PUT", "/v1/lists/friends/items", "PUT /v1/lists/{name}/items");
    check(&t, "PUT", "/v1/lists/friends/items/3", "PUT /v1/lists/friends/items/{id}");
    check(&t, "GET", "/v1/messages/abc/parts", "GET /v1/messages/abc/parts");
    cmp_strings_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_like_segments_become_id),
        cmocka_unit_test(test_declared_templates_win_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
