"""What a change to the program does to the stack: the base commit's registrations against the working
tree's, by URN -- the part of ``pulumi preview`` that review needs and that works offline.

Both sides are what the program registers under the same mocks (gate.program.program), never live state, so
this sees the *program's* change only: drift, and anything done outside Pulumi, is the nightly job's.

- ``create`` / ``delete``: a URN only on one side, after aliases: a head resource whose ``aliases`` option
  names a base URN (as a URN or as a spec the engine resolves, inherited by children of an aliased
  component as the engine does) *is* that base resource, renamed;
- ``move``: a delete and a create of the same type and physical name (bucket name, identifier, name, or
  identical inputs where the type has none): a rename or refactor without an alias, which the engine
  runs as a delete of the old resource and a create of a new one;
- ``update`` with the changed input paths, and ``replace`` when one of them is an input the provider
  replaces the resource for (gate/review/replacements.py) or listed in the resource's ``replaceOnChanges``;
  secret values are compared but never shown: a path is all a change carries;
- ``unprotect``: ``protect`` dropped from a resource (other changes, if any, are listed with it);
- resource options are compared too (``options.retainOnDelete``, ``options.deleteBeforeReplace``,
  ``options.ignoreChanges``, ``options.import``, ...): on a stateful type, turning on one that lets a
  destructive change or a drift slip by (:data:`WEAKENING_OPTIONS`) blocks;
- a stateful resource whose provider changes -- another provider resource, or the same one with another
  region or account (:data:`PROVIDER_IDENTITY`) -- or whose own ``region`` input changes, is a ``replace``:
  the resource is created anew where the provider points and the old one deleted.

A ``delete``, ``move`` or ``replace`` of a stateful type (the pack's ``statefulTypes``) and an ``unprotect``
of one block the merge. A delete of a resource registered with ``retainOnDelete`` leaves the cloud
resource in place and does not block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from gate.program.program import UNKNOWN, CapturedResource, is_secret, unwrap
from gate.review.replacements import REPLACE_ON_CHANGE

Action = Literal["create", "delete", "move", "replace", "update", "unprotect", "rename"]
DESTRUCTIVE: tuple[Action, ...] = ("delete", "move", "replace")
STACK_TYPE = "pulumi:pulumi:Stack"
# The input that holds a resource's physical name, where it is not ``name``.
PHYSICAL_NAME = {"aws:s3/bucket:Bucket": "bucket", "aws:rds/instance:Instance": "identifier",
                 "aws:cloudwatch/dashboard:Dashboard": "dashboardName"}


# Options that, once on, let a destructive change or a drift of a stateful resource pass unseen.
WEAKENING_OPTIONS = ("retainOnDelete", "deleteBeforeReplace", "ignoreChanges", "import", "deletedWith",
                     "replaceWith", "replacementTrigger", "hooks", "hideDiffs")
# Provider inputs that decide where its resources live: a change moves every resource of that provider.
PROVIDER_IDENTITY = ("region", "allowedAccountIds", "assumeRoles", "assumeRoleWithWebIdentity", "profile",
                     "endpoints", "team", "apiUrl", "url")


@dataclass
class Change:
    """One resource's change between base and head: its action, the changed paths and, when it blocks, why."""

    urn: str  # the head URN; the base URN for a delete
    type: str
    name: str
    action: Action
    paths: list[str] = field(default_factory=list)
    blocking: bool = False
    reason: str = ""
    fix: str = ""
    old_urn: str | None = None  # the base URN of a move or an alias-covered rename
    secret_paths: list[str] = field(default_factory=list)  # changed paths whose values are secret

    def as_dict(self) -> dict[str, Any]:
        """The JSON report's form; ``secret_paths`` is left out."""
        return {"urn": self.urn, "type": self.type, "name": self.name, "action": self.action, "paths": self.paths,
                "blocking": self.blocking, "reason": self.reason, "fix": self.fix, "old_urn": self.old_urn}


@dataclass
class ChangeSet:
    """Every change of a diff, blocking first, and how head URNs map to the base resources they continue."""

    changes: list[Change]
    head_to_base: dict[str, str]  # head URN -> the base URN it continues (same URN, alias or move)

    @property
    def blocking(self) -> list[Change]:
        """The changes that block the merge."""
        return [c for c in self.changes if c.blocking]

    def counts(self) -> dict[str, int]:
        """How many changes there are of each action."""
        out: dict[str, int] = {}
        for c in self.changes:
            out[c.action] = out.get(c.action, 0) + 1
        return out


