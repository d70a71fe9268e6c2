"""``make comment-pictures``: the PR comment as a reviewer sees it, for three pull requests, saved as PNGs under
docs/ (comment-pass.png, comment-fail.png, comment-destructive.png). Not run in CI (it needs Chromium:
``apt-get install chromium``).

Each scenario is a clone of HEAD with one edit, judged by this checkout's gate with ``--base HEAD`` (as the
workflow judges a pull request against its base). The Markdown is rendered as GitHub renders a comment --
CommonMark + tables (markdown-it-py), raw HTML kept (``<details>``), emoji shortcodes -- in a page styled like
a GitHub comment, and screenshotted by headless Chromium. The PASS picture carries a preview-summary section
made from a sample event stream, as the preview job appends it for same-repository pull requests.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from markdown_it import MarkdownIt

from tests.gate.test_comment import visible_lines

REPO = Path(__file__).resolve().parents[2]
EMOJI = {":x:": "\u274c", ":white_check_mark:": "\u2705", ":warning:": "\u26a0\ufe0f"}
STYLE = """
body { font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; color: #1f2328;
       background: #fff; margin: 16px; width: 880px; }
.comment { border: 1px solid #d0d7de; border-radius: 6px; }
.head { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; color: #59636e; }
.body { padding: 8px 16px 16px; }
h3, h4 { margin: 8px 0; } code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; font-size: 85%; }
table { border-collapse: collapse; display: block; overflow: auto; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; } tr:nth-child(2n) { background: #f6f8fa; }
blockquote { margin: 8px 0; padding: 0 12px; color: #59636e; border-left: 4px solid #d0d7de; }
details { margin: 8px 0; } summary { cursor: pointer; } sub { color: #59636e; } ul { padding-left: 2em; }
"""
SAMPLE_EVENTS = [
    {"resourcePreEvent": {"metadata": {"op": "create", "type": "aws:rds/instance:Instance", "urn":
     "urn:pulumi:production::chatpdd-infra::chatpdd:components:Database$aws:rds/instance:Instance::database-replica-2"}}},
    {"summaryEvent": {"resourceChanges": {"create": 1, "same": 165}}},
]
SCENARIOS = {
    # a harmless change: a second read replica (its checkov waiver follows the program)
    "pass": [("Pulumi.production.yaml", "read_replicas: 1", "read_replicas: 2")],
    # a program change that opens the database: two rules, three resources
    "fail": [("components/database.py", "publicly_accessible=False,", "publicly_accessible=True,"),
             ("components/database.py", "deletion_protection=True,\n        )", "deletion_protection=False,\n        )")],
    # a renamed bucket: the provider would replace it (delete the old one with its files)
    "destructive": [("Pulumi.production.yaml", "uploads_bucket_name: chatpdd-production-uploads-",
                     "uploads_bucket_name: chatpdd-production-files-")],
}


def comment(name: str, work: Path) -> str:
    """report.md of the scenario's pull request (plus the preview section for the PASS)."""
    clone = work / name
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
    for path, old, new in SCENARIOS[name]:
        text = (clone / path).read_text()
        assert text.count(old) == 1, f"{path} no longer contains {old!r} once: update {__file__}"
        (clone / path).write_text(text.replace(old, new))
    out = work / f"out-{name}"
    subprocess.run([sys.executable, "-m", "gate", "preview", "--stack", "production", "--out", str(out),
                    "--program", str(clone / "__main__.py"), "--stack-file", str(clone / "Pulumi.production.yaml"),
                    "--base", "HEAD"], cwd=REPO, check=False, stdout=subprocess.DEVNULL)
    markdown = (out / "report.md").read_text()
    if name == "pass":
        events = work / "events.jsonl"
        events.write_text("".join(json.dumps(e) + "\n" for e in SAMPLE_EVENTS))
        markdown += subprocess.run([sys.executable, "-m", "gate", "preview-summary", str(events), "--job-url",
                                    "https://github.com/OWNER/chatpdd-infra/actions/runs/1234"],
                                   cwd=REPO, check=True, capture_output=True, text=True).stdout
    return markdown


def page(markdown: str, title: str) -> str:
    for code, char in EMOJI.items():
        markdown = markdown.replace(code, char)
    body = MarkdownIt("commonmark").enable("table").render(markdown)
    return (f"<!doctype html><meta charset=utf-8><style>{STYLE}</style><div class=comment>"
            f"<div class=head><b>github-actions</b> bot commented &middot; {html.escape(title)}</div>"
            f"<div class=body>{body}</div></div>")


def screenshot(document: Path, png: Path, chromium: str, lines: int) -> None:
    """A PNG of the page, as tall as its visible lines need (about two text lines each, wrapped)."""
    height = max(360, 140 + 44 * lines)
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={png}", f"--window-size=930,{height}", document.as_uri()],
                   check=True, capture_output=True, timeout=120)


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("comment-pictures: needs Chromium (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="comment-pictures-") as tmp:
        work = Path(tmp)
        for name in SCENARIOS:
            markdown = comment(name, work)
            (work / f"{name}.md").write_text(markdown)
            document = work / f"{name}.html"
            document.write_text(page(markdown, f"pull request: {name} scenario"))
            shown = visible_lines(markdown)
            screenshot(document, REPO / "docs" / f"comment-{name}.png", chromium, len(shown))
            print(f"docs/comment-{name}.png: {len(markdown.splitlines())} Markdown lines, {len(shown)} visible")
    return 0


if __name__ == "__main__":
    sys.exit(main())
