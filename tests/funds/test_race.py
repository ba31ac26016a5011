"""Approvals racing for the last of a fund, on PostgreSQL: exactly as many win as the money
covers; the balance is always budget − payments and the available amount never below zero."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.conftest import COMMUNITY_A, STREET, make_user
from wangge.accounts.models import Role
from wangge.core.api import Conflict
from wangge.funds.models import FundAccount, FundPayment, SpendRequest
from wangge.funds.services import (
    fund_budget_set,
    fund_payment_record,
    fund_request_approve,
    fund_request_submit,
)


def race(jobs: list[tuple[object, SpendRequest]]) -> list[str]:
    """Approve every (approver, request) at the same instant, one thread each."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(actor: object, request: SpendRequest) -> None:
        try:
            barrier.wait(timeout=10)
            fund_request_approve(actor=actor, request=request)
            result = "ok"
        except Conflict as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve, args=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(jobs)
    return sorted(outcomes)


def check_balance(account: FundAccount) -> None:
    account.refresh_from_db()
    paid = sum((p.amount for p in FundPayment.objects.filter(request__account=account)), Decimal(0))
    assert account.balance == account.budget - paid
    assert Decimal(0) <= account.available <= account.balance


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_approvals_race_for_the_last_of_the_fund(county, categories, submit):
    street = make_user("street_race", Role.STREET_STAFF, county[STREET])
    head = make_user("community_race", Role.COMMUNITY_STAFF, county[COMMUNITY_A])
    case = submit(make_user("resident_race"))
    account = fund_budget_set(
        actor=street, unit=county[COMMUNITY_A], year=2026, amount="3000", head_limit="5000"
    )
    first = fund_request_submit(
        actor=head, account=account, amount="2000", purpose="排水泵", case=case
    )
    fund_request_approve(actor=head, request=first)
    fund_payment_record(actor=head, request=first, amount="2000", payee="维修队")
    check_balance(account)

    # Two requests for the last 1,000, approved at the same instant by the head and the street.
    a = fund_request_submit(actor=head, account=account, amount="1000", purpose="楼道灯", case=case)
    b = fund_request_submit(actor=head, account=account, amount="1000", purpose="井盖", case=case)
    assert race([(head, a), (street, b)]) == ["insufficient", "ok"]
    check_balance(account)
    assert account.available == Decimal("0.00") and account.balance == Decimal("1000.00")
    assert SpendRequest.objects.filter(pk__in=[a.pk, b.pk], state="approved").count() == 1

    # Three thousand more, eight approvals of 1,000 at once: exactly three win.
    fund_budget_set(actor=street, unit=county[COMMUNITY_A], year=2026, amount="6000")
    account.refresh_from_db()
    requests = [
        fund_request_submit(
            actor=head, account=account, amount="1000", purpose=f"维修{i}", case=case
        )
        for i in range(8)
    ]
    outcomes = race([(street if i % 2 else head, r) for i, r in enumerate(requests)])
    assert outcomes.count("ok") == 3 and outcomes.count("insufficient") == 5
    check_balance(account)
    assert account.available == Decimal("0.00")
    winner = SpendRequest.objects.filter(pk__in=[r.pk for r in requests], state="approved").first()
    fund_payment_record(actor=head, request=winner, amount="1000", payee="维修队")
    check_balance(account)
    assert account.balance == Decimal("3000.00")