# --- URNs and aliases ------------------------------------------------------------------------------

def _urn_parts(urn: str) -> tuple[str, str, str, str]:
    """(stack, project, qualified type, name) of ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``."""
    head, project, qualified, name = urn.split("::", 3)
    return head.removeprefix("urn:pulumi:"), project, qualified, name


def make_urn(stack: str, project: str, type_: str, name: str, parent: str | None) -> str:
    """The URN the engine gives a resource: the parent's qualified type is prefixed, except the stack's."""
    qualified = type_
    if parent:
        parent_type = _urn_parts(parent)[2]
        if parent_type != STACK_TYPE:
            qualified = f"{parent_type}${type_}"
    return f"urn:pulumi:{stack}::{project}::{qualified}::{name}"


def urn_key(urn: str) -> str:
    """A URN reduced to what identifies a resource both in the engine's form (the whole type chain, the root
    stack left out) and in the mock monitor's (the parent's own type only, the stack's included): stack,
    project, the parent's type, the type and the name."""
    try:
        stack, project, qualified, name = _urn_parts(urn)
    except ValueError:
        return urn
    chain = [t for t in qualified.split("$") if t != STACK_TYPE]
    return f"{stack}::{project}::{'$'.join(chain[-2:])}::{name}"


class AliasResolver:
    """Every URN a head resource also answers to: its explicit aliases (URNs or specs, resolved the way the
    engine does) and the aliases it inherits from an aliased ancestor."""

    def __init__(self, resources: Iterable[CapturedResource]):
        self._by_urn = {r.urn: r for r in resources}
        self._memo: dict[str, set[str]] = {}

    def aliases(self, urn: str) -> set[str]:
        """Every other URN the head resource ``urn`` answers to (empty for an unknown URN)."""
        if urn in self._memo:
            return self._memo[urn]
        self._memo[urn] = set()  # a cycle cannot recurse forever
        r = self._by_urn.get(urn)
        if r is None:
            return set()
        stack, project, _, _ = _urn_parts(r.urn)
        found: set[str] = set()
        for alias in r.aliases:
            if "urn" in alias:
                found.add(str(alias["urn"]))
                continue
            spec = alias.get("spec", {})
            parent = None if spec.get("noParent") else spec.get("parentUrn") or r.parent
            found.add(make_urn(spec.get("stack") or stack, spec.get("project") or project,
                               spec.get("type") or r.type, spec.get("name") or r.name, parent))
        if r.parent and r.parent in self._by_urn:  # the engine's inherited child aliases
            parent = self._by_urn[r.parent]
            for parent_alias in self.aliases(parent.urn):
                alias_name = _urn_parts(parent_alias)[3]
                name = alias_name + r.name[len(parent.name):] if r.name.startswith(parent.name) else r.name
                found.add(make_urn(stack, project, r.type, name, parent_alias))
                if name != r.name:
                    found.add(make_urn(stack, project, r.type, r.name, parent_alias))
        found.discard(r.urn)
        self._memo[urn] = found
        return found


# --- property diff -------------------------------------------------------------------------------

