"""Realistic school reports written by someone else: top-1 topic right for at least
95 %, periods right, senders handled, repeats caught.

tests/corpus/school-reports holds `dev`, the set the rules were tuned on, and `holdout`,
which was then used for tuning too; tests/corpus/school-reports-2 (`holdout2`, another
writer) was measured once, after tuning, and is what the figures in the notes quote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mailhub.hub import Hub
from mailhub.pipeline import Envelope, ingest

CORPORA = Path(__file__).parent / "corpus"
SETS = {"dev": "school-reports", "holdout": "school-reports", "holdout2": "school-reports-2"}


@dataclass
class Score:
    filed: int = 0
    topic_right: int = 0
    period_right: int = 0
    wrong: list[str] = field(default_factory=list)

    def rate(self, right: int) -> float:
        return right / self.filed if self.filed else 0.0


def evaluate(hub: Hub, which: str) -> Score:
    corpus = CORPORA / SETS[which]
    with (corpus / "labels.csv").open(encoding="utf-8") as handle:
        labels = [row for row in csv.DictReader(handle) if row["set"] == which]
    score = Score()
    for label in labels:
        outcome = ingest(hub, (corpus / label["file"]).read_bytes(),
                         Envelope(door="ingest", source=label["file"]))
        if outcome.verdict != label["verdict"]:
            score.wrong.append(f"{label['file']}: verdict {outcome.verdict} != "
                               f"{label['verdict']} {outcome.reasons[:2]}")
            continue
        if label["verdict"] != "filed":
            continue
        score.filed += 1
        if outcome.unit != label["unit"]:
            score.wrong.append(f"{label['file']}: unit {outcome.unit} != {label['unit']}")
        top = outcome.topics[0] if outcome.topics else None
        if top == label["topic"]:
            score.topic_right += 1
        else:
            score.wrong.append(f"{label['file']}: topic {outcome.topics} != {label['topic']} "
                               f"| {outcome.subject}")
        if outcome.period == label["period"]:
            score.period_right += 1
        else:
            score.wrong.append(f"{label['file']}: period {outcome.period} != {label['period']}")
    return score


@pytest.mark.parametrize("which", list(SETS))
def test_school_reports_are_filed_right(hub: Hub, which: str) -> None:
    score = evaluate(hub, which)
    report = "\n".join(score.wrong)
    print(f"{which}: {score.filed} filed, topic {score.rate(score.topic_right):.1%}, "
          f"period {score.rate(score.period_right):.1%}\n{report}")
    assert score.filed >= 100, report
    assert score.rate(score.topic_right) >= 0.95, report
    assert score.rate(score.period_right) >= 0.95, report
    verdict_errors = [w for w in score.wrong if ": verdict " in w or ": unit " in w]
    assert not verdict_errors, report
