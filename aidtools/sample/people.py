"""Synthetic personal data, generated with vectorised numpy: names, ID numbers, cards, mobiles.

Everything is random: names are combinations of common parts (:mod:`aidtools.sample.names`),
ID numbers are random region/birth/sequence digits with a valid GB 11643 check character,
bank cards are random digits behind public bank prefixes with a valid Luhn digit.

>>> id_check_chars(digit_matrix(np.array(["11010519491231002"]))).tolist()
['X']
>>> luhn_digits(digit_matrix(np.array(["7992739871"]))).tolist()
[3]
>>> rng = np.random.default_rng(1)
>>> ids = id_numbers(rng, np.array(["210102"]), np.array(["2000-02-29"], dtype="datetime64[D]"), np.array([True]))
>>> from stdnum.cn import ric; ric.is_valid(ids[0]) and int(ids[0][16]) % 2 == 1
True
"""
from __future__ import annotations

import numpy as np

from aidtools.sample import names as N

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("0123456789X"))

# Bank name, card prefix (public BIN), card length.
BANKS = [
    ("中国工商银行", "622202", 19),
    ("中国农业银行", "622848", 19),
    ("中国银行", "621661", 19),
    ("中国建设银行", "621700", 19),
    ("交通银行", "622262", 19),
    ("中国邮政储蓄银行", "621799", 19),
    ("招商银行", "622588", 16),
]
BANK_WEIGHTS = np.array([0.22, 0.2, 0.14, 0.2, 0.08, 0.1, 0.06])
MOBILE_PREFIXES = np.array(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                            "152", "155", "156", "157", "158", "159", "166", "176", "177", "180", "181",
                            "182", "183", "185", "186", "187", "188", "189", "198", "199"])


def digit_matrix(strings: np.ndarray) -> np.ndarray:
    """(n,) array of equal-length digit strings → (n, k) int array of their digits."""
    strings = np.asarray(strings)
    width = strings.dtype.itemsize // 4 if strings.dtype.kind == "U" else strings.dtype.itemsize
    raw = np.frombuffer(np.ascontiguousarray(strings.astype(f"S{width}")).tobytes(), dtype=np.uint8)
    return raw.reshape(len(strings), width).astype(np.int16) - 48


def digits_to_strings(digits: np.ndarray) -> np.ndarray:
    """(n, k) int array of digits → (n,) array of k-character strings."""
    digits = np.asarray(digits)
    width = digits.shape[1]
    raw = np.ascontiguousarray((digits + 48).astype(np.uint8))
    return raw.view(f"S{width}").ravel().astype(f"U{width}")


