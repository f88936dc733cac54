"""The table of fictional municipalities (resource ``fictional_municipalities``)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ebpm.datapackage import ResourceSpec
from ebpm.synth._io import write_tidy_csv
from ebpm.synth.world import FICTIONAL_MARK, MUNICIPALITIES, SYNTHETIC_NOTE

PATH = "synthetic/fictional_municipalities.csv"
COLUMNS = ("団体コード", "都道府県名", "市区町村名", "都道府県名_カナ", "市区町村名_カナ", "架空", "役割")


def make_table() -> pd.DataFrame:
    rows = [
        (m.code, m.prefecture.name, m.name, m.prefecture.kana, m.kana, FICTIONAL_MARK, m.role)
        for m in sorted(MUNICIPALITIES, key=lambda m: m.code)
    ]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def build(data_root: Path) -> list[ResourceSpec]:
    df = make_table()
    write_tidy_csv(df, data_root / PATH)
    return [
        ResourceSpec(
            name="fictional_municipalities",
            path=PATH,
            title="本研修の架空の自治体一覧",
            description=(
                f"{SYNTHETIC_NOTE} 合成データに登場する架空の市町村 {len(df)} 件（本町・近隣・類似団体、"
                "様式の説明用の架空の政令指定都市と区）。団体コードは検査数字つきの 6 桁で、"
                "実在の団体コードとは重なりません。"
            ),
            format="csv",
            encoding="utf-8",
            synthetic={"command": "ebpm data build", "generator": "ebpm.synth.municipalities:make_table", "seed": None},
            schema={"fields": [{"name": c, "type": "string"} for c in COLUMNS]},
        )
    ]
