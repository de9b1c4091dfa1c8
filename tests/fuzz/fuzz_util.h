/* fuzz_util.h: what every libFuzzer target here shares: a property check
 * that aborts (so libFuzzer keeps the input), and one scratch file per
 * process for the targets that drive file readers. */
#ifndef CUTOVER_FUZZ_UTIL_H
#define CUTOVER_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(ok) fuzz_check_at((ok), #ok, __FILE__, __LINE__)
static inline void fuzz_check_at(int ok, const char *what, const char *file, int line)
{
    if (ok) return;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    abort();
}

static char fuzz_tmp_path[64];

static inline void fuzz_remove_tmp(void)
{
    if (fuzz_tmp_path[0]) unlink(fuzz_tmp_path);
}

/* A per-process scratch file (in /dev/shm when it can), removed at exit. */
static inline const char *fuzz_tmp_file(const char *name)
{
    if (!fuzz_tmp_path[0]) {
        const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_tmp_path, sizeof fuzz_tmp_path, "%s/%s.%ld", dir, name, (long)getpid());
        atexit(fuzz_remove_tmp);
    }
    return fuzz_tmp_path;
}

#endif
