/* test_outfile.c: lib/outfile.c: 0600 files, whole records, errors. */
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

#include "cutover/outfile.h"

static void test_created_0600_even_over_a_world_readable_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_outfile.XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    chmod(path, 0644);
    struct outfile o;
    assert_int_equal(outfile_open(&o, path, false), CUT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    o.flush_at = 16;
    assert_int_equal(outfile_put(&o, "line one\n", 9), CUT_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0); /* still pending */
    assert_int_equal(outfile_put(&o, "line two\n", 9), CUT_OK);
    assert_int_equal(outfile_close(&o, true), CUT_OK);
    FILE *f = fopen(path, "r");
    char got[64] = "";
    size_t n = fread(got, 1, sizeof got - 1, f);
    fclose(f);
    assert_int_equal(n, 18);
    assert_string_equal(got, "line one\nline two\n");
    /* Append mode keeps what is there. */
    assert_int_equal(outfile_open(&o, path, true), CUT_OK);
    outfile_put(&o, "three\n", 6);
    outfile_close(&o, false);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 24);
    unlink(path);
}

static void test_unwritable_path_reports_errno(void **state)
{
    (void)state;
    struct outfile o;
    assert_int_equal(outfile_open(&o, "/nonexistent-dir/x.jsonl", false), CUT_EIO);
    assert_int_not_equal(o.err_no, 0);
    outfile_close(&o, false);
}

static void test_disk_full_is_an_error(void **state)
{
    (void)state;
    struct outfile o;
    if (access("/dev/full", W_OK) != 0) skip();
    assert_int_equal(outfile_open(&o, "/dev/full", false), CUT_OK);
    assert_int_equal(outfile_put(&o, "x\n", 2), CUT_EIO);
    assert_int_equal(o.err_no, 28 /* ENOSPC */);
    assert_int_equal(outfile_close(&o, false), CUT_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_created_0600_even_over_a_world_readable_file),
        cmocka_unit_test(test_unwritable_path_reports_errno),
        cmocka_unit_test(test_disk_full_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
