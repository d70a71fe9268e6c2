"""The cost section of the human-readable reports: the headline, the resources whose cost changed, what is
not priced. Self-contained (the terminal and the PR comment each call one function), so a new layout of
either report renders ``result.cost`` with one call."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gate.cost.cost import CostEstimate, headline, money

if TYPE_CHECKING:
    from gate.result import GateResult

_CHANGED_ROWS = 10  # the PR comment's table of changed resources stays small


def _cell(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _budget(cost: CostEstimate) -> str:
    b = cost.budget
    if b is None:
        return "no budget set"
    return f"budget {money(b.monthly_usd)}/month, at most +{b.max_increase_percent:g}% per pull request"


def markdown(result: GateResult) -> list[str]:
    """report.md: the headline in bold, the changed resources (with --base), what is not priced, and the
    breakdown by component and largest resources collapsed."""
    cost = result.cost
    if cost is None:
        return []
    out = [f"**{headline(cost)}** ({_budget(cost)}; estimate: On-Demand list prices of "
           f"`{cost.prices_file}`, read {cost.prices_read.isoformat()}, docs/cost.md)", ""]
    if cost.delta is not None and cost.delta.changed:
        changed = cost.delta.changed
        out += ["| Resource | Type | Before | After | Change |", "|---|---|---:|---:|---:|"]
        out += [f"| `{_cell(c.name)}` | `{_cell(c.type)}` | {money(c.before)} | {money(c.after)} | "
                f"{money(c.delta, signed=True)} |" for c in changed[:_CHANGED_ROWS]]
        if len(changed) > _CHANGED_ROWS:
            out.append(f"| ... {len(changed) - _CHANGED_ROWS} more in report.json | | | | |")
        out.append("")
    missing = cost.not_priced
    out += [f"<details><summary>Monthly cost by component and largest resources"
            f"{f' ({len(missing)} not priced)' if missing else ''}</summary>", ""]
    if missing:  # listed every run (Redis Cloud's quote, ...): collapsed with the breakdown, not repeated visibly
        out.append(f"Not priced ({len(missing)}, not in the total): "
                   + "; ".join(f"`{_cell(r.name)}` ({_cell(line.item)}): {_cell(line.reason)}" for r, line in missing))
        out.append("")
    out += ["| Component | Monthly |", "|---|---:|"]
    out += [f"| {_cell(name)} | {money(value)} |" for name, value in cost.by_component.items()]
    out += ["", "| Resource | Type | Monthly | Lines |", "|---|---|---:|---|"]
    for r in cost.largest(10):
        lines = "<br>".join(f"{_cell(line.item)}: {money(line.monthly)}" for line in r.lines if line.monthly)
        out.append(f"| `{_cell(r.name)}` | `{_cell(r.type)}` | {money(r.monthly)} | {lines} |")
    out += ["", "</details>", ""]
    return out


def terminal(result: GateResult) -> list[str]:
    """The terminal summary: the headline, the changes, the largest resources and what is not priced."""
    cost = result.cost
    if cost is None:
        return []
    lines = ["", f"{headline(cost)} ({_budget(cost)}; prices {cost.prices_file}, read "
                 f"{cost.prices_read.isoformat()})"]
    if cost.delta is not None:
        lines += [f"  {money(c.delta, signed=True):>12}  {c.name} ({c.type}): {money(c.before)} -> {money(c.after)}"
                  for c in cost.delta.changed[:_CHANGED_ROWS]]
    lines.append("  largest: " + ", ".join(f"{r.name} {money(r.monthly)}" for r in cost.largest(5)))
    for r, line in cost.not_priced:
        lines.append(f"  not priced: {r.name} ({r.type}, {line.item}): {line.reason}")
    return lines
