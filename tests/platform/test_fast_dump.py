"""The compiled dump of list pages gives marshmallow's output exactly.

`PageSchema.dump` (platform/pagination.py) dumps items with a function
generated per item schema (platform/fast_dump.py) instead of marshmallow's
field-by-field machinery. The output must not change by one byte, so each
test compares it with `marshmallow.Schema.dump` of the same instance:

- every page schema of the app, with items generated from the item schema's
  fields (values of every kind, None, absent attributes, empty lists; dicts,
  objects and mapping-like objects; None items);
- every list endpoint of the app, on both databases, over real rows made by
  the test factories;
- field options and schema shapes the app does not use yet, and the cases
  that must fall back to marshmallow.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import random
import types
import uuid
from collections.abc import Iterator
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import fields as mf
from werkzeug.routing import UUIDConverter

from tests.factories import make_org, objects_of, token_for
from tukiverkko.platform.db import Database
from tukiverkko.platform.fast_dump import compile_dump, compiled_dump
from tukiverkko.platform.identity.models import Role
from tukiverkko.platform.pagination import PageSchema, page_schema
from tukiverkko.tenants.models import TenantKind

# Item schemas with fields the compiler leaves to marshmallow (Function, Method).
FALLBACK = {
    "ProgrammePage",  # ProgrammeSchema.intake_sources: Method
    "ClosingSurveyPage",  # Function fields
    "ProgrammeModelPage",
    "LicencePage",
    "ModelCoursePage",
    "CourseEnrolmentPage",
}
HELSINKI = dt.timezone(dt.timedelta(hours=2))


def as_json(value: Any) -> str:
    """Byte-level comparison: key order, and bool vs int, which `==` ignores."""
    return json.dumps(value, default=repr, ensure_ascii=False)


def reference(schema: ma.Schema, obj: Any, many: bool | None = None) -> Any:
    """marshmallow's own dump of `obj` by this very instance."""
    return ma.Schema.dump(schema, obj, many=many)


def all_page_schemas() -> list[type[PageSchema]]:
    found: list[type[PageSchema]] = []
    stack = list(PageSchema.__subclasses__())
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


# -- generated items ---------------------------------------------------------------------------


