"""The demo step on the small test county: valid data, idempotent, the known addresses."""

import io

from wangge.people import demo
from wangge.people.crypto import cipher
from wangge.people.idcard import parse_id_number
from wangge.people.models import Building, CareRecord, Resident
from wangge.people.selectors import address_resolve
from wangge.people.services import ID_COLUMN


def test_demo_load_is_valid_and_idempotent(county, worker_a):
    demo.load(stdout=io.StringIO())
    counts = (Building.objects.count(), Resident.objects.count(), CareRecord.objects.count())
    assert counts[0] == 16 * demo.BUILDINGS_PER_MICRO  # 16 micro-grids
    assert counts[1] > 3000 and counts[2] > 0
    for r in Resident.objects.order_by("?")[:200]:
        number = cipher().decrypt(r.id_cipher, column=ID_COLUMN)
        ident = parse_id_number(number)
        assert number.startswith("350427") and ident.birth_date == r.birth_date
        assert ident.sex == r.sex and 2 <= len(r.name) <= 4
    assert address_resolve("怡园社区16号楼").building.name == "怡园社区16号楼"
    assert address_resolve("府前社区9幢").building.name == "府前社区9幢"

    demo.load(stdout=io.StringIO())
    assert counts == (
        Building.objects.count(),
        Resident.objects.count(),
        CareRecord.objects.count(),
    )
