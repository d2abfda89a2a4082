"""Matching the unit names plans and spreadsheets write against an office's directory of units.

``UnitDirectory(units).match("Phòng TC-KH")`` finds ``phong-tai-chinh-ke-hoach``: names are
compared folded (no diacritics, one kind of dash), with the usual abbreviations spelled out
(UBND, MTTQ, TC-KH, VH-TT&TT...), and scored with rapidfuzz. A collective ("UBND các xã,
phường", "các cơ quan chuyên môn") stands for every member. What is not close enough to one
known unit is never dropped, merged or invented: it comes back UNKNOWN (with the closest known
names and scores and a proposed code for a new unit) or AMBIGUOUS (two units equally close).
``match_all`` splits a cell naming several units ("Phòng KT; Phòng TC-KH, UBND các xã, phường").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from htx_tasks.core.vntext import fold, slug

ACCEPT = 90.0  # the least score that names a unit
MARGIN = 4.0  # a second unit this close to the best makes the match ambiguous
SURE = 95.0  # below this a close match is shown to a person
LIKELY = 75.0  # below ACCEPT but this close to two units at once: ambiguous rather than unknown

_ABBREVIATIONS = [(re.compile(p), r) for p, r in (
    (r"\bvh\s*-?\s*tt\s*(?:&|va|-)\s*tt\b", "van hoa thong tin the thao"),
    (r"\bvh\s*(?:-|&)?\s*tt\b|\bvhtt\b", "van hoa thong tin"),
    (r"\btc\s*-?\s*kh\b|\btckh\b", "tai chinh ke hoach"),
    (r"\btn\s*(?:&|-|va)?\s*mt\b|\btnmt\b", "tai nguyen moi truong"),
    (r"\bkt\s*-?\s*ht\s*(?:&|-|va)?\s*dt\b|\bkthtdt\b", "kinh te ha tang do thi"),
    (r"\bql\s*-?\s*dt\b|\bqldt\b", "quan ly do thi"),
    (r"\bnn\s*(?:&|-|va)?\s*ptnt\b|\bnnptnt\b", "nong nghiep phat trien nong thon"),
    (r"\bld\s*-?\s*tb\s*(?:&|-|va)?\s*xh\b|\bldtbxh\b", "lao dong thuong binh xa hoi"),
    (r"\bgd\s*(?:&|-|va)?\s*dt\b|\bgddt\b", "giao duc dao tao"),
    (r"\bkh\s*(?:&|-|va)?\s*dt\b|\bkhdt\b", "ke hoach dau tu"),
    (r"\bub\s*mttq(?:vn)?\b", "uy ban mat tran to quoc"),
    (r"\bmttq(?:vn)?\b", "mat tran to quoc"),
    (r"\bubnd\b", "uy ban nhan dan"),
    (r"\bhdnd\b", "hoi dong nhan dan"),
    (r"\bldld\b", "lien doan lao dong"),
    (r"\b(?:hoi\s+)?h?lhpn\b", "hoi lien hiep phu nu"),
    (r"\b(?:hoi\s+)?ccb\b", "hoi cuu chien binh"),
    (r"\b(?:hoi\s+)?hnd\b", "hoi nong dan"),
    (r"\btp\b\.?", "thanh pho"),
    (r"\bkt\b", "kinh te"),
    (r"\btt\b", "trung tam"),
    (r"\bp\.\s*", "phuong "),
    (r"\bx\.\s*", "xa "),
    (r"\bvp\b", "van phong"),
)]
_HEADS = ("uy ban nhan dan", "phong", "so", "trung tam", "ban", "hoi", "van phong")
# Words that may begin another unit's name in a list: a cell is split only before one of them.
_SPLIT_HEADS = re.compile(
    r"^(?:phong|so|ban|uy ban|trung tam|hoi|lien doan|thanh doan|doan|cong an|van phong|chi cuc|doi|kho bac|cac|"
    r"mat tran|ngan hang|bao hiem|chi nhanh|toa an|vien kiem sat|bo chi huy|phuong|xa|dai|ban chi huy)\b"
)
_SEPARATOR = re.compile(r"\s*(?:;|\n|,|\+|\bvà\b|\bva\b)\s*", re.IGNORECASE)
_WARDS = re.compile(
    r"^(?:uy ban nhan dan )?cac ((?:xa|phuong|thi tran)(?: (?:xa|phuong|thi tran))*)(?: tren dia ban)?(?: thanh pho)?$"
)
_DEPARTMENTS = re.compile(r"^cac (?:co quan|phong|don vi)(?: chuyen mon| ban)+(?: thuoc uy ban nhan dan)?(?: thanh pho)?$")
_ORGANISATIONS = re.compile(r"^(uy ban mat tran to quoc )?cac (?:to chuc chinh tri xa hoi|doan the|hoi doan the)(?: thanh pho)?$")
_VAGUE = re.compile(r"\b(?:co quan|don vi|nganh|dia phuong)(?: (?:co quan|don vi|nganh|dia phuong))* (?:co )?lien quan\b")


class MatchKind(StrEnum):
    EXACT = "exact"  # the name, a short name or an alias as written
    CLOSE = "close"  # one unit is close enough (score >= ACCEPT)
    COLLECTIVE = "collective"  # a group or a kind: every member
    AMBIGUOUS = "ambiguous"  # two or more units equally close: a person chooses
    UNKNOWN = "unknown"  # not in the directory: proposed as a new unit
    VAGUE = "vague"  # "các cơ quan, đơn vị liên quan": names no unit

    @property
    def needs_review(self) -> bool:
        return self in (MatchKind.AMBIGUOUS, MatchKind.UNKNOWN, MatchKind.VAGUE)


@dataclass(frozen=True)
class DirectoryUnit:
    code: str
    name: str
    kind: str  # the plan's unit kinds: department, centre, organisation, group, ward, commune
    aliases: tuple[str, ...] = ()
    members: tuple[str, ...] = ()  # a group's member codes


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float


@dataclass(frozen=True)
class UnitMatch:
    text: str  # as written
    kind: MatchKind
    codes: tuple[str, ...]  # the units meant (several for a collective); empty when not known
    score: float  # 0..100
    candidates: tuple[Candidate, ...]  # the closest known units, best first
    understood: str  # in Vietnamese
    group: str | None = None

    @property
    def needs_review(self) -> bool:
        return self.kind.needs_review or (self.kind is MatchKind.CLOSE and self.score < SURE)

    @property
    def proposed_code(self) -> str | None:
        """A code for the new unit a draft would add, for the coordinator to confirm."""
        return slug(self.text) if self.kind is MatchKind.UNKNOWN else None


def similarity(a: str, b: str) -> float:
    """0..100: letters in order (rapidfuzz), but never above the share of whole words in common.

    Names of places differ by one letter once folded ("Cam Phú", "Cam Phúc"): a word that differs
    is a different word, so a one-letter difference in a name never passes for the same unit.
    """
    words = 100 * Indel.normalized_similarity(sorted(a.split()), sorted(b.split()))
    return min(fuzz.token_sort_ratio(a, b), words)


def unit_key(text: str) -> str:
    """The comparable form of a unit's name: folded, abbreviations spelled out, no punctuation."""
    key = re.sub(r"\([^)]*\)", " ", fold(text))  # "(báo cáo)", "(chủ trì)": remarks, not the name
    for pattern, spelled in _ABBREVIATIONS:
        key = pattern.sub(spelled, key)
    key = re.sub(r"[^a-z0-9]+", " ", key.replace("&", " va "))
    key = re.sub(r"\bviet nam\b", " ", key)
    return " ".join(word for word in key.split() if word != "va")