class Mappingish:
    """An item with `__getitem__` that raises KeyError: marshmallow then reads attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)


class DictSubclass(dict):  # type: ignore[type-arg]
    """Not an exact dict: the compiled dump takes its generic path."""


def value_for(field: mf.Field, rng: random.Random, depth: int = 0) -> Any:
    """A value `field` dumps: mostly typical, sometimes None or an odd but valid type."""
    if rng.random() < 0.2:
        return None
    kind = type(field)
    odd = rng.random() < 0.15
    if kind in (mf.String, mf.Email, mf.Url):
        if odd:
            return rng.choice([b"tavu", 42, "Äiti ja lapsi ✓"])
        return rng.choice(["", "Matti Meikäläinen", "a@example.fi", "x" * 30])
    if kind is mf.UUID:
        return str(uuid.uuid4()) if odd else uuid.UUID(int=rng.getrandbits(128))
    if kind is mf.Integer:
        return rng.choice([True, 3.9, "17"]) if odd else rng.randint(-5, 10**6)
    if kind is mf.Float:
        return rng.choice([3, "2.5"]) if odd else rng.random() * 100
    if kind is mf.Boolean:
        return rng.choice([1, 0, "yes"]) if odd else rng.random() < 0.5
    if kind is mf.Date:
        return dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
    if kind in (mf.DateTime, mf.AwareDateTime):
        at = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randint(0, 10**8))
        if odd:
            return rng.choice([at.replace(microsecond=123456), at.astimezone(HELSINKI)])
        return at
    if kind is mf.Enum:
        return rng.choice(list(field.enum))
    if kind is mf.List:
        return [value_for(field.inner, rng, depth) for _ in range(rng.choice([0, 0, 1, 3]))]
    if kind is mf.Dict:
        keys = ["a", "b", "ääkkönen"][: rng.randint(0, 3)]
        if field.value_field is None:
            return {k: rng.choice([1, "x", None, [1, 2], {"y": True}]) for k in keys}
        return {k: value_for(field.value_field, rng, depth) for k in keys}
    if kind is mf.Nested:
        schema = field.schema
        if schema.many or field.many:
            return [item_for(schema, rng, depth + 1) for _ in range(rng.randint(0, 2))]
        return item_for(schema, rng, depth + 1)
    if kind is mf.Raw:
        return rng.choice([1, "x", [1, "2"], {"k": None}])
    raise AssertionError(f"no generator for {kind.__name__}: add one")


def item_for(schema: ma.Schema, rng: random.Random, depth: int = 0) -> Any:
    """One item of `schema`: a dict, an object or a mapping-like object; some fields absent."""
    values: dict[str, Any] = {}
    for name, field in schema.dump_fields.items():
        if type(field) in (mf.Constant, mf.Function, mf.Method) or rng.random() < 0.05:
            continue  # absent: marshmallow skips the key (or uses dump_default)
        values[field.attribute or name] = value_for(field, rng, depth)
    shape = rng.choice(["object", "object", "dict", "dict_subclass", "mappingish"])
    if shape == "dict":
        return values
    if shape == "dict_subclass":
        return DictSubclass(values)
    if shape == "mappingish":
        return Mappingish(values)
    return types.SimpleNamespace(**values)


def page_for(page: PageSchema, rng: random.Random, size: int) -> dict[str, Any]:
    item_schema = page.dump_fields["items"].inner.schema
    items = [None if rng.random() < 0.05 else item_for(item_schema, rng) for _ in range(size)]
    return {"items": items, "next_cursor": rng.choice([None, "MjAyNi0wMS0wMXw"])}


# -- every page schema of the app ------------------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])  # the database is not used: one run is enough
def test_generated_items_dump_as_marshmallow_dumps_them(client: FlaskClient) -> None:
    # The app exists, so every module's API (and page schema) has been imported.
    page_schemas = [cls for cls in all_page_schemas() if not cls.__name__.startswith("FastDump")]
    documented = {
        name
        for name in client.get("/api/v1/openapi.json").json["components"]["schemas"]
        if name.endswith("Page")
    }
    assert len(documented) >= 50
    assert documented <= {cls.__name__ for cls in page_schemas}
    rng = random.Random(11)
    compiled = set()
    for cls in page_schemas:
        page = cls()
        if page._items_dump() is None:
            assert cls.__name__ in FALLBACK, f"{cls.__name__} no longer compiles"
            continue
        compiled.add(cls.__name__)
        for size in (0, 1, 20, 20, 20):
            obj = page_for(page, rng, size)
            assert as_json(page.dump(obj)) == as_json(reference(page, obj)), cls.__name__
    assert {cls.__name__ for cls in page_schemas} - compiled == FALLBACK


# -- every list endpoint, real rows ---------------------------------------------------------


@pytest.fixture
def checked_dumps(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Every PageSchema.dump during the test is also done by marshmallow and compared."""
    compiled_dump_method = PageSchema.dump
    seen: dict[str, Any] = {"mismatches": [], "compiled": set(), "items": set()}

    def dump(self: PageSchema, obj: Any, *, many: bool | None = None) -> Any:
        result = compiled_dump_method(self, obj, many=many)
        if as_json(result) != as_json(reference(self, obj, many)):
            seen["mismatches"].append(type(self).__name__)
        if isinstance(result, dict) and result.get("items"):
            seen["items"].add(type(self).__name__)
            if self._items_dump() is not None:
                seen["compiled"].add(type(self).__name__)
        return result

    monkeypatch.setattr(PageSchema, "dump", dump)
    yield seen


def test_every_list_endpoint_dumps_as_marshmallow_does(
    app: Flask, client: FlaskClient, database: Database, checked_dumps: dict[str, Any]
) -> None:
    org = make_org(database)
    ids = objects_of(org, database)
    operator = make_org(database, kind=TenantKind.OPERATOR, roles=(Role.OPERATOR,))
    people = [token_for(client, org, role) for role in org.people]
    people.append(token_for(client, operator, Role.OPERATOR))
    listed: set[str] = set()  # list URLs that answered with rows
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "GET" not in rule.methods:
            continue
        values: dict[str, object] = {"slug": org.slug}
        for name, converter in rule._converters.items():
            if isinstance(converter, UUIDConverter) and name in ids:
                values[name] = ids[name]
        if not rule.arguments <= set(values):
            continue
        url = rule.build(values, append_unknown=False)[1]
        for headers in people:
            resp = client.get(url, headers=headers)
            body = resp.json if resp.is_json else None
            if isinstance(body, dict) and body.get("items") and "next_cursor" in body:
                listed.add(url)
    assert checked_dumps["mismatches"] == []
    assert len(listed) >= 25, sorted(listed)
    # Lists that had rows and went through the compiled dump (most of the app's).
    assert len(checked_dumps["compiled"]) >= 25, sorted(checked_dumps["compiled"])
    assert "MatchPage" in checked_dumps["compiled"]  # nested schemas, three deep


