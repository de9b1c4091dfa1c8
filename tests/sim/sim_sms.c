/* sim_sms.c: SMS text rules as carriers apply them.  A text goes as GSM-7
 * when every character is in the GSM 03.38 default alphabet or its
 * extension table (an extension character costs an escape plus itself),
 * otherwise as UCS-2, where a character outside the BMP (an emoji) takes
 * two UTF-16 units.  Concatenated parts lose room to the UDH: 153 and 67. */
#include "sim_sms.h"

#include <stdint.h>
#include <string.h>

/* GSM 03.38 default alphabet, beyond printable ASCII. */
static const uint32_t gsm_basic_extra[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

/* The extension table: each is sent as ESC + code, two septets. */
static const uint32_t gsm_ext[] = {'\f', '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

static bool in_table(const uint32_t *t, size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (t[i] == cp) return true;
    return false;
}

/* Septets for cp in GSM-7, or 0 when it has none. */
static unsigned gsm_septets(uint32_t cp)
{
    if (in_table(gsm_ext, sizeof gsm_ext / sizeof gsm_ext[0], cp)) return 2;
    if (cp == '\n' || cp == '\r') return 1;
    if (cp >= 0x20 && cp < 0x7F) return cp == '`' ? 0 : 1;
    return in_table(gsm_basic_extra, sizeof gsm_basic_extra / sizeof gsm_basic_extra[0], cp) ? 1
                                                                                             : 0;
}

/* Decode one UTF-8 code point at p[*i..n); false on a malformed sequence
 * (then *i is moved by one byte). */
static bool utf8_next(const uint8_t *p, size_t n, size_t *i, uint32_t *cp)
{
    uint8_t c = p[*i];
    size_t need = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : 9;
    if (need == 9 || c > 0xF4 || n - *i - 1 < need) {
        (*i)++;
        return false;
    }
    uint32_t v = need == 0 ? c : need == 1 ? (c & 0x1Fu) : need == 2 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t k = 1; k <= need; k++) {
        if ((p[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return false;
        }
        v = (v << 6) | (p[*i + k] & 0x3Fu);
    }
    *i += need + 1;
    *cp = v;
    return true;
}

size_t sim_sms_units(const char *text, size_t n, enum sim_sms_encoding *enc)
{
    const uint8_t *p = (const uint8_t *)text;
    size_t septets = 0, utf16 = 0, i = 0;
    bool gsm = true;
    while (i < n) {
        uint32_t cp;
        if (!utf8_next(p, n, &i, &cp)) {
            gsm = false;
            utf16++;
            continue;
        }
        unsigned s = gsm_septets(cp);
        if (s == 0) gsm = false;
        septets += s;
        utf16 += cp >= 0x10000 ? 2 : 1;
    }
    *enc = gsm ? SIM_SMS_GSM7 : SIM_SMS_UCS2;
    return gsm ? septets : utf16;
}

unsigned sim_sms_segments(size_t units, enum sim_sms_encoding enc)
{
    size_t single = enc == SIM_SMS_GSM7 ? 160 : 70;
    size_t part = enc == SIM_SMS_GSM7 ? 153 : 67;
    if (units <= single) return 1;
    return (unsigned)((units + part - 1) / part);
}

bool sim_e164_valid(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
    size_t digits = strspn(s + 1, "0123456789");
    return s[1 + digits] == '\0' && digits >= 8 && digits <= 15;
}
