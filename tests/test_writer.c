/* test_writer.c: capture/writer.c: 0600 files of whole lines, rotation by
 * size and by age with its naming, the HAR document mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../capture/writer.h"

static char dir[] = "/tmp/cutover-writer-XXXXXX";

static void mkx(struct exchange *x, int seq)
{
    exchange_init(x);
    char id[32];
    snprintf(id, sizeof id, "run-1-%d", seq);
    x->id = strdup(id);
    x->req.method = strdup("GET");
    x->req.target = strdup("/x");
    x->req.url = strdup("http://h/x");
    x->req.version = strdup("HTTP/1.1");
    x->resp.status = 200;
    x->resp.reason = strdup("OK");
    x->resp.version = strdup("HTTP/1.1");
    buf_puts(&x->resp.body, "{\"ok\":true}");
    x->flow = 1;
    x->seq = seq;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 20);
    *len = fread(b, 1, (1 << 20) - 1, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

/* Lines of a JSONL file, each checked to be one JSON object. */
static size_t count_lines(const char *path)
{
    size_t len = 0, n = 0;
    char *b = slurp(path, &len);
    assert_non_null(b);
    assert_true(len > 0 && b[len - 1] == '\n');
    for (char *p = b, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        json_error_t je;
        json_t *o = json_loadb(p, (size_t)(nl - p), 0, &je);
        assert_non_null(o);
        json_decref(o);
        n++;
    }
    free(b);
    return n;
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_rotated_names(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        unsigned n;
        const char *want;
    } rows[] = {
        {"out.jsonl", 0, "out.jsonl"},
        {"out.jsonl", 1, "out-0001.jsonl"},
        {"/var/cap/a.b.jsonl", 12, "/var/cap/a.b-0012.jsonl"},
        {"noext", 3, "noext-0003"},
        {"./dir.d/noext", 2, "./dir.d/noext-0002"},
        {".hidden", 1, ".hidden-0001"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[256];
        writer_file_name(rows[i].path, rows[i].n, out, sizeof out);
        assert_string_equal(out, rows[i].want);
    }
}

static void test_file_is_0600_even_if_it_existed(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/mode.jsonl", dir);
    FILE *f = fopen(path, "w");
    fclose(f);
    chmod(path, 0644);
    struct writer_config cfg = {.path = path};
    struct writer *w;
    char err[256];
    assert_int_equal(writer_open(&cfg, 0, &w, err, sizeof err), CUT_OK);
    struct exchange x;
    mkx(&x, 1);
    assert_int_equal(writer_put(w, &x, 0), CUT_OK);
    exchange_release(&x);
    assert_int_equal(writer_close(w, err, sizeof err), CUT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_lines(path), 1);
}

static void test_rotation_by_size_keeps_whole_lines(void **state)
{
    (void)state;
    char path[256], name[300];
    snprintf(path, sizeof path, "%s/size.jsonl", dir);
    struct writer_config cfg = {.path = path, .rotate_size = 1000, .flush_at = 4096};
    struct writer *w;
    char err[256];
    assert_int_equal(writer_open(&cfg, 0, &w, err, sizeof err), CUT_OK);
    for (int i = 1; i <= 10; i++) {
        struct exchange x;
        mkx(&x, i);
        assert_int_equal(writer_put(w, &x, 0), CUT_OK);
        exchange_release(&x);
    }
    uint64_t files = writer_stats(w)->files;
    assert_int_equal(writer_close(w, err, sizeof err), CUT_OK);
    assert_true(files > 1);
    size_t total = 0;
    for (unsigned n = 0; n < files; n++) {
        writer_file_name(path, n, name, sizeof name);
        struct stat st;
        assert_int_equal(stat(name, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        /* No file passes the limit unless one record alone does. */
        assert_true(st.st_size <= 1000);
        total += count_lines(name);
    }
    assert_int_equal(total, 10);
    writer_file_name(path, (unsigned)files, name, sizeof name);
    assert_int_not_equal(access(name, F_OK), 0);
}

static void test_rotation_by_age(void **state)
{
    (void)state;
    char path[256], name[300];
    snprintf(path, sizeof path, "%s/age.jsonl", dir);
    struct writer_config cfg = {.path = path, .rotate_us = 60000000};
    struct writer *w;
    char err[256];
    assert_int_equal(writer_open(&cfg, 0, &w, err, sizeof err), CUT_OK);
    struct exchange x;
    mkx(&x, 1);
    assert_int_equal(writer_put(w, &x, 1000000), CUT_OK);
    assert_int_equal(writer_put(w, &x, 59000000), CUT_OK);
    assert_int_equal(writer_tick(w, 61000000), CUT_OK); /* idle: rotates */
    assert_int_equal(writer_put(w, &x, 62000000), CUT_OK);
    assert_int_equal(writer_tick(w, 100000000), CUT_OK); /* file 1 not yet 60 s old */
    exchange_release(&x);
    assert_int_equal(writer_close(w, err, sizeof err), CUT_OK);
    assert_int_equal(count_lines(path), 2);
    writer_file_name(path, 1, name, sizeof name);
    assert_int_equal(count_lines(name), 1);
    writer_file_name(path, 2, name, sizeof name);
    assert_int_not_equal(access(name, F_OK), 0);
}

static void test_har_document(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/doc.har", dir);
    struct writer_config cfg = {.path = path, .har = true, .version = "test"};
    struct writer *w;
    char err[256];
    assert_int_equal(writer_open(&cfg, 0, &w, err, sizeof err), CUT_OK);
    for (int i = 1; i <= 3; i++) {
        struct exchange x;
        mkx(&x, i);
        assert_int_equal(writer_put(w, &x, 0), CUT_OK);
        exchange_release(&x);
    }
    assert_int_equal(writer_close(w, err, sizeof err), CUT_OK);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    assert_non_null(doc);
    json_t *entries = json_object_get(json_object_get(doc, "log"), "entries");
    assert_int_equal(json_array_size(entries), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 2), "_id")),
                        "run-1-3");
    json_decref(doc);
}

static void test_bad_combinations_and_paths(void **state)
{
    (void)state;
    struct writer *w;
    char err[256];
    struct writer_config c1 = {.path = "-", .rotate_size = 10};
    assert_int_equal(writer_open(&c1, 0, &w, err, sizeof err), CUT_EINVAL);
    struct writer_config c2 = {.path = "x.har", .har = true, .rotate_us = 10};
    assert_int_equal(writer_open(&c2, 0, &w, err, sizeof err), CUT_EINVAL);
    struct writer_config c3 = {.path = "/nonexistent-dir/x.jsonl"};
    assert_int_equal(writer_open(&c3, 0, &w, err, sizeof err), CUT_EIO);
    assert_non_null(strstr(err, "/nonexistent-dir/x.jsonl"));
    assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotated_names),
        cmocka_unit_test(test_file_is_0600_even_if_it_existed),
        cmocka_unit_test(test_rotation_by_size_keeps_whole_lines),
        cmocka_unit_test(test_rotation_by_age),
        cmocka_unit_test(test_har_document),
        cmocka_unit_test(test_bad_combinations_and_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
