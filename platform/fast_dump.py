"""Compiled dumps for list items: marshmallow's exact output at a tenth of its cost.

`Schema.dump` sends every field of every item through `Field.serialize` ->
`Schema.get_attribute` -> `utils.get_value` -> `Field._serialize`; for a page
of 20 volunteers (18 fields) that was ~1 ms, a sixth of the request's CPU.
`compiled_dump(schema_class)` generates, once per schema class, one Python
function that does the same steps inline for that schema's fields.

Only field types whose marshmallow 4 dump is reproduced exactly are compiled
(see `_Compiler.convert`; each branch mirrors that class's `_serialize`). A
schema using anything else -- Function, Method, custom field classes, dump
hooks, an overridden `get_attribute`/`_serialize`/`dump`, a non-`dict`
`dict_class`, a non-ISO date format -- compiles to `None` and its caller keeps
marshmallow's own dump. A `Nested` whose schema cannot be compiled calls that
nested schema's own `dump`, as `Nested._serialize` does. Field types are
matched exactly (`type(field) is ...`), never by `isinstance`, so a subclass
that changes serialization is never taken for its base.

tests/platform/test_fast_dump.py compares the compiled output with
marshmallow's on every page schema of the app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import fields as mf
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import _get_value_for_key, ensure_text_type, get_value

DumpFn = Callable[[Any], dict[str, Any]]

# Nested schemas deeper than this are dumped by marshmallow: a self-referencing
# `Nested` would otherwise be compiled forever (marshmallow builds them lazily).
MAX_DEPTH = 8

_ISO_FORMATS = ("iso", "iso8601")
_STRINGS = (mf.String, mf.Email, mf.Url)
_DATES = (mf.Date, mf.DateTime, mf.AwareDateTime)
# Methods that, if a schema class overrides them, change what dump produces.
_SCHEMA_METHODS = ("dump", "_serialize", "get_attribute")
_NOKEY = object()  # "not in the dict" for the dict fast path; never escapes


class Unsupported(Exception):
    """A field or schema whose dump this module does not reproduce exactly."""


def plain_schema(schema: ma.Schema, base: type[ma.Schema] = ma.Schema) -> bool:
    """Whether `schema` dumps as `base` does: no hooks, no overridden steps.

    Only then is its output a function of its `dump_fields` alone.
    """
    cls = type(schema)
    return (
        all(getattr(cls, name) is getattr(base, name) for name in _SCHEMA_METHODS)
        and not schema._hooks.get(PRE_DUMP)
        and not schema._hooks.get(POST_DUMP)
        and schema.dict_class is dict
    )


class _Compiler:
    """Writes one function per schema; the generated source refers to objects by name.

    Values that cannot be written as literals (defaults, constants, functions,
    nested schemas) go into the shared namespace `ns` under generated names.
    """

    def __init__(self) -> None:
        self.ns: dict[str, Any] = {
            "_missing": ma.missing,
            "_nokey": _NOKEY,
            "_ett": ensure_text_type,
            "_gv": get_value,
            "_gvk": _get_value_for_key,
            "_getattr": getattr,
            "_hasattr": hasattr,
            "_type": type,
            "_str": str,
            "_int": int,
            "_float": float,
            "_dict": dict,
        }
        self.count = 0

    def fresh(self, prefix: str) -> str:
        """A name not used before in the generated source."""
        self.count += 1
        return f"_{prefix}{self.count}"

    def name(self, prefix: str, value: Any) -> str:
        """A fresh name bound to `value` in the generated code's namespace."""
        name = self.fresh(prefix)
        self.ns[name] = value
        return name

    # -- values: each branch mirrors the field class's `_serialize` ---------------------------

    def convert(self, field: mf.Field, var: str, depth: int) -> str:
        """A Python expression that equals `field._serialize(<var>, ...)`."""
        kind = type(field)
        if kind in _STRINGS:  # String._serialize: None, else utils.ensure_text_type
            return f"({var} if _type({var}) is _str else None if {var} is None else _ett({var}))"
        if kind is mf.UUID:
            return f"(None if {var} is None else _str({var}))"
        if kind is mf.Integer:  # Number._serialize: num_type(value), str() if as_string
            num = f"({var} if _type({var}) is _int else _int({var}))"
            return f"(None if {var} is None else {f'_str({num})' if field.as_string else num})"
        if kind is mf.Float:
            num = f"({var} if _type({var}) is _float else _float({var}))"
            return f"(None if {var} is None else {f'_str({num})' if field.as_string else num})"
        if kind in (mf.Boolean, mf.Raw):  # neither defines _serialize in marshmallow 4
            return var
        if kind in _DATES:  # _TemporalField._serialize with an ISO format
            fmt = field.format or field.DEFAULT_FORMAT
            if fmt not in _ISO_FORMATS:
                raise Unsupported(f"{kind.__name__} format {fmt!r}")
            func = self.name("iso", field.SERIALIZATION_FUNCS[fmt])
            return f"(None if {var} is None else {func}({var}))"
        if kind is mf.Enum:
            if field.by_value is True:  # Raw()._serialize(value.value)
                return f"(None if {var} is None else {var}.value)"
            if field.by_value is False:  # String()._serialize(value.name)
                return f"(None if {var} is None else _ett({var}.name))"
            raise Unsupported("Enum with a by_value field")
        if kind is mf.List:
            each = self.fresh("e")
            inner = self.convert(field.inner, each, depth)
            return f"(None if {var} is None else [{inner} for {each} in {var}])"
        if kind is mf.Dict:
            if field.key_field is None and field.value_field is None:
                return f"(None if {var} is None else _dict({var}))"
            return f"(None if {var} is None else {self.mapping(field, depth)}({var}))"
        if kind is mf.Nested:
            return self.nested(field, var, depth)
        raise Unsupported(kind.__name__)

    def mapping(self, field: mf.Dict, depth: int) -> str:
        """A helper function doing `Mapping._serialize` with key and value fields."""
        func = self.fresh("map")
        keys = "k" if field.key_field is None else self.convert(field.key_field, "k", depth)
        if field.value_field is None:
            store = "if k in keys: result[keys[k]] = x"
        else:
            store = f"result[keys[k]] = {self.convert(field.value_field, 'x', depth)}"
        self.define(
            [
                f"def {func}(value):",
                f"    keys = {{k: {keys} for k in value}}",
                "    result = {}",
                "    for k, x in value.items():",
                f"        {store}",
                "    return result",
            ]
        )
        return func

    def nested(self, field: mf.Nested, var: str, depth: int) -> str:
        """`Nested._serialize`: None stays None, else the nested schema's dump."""
        try:
            schema = field.schema  # the bound instance marshmallow itself would use
        except Exception as exc:  # an unresolvable schema: let marshmallow raise it
            raise Unsupported("unresolvable Nested") from exc
        many = bool(schema.many or field.many)
        func = self.schema(schema, depth + 1)
        if func is None:  # that schema's own dump, exactly what Nested would call
            dump = self.name("dump", schema.dump)
            return f"(None if {var} is None else {dump}({var}, many={many}))"
        if many:  # Schema._serialize(many=True): one item dump per element
            each = self.fresh("e")
            return f"(None if {var} is None else [{func}({each}) for {each} in {var}])"
        return f"(None if {var} is None else {func}({var}))"

    # -- schemas -------------------------------------------------------------------------------

    def fields(self, schema: ma.Schema, depth: int) -> list[tuple[str | None, str]]:
        """Per dumped field, in dump order: where its value is read, and its handling.

        The handling is one or more lines over `v`, the value read, that store
        the output key; `None` as the source means a Constant, never read.
        """
        out: list[tuple[str | None, str]] = []
        for attr_name, field in schema.dump_fields.items():
            key = field.data_key if field.data_key is not None else attr_name
            source = field.attribute if field.attribute is not None else attr_name
            if not isinstance(key, str) or not isinstance(source, str):
                raise Unsupported("non-string field name")
            if type(field) is mf.Constant:  # _CHECK_ATTRIBUTE is False: always the constant
                out.append((None, f"d[{key!r}] = {self.name('const', field.constant)}"))
                continue
            lines = []
            default = field.dump_default
            if default is not ma.missing:  # Field.serialize: a callable default is called
                call = "()" if callable(default) else ""
                lines.append(f"if v is _missing: v = {self.name('default', default)}{call}")
            value = self.convert(field, "v", depth)
            lines.append(f"if v is not _missing: d[{key!r}] = {value}")
            out.append((source, "\n".join(lines)))
        return out

    @staticmethod
    def read(source: str, access: str) -> str:
        """Lines setting `v` as `utils.get_value(obj, source, missing)` would.

        `access` is the kind of object: "attr" (no `__getitem__`, so get_value
        ends in getattr), "dict" (an exact dict: the item, else getattr), "any"
        (utils' own `_get_value_for_key`).
        """
        if "." in source:
            return f"v = _gv(obj, {source!r})"
        if access == "attr":
            return f"v = _getattr(obj, {source!r}, _missing)"
        if access == "dict":
            return (
                f"v = get({source!r}, _nokey)\n"
                f"if v is _nokey: v = _getattr(obj, {source!r}, _missing)"
            )
        return f"v = _gvk(obj, {source!r}, _missing)"

    def schema(self, schema: ma.Schema, depth: int) -> str | None:
        """The name of the generated dump of one object by `schema`, or None."""
        if depth > MAX_DEPTH or not plain_schema(schema):
            return None
        try:
            fields = self.fields(schema, depth)
        except Unsupported:
            return None
        func = self.fresh(f"dump_{type(schema).__name__}_")

        def block(access: str) -> list[str]:
            """`Schema._serialize` of one object, unrolled field by field."""
            text = "\n".join(
                handle if source is None else f"{self.read(source, access)}\n{handle}"
                for source, handle in fields
            )
            return ["        " + line for line in text.splitlines()] or ["        pass"]

        self.define(
            [
                f"def {func}(obj):",
                "    d = {}",
                "    if _type(obj) is _dict:",
                "        get = obj.get",
                *block("dict"),
                "    elif _hasattr(obj, '__getitem__'):",
                *block("any"),
                "    else:",
                *block("attr"),
                "    return d",
            ]
        )
        return func

    def define(self, lines: list[str]) -> None:
        exec("\n".join(lines), self.ns)


_cache: dict[type[ma.Schema], DumpFn | None] = {}
_lock = threading.Lock()


def compile_dump(schema: ma.Schema) -> DumpFn | None:
    """A function obj -> dict equal to `schema.dump(obj, many=False)`, or None."""
    compiler = _Compiler()
    func = compiler.schema(schema, 0)
    return None if func is None else compiler.ns[func]


def compiled_dump(schema_class: type[ma.Schema]) -> DumpFn | None:
    """`compile_dump` of the instance `Nested(schema_class)` dumps with, once per class."""
    try:
        return _cache[schema_class]
    except KeyError:
        pass
    with _lock:
        if schema_class not in _cache:
            _cache[schema_class] = compile_dump(schema_class(many=False))
        return _cache[schema_class]