def _join(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else key


def changed_paths(old: Any, new: Any, path: str = "") -> list[tuple[str, bool]]:
    """(path, is_secret) of every difference between two wire-form values, at the first level that
    differs in shape; a secret envelope is compared by its content and reported at its own path."""
    if is_secret(old) or is_secret(new):
        return [] if unwrap(old) == unwrap(new) else [(path or "(value)", True)]
    if old == new:
        return []
    if old == UNKNOWN or new == UNKNOWN:
        return [(path or "(value)", False)]
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[tuple[str, bool]] = []
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                secret = is_secret(old.get(key)) or is_secret(new.get(key))
                out.append((_join(path, key), secret))
            else:
                out += changed_paths(old[key], new[key], _join(path, key))
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += changed_paths(a, b, _join(path, i))
        return out
    return [(path or "(value)", False)]


def _top(path: str) -> str:
    return path.split(".", 1)[0].split("[", 1)[0]


def _physical_name(r: CapturedResource) -> str | None:
    value = unwrap(r.properties.get(PHYSICAL_NAME.get(r.type, "name")))
    return value if isinstance(value, str) and value and value != UNKNOWN else None


def _alias_fix(old_urn: str, head: CapturedResource) -> str:
    _, _, _, old_name = _urn_parts(old_urn)
    return (f"If this is the same {head.type} renamed or moved, keep it: add "
            f"`aliases=[\"{old_urn}\"]` (or pulumi.Alias(name=\"{old_name}\", ...)) to the resource options of "
            f"'{head.name}'. If it really must be destroyed, get it reviewed and add an exemption "
            f"(policy gate-destructive-change, owner, reason, expiry) for the migration.")


# --- the diff ------------------------------------------------------------------------------------

def diff(base: list[CapturedResource], head: list[CapturedResource], stateful: set[str]) -> ChangeSet:
    """The changes from the base registrations to the head's; ``stateful`` types' destructive ones block."""
    base_by_urn = {r.urn: r for r in base}
    head_to_base, taken = _match(base, head)
    renamed = {h: b for h, b in head_to_base.items() if h != b}
    created = [h for h in head if h.urn not in head_to_base]
    deleted = [b for b in base if b.urn not in taken]

    changes = _moves(deleted, created, head_to_base, stateful)
    for c in created:
        changes.append(Change(urn=c.urn, type=c.type, name=c.name, action="create", reason="new in this change"))
    for b in deleted:
        changes.append(_deletion(b, stateful))
    head_by_urn = {h.urn: h for h in head}
    providers = _provider_moves(base, head)
    # An aliased resource keeps its cloud identity; under mocks its id and computed outputs derive from the
    # new name, and everything that refers to it would look changed. Map them back before comparing.
    identity = _identity_map([(head_by_urn[h], base_by_urn[b]) for h, b in renamed.items()])
    moved = {c.urn for c in changes if c.action == "move"}
    for head_urn, base_urn in head_to_base.items():
        if head_urn in moved:
            continue
        changes += _compare(base_by_urn[base_urn], head_by_urn[head_urn], stateful, identity, providers)
    order = {"unprotect": 0, "delete": 1, "move": 2, "replace": 3, "update": 4, "rename": 5, "create": 6}
    changes.sort(key=lambda c: (not c.blocking, order[c.action], c.type, c.urn))
    return ChangeSet(changes=changes, head_to_base=head_to_base)


def _match(base: list[CapturedResource], head: list[CapturedResource]) -> tuple[dict[str, str], set[str]]:
    """Head URN -> the base URN it continues (the same URN first, then an alias), and the base URNs taken."""
    base_by_urn = {r.urn: r for r in base}
    base_by_key = {urn_key(r.urn): r.urn for r in base}
    resolver = AliasResolver(head)
    head_to_base: dict[str, str] = {}
    taken: set[str] = set()
    for h in head:  # the same URN first, then an alias
        if h.urn in base_by_urn:
            head_to_base[h.urn] = h.urn
            taken.add(h.urn)
    for h in head:
        if h.urn in head_to_base:
            continue
        for alias in sorted(resolver.aliases(h.urn)):
            found = base_by_key.get(urn_key(alias))
            if found is not None and found not in taken:
                head_to_base[h.urn] = found
                taken.add(found)
                break
    return head_to_base, taken


def _is_twin(b: CapturedResource, c: CapturedResource) -> bool:
    """Whether ``c`` is the physical resource ``b`` under a new URN: same type and physical name (or, where
    there is none, the same inputs)."""
    return c.type == b.type and b.custom and c.custom and (
        (_physical_name(b) is not None and _physical_name(b) == _physical_name(c))
        or (_physical_name(b) is None and unwrap(b.properties) == unwrap(c.properties)))


def _moves(deleted: list[CapturedResource], created: list[CapturedResource], head_to_base: dict[str, str],
           stateful: set[str]) -> list[Change]:
    """Moves: a delete and a create of one physical resource. Each pair found leaves ``deleted`` and
    ``created`` and joins ``head_to_base``."""
    changes: list[Change] = []
    for b in list(deleted):
        twin = next((c for c in created if _is_twin(b, c)), None)
        if twin is None:
            continue
        deleted.remove(b)
        created.remove(twin)
        head_to_base[twin.urn] = b.urn
        is_stateful = b.type in stateful and not b.retain_on_delete
        changes.append(Change(
            urn=twin.urn, type=twin.type, name=twin.name, action="move", old_urn=b.urn, blocking=is_stateful,
            reason=(f"the URN changed from {b.urn} without an alias: Pulumi deletes the old {b.type} and creates "
                    f"a new one under the same physical name" + (" -- its data is lost" if is_stateful else "")),
            fix=_alias_fix(b.urn, twin)))
    return changes


def _deletion(b: CapturedResource, stateful: set[str]) -> Change:
    """The delete of a base resource no longer registered; it blocks for a stateful type unless retained."""
    is_stateful = b.type in stateful and b.custom
    retained = b.retain_on_delete
    return Change(
        urn=b.urn, type=b.type, name=b.name, action="delete", blocking=is_stateful and not retained,
        reason=("no longer registered: Pulumi deletes it" + (
            " (retainOnDelete: the cloud resource is kept)" if retained else
            " and its data with it" if is_stateful else "")),
        fix=("If it was renamed or moved, add `aliases=[\"" + b.urn + "\"]` to the new resource's options; "
             "if it must go, lift protect in a reviewed change and add an exemption (policy "
             "gate-destructive-change) for the migration.") if is_stateful else "")


def _option_and_move_changes(b: CapturedResource, h: CapturedResource, is_stateful: bool, options: list[str],
                             weakening: list[str], moved: str, paths: list[str]) -> list[Change]:
    """The blocking changes of a stateful resource's options or location (empty when there is none)."""
    if not is_stateful or b.protect and not h.protect:
        return []  # unprotect is reported by the caller
    renamed = b.urn != h.urn
    if moved:
        return [Change(
            urn=h.urn, type=h.type, name=h.name, action="replace", paths=paths + options + ["provider"],
            blocking=True, old_urn=b.urn if renamed else None,
            reason=f"{moved}: the {h.type} is created anew there and the old one deleted -- its data is lost",
            fix="Keep the stateful resource on its provider and region; move data deliberately (a new resource "
                "beside the old, copy, then remove the old) with an exemption (policy gate-destructive-change).")]
    if weakening:
        return [Change(
            urn=h.urn, type=h.type, name=h.name, action="update", paths=paths + options, blocking=True,
            old_urn=b.urn if renamed else None,
            reason=(f"{', '.join(weakening)} turned on for a stateful resource: it lets a later delete, replacement "
                    f"or drift of its data pass without this review"),
            fix=f"Remove {', '.join(o.removeprefix('options.') for o in weakening)} from its ResourceOptions.")]
    return []


def _identity_map(pairs: list[tuple[CapturedResource, CapturedResource]]) -> dict[str, str]:
    """Head string -> base string for the id and computed outputs of each (head, base) renamed pair."""
    out: dict[str, str] = {}
    for h, b in pairs:
        if h.id and b.id and h.id != b.id:
            out[h.id] = b.id
        for key, value in h.outputs.items():
            old = b.outputs.get(key)
            if key not in h.properties and isinstance(value, str) and isinstance(old, str) and value != old:
                out[value] = old
    return {k: v for k, v in out.items() if len(k) >= 8}  # only distinctive strings


def _restore(value: Any, identity: dict[str, str]) -> Any:
    if isinstance(value, str):
        for new, old in identity.items():
            if new in value:
                value = value.replace(new, old)
        return value
    if isinstance(value, dict):
        return {k: _restore(v, identity) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v, identity) for v in value]
    return value


