"""A Chinese (CJK) font for matplotlib, found on a fresh machine without configuration.

Charts for leaders carry Chinese titles and labels; matplotlib's default DejaVu Sans has no Chinese
glyphs and would draw empty boxes. :func:`use_cjk_font` finds a CJK font, registers its file with
matplotlib (its font cache may predate the font's installation), and makes it the default
sans-serif family. Search order:

1. the file named by the environment variable ``AIDTOOLS_CJK_FONT``;
2. known font files: Debian/Ubuntu ``fonts-noto-cjk`` (``/usr/share/fonts/opentype/noto/NotoSansCJK-*.ttc``),
   WenQuanYi, Source Han Sans, Windows 黑体/微软雅黑, macOS 苹方/华文黑体;
3. known family names among the fonts matplotlib already knows;
4. any system font file whose name says it is one of these.

If none is found it raises :class:`CJKFontMissing` with a Chinese message saying what to install.

>>> family = use_cjk_font()  # doctest: +SKIP
>>> family  # doctest: +SKIP
'Noto Sans CJK SC'
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "AIDTOOLS_CJK_FONT"
# Simplified-Chinese faces first; the JP face of Noto/Source Han still covers every Chinese glyph.
FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "Noto Sans CJK JP", "Source Han Sans", "Source Han Sans JP", "Arial Unicode MS",
)
_WINDOWS_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
KNOWN_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/google-noto-sans-cjk-vf-fonts/NotoSansCJK-VF.ttc",
    "/usr/share/fonts/opentype/source-han-sans/SourceHanSans-Regular.ttc",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    str(_WINDOWS_FONTS / "msyh.ttc"), str(_WINDOWS_FONTS / "simhei.ttf"),
    "/System/Library/Fonts/PingFang.ttc", "/System/Library/Fonts/STHeiti Light.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc", "/Library/Fonts/Arial Unicode.ttf",
)
# Parts of file names that mark a CJK font, for the last-resort scan of system fonts.
FILE_HINTS = ("notosanscjk", "notosanssc", "sourcehansans", "wqy", "simhei", "msyh", "pingfang", "stheiti",
              "hiragino sans gb", "notoserifcjk")

INSTALL_HINT = (
    "找不到可以显示中文的字体，图表中的汉字会显示成方框。请安装中文字体后重试：\n"
    "  Debian/Ubuntu：sudo apt-get install fonts-noto-cjk\n"
    "  CentOS/Fedora：sudo dnf install google-noto-sans-cjk-fonts（或 wqy-zenhei-fonts）\n"
    "  Windows 和 macOS 自带黑体、微软雅黑或苹方，一般无需安装。\n"
    f"也可以设置环境变量 {ENV_VAR} 为一个中文字体文件（.ttf/.otf/.ttc）的路径。"
)


class CJKFontMissing(RuntimeError):
    """No font able to draw Chinese was found; the message says what to install."""

    def __init__(self, message: str = INSTALL_HINT):
        super().__init__(message)


_chosen: str | None = None


def _register(path: str) -> list[str]:
    """Add a font file to matplotlib; the family names it brought (all faces of a collection)."""
    from matplotlib import font_manager

    before = {id(f) for f in font_manager.fontManager.ttflist}
    try:
        font_manager.fontManager.addfont(path)
    except (OSError, RuntimeError, ValueError) as exc:
        log.debug("无法载入字体 %s：%s", path, exc)
        return []
    return [f.name for f in font_manager.fontManager.ttflist if id(f) not in before]


def _known_family() -> str | None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((family for family in FAMILIES if family in names), None)


def _best(families: list[str]) -> str | None:
    """The preferred family among ``families`` (a collection brings SC, TC, JP, KR faces)."""
    for family in FAMILIES:
        if family in families:
            return family
    return families[0] if families else None


def find_cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use (registering its file), or None."""
    override = os.environ.get(ENV_VAR)
    if override:
        if not Path(override).is_file():
            raise CJKFontMissing(f"环境变量 {ENV_VAR} 指向的字体文件不存在：{override}\n" + INSTALL_HINT)
        family = _best(_register(override))
        if family:
            return family
        raise CJKFontMissing(f"环境变量 {ENV_VAR} 指向的文件不是可用的字体：{override}\n" + INSTALL_HINT)
    for path in KNOWN_FILES:
        if Path(path).is_file():
            _register(path)
            family = _known_family()
            if family:
                return family
    family = _known_family()
    if family:
        return family
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in FILE_HINTS):
            family = _best(_register(path))
            if family:
                return family
    return None


def use_cjk_font() -> str:
    """Make a CJK font matplotlib's default and return its family name (once per process).

    Raises :class:`CJKFontMissing` when there is none.
    """
    global _chosen
    import matplotlib

    if _chosen is None:
        family = find_cjk_font()
        if family is None:
            raise CJKFontMissing()
        _chosen = family
        log.debug("图表字体：%s", family)
    rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != _chosen]
    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [_chosen] + rest  # DejaVu etc. stay as fallback for symbols
    matplotlib.rcParams["axes.unicode_minus"] = False  # ASCII hyphen for minus: every font has it
    return _chosen
