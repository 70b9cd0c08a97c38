"""The independent check: the Department for Education's CIN census validator, run on a return.

The validator (PyPI csc-validator-be-cin) needs pandas<2 on Python 3.11, so it lives in its own environment behind
the team's `validate` wrapper; macpu runs it as a separate process and reads its JSON findings. Its one known false
alarm: query 2887Q fires on any return with 7 or fewer children recorded with disability "none" (a fault in the
rule), so small returns show it although nothing is wrong.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

TEAM_VALIDATOR = Path("/work/shared/tools/cin-validate/validate")  # where the team's machines keep it
KNOWN_FALSE_ALARMS = {
    "2887Q": "A known fault in this Department for Education check: it fires on any return with "
    "7 or fewer children recorded as having no disability. Nothing needs fixing."
}
TIMEOUT_SECONDS = 1800
logger = logging.getLogger(__name__)


class ValidatorUnavailable(RuntimeError):
    """The validator is not installed here, or could not read the return."""


def validator_path() -> Path | None:
    """MACPU_CIN_VALIDATE, else the validator beside the repository (../shared), else the team machines' copy."""
    if settings.CIN_VALIDATE:
        return Path(settings.CIN_VALIDATE)
    for path in (Path(settings.BASE_DIR).parent / "shared/tools/cin-validate/validate", TEAM_VALIDATOR):
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class DfeFinding:
    rule: str
    must_fix: bool  # an error; otherwise a query: check it, and fix it or be ready to explain it
    la_child_id: str  # blank for a finding about the whole return
    table: str
    column: str
    message: str

    @property
    def known_false_alarm(self) -> str:
        return KNOWN_FALSE_ALARMS.get(self.rule, "")


@dataclass(frozen=True)
class DfeReport:
    ruleset: str
    findings: list[DfeFinding]
    crashed: list[str]  # rules that could not run on this return (one crashes on a return with no children)

    @property
    def passed(self) -> bool:
        return not self.crashed and not any(f.must_fix for f in self.findings)


def run_dfe_checks(xml: bytes) -> DfeReport:
    """Run the DfE rules on a census return. Raises ValidatorUnavailable when the validator cannot run."""
    path = validator_path()
    if path is None or not path.is_file():
        raise ValidatorUnavailable(
            "The Department for Education's validator is not installed on this server. Ask your administrator to "
            "install it and set MACPU_CIN_VALIDATE."
        )
    with tempfile.TemporaryDirectory(prefix="macpu-cin-") as directory:
        census, report = Path(directory) / "census.xml", Path(directory) / "findings.json"
        census.write_bytes(xml)
        try:
            result = subprocess.run(  # noqa: S603 - a fixed, trusted tool; arguments are our own paths
                [str(path), str(census), "--allow-queries", "--strict-elements", "--json", str(report)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ValidatorUnavailable(f"The Department for Education's validator did not finish: {error}.") from error
        if not report.is_file():  # it could not read the return at all (exit 2 without findings)
            logger.error(
                "CIN validator failed (exit %s): %s %s", result.returncode, result.stdout[-2000:], result.stderr[-2000:]
            )
            raise ValidatorUnavailable(
                "The Department for Education's validator could not read the return. The server's log says why."
            )
        data = json.loads(report.read_text(encoding="utf-8"))
    findings = [
        DfeFinding(
            rule=str(f["rule"]),
            must_fix=f["severity"] != "QUERY",
            la_child_id=str(f.get("child") or ""),
            table=str(f.get("table") or ""),
            column=str(f.get("column") or ""),
            message=str(f["message"]),
        )
        for f in data["findings"]
    ]
    crashed = [str(c["rule"]) for c in data["crashed"]]
    return DfeReport(ruleset=str(data.get("ruleset", "")), findings=findings, crashed=crashed)