def random_digits(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return rng.integers(0, 10, size=(n, k), dtype=np.int16)


def id_check_chars(body: np.ndarray) -> np.ndarray:
    """GB 11643 check character of each 17-digit body (rows of a digit matrix)."""
    return ID_CHECK[(12 - (body @ ID_WEIGHTS) % 11) % 11]


def luhn_digits(body: np.ndarray) -> np.ndarray:
    """The Luhn check digit to append to each row of a digit matrix."""
    rev = body[:, ::-1].copy()
    rev[:, ::2] *= 2
    rev = np.where(rev > 9, rev - 9, rev)
    return (10 - rev.sum(axis=1) % 10) % 10


def ymd_int(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] array → YYYYMMDD integers."""
    days = dates.astype("datetime64[D]")
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    y = years.astype(int) + 1970
    m = (months - years.astype("datetime64[M]")).astype(int) + 1
    d = (days - months.astype("datetime64[D]")).astype(int) + 1
    return y * 10000 + m * 100 + d


def ymd(dates: np.ndarray) -> np.ndarray:
    """datetime64[D] array → 'YYYYMMDD' strings.

    >>> ymd(np.array(["2000-02-29", "1999-12-31"], dtype="datetime64[D]")).tolist()
    ['20000229', '19991231']
    """
    return ymd_int(dates).astype("U8")


def id_numbers(rng: np.random.Generator, regions: np.ndarray, births: np.ndarray, male: np.ndarray) -> np.ndarray:
    """Unique 18-character ID numbers: region + birth date + sequence (odd for men) + check."""
    n = len(regions)
    base = regions.astype(np.int64) * 10**11 + ymd_int(births).astype(np.int64) * 1000

    def sequence(k: int, sex: np.ndarray) -> np.ndarray:
        return rng.integers(1, 100, size=k) * 10 + 2 * rng.integers(0, 5, size=k) + sex.astype(int)

    key = base + sequence(n, male)
    for _ in range(50):  # redraw the sequence of any repeated number
        _, first = np.unique(key, return_index=True)
        if len(first) == n:
            break
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        idx = np.flatnonzero(dup)
        key[idx] = base[idx] + sequence(len(idx), male[idx])
    else:
        raise RuntimeError("too many students for the regions and birth dates available")
    body = key.astype("U17")
    return np.strings.add(body, id_check_chars(digit_matrix(body)))


def with_check_char(bodies: np.ndarray) -> np.ndarray:
    """17-digit bodies → full ID numbers with their valid check character."""
    return np.strings.add(bodies, id_check_chars(digit_matrix(bodies)))


def bank_cards(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Card numbers (16 or 19 digits, Luhn-valid) and the name of the issuing bank."""
    which = rng.choice(len(BANKS), size=n, p=BANK_WEIGHTS / BANK_WEIGHTS.sum())
    cards = np.empty(n, dtype="U19")
    for b, (_, prefix, length) in enumerate(BANKS):
        sel = np.flatnonzero(which == b)
        if not len(sel):
            continue
        body = np.concatenate([np.tile(digit_matrix(np.array([prefix])), (len(sel), 1)),
                               random_digits(rng, len(sel), length - 7)], axis=1)
        full = np.concatenate([body, luhn_digits(body)[:, None]], axis=1)
        cards[sel] = digits_to_strings(full)
    bank_names = np.array([b[0] for b in BANKS])[which]
    return cards, bank_names


def mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=n)]
    return np.strings.add(prefix, digits_to_strings(random_digits(rng, n, 8)))


def _pick(rng: np.random.Generator, pool: list[str], n: int) -> np.ndarray:
    return np.array(pool)[rng.integers(0, len(pool), size=n)]


def han_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Surname + one or two given-name characters, leaning by sex."""
    n = len(male)
    weights = np.array(N.SURNAME_WEIGHTS)
    surname = np.array(N.SURNAMES)[rng.choice(len(N.SURNAMES), size=n, p=weights / weights.sum())]
    male_pool = N.GIVEN_MALE + N.GIVEN_NEUTRAL
    female_pool = N.GIVEN_FEMALE + N.GIVEN_NEUTRAL
    first = np.where(male, _pick(rng, male_pool, n), _pick(rng, female_pool, n))
    second = np.where(male, _pick(rng, male_pool, n), _pick(rng, female_pool, n))
    two = rng.random(n) < 0.7
    given = np.where(two, np.strings.add(first, second), first)
    return np.strings.add(surname, given)


def minority_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Uyghur/Kazakh-style names written ``given·father``."""
    n = len(male)
    given = np.where(male, _pick(rng, N.MINORITY_GIVEN_MALE, n), _pick(rng, N.MINORITY_GIVEN_FEMALE, n))
    father = _pick(rng, N.MINORITY_FATHER, n)
    return np.strings.add(np.strings.add(given, "·"), father)


def staff_names(rng: np.random.Generator, n: int) -> list[str]:
    """Synthetic names for data fillers and auditors in the task table."""
    return [str(s) + str(g) for s, g in zip(_pick(rng, N.STAFF_SURNAMES, n), _pick(rng, N.STAFF_GIVEN, n))]
