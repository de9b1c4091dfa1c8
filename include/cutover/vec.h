/* vec.h: growth of a plain C array (struct foo *v; size_t n, cap), the one
 * place the doubling and its overflow checks are written.  Bytes and text
 * grow through struct buf (buf.h); this is for arrays of structs and
 * pointers, which keep their own type and their own n. */
#ifndef CUTOVER_VEC_H
#define CUTOVER_VEC_H

#include <stddef.h>
#include "cutover/err.h"

/* Make room for at least need elements of size bytes in the array whose
 * pointer is at pv (a T **, passed as void *) and whose capacity is *cap.
 * Capacity doubles from 8, so appending one element at a time costs O(1)
 * amortised; new elements are not zeroed. On failure (CUT_ENOMEM) the
 * array and *cap are unchanged, so the caller still owns what it had.
 * The array stays the caller's, freed with free(). */
enum cut_err vec_reserve(void *pv, size_t *cap, size_t need, size_t size);

#endif
