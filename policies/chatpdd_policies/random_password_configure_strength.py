"""random-password-configure-strength: every generated secret (``random:index/randomPassword:RandomPassword``,
``random:index/randomString:RandomString``) is long and unpredictable enough: ``length`` >= ``minLength`` and
``length * log2(alphabet)`` >= ``minEntropyBits``.

The alphabet is what the provider draws from: lower case (26), upper case (26), digits (10) and specials
(``overrideSpecial`` or the provider's default set), each on unless set to false (``numeric`` replaced the
deprecated ``number``; either false turns digits off). Why 128 bits and 32 characters: 128 bits is the strength
NIST SP 800-131A asks of a symmetric key and more than any online or offline guessing reaches; JWT_SECRET signs
HS256 tokens, for which RFC 7518 3.2 asks a key of at least the hash size (256 bits) -- the component's 64
alphanumerics (381 bits) meet both; 32 characters keeps a short password with a large alphabet from passing
on entropy alone. The numbers are stacks/checklist.py ``GENERATED_SECRET_MIN_LENGTH`` / ``_MIN_ENTROPY_BITS``."""

import math
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from chatpdd_policies._checklist import GENERATED_SECRET_MIN_ENTROPY_BITS, GENERATED_SECRET_MIN_LENGTH
from chatpdd_policies._threshold import Threshold, defaults
from chatpdd_policies._util import (
    MISSING,
    UNKNOWN,
    Report,
    as_number,
    checklist_reference,
    fmt,
    label,
    lookup,
    resource_policy,
    unknown_message,
)

LENGTH = Threshold("minLength", GENERATED_SECRET_MIN_LENGTH, "at-least", "characters",
                   "Fewest characters a generated secret may have.", minimum=1)
ENTROPY = Threshold("minEntropyBits", GENERATED_SECRET_MIN_ENTROPY_BITS, "at-least", "bits",
                    "Least entropy (length x log2 of the alphabet) a generated secret may have.", minimum=0,
                    kind="number")
DEFAULTS = defaults(LENGTH, ENTROPY)
GENERATORS = ("random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString")
PROVIDER_SPECIALS = "!@#$%&*()-_=+[]{}<>:?"  # terraform-provider-random's default special characters
RULE = "the strength of the generated secret"
CLASSES = (("lower", 26), ("upper", 26), ("numeric", 10))


def _alphabet(props: Any) -> object:
    """The alphabet size, or UNKNOWN."""
    size = 0
    for prop, count in CLASSES:
        value = lookup(props, prop)
        if value is UNKNOWN:
            return UNKNOWN
        if prop == "numeric" and lookup(props, "number") is False:
            value = False
        if value is not False:
            size += count
    special, override = lookup(props, "special"), lookup(props, "overrideSpecial")
    if UNKNOWN in (special, override):
        return UNKNOWN
    if special is not False:
        size += len(set(PROVIDER_SPECIALS if override is MISSING else str(override)))
    return size


def _validate(args: ResourceValidationArgs, report_violation: Report) -> None:
    if args.resource_type not in GENERATORS:
        return
    length = lookup(args.props, "length")
    alphabet = _alphabet(args.props)
    if length is UNKNOWN or not isinstance(alphabet, int):
        report_violation(unknown_message(label(args), "length or character set", RULE))
        return
    min_length = LENGTH.value(args)
    min_bits = ENTROPY.value(args)
    chars = as_number(length) or 0.0
    bits = chars * math.log2(alphabet) if alphabet > 1 else 0.0
    if chars < min_length:
        report_violation(f"{label(args)} generates {fmt(chars)} characters; at least {fmt(min_length)} are required. "
                         f"Fix: set length={fmt(min_length)} or more.")
    elif bits < min_bits:
        report_violation(f"{label(args)} generates about {int(bits)} bits of entropy ({fmt(chars)} characters from "
                         f"{alphabet}); at least {fmt(min_bits)} are required. Fix: raise length or allow more "
                         f"character classes.")


POLICY = resource_policy(
    name="random-password-configure-strength",
    description="Generated secrets (random passwords and strings) must have a minimum length and entropy.",
    validate=_validate,
    severity=Severity.HIGH,
    remediation_steps=f"Generate secrets with random.RandomPassword(length>={GENERATED_SECRET_MIN_LENGTH}) over letters "
                      f"and digits (>= {GENERATED_SECRET_MIN_ENTROPY_BITS} bits "
                      "of entropy); bump the component's rotation keeper to replace an existing one.",
    reference=checklist_reference("Pre-Deployment Preparation", "Environment Variables",
                                  "JWT and authentication secrets rotated"),
    tags=["random", "secrets", "security"],
    thresholds=(LENGTH, ENTROPY),
)