# -- options and shapes beyond the app's schemas ---------------------------------------------


class Colour(enum.Enum):
    RED = "punainen"
    BLUE = "sininen"


class Inner(ma.Schema):
    class Meta:
        exclude = ("secret",)

    code = mf.String()
    secret = mf.String()
    colour = mf.Enum(Colour)  # by name


class Chosen(ma.Schema):
    class Meta:
        fields = ("b", "a")

    a = mf.Integer()
    b = mf.Integer()
    c = mf.Integer()


class Everything(ma.Schema):
    ident = mf.UUID(data_key="id")
    label = mf.String(attribute="title")
    owner_name = mf.String(attribute="owner.name")
    password = mf.String(load_only=True)
    count = mf.Integer(dump_default=7)
    stamp = mf.AwareDateTime(dump_default=lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    kind = mf.Constant("fixed")
    address = mf.Email()
    site = mf.Url()
    as_text = mf.Integer(as_string=True)
    ratio = mf.Float(as_string=True)
    flag = mf.Boolean()
    day = mf.Date()
    naive = mf.DateTime()
    colour = mf.Enum(Colour, by_value=True)
    tags = mf.List(mf.List(mf.String()))
    raw = mf.Raw()
    loose = mf.Dict()
    counts = mf.Dict(keys=mf.String(), values=mf.Integer())
    keys_only = mf.Dict(keys=mf.String())
    inner = mf.Nested(Inner)
    inners = mf.Nested(Inner, many=True)
    listed = mf.List(mf.Nested(Inner))
    picked = mf.Nested(Inner, only=("colour",))
    chosen = mf.Nested(Chosen)
    by_name = mf.Nested("FastDumpNamed")
    as_dict = mf.Nested({"x": mf.Integer()})


class FastDumpNamed(ma.Schema):
    code = mf.String(data_key="koodi")


EverythingPage = page_schema(Everything, "FastDumpEverythingPage")


def everything_item(rng: random.Random) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.2 else value

    def inner() -> Any:
        return maybe({"code": "K1", "secret": "s", "colour": rng.choice(list(Colour))})

    item = {
        "ident": maybe(uuid.uuid4()),
        "title": maybe("otsikko"),
        "owner": maybe(types.SimpleNamespace(name=maybe("Omistaja"))),
        "password": "salasana",
        "address": maybe("a@example.fi"),
        "site": maybe("https://example.fi"),
        "as_text": maybe(rng.randint(0, 99)),
        "ratio": maybe(rng.random()),
        "flag": maybe(rng.choice([True, False, 1])),
        "day": maybe(dt.date(2026, 5, rng.randint(1, 31))),
        "naive": maybe(dt.datetime(2026, 5, 1, 12, 30, rng.randint(0, 59))),
        "colour": maybe(rng.choice(list(Colour))),
        "tags": maybe([["a", "b"], [], [maybe("c")]]),
        "raw": maybe({"any": [1, 2]}),
        "loose": maybe({"a": 1}),
        "counts": maybe({"x": "3", "y": 4}),
        "keys_only": maybe({"k": [1]}),
        "inner": inner(),
        "inners": maybe([inner(), inner()]),
        "listed": maybe([inner(), None]),
        "picked": inner(),
        "chosen": maybe({"a": 1, "b": "2", "c": 3}),
        "by_name": maybe({"code": "N"}),
        "as_dict": maybe({"x": 5}),
    }
    if rng.random() < 0.3:  # absent: dump_default, or no key at all
        for key in rng.sample(sorted(item), 4):
            del item[key]
    return item


def test_field_options_the_app_does_not_use_yet_dump_exactly() -> None:
    page = EverythingPage()
    assert page._items_dump() is not None
    rng = random.Random(5)
    for _ in range(30):
        obj = {"items": [everything_item(rng) for _ in range(10)], "next_cursor": None}
        assert as_json(page.dump(obj)) == as_json(reference(page, obj))
    dumped = page.dump({"items": [{"title": "t", "password": "p"}], "next_cursor": "c"})
    first = dumped["items"][0]
    assert first["label"] == "t" and "password" not in first and first["count"] == 7
    assert first["stamp"] == "2026-01-01T00:00:00+00:00" and first["kind"] == "fixed"


def test_page_shapes_marshmallow_allows_dump_the_same() -> None:
    page = EverythingPage()
    rng = random.Random(3)
    items = [everything_item(rng) for _ in range(3)]
    for obj in (
        types.SimpleNamespace(),  # no attributes: both fields skipped
        {"items": None, "next_cursor": b"bytes"},
        {"items": [None, *items]},
        types.SimpleNamespace(items=tuple(items), next_cursor=12),
    ):
        assert as_json(page.dump(obj)) == as_json(reference(page, obj))
    with pytest.raises(TypeError):  # a dict without "items": get_value finds dict.items
        reference(page, {})
    with pytest.raises(TypeError):
        page.dump({})
    pages = [{"items": items, "next_cursor": None}] * 2
    assert page.dump(pages, many=True) == reference(page, pages, many=True)
    for options in ({"only": ("next_cursor",)}, {"exclude": ("items",)}, {"many": True}):
        other = EverythingPage(**options)
        if "many" not in options:
            assert other._items_dump() is None  # instance options: marshmallow's dump
        obj = pages if options.get("many") else pages[0]
        assert as_json(other.dump(obj)) == as_json(reference(other, obj))


class WithFunction(ma.Schema):
    name = mf.Function(lambda obj: "f")


class WithMethod(ma.Schema):
    name = mf.Method("get_name")

    def get_name(self, obj: Any) -> str:
        return "m"


class WithPreDump(ma.Schema):
    name = mf.String()

    @ma.pre_dump
    def upper(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"name": data["name"].upper()}


class WithPostDump(ma.Schema):
    name = mf.String()

    @ma.post_dump
    def wrap(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"wrapped": data}


class WithAccessor(ma.Schema):
    name = mf.String()

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        return "always"


class Shout(mf.String):
    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value).upper()