def _provider_urn(r: CapturedResource) -> str:
    return "::".join((r.provider or "").split("::")[:4])


def _provider_moves(base: list[CapturedResource], head: list[CapturedResource]) -> dict[str, str]:
    """Provider URN (head) -> what about it moves its resources: the identity inputs that differ from the
    base provider of the same URN."""
    old = {r.urn: unwrap(r.properties) for r in base if r.type.startswith("pulumi:providers:")}
    moved: dict[str, str] = {}
    for r in head:
        if r.type.startswith("pulumi:providers:") and r.urn in old:
            new = unwrap(r.properties)
            keys = [k for k in PROVIDER_IDENTITY if old[r.urn].get(k) != new.get(k)]
            if keys:
                moved[r.urn] = ", ".join(f"provider {k}" for k in keys)
    return moved


def option_paths(b: CapturedResource, h: CapturedResource) -> tuple[list[str], list[str]]:
    """(every changed option as ``options.<name>``, those of them that weaken: WEAKENING_OPTIONS turned on
    or given more entries)."""
    def opts(r: CapturedResource) -> dict[str, Any]:
        return {"retainOnDelete": r.retain_on_delete, "deleteBeforeReplace": r.delete_before_replace,
                "ignoreChanges": sorted(r.ignore_changes), "replaceOnChanges": sorted(r.replace_on_changes),
                "additionalSecretOutputs": sorted(r.additional_secret_outputs),
                "customTimeouts": r.custom_timeouts, **{k: v for k, v in r.other_options.items() if k != "dependsOn"}}
    old, new = opts(b), opts(h)
    changed = sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k) and (old.get(k) or new.get(k)))
    weakening = [k for k in changed if k in WEAKENING_OPTIONS and new.get(k)
                 and not (isinstance(new[k], list) and set(new[k]) <= set(old.get(k) or []))]
    return [f"options.{k}" for k in changed], [f"options.{k}" for k in weakening]


