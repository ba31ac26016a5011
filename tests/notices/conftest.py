"""Notice fixtures: street staff above both test communities, a worker of another street, grid
chat groups whose relay is a real HTTP receiver on loopback."""

from __future__ import annotations

import pytest

from tests.conftest import GRID_A, GRID_B, STREET, make_user
from tests.notify.conftest import SECRET, Receiver
from wangge.accounts.models import Role
from wangge.chat.models import ChatGroup
from wangge.notify import services as notify_services
from wangge.notify.models import WebhookEndpoint

OTHER_STREET_GRID = "350427002001001001"


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()


@pytest.fixture(autouse=True)
def _fast_delivery(settings):
    settings.NOTIFY_TIMEOUT_SECONDS = 2
    notify_services._last_kick = 0.0


@pytest.fixture
def street_staff(county):
    return make_user("street_1", Role.STREET_STAFF, county[STREET])


@pytest.fixture
def far_worker(county):
    return make_user("worker_far", Role.GRID_WORKER, county[OTHER_STREET_GRID])


@pytest.fixture
def chat_groups(county, receiver):
    endpoint = WebhookEndpoint.objects.create(name="群机器人中转", url=receiver.url, secret=SECRET)
    return {
        code: ChatGroup.objects.create(
            group_id=f"wx-{code}",
            name=f"{county[code].name}群",
            grid=county[code],
            secret="group-secret",
            endpoint=endpoint,
        )
        for code in (GRID_A, GRID_B, OTHER_STREET_GRID)
    }
