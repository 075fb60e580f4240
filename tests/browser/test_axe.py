"""axe-core finds no WCAG 2.2 AA or best-practice violation on any page, light or dark."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines += [
            f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"][:5]
        ]
    return "\n".join(lines)


def test_axe_finds_no_violations_in_light_or_dark(
    new_page: Callable[..., Any],
    server: str,
    axe_source: str,
    save_screenshot: Callable[[Any, str], None],
    page_path: str,
) -> None:
    page = new_page()
    page.goto(server + page_path)
    page.evaluate(axe_source)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        results = page.evaluate("options => axe.run(document, options)", OPTIONS)
        save_screenshot(page, f"{page_path.replace('/', '_').removesuffix('.html')}-{scheme}")
        assert results["passes"], "axe ran no check at all"
        assert results["violations"] == [], f"{scheme}:\n{describe(results['violations'])}"
