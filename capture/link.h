/* link.h: the link layer of captured frames: which pcap link types
 * cutover-capture decodes, and how to find the IP packet inside a frame.
 * Reads the frame only through a cursor; keeps nothing. */
#ifndef CUTOVER_CAPTURE_LINK_H
#define CUTOVER_CAPTURE_LINK_H

#include <stdbool.h>
#include "cutover/cursor.h"

/* pcap link types (LINKTYPE_ values; DLT_RAW is 12 or 14 on some BSDs). */
enum {
    LINK_NULL = 0,
    LINK_ETHERNET = 1,
    LINK_RAW_BSD12 = 12,
    LINK_RAW_BSD14 = 14,
    LINK_RAW = 101,
    LINK_LOOP = 108,
    LINK_LINUX_SLL = 113,
    LINK_IPV4 = 228,
    LINK_IPV6 = 229,
    LINK_LINUX_SLL2 = 276,
};

enum link_status {
    LINK_OK,          /* *ip holds an IPv4 or IPv6 packet, *version says which */
    LINK_NOT_IP,      /* a valid frame that does not carry IP (ARP, LLC, ...) */
    LINK_TRUNCATED,   /* the capture cut the link header short */
    LINK_INVALID,     /* header values that make no sense */
    LINK_UNSUPPORTED, /* a link type this module does not decode */
};

/* Whether linktype is decoded here. Can't fail. */
bool link_supported(int linktype);
/* Strip the link header of frame; on LINK_OK *ip is the rest of the frame
 * (pointing into it) and *version is 4 or 6. */
enum link_status link_decode(int linktype, struct cursor frame, struct cursor *ip, int *version);

#endif