class UnitDirectory:
    """The units an office knows; ``places`` are its own place names ("Cam Ranh"), dropped when comparing."""

    def __init__(self, units: Iterable[DirectoryUnit], places: Sequence[str] = ()) -> None:
        self.units = {unit.code: unit for unit in units}
        qualifiers = ["thanh pho", *(unit_key(p) for p in places if unit_key(p))]
        self._own = re.compile(r"(?:\s+(?:" + "|".join(map(re.escape, qualifiers)) + r"))+$")
        self._keys = {code: {unit_key(n) for n in (u.name, *u.aliases) if unit_key(n)} for code, u in self.units.items()}

    def _bare(self, key: str) -> str:
        return self._own.sub("", key)

    def _score(self, key: str, code: str) -> float:
        best = 0.0
        bare = self._bare(key)
        for known in self._keys[code]:
            known_bare = self._bare(known)
            best = max(best, similarity(key, known), similarity(bare, known_bare) - 1)
            head = next((h for h in _HEADS if known_bare.startswith(h + " ") and not bare.startswith(h + " ")), None)
            if head:
                best = max(best, similarity(bare, known_bare[len(head) + 1:]) - 3)
        return round(best, 1)

    def _of_kinds(self, text: str, kinds: set[str], what: str, exclude: str | None = None) -> UnitMatch:
        codes = tuple(c for c, u in self.units.items() if u.kind in kinds and not (exclude and exclude in unit_key(u.name)))
        if not codes:
            return UnitMatch(text, MatchKind.UNKNOWN, (), 0.0, (), f"Danh bạ không có {what} nào. Cần người xác định.")
        return UnitMatch(text, MatchKind.COLLECTIVE, codes, 100.0, (), f"Tất cả {what} trong danh bạ: {len(codes)} đơn vị.")

    def _collective(self, text: str, key: str) -> UnitMatch | None:
        wards = _WARDS.match(key)
        if wards:
            kinds = {"ward"} if "phuong" in wards.group(1) else set()
            kinds |= {"commune"} if "xa" in wards.group(1).split() else set()
            return self._of_kinds(text, kinds, "xã, phường" if len(kinds) == 2 else "phường" if "ward" in kinds else "xã")
        if _DEPARTMENTS.match(key):
            return self._of_kinds(text, {"department"}, "cơ quan chuyên môn")
        organisations = _ORGANISATIONS.match(key)
        if organisations:
            exclude = None if organisations.group(1) else "mat tran to quoc"
            return self._of_kinds(text, {"organisation"}, "tổ chức chính trị - xã hội", exclude)
        return None

    def _found(self, text: str, code: str, kind: MatchKind, score: float, candidates: tuple[Candidate, ...]) -> UnitMatch:
        unit = self.units[code]
        if unit.members:
            understood = f"Nhóm “{unit.name}”: {len(unit.members)} đơn vị."
            return UnitMatch(text, MatchKind.COLLECTIVE, unit.members, score, candidates, understood, group=code)
        understood = f"Khớp đúng “{unit.name}”." if kind is MatchKind.EXACT else f"Gần đúng “{unit.name}” (điểm {score:g})."
        return UnitMatch(text, kind, (code,), score, candidates, understood)

    def match(self, text: str) -> UnitMatch:
        """The unit(s) ``text`` names, or why it names none."""
        key = unit_key(text)
        if not key:
            return UnitMatch(text, MatchKind.VAGUE, (), 0.0, (), "Ô trống: không có đơn vị. Cần người xác định.")
        exact = [code for code, keys in self._keys.items() if key in keys]
        if len(exact) == 1:
            return self._found(text, exact[0], MatchKind.EXACT, 100.0, ())
        collective = self._collective(text, key)
        if collective:
            return collective
        if _VAGUE.search(key):
            return UnitMatch(text, MatchKind.VAGUE, (), 0.0, (), "Không chỉ rõ đơn vị nào. Cần người chọn đơn vị.")
        ranked = sorted(((self._score(key, code), code) for code in self.units), key=lambda sc: (-sc[0], sc[1]))
        candidates = tuple(Candidate(code, self.units[code].name, score) for score, code in ranked[:3])
        best = candidates[0] if candidates else Candidate("", "", 0.0)
        rivals = [c for c in candidates[1:] if c.score >= best.score - MARGIN]
        if best.score >= ACCEPT and not rivals:
            return self._found(text, best.code, MatchKind.CLOSE, best.score, candidates)
        named = ", ".join(f"“{c.name}” ({c.score:g})" for c in candidates)
        if best.score >= ACCEPT or (best.score >= LIKELY and rivals):
            return UnitMatch(text, MatchKind.AMBIGUOUS, (), best.score, candidates,
                             f"Có thể là {named}: cần người chọn.")
        return UnitMatch(text, MatchKind.UNKNOWN, (), best.score, candidates,
                         f"Chưa có trong danh bạ; gần nhất: {named}. Đề xuất thêm đơn vị mới để cơ quan thường trực xác nhận.")

    def match_all(self, cell: str) -> list[UnitMatch]:
        """Every unit a cell names, in order; the cell is split only where another unit's name begins."""
        parts = [p for p in _SEPARATOR.split(cell.strip()) if p.strip()]
        seps = _SEPARATOR.findall(cell.strip())
        if len(parts) != len(seps) + 1 or len(parts) > 30:
            return [self.match(cell.strip())]
        can_split = [True] + [bool(_SPLIT_HEADS.match(unit_key(p))) for p in parts[1:]]
        # best[i]: the best reading of parts[:i], ranked by (letters left unknown, known units named,
        # -parts, -total score): cover the most with known names, each as whole as possible
        best: dict[int, tuple[tuple[int, int, int, float], list[UnitMatch]]] = {0: ((0, 0, 0, 0.0), [])}
        for end in range(1, len(parts) + 1):
            if end < len(parts) and not can_split[end]:
                continue
            for start in list(best):
                if start >= end:
                    continue
                text = "".join(parts[k] + (seps[k] if k < end - 1 else "") for k in range(start, end))
                found = self.match(text.strip())
                (unknown, known, count, total), matches = best[start]
                letters = 0 if found.codes else len(unit_key(text).replace(" ", ""))
                rank = (unknown + letters, known + bool(found.codes), count - 1, total - found.score)
                if end not in best or rank < best[end][0]:
                    best[end] = (rank, [*matches, found])
        return best[len(parts)][1]
