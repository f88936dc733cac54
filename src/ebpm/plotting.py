"""Japanese-capable plots in the course's house style: one call, then plain matplotlib/seaborn."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt

HOUSE_PALETTE = ["#1f5f8b", "#e07b39", "#3a9d5d", "#c0392b", "#7d5ba6", "#8c6d31", "#5f6b73"]
MALE_COLOR = "#1f5f8b"
FEMALE_COLOR = "#c0504d"


def setup() -> None:
    """Set a Japanese font (IPAexGothic from matplotlib-fontja) and the house style.

    Call it once at the top of a notebook. seaborn's themes reset the font family, so the
    Japanese font is applied after the theme.
    """
    import matplotlib_fontja
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette=HOUSE_PALETTE)
    matplotlib_fontja.japanize()
    matplotlib.rcParams.update(
        {
            "figure.figsize": (8, 4.5),
            "figure.dpi": 100,
            "axes.titlesize": 14,
            "axes.labelsize": 12,
            # IPAexGothic has no U+2212 in every build; an ASCII minus never goes missing.
            "axes.unicode_minus": False,
        }
    )


def use_japanese_font() -> None:
    """Make Japanese text drawable (IPAexGothic) without touching the rest of the style.

    Library functions that write Japanese labels call this, so that a figure drawn before
    :func:`setup` never warns about a missing glyph.
    """
    family = matplotlib.rcParams["font.family"]
    if "IPAexGothic" not in (family if isinstance(family, list) else [family]):
        import matplotlib_fontja

        matplotlib_fontja.japanize()
    matplotlib.rcParams["axes.unicode_minus"] = False


def population_pyramid(
    table,
    *,
    age_column: str = "年齢階級",
    sex_column: str = "性別",
    value_column: str = "人口",
    male: str = "男",
    female: str = "女",
    title: str = "人口ピラミッド",
    ax=None,
):
    """Draw a population pyramid (males left, females right) from a tidy table.

    ``table`` has one row per age band and sex; age bands are drawn in the order they first
    appear, youngest at the bottom. Returns the matplotlib Axes.
    """
    from ebpm.errors import DataFormatError

    missing = [c for c in (age_column, sex_column, value_column) if c not in table.columns]
    if missing:
        raise DataFormatError(
            f"人口ピラミッドに必要な列がありません: {', '.join(missing)}",
            expected=f"列 {age_column}, {sex_column}, {value_column} を持つ表",
        )
    wide = table.pivot_table(index=age_column, columns=sex_column, values=value_column,
                             aggfunc="sum", sort=False)
    for sex in (male, female):
        if sex not in wide.columns:
            raise DataFormatError(
                f"列「{sex_column}」に「{sex}」の行がありません",
                expected=f"「{male}」と「{female}」の両方",
            )
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    ages = [str(a) for a in wide.index]
    ax.barh(ages, -wide[male].to_numpy(), color=MALE_COLOR, label=male)
    ax.barh(ages, wide[female].to_numpy(), color=FEMALE_COLOR, label=female)
    limit = float(wide[[male, female]].to_numpy().max()) * 1.1
    ax.set_xlim(-limit, limit)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{abs(t):,.0f}" for t in ticks])
    ax.set_xlabel(f"{value_column}（人）")
    ax.set_ylabel(age_column)
    ax.set_title(title)
    ax.legend(loc="lower right")  # the oldest bands are widest in an ageing town
    return ax
