/* sim_sms.h: the simulator's pure text rules: SMS encoding and segment
 * counting (GSM 03.38 and UCS-2), and E.164 numbers.
 * No state, no I/O: unit tests check them directly. */
#ifndef CUTOVER_SIM_SMS_H
#define CUTOVER_SIM_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include "cutover/err.h"

enum sim_sms_encoding { SIM_SMS_GSM7, SIM_SMS_UCS2 };

/* Encoding and length of an SMS text (UTF-8, n bytes): GSM-7 septets when
 * every character is in the GSM 03.38 alphabet (extension characters count
 * two), else UTF-16 code units. Invalid UTF-8 counts as UCS-2, one unit per
 * byte. Can't fail. */
size_t sim_sms_units(const char *text, size_t n, enum sim_sms_encoding *enc);
/* Segments for that many units: GSM-7 160 in one, else 153 per part;
 * UCS-2 70 in one, else 67 per part. Zero units is one segment. */
unsigned sim_sms_segments(size_t units, enum sim_sms_encoding enc);
/* Whether s is an E.164 number: '+', a non-zero digit, 8 to 15 digits. */
bool sim_e164_valid(const char *s);

#endif