class WithCustomField(ma.Schema):
    name = Shout()


class WithTimestamp(ma.Schema):
    at = mf.DateTime(format="timestamp")


class WithTime(ma.Schema):
    at = mf.Time()


class WithEnumField(ma.Schema):
    colour = mf.Enum(Colour, by_value=mf.String())


class WithPluck(ma.Schema):
    code = mf.Pluck(FastDumpNamed, "code")


UNSUPPORTED = [
    WithFunction,
    WithMethod,
    WithPreDump,
    WithPostDump,
    WithAccessor,
    WithCustomField,
    WithTimestamp,
    WithTime,
    WithEnumField,
    WithPluck,
]


@pytest.mark.parametrize("schema_class", UNSUPPORTED, ids=lambda c: c.__name__)
def test_what_is_not_reproduced_exactly_is_left_to_marshmallow(
    schema_class: type[ma.Schema],
) -> None:
    assert compiled_dump(schema_class) is None
    page = page_schema(schema_class, f"FastDump{schema_class.__name__}Page")()
    assert page._items_dump() is None
    item = {
        "name": "nimi",
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        if schema_class is not WithTime
        else dt.time(9),
        "colour": Colour.RED,
        "code": {"code": "K"},
    }
    obj = {"items": [item], "next_cursor": None}
    assert page.dump(obj) == reference(page, obj)


class Parent(ma.Schema):
    id = mf.Integer()
    child = mf.Nested(WithPostDump)
    children = mf.List(mf.Nested(WithMethod))
    deep = mf.Nested(lambda: Parent(exclude=("deep",)))


def test_a_nested_schema_left_to_marshmallow_keeps_its_parent_compiled() -> None:
    dump = compile_dump(Parent())
    assert dump is not None
    for obj in (
        {"id": 1, "child": {"name": "n"}, "children": [{}, None], "deep": {"id": 2}},
        {"id": 1, "child": None, "children": None, "deep": None},
        {},
    ):
        assert as_json(dump(obj)) == as_json(Parent().dump(obj))


class Loop(ma.Schema):
    id = mf.Integer()
    next = mf.Nested(lambda: Loop())


def test_a_self_nesting_schema_compiles_to_a_depth_and_then_uses_marshmallow() -> None:
    dump = compile_dump(Loop())
    assert dump is not None
    obj: dict[str, Any] = {"id": 0}
    tip = obj
    for n in range(1, 15):
        tip["next"] = {"id": n}
        tip = tip["next"]
    assert dump(obj) == Loop().dump(obj)
