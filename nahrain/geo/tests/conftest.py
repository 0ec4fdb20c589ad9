from __future__ import annotations

from pathlib import Path

import pytest

from nahrain.geo import services

COD_AB = [
    (0, "irq_admbnda_adm0_cso_itos_20190603.geojson"),
    (1, "irq_admbnda_adm1_cso_20190603.geojson"),
    (2, "irq_admbnda_adm2_cso_20190603.geojson"),
    (3, "irq_admbnda_adm3_cso_20190603.geojson"),
]


def cod_ab_files(shared: Path) -> list[tuple[int, Path]]:
    return [(level, shared / "reference" / "iraq" / "cod-ab" / name) for level, name in COD_AB]


@pytest.fixture
def gazetteer(db: None) -> None:
    services.gazetteer_load()


@pytest.fixture
def boundaries(db: None, shared: Path) -> None:
    """Iraq's COD-AB boundaries, imported through the service as a user would."""
    for level, path in cod_ab_files(shared):
        services.boundaries_import(file=path, level=level)
