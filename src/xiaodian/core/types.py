"""Validated field types shared by every schema: ids, short texts, URLs, phone numbers."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from xiaodian.core.dbtypes import MAX_ID


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("text must be valid Unicode") from error
    return value


def _clean_url(value: str) -> str:
    value = _clean_text(value)
    if not (value.startswith(("https://", "http://", "/"))):
        raise ValueError("must be an http(s) URL or a path starting with /")
    if any(ch.isspace() for ch in value):
        raise ValueError("URL must not contain spaces")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(_clean_text),
]
Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
    AfterValidator(_clean_text),
]
ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_clean_text)
]
LongText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2000), AfterValidator(_clean_text)
]
RichText = Annotated[str, StringConstraints(max_length=50_000), AfterValidator(_clean_text)]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_clean_url),
]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9\- ]{5,20}$")]
Fen = Annotated[int, Field(ge=0, le=100_000_000_00)]
Quantity = Annotated[int, Field(ge=1, le=999)]
Stock = Annotated[int, Field(ge=0, le=10_000_000)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
MediumText = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=500), AfterValidator(_clean_text)
]
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(_clean_text),
]
Code = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=64), AfterValidator(_clean_text)
]
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=50), AfterValidator(_clean_text)
]
