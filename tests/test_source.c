/* test_source.c: capture/source.c: reading a pcap written here with
 * libpcap's dump API (count, timestamps, link type, stdin, filters), and
 * the messages for a missing file, a bad filter and a missing device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../capture/source.h"
#include "pktbuild.h"

static char dir[64];
static char path[128];

/* Three frames: TCP, UDP, TCP, at known times. */
static const int64_t stamps[3] = {1700000000000001LL, 1700000000500000LL, 1700000123999999LL};

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cutover-src-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/three.pcap", dir);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *dump = pcap_dump_open(dead, path);
    if (!dump) return -1;
    static const struct pb_conn c = {4, "10.0.0.1", "10.0.0.2", 40000, 80};
    for (int i = 0; i < 3; i++) {
        struct pb p;
        pb_frame(&p, &c, true, 1, 1, PB_ACK, "x", 1);
        if (i == 1) p.b[14 + 9] = 17; /* protocol: UDP */
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(stamps[i] / 1000000);
        h.ts.tv_usec = (suseconds_t)(stamps[i] % 1000000);
        h.caplen = (bpf_u_int32)p.len;
        h.len = (bpf_u_int32)p.len + (i == 2 ? 100 : 0);
        pcap_dump((u_char *)dump, &h, p.b);
    }
    pcap_dump_close(dump);
    pcap_close(dead);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void test_reads_packets_and_timestamps(void **state)
{
    (void)state;
    char err[256] = "";
    struct source *s;
    assert_int_equal(source_open_file(path, &s, err, sizeof err), CUT_OK);
    assert_int_equal(source_linktype(s), DLT_EN10MB);
    assert_false(source_is_live(s));
    struct source_packet pkt;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(source_next(s, &pkt, err, sizeof err), CUT_OK);
        assert_int_equal(pkt.ts_us, stamps[i]);
        assert_int_equal(pkt.caplen, 14 + 20 + 20 + 1);
        assert_int_equal(pkt.wire_len, 14 + 20 + 20 + 1 + (i == 2 ? 100 : 0));
        assert_int_equal(pkt.data[14], 0x45);
    }
    assert_int_equal(source_next(s, &pkt, err, sizeof err), CUT_EOF);
    uint64_t a, b, c;
    assert_int_equal(source_stats(s, &a, &b, &c), CUT_EUNSUPP);
    source_free(s);
}

static void test_filter_selects_packets(void **state)
{
    (void)state;
    char err[256] = "";
    struct source *s;
    assert_int_equal(source_open_file(path, &s, err, sizeof err), CUT_OK);
    assert_int_equal(source_set_filter(s, "udp", err, sizeof err), CUT_OK);
    struct source_packet pkt;
    assert_int_equal(source_next(s, &pkt, err, sizeof err), CUT_OK);
    assert_int_equal(pkt.ts_us, stamps[1]);
    assert_int_equal(source_next(s, &pkt, err, sizeof err), CUT_EOF);
    source_free(s);

    assert_int_equal(source_open_file(path, &s, err, sizeof err), CUT_OK);
    assert_int_equal(source_set_filter(s, "tcp and port", err, sizeof err), CUT_EINVAL);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "bad filter 'tcp and port'"));
    source_free(s);
}

static bool count_cb(void *ctx, const struct source_packet *pkt)
{
    int *n = ctx;
    assert_int_equal(pkt->ts_us, stamps[*n]);
    (*n)++;
    return *n < 2; /* stop after two */
}

static void test_loop_and_stdin(void **state)
{
    (void)state;
    char err[256] = "";
    struct source *s;
    assert_non_null(freopen(path, "rb", stdin));
    assert_int_equal(source_open_file("-", &s, err, sizeof err), CUT_OK);
    assert_string_equal(source_name(s), "(stdin)");
    int n = 0;
    assert_int_equal(source_loop(s, count_cb, &n, err, sizeof err), CUT_EOF);
    assert_int_equal(n, 2);
    source_free(s);
}

static void test_missing_file_is_named(void **state)
{
    (void)state;
    char err[512] = "";
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such.pcap", dir);
    struct source *s = NULL;
    assert_int_equal(source_open_file(missing, &s, err, sizeof err), CUT_EIO);
    assert_null(s);
    assert_memory_equal(err, missing, strlen(missing));
    assert_non_null(strstr(err, "No such file"));
    /* the name appears once, not twice */
    assert_null(strstr(err + strlen(missing), missing));
}

static void test_not_a_capture_file(void **state)
{
    (void)state;
    char notpcap[160], err[512] = "";
    snprintf(notpcap, sizeof notpcap, "%s/text.pcap", dir);
    FILE *f = fopen(notpcap, "w");
    assert_non_null(f);
    fputs("this is not a capture file, just text long enough\n", f);
    fclose(f);
    struct source *s = NULL;
    assert_int_not_equal(source_open_file(notpcap, &s, err, sizeof err), CUT_OK);
    assert_memory_equal(err, notpcap, strlen(notpcap));
    unlink(notpcap);
}

static void test_missing_device_is_named(void **state)
{
    (void)state;
    char err[512] = "";
    struct source *s = NULL;
    struct source_live_opts o;
    source_live_opts_default(&o);
    enum cut_err e = source_open_live("cutover-nope0", &o, &s, err, sizeof err);
    assert_int_not_equal(e, CUT_OK);
    assert_null(s);
    assert_memory_equal(err, "cutover-nope0: ", 15);
}

/* Without CAP_NET_RAW (dropped in a child, since tests may run as root)
 * opening an interface fails with the hint. */
static void test_permission_failure_has_hint(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct data[2];
        memset(data, 0, sizeof data);
        if (syscall(SYS_capset, &hdr, data) != 0) _exit(2);
        char err[512] = "";
        struct source *s = NULL;
        enum cut_err e = source_open_live("lo", NULL, &s, err, sizeof err);
        bool ok = e == CUT_EIO && strncmp(err, "lo: ", 4) == 0 &&
                  strstr(err, "(needs root or CAP_NET_RAW)") != NULL;
        if (!ok) fprintf(stderr, "got %d: %s\n", (int)e, err);
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 2) skip(); /* cannot drop capabilities here */
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_packets_and_timestamps),
        cmocka_unit_test(test_filter_selects_packets),
        cmocka_unit_test(test_loop_and_stdin),
        cmocka_unit_test(test_missing_file_is_named),
        cmocka_unit_test(test_not_a_capture_file),
        cmocka_unit_test(test_missing_device_is_named),
        cmocka_unit_test(test_permission_failure_has_hint),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
