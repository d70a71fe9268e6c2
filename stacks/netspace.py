"""How much of the public internet an allowlist of the stack config opens: the same rule as the policy
pack's ``policies/chatpdd_policies/_net.py`` (which cannot be imported from here, nor this from there;
``tests/policies/test_net.py`` keeps the two equal). Bounds: ``checklist.MIN_PUBLIC_PREFIX_V4/_V6``."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from stacks import checklist

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not globally reachable (IANA special-purpose registries), multicast and class E; written out so the rule
# does not move with the Python version. ::ffff:0:0/96 (IPv4-mapped) is judged as the IPv4 it maps.
NON_PUBLIC: dict[int, tuple[Network, ...]] = {
    4: tuple(ipaddress.IPv4Network(n) for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4")),
    6: tuple(ipaddress.IPv6Network(n) for n in (
        "::/127", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32",
        "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8")),
}

# IPv6 ranges that carry IPv4 addresses (RFC 6052 NAT64, RFC 3056 6to4, RFC 4380 Teredo, RFC 4291 IPv4-mapped):
# a network inside one opens the IPv4 hosts it embeds, one that covers one opens all of IPv4. Each entry:
# (range, [(first bit, length) of the IPv4 address's pieces], inverted). Teredo's client address is the
# IPv4 bits inverted; the local-use NAT64 prefix (RFC 8215) is a /48, so RFC 6052 splits the IPv4 around bits 64-71.
TRANSITION_V6 = (
    (ipaddress.IPv6Network("::ffff:0:0/96"), ((96, 32),), False),
    (ipaddress.IPv6Network("64:ff9b::/96"), ((96, 32),), False),
    (ipaddress.IPv6Network("64:ff9b:1::/48"), ((48, 16), (72, 16)), False),
    (ipaddress.IPv6Network("2002::/16"), ((16, 32),), False),
    (ipaddress.IPv6Network("2001::/32"), ((96, 32),), True),
)


def _embedded_v4(network: Network) -> list[Network]:
    """The IPv4 networks an IPv6 network reaches through the transition ranges it overlaps."""
    if network.version != 6:
        return []
    found: list[Network] = []
    for prefix, pieces, inverted in TRANSITION_V6:
        if prefix.subnet_of(network):
            found.append(ipaddress.IPv4Network("0.0.0.0/0"))
        elif network.subnet_of(prefix):
            bits, fixed, value = int(network.network_address), 0, 0
            for start, length in pieces:
                value = (value << length) | ((bits >> (128 - start - length)) & ((1 << length) - 1))
                fixed += min(max(network.prefixlen - start, 0), length)
            value = (value ^ 0xFFFFFFFF) if inverted else value
            found.append(ipaddress.IPv4Network((value >> (32 - fixed) << (32 - fixed) if fixed else 0, fixed)))
    return found


def _normalise(network: Network) -> Network:
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96:
        mapped = network.network_address.ipv4_mapped
        if mapped is not None:
            return ipaddress.IPv4Network((mapped, network.prefixlen - 96))
    return network


def _public_part(network: Network) -> list[Network]:
    parts: list[Network] = [network]
    for reserved in NON_PUBLIC[network.version]:
        kept: list[Network] = []
        for part in parts:
            if part.subnet_of(reserved):  # type: ignore[arg-type]
                continue
            if reserved.subnet_of(part):  # type: ignore[arg-type]
                kept.extend(part.address_exclude(reserved))  # type: ignore[arg-type]
            else:
                kept.append(part)
        parts = kept
    return parts


def public_addresses(cidrs: Iterable[str]) -> dict[int, int]:
    """{4: public IPv4 addresses, 6: public IPv6 addresses} in the union of ``cidrs`` (valid CIDRs)."""
    public: dict[int, list[Network]] = {4: [], 6: []}
    for cidr in cidrs:
        network = _normalise(ipaddress.ip_network(cidr, strict=False))
        public[network.version].extend(_public_part(network))
        public[4].extend(p for v4 in _embedded_v4(network) for p in _public_part(v4))
    counts: dict[int, int] = {}
    for version, nets in public.items():
        collapsed: Iterable[Network] = ipaddress.collapse_addresses(nets)  # type: ignore[type-var]
        counts[version] = sum(n.num_addresses for n in collapsed)
    return counts


def too_public(cidrs: Iterable[str]) -> str:
    """"" if the union of ``cidrs`` stays within the checklist's bounds, else why not (for an error message)."""
    total = public_addresses(cidrs)
    limits = {4: checklist.MIN_PUBLIC_PREFIX_V4, 6: checklist.MIN_PUBLIC_PREFIX_V6}
    over = [f"{total[v]} public IPv{v} addresses, more than one /{limits[v]}"
            for v in (4, 6) if total[v] > 2 ** ((32 if v == 4 else 128) - limits[v])]
    if not over:
        return ""
    return (f"together these networks open {' and '.join(over)} of the internet (private ranges do not count); "
            "list only the app's egress networks")
