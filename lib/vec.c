/* vec.c: the doubling growth of plain arrays (vec.h). */
#include "cutover/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum cut_err vec_reserve(void *pv, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return CUT_OK;
    if (size == 0 || need > SIZE_MAX / size) return CUT_ENOMEM;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) ncap = ncap > SIZE_MAX / 2 / size ? need : ncap * 2;
    /* The array pointer is read and written through memcpy: pv points at a
     * T *, which may not be accessed as a void *. */
    void *old, *nv;
    memcpy(&old, pv, sizeof old);
    nv = realloc(old, ncap * size);
    if (!nv) return CUT_ENOMEM;
    memcpy(pv, &nv, sizeof nv);
    *cap = ncap;
    return CUT_OK;
}
