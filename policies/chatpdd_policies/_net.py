"""The pack's side of the allowlist rule: how much public space the entries of an allowlist may open together,
as the Thresholds ``minPublicPrefixV4``/``minPublicPrefixV6`` of the policies that judge allowlists.

The rule itself (why a union, which ranges are not public, how IPv6 transition ranges carry IPv4) is
``stacks/netspace.py``, written once; the pack judges with its generated copy ``_netspace.py`` (``make schema``).
"""

from __future__ import annotations

from chatpdd_policies._netspace import PublicSpace, public_space
from chatpdd_policies._threshold import Threshold

__all__ = ["PublicSpace", "public_prefix", "public_space"]

_PREFIX_DESCRIPTIONS = {
    4: "All entries together may open at most as many public IPv4 addresses as one /N (private and reserved "
       "ranges do not count).",
    6: "All entries together may open at most as much public IPv6 space as one /N (ULA, link-local and other "
       "reserved ranges do not count).",
}
_ADDRESS_BITS = {4: 32, 6: 128}


def public_prefix(version: int, default: int) -> Threshold:
    """The ``minPublicPrefixV4``/``V6`` threshold of a policy that judges allowlists: all entries together may
    open at most as much public space as one /``default`` (a floor on the prefix length: it may only rise)."""
    return Threshold(f"minPublicPrefixV{version}", default, "at-least", "", _PREFIX_DESCRIPTIONS[version],
                     minimum=0, maximum=_ADDRESS_BITS[version])
