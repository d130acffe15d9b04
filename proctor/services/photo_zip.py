"""Read a ZIP of registration photos safely: nothing is inflated before the archive as a whole
has passed its checks, and no member is trusted for more than it declares.

The archive is refused as a whole (an `ApiError`) when it is not a ZIP, has too many members,
declares more bytes in all than allowed, or holds a member that inflates suspiciously (a ratio
no JPEG or PNG reaches, or more bytes than it declares: a ZIP bomb). A member is refused on its
own (a `MemberProblem`) when its name holds a path (`../x.jpg`, `a/b.jpg`, `/x.jpg`, `C:x.jpg`),
when it is a folder, encrypted, or not named .jpg, .jpeg or .png; what it holds is checked by
the image intake afterwards.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from proctor.errors import ApiError

EXTENSIONS = (".jpg", ".jpeg", ".png")
MAX_RATIO = 100  # JPEG and PNG barely deflate; a member inflating 100-fold is no photo
RATIO_FLOOR = 1 << 16  # small members (a tiny PNG of one colour) may deflate well
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    max_members: int
    max_total: int  # declared uncompressed bytes of all members together
    max_member: int  # one image (the intake's own limit)


@dataclass(frozen=True)
class MemberProblem:
    name: str
    code: str
    message: str


@dataclass(frozen=True)
class Member:
    name: str
    stem: str  # the name without its extension: a ticket or an ID number
    data: bytes


def _refuse(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message, "file")


def open_archive(stream: IO[bytes], limits: Limits) -> zipfile.ZipFile:
    """The archive, once its directory has passed the checks of the whole."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(422, "not_a_zip", "The file is not a ZIP archive.") from exc
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise _refuse(413, "zip_too_many_files",
                      f"The ZIP holds {len(infos)} files; at most {limits.max_members}.")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total:
        raise _refuse(413, "zip_too_large",
                      f"The ZIP would unpack to {total // (1 << 20)} MB; at most "
                      f"{limits.max_total // (1 << 20)} MB.")
    for info in infos:
        ratio = info.file_size // max(1, info.compress_size)
        if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
            raise _refuse(422, "zip_bomb", f"{info.filename} would inflate {ratio}-fold: "
                                           f"the archive is refused.")
    return archive


def name_problem(name: str) -> MemberProblem | None:
    """Why a member's name is refused (a path, a folder, another kind of file), if it is."""
    if name.endswith(("/", "\\")):
        return MemberProblem(name, "zip_member_path", "a folder: put the photos at the top "
                                                      "level of the ZIP")
    if "/" in name or "\\" in name or _DRIVE.match(name) or name in {".", ".."} or "\0" in name:
        return MemberProblem(name, "zip_member_path",
                             "the name holds a path; only a file name (ticket or ID number) "
                             "is accepted")
    if not name.lower().endswith(EXTENSIONS):
        return MemberProblem(name, "not_an_image", "not a .jpg, .jpeg or .png file")
    return None


def members(archive: zipfile.ZipFile, limits: Limits) -> Iterator[Member | MemberProblem]:
    """Every member, read within what it declares and the intake's size limit, or its problem."""
    for info in archive.infolist():
        problem = name_problem(info.filename)
        if problem is not None:
            yield problem
            continue
        if info.flag_bits & 0x1:
            yield MemberProblem(info.filename, "zip_member_encrypted",
                                "the file is encrypted")
            continue
        if info.file_size > limits.max_member:
            yield MemberProblem(info.filename, "image_too_large",
                                f"larger than {limits.max_member // (1 << 20)} MB")
            continue
        yield _read(archive, info)


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Member:
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise _refuse(422, "zip_damaged", f"{info.filename} cannot be read from the ZIP: "
                                          f"the archive is damaged.") from exc
    if len(data) != info.file_size:
        raise _refuse(422, "zip_bomb", f"{info.filename} holds more bytes than it declares: "
                                       f"the archive is refused.")
    stem = info.filename.rsplit(".", 1)[0].strip()
    return Member(info.filename, stem, data)
