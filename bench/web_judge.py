"""How fast the website checks judge: content comparison of large pages and judging many recorded sites.

    .venv/bin/python bench/web_judge.py [--sites 2000]

Prints figures; asserts nothing. Network time is not measured here (it depends on the sites, not on ezgov).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

from ezgov_infra.audit.web import content_difference, judge_site

FACTS = Path(__file__).resolve().parent.parent / "tests" / "golden" / "web" / "facts"


def page(paragraphs: int, seed: int, nonce: str) -> str:
    rng = random.Random(seed)
    words = ["政务", "服务", "extranet", "IPv6", "portal", "apply", "licence", "鄂州", "district", "notice"]
    body = "\n".join(f'<p class="c{i % 7}">' + " ".join(rng.choice(words) for _ in range(40)) + "</p>"
                     for i in range(paragraphs))
    return f'<html><head><script nonce="{nonce}"></script></head><body>{body}</body></html>'


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=2000)
    args = parser.parse_args()
    for paragraphs in (50, 500, 2000):
        first = page(paragraphs, 1, "0a3f0887590a4278e52c94a3e8f02316")
        second = page(paragraphs, 1, "f6a74b52faa78864d2c743bd670f8883")
        started = time.perf_counter()
        difference = content_difference(first, second)
        elapsed = time.perf_counter() - started
        print(f"content comparison, {len(first) / 1024:8.0f} KiB page, identical but nonces: "
              f"{elapsed * 1000:8.1f} ms (difference {difference:.3f})")
        changed = page(paragraphs, 2, "x")
        started = time.perf_counter()
        difference = content_difference(first, changed)
        print(f"content comparison, {len(first) / 1024:8.0f} KiB page, different text:        "
              f"{(time.perf_counter() - started) * 1000:8.1f} ms (difference {difference:.3f})")
    recorded = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(FACTS.glob("*.json"))]
    started = time.perf_counter()
    for i in range(args.sites):
        judge_site(recorded[i % len(recorded)])
    elapsed = time.perf_counter() - started
    print(f"judging {args.sites} recorded sites: {elapsed:.2f} s ({args.sites / elapsed:.0f} sites/s)")


if __name__ == "__main__":
    main()
