/* link.c: strips link-layer headers (Ethernet with 802.1Q/QinQ tags and PPPoE, Linux
 * cooked v1/v2, BSD NULL/loopback, raw IP) to find the IP packet.  One
 * decoder per link type in a table; Ethernet-style protocol numbers go
 * through one ethertype walker so VLAN tags work under every header. */
#include "link.h"

#include <stddef.h>

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_PPPOE_SESSION 0x8864
#define MAX_VLAN_TAGS 8 /* more nested tags than this is not a real frame */

/* Loopback family values: AF_INET is 2 everywhere; AF_INET6 differs by OS
 * (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30). */
static int null_family_version(uint32_t fam)
{
    switch (fam) {
    case 2:
        return 4;
    case 10:
    case 24:
    case 28:
    case 30:
        return 6;
    default:
        return 0;
    }
}

static bool is_vlan_tpid(uint16_t t)
{
    return t == 0x8100 || t == 0x88a8 || t == 0x9100;
}

/* Follow an ethertype through any VLAN tags to IPv4 or IPv6. */
static enum link_status walk_ethertype(uint16_t type, struct cursor *c, struct cursor *ip,
                                       int *version)
{
    for (int tags = 0; is_vlan_tpid(type); tags++) {
        if (tags == MAX_VLAN_TAGS) return LINK_INVALID;
        if (!cur_skip(c, 2) || !cur_be16(c, &type)) return LINK_TRUNCATED;
    }
    if (type == ETH_PPPOE_SESSION) {
        /* PPPoE header (version/type, code, session, length), then PPP's
         * protocol field: 0x0021 is IPv4, 0x0057 IPv6. */
        uint16_t ppp;
        if (!cur_skip(c, 6) || !cur_be16(c, &ppp)) return LINK_TRUNCATED;
        type = ppp == 0x0021 ? ETH_IPV4 : ppp == 0x0057 ? ETH_IPV6 : 0;
    }
    if (type == ETH_IPV4)
        *version = 4;
    else if (type == ETH_IPV6)
        *version = 6;
    else
        return LINK_NOT_IP;
    *ip = *c;
    return LINK_OK;
}

static enum link_status dec_ethernet(struct cursor *c, struct cursor *ip, int *version)
{
    uint16_t type;
    if (!cur_skip(c, 12) || !cur_be16(c, &type)) return LINK_TRUNCATED;
    return walk_ethertype(type, c, ip, version);
}

/* Linux cooked v1: packet type, ARPHRD type, address length, 8 address
 * bytes, then the protocol (an ethertype for the types we care about). */
static enum link_status dec_sll(struct cursor *c, struct cursor *ip, int *version)
{
    uint16_t type;
    if (!cur_skip(c, 14) || !cur_be16(c, &type)) return LINK_TRUNCATED;
    return walk_ethertype(type, c, ip, version);
}

/* Linux cooked v2: protocol first, then reserved, ifindex, ARPHRD, packet
 * type, address length and 8 address bytes: 20 bytes in all. */
static enum link_status dec_sll2(struct cursor *c, struct cursor *ip, int *version)
{
    uint16_t type;
    if (!cur_be16(c, &type) || !cur_skip(c, 18)) return LINK_TRUNCATED;
    return walk_ethertype(type, c, ip, version);
}

/* The family is in the capturing host's byte order for DLT_NULL and in
 * network order for DLT_LOOP, and files travel between hosts, so accept
 * either: a family is small, so the order that gives a small value wins. */
static enum link_status dec_null(struct cursor *c, struct cursor *ip, int *version)
{
    uint32_t le;
    if (!cur_le32(c, &le)) return LINK_TRUNCATED;
    uint32_t fam = le <= 0xffff
                       ? le
                       : ((le >> 24) | ((le >> 8) & 0xff00) | ((le << 8) & 0xff0000) | (le << 24));
    int v = null_family_version(fam);
    if (v == 0) return LINK_NOT_IP;
    *version = v;
    *ip = *c;
    return LINK_OK;
}

static enum link_status dec_raw(struct cursor *c, struct cursor *ip, int *version)
{
    uint8_t b;
    if (!cur_peek(c, 0, &b)) return LINK_TRUNCATED;
    int v = b >> 4;
    if (v != 4 && v != 6) return LINK_INVALID;
    *version = v;
    *ip = *c;
    return LINK_OK;
}

static enum link_status dec_ipv4(struct cursor *c, struct cursor *ip, int *version)
{
    *version = 4;
    *ip = *c;
    return LINK_OK;
}

static enum link_status dec_ipv6(struct cursor *c, struct cursor *ip, int *version)
{
    *version = 6;
    *ip = *c;
    return LINK_OK;
}

static const struct {
    int linktype;
    enum link_status (*decode)(struct cursor *c, struct cursor *ip, int *version);
} decoders[] = {
    {LINK_NULL, dec_null},       {LINK_ETHERNET, dec_ethernet}, {LINK_RAW_BSD12, dec_raw},
    {LINK_RAW_BSD14, dec_raw},   {LINK_RAW, dec_raw},           {LINK_LOOP, dec_null},
    {LINK_LINUX_SLL, dec_sll},   {LINK_IPV4, dec_ipv4},         {LINK_IPV6, dec_ipv6},
    {LINK_LINUX_SLL2, dec_sll2},
};

bool link_supported(int linktype)
{
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++)
        if (decoders[i].linktype == linktype) return true;
    return false;
}

enum link_status link_decode(int linktype, struct cursor frame, struct cursor *ip, int *version)
{
    for (size_t i = 0; i < sizeof decoders / sizeof decoders[0]; i++)
        if (decoders[i].linktype == linktype) return decoders[i].decode(&frame, ip, version);
    return LINK_UNSUPPORTED;
}
