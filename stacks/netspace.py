"""How much of the public internet an allowlist opens: the union of its entries, private and reserved
ranges taken out, per address family.

Why a union and not "is one entry /0": ``0.0.0.0/1`` + ``128.0.0.0/1`` (or 256 ``/8``s, or ``::/1`` +
``8000::/1``) is the whole internet without a single ``/0``. The checklist's intent ("Network security
groups configured"; the Redis allowlist and the app ingress are "the app's fixed egress IPs" / its declared
egress path) is a short list of known networks, so the bound is on the total public space the entries open
together: no more than one ``/minPublicPrefixV4`` of IPv4 and one ``/minPublicPrefixV6`` of IPv6 (defaults
/24 and /64 -- a small provider egress block, one IPv6 subnet). Private and reserved space (RFC 1918,
shared address space, loopback, link-local, documentation, multicast, ULA, ...) is not counted: it is not
reachable from the internet, and the VPC-peered Vercel Secure Compute ranges live there.

Written once, here; pure standard library (``ipaddress``, ``dataclasses``), so that the policy pack, which
cannot import ``stacks/``, gets it as a generated copy: ``python -m stacks.pack_defaults`` (``make schema``)
writes ``policies/chatpdd_policies/_netspace.py`` from this file, and ``tests/policies/test_net.py`` fails when
that copy is stale. ``stacks/models.py`` (the stack config's allowlists) and the pack's ``_net.py`` (the
policies' bounds, as Thresholds) both judge with :func:`public_space`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The IANA special-purpose registries' entries that are not globally reachable (iana-ipv4-special-registry,
# iana-ipv6-special-registry), plus multicast and the reserved class E: no internet host has these source
# addresses, so allowing them opens nothing to the internet. Written out (not ``is_global``) so the rule does
# not change with the Python version.
NON_PUBLIC_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"))
NON_PUBLIC_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/127", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32",
    "2002::/16", "fc00::/7", "fe80::/10", "ff00::/8"))
# The transition ranges (::ffff:0:0/96, 64:ff9b::/96, 64:ff9b:1::/48, 2001::/32, 2002::/16) are judged as the
# IPv4 they carry (_embedded_v4), so they are not counted as IPv6 here.

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


@dataclass(frozen=True)
class PublicSpace:
    """The public addresses an allowlist opens, per family, and the entries that are not networks."""

    v4: int
    v6: int
    widest: str  # the entry that opens the most public space ("" when none opens any)
    invalid: tuple[str, ...]

    def problem(self, min_prefix_v4: int, min_prefix_v6: int) -> str:
        """"" if within the bounds, else what is too wide, a phrase to put after "open": "2147483648
        public IPv4 addresses (more than one /24); widest entry 0.0.0.0/1"."""
        min_prefix_v4, min_prefix_v6 = int(min_prefix_v4), int(min_prefix_v6)  # config numbers arrive as floats
        parts = []
        if self.v4 > 2 ** (32 - min_prefix_v4):
            parts.append(f"{self.v4} public IPv4 addresses (more than one /{min_prefix_v4})")
        if self.v6 > 2 ** (128 - min_prefix_v6):
            parts.append(f"{_v6_size(self.v6)} of public IPv6 space (more than one /{min_prefix_v6})")
        if not parts:
            return ""
        return f"{' and '.join(parts)}; widest entry {self.widest}"


def _v6_size(addresses: int) -> str:
    """2**80 -> "a /48"; anything else -> "about 2^N addresses"."""
    bits = addresses.bit_length() - 1
    return f"the size of a /{128 - bits}" if addresses == 2 ** bits else f"about 2^{bits} addresses"


def _normalise(network: Network) -> Network:
    """An IPv4-mapped IPv6 network (``::ffff:0.0.0.0/96``) is the IPv4 network it maps."""
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen >= 96 and \
            network.network_address.ipv4_mapped is not None:
        return ipaddress.IPv4Network((network.network_address.ipv4_mapped, network.prefixlen - 96))
    return network


def _public_part(network: Network) -> list[Network]:
    """``network`` minus the non-public ranges it overlaps."""
    excluded = NON_PUBLIC_V4 if network.version == 4 else NON_PUBLIC_V6
    parts = [network]
    for reserved in excluded:
        nxt: list[Network] = []
        for part in parts:
            if part.subnet_of(reserved):  # type: ignore[arg-type]
                continue
            if reserved.subnet_of(part):  # type: ignore[arg-type]
                nxt.extend(part.address_exclude(reserved))  # type: ignore[arg-type]
            else:
                nxt.append(part)
        parts = nxt
    return parts


def public_space(entries: Iterable[object]) -> PublicSpace:
    """The union of the public space of ``entries`` (CIDR strings or bare addresses; host bits allowed,
    as AWS and Redis Cloud accept them). Non-strings and unparsable strings are listed in ``invalid``."""
    public: dict[int, list[Network]] = {4: [], 6: []}
    widest, widest_size, invalid = "", 0, []
    for entry in entries:
        try:
            if not isinstance(entry, str):
                raise ValueError(entry)
            network = _normalise(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            invalid.append(str(entry))
            continue
        part = _public_part(network)
        carried = [p for v4 in _embedded_v4(network) for p in _public_part(v4)]
        public[4].extend(carried)
        size = sum(p.num_addresses for p in part) + sum(p.num_addresses for p in carried) * 2 ** 96
        # Compare across families by the share of the family's space (a /1 of either is "half").
        share = size * (2 ** 96 if network.version == 4 else 1)  # carried IPv4 already scaled above
        if share > widest_size:
            widest, widest_size = entry.strip(), share
        public[network.version].extend(part)
    totals: dict[int, int] = {}
    for version, nets in public.items():
        collapsed: Iterable[Network] = ipaddress.collapse_addresses(nets)  # type: ignore[type-var]
        totals[version] = sum(n.num_addresses for n in collapsed)
    return PublicSpace(v4=totals[4], v6=totals[6], widest=widest, invalid=tuple(invalid))


def public_addresses(cidrs: Iterable[str]) -> dict[int, int]:
    """{4: public IPv4 addresses, 6: public IPv6 addresses} in the union of ``cidrs``."""
    space = public_space(cidrs)
    return {4: space.v4, 6: space.v6}
