/* test_resume.c: replay/resume.c: the id set, reading ids back from an
 * output file, and cutting a torn last line so appending starts clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../replay/resume.h"

static char *write_tmp(const char *content)
{
    char *path = strdup("/tmp/test_resume_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
    return path;
}

static void test_idset_holds_many_ids(void **state)
{
    (void)state;
    struct idset s;
    idset_init(&s);
    assert_false(idset_has(&s, "a", 1));
    for (int i = 0; i < 5000; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, "id-%d", i);
        assert_int_equal(idset_add(&s, id, (size_t)n), CUT_OK);
        assert_int_equal(idset_add(&s, id, (size_t)n), CUT_OK); /* twice: once */
    }
    assert_int_equal(s.n, 5000);
    assert_true(idset_has(&s, "id-0", 4));
    assert_true(idset_has(&s, "id-4999", 7));
    assert_false(idset_has(&s, "id-5000", 7));
    assert_false(idset_has(&s, "id-1", 3)); /* a prefix of present ids */
    idset_release(&s);
}

static void test_line_id_fast_and_slow_paths(void **state)
{
    (void)state;
    char *id = NULL;
    const char a[] = "{\"_id\":\"abc~2\",\"x\":1}";
    assert_int_equal(resume_line_id(a, sizeof a - 1, &id), CUT_OK);
    assert_string_equal(id, "abc~2");
    free(id);
    const char b[] = "{\"x\":1,\"_id\":\"q\\\"uote\"}";
    assert_int_equal(resume_line_id(b, sizeof b - 1, &id), CUT_OK);
    assert_string_equal(id, "q\"uote");
    free(id);
    const char c[] = "{\"x\":1}";
    assert_int_equal(resume_line_id(c, sizeof c - 1, &id), CUT_ENOTFOUND);
}

static void test_scan_drops_torn_last_line(void **state)
{
    (void)state;
    char *path = write_tmp("{\"_id\":\"one\"}\n{\"_id\":\"two\"}\n{\"_id\":\"thr");
    struct idset done;
    struct resume_info info;
    idset_init(&done);
    assert_int_equal(resume_scan(path, &done, &info), CUT_OK);
    assert_int_equal(info.records, 2);
    assert_int_equal(info.torn_bytes, strlen("{\"_id\":\"thr"));
    assert_true(idset_has(&done, "one", 3));
    assert_true(idset_has(&done, "two", 3));
    assert_false(idset_has(&done, "thr", 3));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, (off_t)strlen("{\"_id\":\"one\"}\n{\"_id\":\"two\"}\n"));
    /* a second scan finds a clean file */
    assert_int_equal(resume_scan(path, &done, &info), CUT_OK);
    assert_int_equal(info.torn_bytes, 0);
    assert_int_equal(info.records, 2);
    idset_release(&done);
    unlink(path);
    free(path);
}

static void test_scan_of_missing_file_is_empty(void **state)
{
    (void)state;
    struct idset done;
    struct resume_info info;
    idset_init(&done);
    assert_int_equal(resume_scan("/tmp/test_resume_does_not_exist.jsonl", &done, &info), CUT_OK);
    assert_int_equal(info.records, 0);
    assert_int_equal(done.n, 0);
}

static void test_scan_crosses_read_chunks(void **state)
{
    (void)state;
    /* lines long enough that records straddle the 64 KiB read boundary */
    size_t n = 300, pad = 1000;
    char *content = malloc(n * (pad + 40) + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)snprintf(content + len, 40, "{\"_id\":\"r%zu\",\"p\":\"", i);
        memset(content + len, 'x', pad);
        len += pad;
        len += (size_t)snprintf(content + len, 8, "\"}\n");
    }
    content[len] = '\0';
    char *path = write_tmp(content);
    struct idset done;
    struct resume_info info;
    idset_init(&done);
    assert_int_equal(resume_scan(path, &done, &info), CUT_OK);
    assert_int_equal(info.records, n);
    assert_int_equal(done.n, n);
    assert_true(idset_has(&done, "r299", 4));
    idset_release(&done);
    unlink(path);
    free(path);
    free(content);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idset_holds_many_ids),
        cmocka_unit_test(test_line_id_fast_and_slow_paths),
        cmocka_unit_test(test_scan_drops_torn_last_line),
        cmocka_unit_test(test_scan_of_missing_file_is_empty),
        cmocka_unit_test(test_scan_crosses_read_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
