"""template.yaml, the AWS SAM template, passes cfn-lint."""

from pathlib import Path

from cfnlint.api import lint_file

TEMPLATE = Path(__file__).parents[1] / "template.yaml"


def test_the_sam_template_passes_cfn_lint() -> None:
    findings = lint_file(TEMPLATE)

    assert findings == [], "\n".join(str(finding) for finding in findings)
