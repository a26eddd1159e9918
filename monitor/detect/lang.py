"""Language of an article or sentence. Pure; the only module that imports py3langid.

py3langid's own loader holds its model (``model.npz.xz``: 142 languages) as ≈ 75 MB and needs
≈ 105 MB while loading, because the DFA's transition table (39 MB) is copied from a NumPy array
into an ``array``, and the feature outputs and row offsets become lists of Python ints.
``_lean_identifier`` reads the same file into the same classes, with the same values and
dtypes, streaming the transition table straight into its ``array`` and keeping the outputs in
an ``array`` too: ≈ 70 MB held, ≈ 70 MB at the peak, the same answers (a test compares them
with the library's loader). A model file of another layout is left to the library's loader.
"""

from __future__ import annotations

import lzma
import re
import shutil
import tempfile
import zipfile
from array import array
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import IO, Any, Final, cast

__all__ = ["detect_language", "script_language"]

MAX_CHARS: Final = 20_000
_CYRILLIC_LANGS: Final = frozenset({"ru", "uk", "be", "bg", "sr", "mk", "kk", "ky", "mn"})
_MEMBERS: Final = frozenset({"ptc.npy", "pc.npy", "classes.npy", "nextmove.npy", "nextmove_row.npy",
                             "out_feat.npy"})
_TYPECODES: Final = {2: "H", 4: "I", 8: "L"}  # unsigned NumPy item size -> array typecode
_CHUNK: Final = 1 << 20
_CYRILLIC_LETTER: Final = re.compile("[\u0400-\u04ff]")
# the ASCII bytes that are not letters (A-Z, a-z), deleted to count the letters
_ASCII_NON_LETTERS: Final = bytes(c for c in range(128) if not chr(c).isalpha())


@lru_cache(maxsize=1)
def _classify() -> Any:
    try:
        identifier = _lean_identifier()
    except (AttributeError, TypeError, ValueError, OSError, zipfile.BadZipFile, lzma.LZMAError):
        identifier = None  # another py3langid release: its own loader is always right
    if identifier is None:
        import py3langid  # loads its bundled model on first use; no download

        return py3langid.classify
    return identifier.classify


def _lean_identifier() -> Any:
    """py3langid's identifier over its bundled model, loaded with less memory (see above);
    None when the model file is not of the layout this reads."""
    from py3langid import langid

    path = Path(langid.MODEL_DIR) / langid.MODEL_FILE
    with tempfile.TemporaryFile(suffix=".npz") as tmp:
        with lzma.open(path) as src:
            shutil.copyfileobj(src, tmp, length=_CHUNK)
        tmp.seek(0)
        with zipfile.ZipFile(tmp) as npz:
            if set(npz.namelist()) != _MEMBERS:
                return None
            ptc, pc, classes = (_read_numpy(npz, n) for n in ("ptc.npy", "pc.npy", "classes.npy"))
            nextmove, row, out = (_read_array(npz, n) for n in ("nextmove.npy", "nextmove_row.npy", "out_feat.npy"))
    if nextmove is None or row is None or out is None:
        return None
    return langid.LanguageIdentifier(ptc, pc, classes.tolist(), nextmove, out, tk_row=row)


def _read_numpy(npz: zipfile.ZipFile, name: str) -> Any:
    import numpy as np

    with npz.open(name) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _read_array(npz: zipfile.ZipFile, name: str) -> array[int] | None:
    """A 1-D little-endian integer ``.npy`` member as an ``array`` (the type py3langid's DFA walk
    indexes), read in chunks: never a second copy. None for any other shape or type."""
    import numpy as np

    with npz.open(name) as opened:
        f = cast(zipfile.ZipExtFile, opened)  # what ZipFile.open returns, which reads into a buffer
        version = np.lib.format.read_magic(f)
        shape, fortran, dtype = _read_header(f, version)
        if len(shape) != 1 or fortran or dtype.byteorder == ">" or dtype.kind not in "iu":
            return None
        code = _TYPECODES.get(dtype.itemsize) if dtype.kind == "u" else {4: "i", 8: "l"}.get(dtype.itemsize)
        if code is None or array(code).itemsize != dtype.itemsize:
            return None
        out = array(code, [0]) * shape[0]  # allocated once, then filled in place
        view = memoryview(out).cast("B")
        done = 0
        while done < len(view) and (got := f.readinto(view[done:done + _CHUNK])):
            done += got
        view.release()
    return out if done == len(out) * out.itemsize else None


def _read_header(
    f: IO[bytes] | zipfile.ZipExtFile, version: tuple[int, int]
) -> tuple[tuple[int, ...], bool, Any]:
    import numpy as np

    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)  # type: ignore[no-any-return]
    return np.lib.format.read_array_header_2_0(f)  # type: ignore[no-any-return]


def detect_language(text: str) -> str:
    """ISO 639-1 code of ``text`` ("en", "ru", ...); "" when there are too few letters to tell."""
    sample = text[:MAX_CHARS]
    # whether it has 20 letters, found by C-level filtering that stops at the 20th (not a count of all)
    if next(islice(filter(str.isalpha, sample), 19, None), None) is None:
        return script_language(sample)
    lang, _score = _classify()(sample)
    return str(lang)


def script_language(text: str) -> str:
    """A cheap guess from the alphabet: "ru" for mostly Cyrillic, "en" for mostly Latin, else ""."""
    # counted in C: a Python loop over the characters took ~7 % of detection; the Latin letters
    # as the bytes left of the ASCII text without its other characters (a regex listing each
    # letter took fifteen times longer)
    cyr = len(_CYRILLIC_LETTER.findall(text))
    lat = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))
    if cyr == lat == 0:
        return ""
    return "ru" if cyr > lat else "en"


def is_cyrillic_language(lang: str) -> bool:
    return lang in _CYRILLIC_LANGS