def _move_reason(b: CapturedResource, h: CapturedResource, providers: dict[str, str], paths: list[str]) -> str:
    """Why ``h`` lands somewhere else than ``b`` (another provider, a provider's region, its own region), or ''."""
    if b.custom and h.custom and _provider_urn(b) != _provider_urn(h):
        return f"its provider changed from {_provider_urn(b) or 'the default'} to {_provider_urn(h) or 'the default'}"
    if _provider_urn(h) in providers:
        return f"its provider's {providers[_provider_urn(h)].removeprefix('provider ')} changed"
    if "region" in {_top(p) for p in paths}:
        return "its region input changed"
    return ""


def _compare(b: CapturedResource, h: CapturedResource, stateful: set[str],
             identity: dict[str, str] | None = None, providers: dict[str, str] | None = None) -> list[Change]:
    found = changed_paths(b.properties, _restore(h.properties, identity) if identity else h.properties)
    paths = [p for p, _ in found]
    secret_paths = [p for p, secret in found if secret]
    is_stateful = h.type in stateful
    options, weakening = option_paths(b, h)
    moved = _move_reason(b, h, providers or {}, paths)
    blocking = _option_and_move_changes(b, h, is_stateful, options, weakening, moved, paths)
    if blocking:
        return blocking
    forcing = set(REPLACE_ON_CHANGE.get(h.type, ())) | set(h.replace_on_changes)
    replacing = [p for p in paths if _top(p) in forcing or "*" in h.replace_on_changes]
    renamed = b.urn != h.urn
    shown = ", ".join(f"{p} (secret: changed, value not shown)" if p in secret_paths else p for p in paths)
    out: list[Change] = []
    if b.protect and not h.protect and is_stateful:
        out.append(Change(
            urn=h.urn, type=h.type, name=h.name, action="unprotect", paths=["protect", *paths], blocking=True,
            secret_paths=secret_paths, old_urn=b.urn if renamed else None,
            reason="protect was removed from a stateful resource: the next destroy or replacement deletes its data",
            fix="Keep protect=True (components/base.py stateful()); lift it only in a reviewed change that needs "
                "it, with an exemption (policy gate-destructive-change) naming owner, reason and expiry."))
        return out
    if replacing:
        out.append(Change(
            urn=h.urn, type=h.type, name=h.name, action="replace", paths=paths, secret_paths=secret_paths,
            blocking=is_stateful, old_urn=b.urn if renamed else None,
            reason=(f"{', '.join(replacing)} cannot change in place: the provider deletes the {h.type} and creates "
                    f"a new one" + (" -- its data is lost" if is_stateful else "") + f" (changed: {shown})"),
            fix=(f"Keep {', '.join(sorted({_top(p) for p in replacing}))} as it is, or migrate deliberately (new "
                 f"resource beside the old, move the data, then remove the old one) with an exemption (policy "
                 f"gate-destructive-change) for the migration.") if is_stateful else ""))
    elif paths or options:
        out.append(Change(urn=h.urn, type=h.type, name=h.name, action="update", paths=paths + options,
                          secret_paths=secret_paths, old_urn=b.urn if renamed else None,
                          reason=f"changed in place: {', '.join(filter(None, [shown, ', '.join(options)]))}"))
    elif renamed:
        out.append(Change(urn=h.urn, type=h.type, name=h.name, action="rename", old_urn=b.urn,
                          reason=f"the URN changed from {b.urn}; an alias keeps it the same resource"))
    return out
