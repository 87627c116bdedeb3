/* agent/pifscan.h: discover the host's NICs (for pif-scan).
 *
 * Lists the links of the current network namespace that look like physical
 * NICs: ethernet, not loopback, not created by Open vSwitch or by xovs
 * itself.  Tests stand in for NICs with veth ends (eth1, eth2) in a
 * namespace, so veth links count as NICs. */
#ifndef XPIF_SCAN_H
#define XPIF_SCAN_H 1

#include <stdbool.h>
#include <stddef.h>

struct xpif_link {
    char *device; /* kernel name, e.g. "eth1" */
    char *mac;    /* "aa:bb:cc:dd:ee:ff", lower case */
    int mtu;      /* the kernel's MTU */
    bool carrier; /* lower layer up */
};

/* Stores a malloc'd array of the host's NIC-like links, sorted by name in
 * natural order (eth2 before eth10), in '*links' and its length in '*n'.
 * Returns 0, or a positive errno value with '*links' NULL and '*n' 0.
 * Does not log. */
int xpif_scan(struct xpif_link **links, size_t *n);

/* Sets link 'device' administratively up (IFF_UP), as xapi does to a
 * plugged PIF's NIC: with OVS's kernel datapath nothing else would.  Stores
 * in '*raised' whether it was down.  Returns 0, ENODEV if there is no such
 * link, or another positive errno value.  Does not log. */
int xpif_link_up(const char *device, bool *raised);

/* Frees 'links' (an array of 'n' from xpif_scan(); NULL is fine). */
void xpif_links_free(struct xpif_link *links, size_t n);

/* Returns true if a link of kind 'kind' (rtnetlink IFLA_INFO_KIND, NULL for
 * a real NIC) named 'name' with ARP hardware type 'arptype' and interface
 * flags 'flags' should be offered as a PIF.  Exposed for tests. */
bool xpif_is_nic(const char *name, const char *kind, unsigned int arptype,
                 unsigned int flags);

#endif /* agent/pifscan.h */
