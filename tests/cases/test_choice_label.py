"""A choice's label is read in the language active at the call, whichever came first."""

from __future__ import annotations

from django.utils import translation

from wangge.cases.models import Case, CaseState, Priority, choice_label


def test_labels_follow_the_active_language():
    case = Case(state=CaseState.SUBMITTED, priority=Priority.NORMAL)
    with translation.override("en"):
        assert case.get_state_display() == "Submitted"
        assert case.get_priority_display() == "Normal"
    with translation.override("zh-hans"):
        assert case.get_state_display() == "待受理"
        assert case.get_priority_display() == "普通"
    with translation.override("en"):
        assert choice_label(CaseState, "submitted") == "Submitted"
    with translation.override(None):
        assert choice_label(CaseState, "submitted") == "待受理"


def test_a_value_outside_the_choices_reads_as_itself():
    assert choice_label(CaseState, "archived") == "archived"
    assert choice_label(Priority, 9) == "9"
    assert choice_label(Priority, ["not", "hashable"]) == "['not', 'hashable']"
