"""What the runner relies on in its dependencies beyond their documented API, pinned here so
that an upgrade that changes it fails a test instead of the books (pyproject bounds the
versions for the same reason):

- TinyDB hands `Storage.write` the tables an operation did not touch as the very objects
  `Storage.read` returned, and the touched one as a new object. The ledger's JournalStorage
  skips untouched tables by identity, which keeps a write's cost flat in the ledger's size.
- Jinja's `Template.root_render_func` (undocumented) on a context from `Template.new_context`
  with `shared=True` renders exactly what `Template.render` renders, at half the cost; the
  spec's templates render that way (runner/spec/templates.py)."""

from __future__ import annotations

import pytest
from jinja2 import StrictUndefined, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from tinydb import Query, TinyDB
from tinydb.storages import MemoryStorage

from runner.ledger import JournalStorage, Ledger
from runner.spec.templates import Templates


class Recording(MemoryStorage):
    """A storage that keeps what read() gave out and what write() got."""

    def __init__(self) -> None:
        super().__init__()
        self.given: list[dict] = []
        self.written: list[dict] = []

    def read(self):
        data = super().read()
        data = dict(data) if data is not None else None  # a new outer dict, the same table objects (as JournalStorage does)
        self.given.append(dict(data or {}))  # as given out: TinyDB then puts its new table into `data`
        return data

    def write(self, data) -> None:
        self.written.append(dict(data))
        super().write(data)


@pytest.mark.parametrize(
    "operation",
    [
        lambda t: t.insert({"n": 3}),
        lambda t: t.upsert({"n": 1, "x": 2}, Query().n == 1),
        lambda t: t.update({"x": 5}, Query().n == 2),
        lambda t: t.remove(Query().n == 1),
    ],
    ids=["insert", "upsert", "update", "remove"],
)
def test_tinydb_passes_untouched_tables_to_write_by_identity(operation):
    db = TinyDB(storage=Recording)
    for name in ("a", "b", "c"):
        db.table(name).insert_multiple([{"n": 1}, {"n": 2}])
    storage = db.storage
    storage.given.clear(), storage.written.clear()
    operation(db.table("b"))
    assert len(storage.written) == 1
    before, after = storage.given[-1], storage.written[-1]
    assert after["a"] is before["a"] and after["c"] is before["c"]  # skipped by identity
    assert after["b"] is not before["b"]  # the touched table is a new object


def test_a_ledger_write_appends_only_what_changed(tmp_path):
    """The same contract seen from the ledger file: history in other tables is never rewritten."""
    path = tmp_path / "state.json"
    with Ledger(path) as ledger:
        for order_id in range(0, 1000, 50):  # orders in several steps tables
            ledger.intend(order_id, None, "document", your_ref=str(order_id))
            ledger.done(order_id, None, "document", ref=f"id-{order_id}")
        size = path.stat().st_size
        ledger.set_cursor("orders", "2026-03-02T09:00:00")
        appended = path.read_bytes()[size:].decode().splitlines()
    assert len(appended) == 1 and '"t": "cursors"' in appended[0]
    reopened = JournalStorage(path)
    assert reopened.read()["cursors"]
    reopened.close()


TEMPLATES = [
    "{{ order.number }}",
    "WooCommerce order {{ order.number }} ({{ customer.name | upper }})",
    "{{ {'product': '8000', 'shipping': '8050'}[line.kind] }}",
    "{% if line.tax_rate > 10 %}2{% else %}1{% endif %}",
    "{{ range(3) | join(',') }} {{ dict(a=1).a }}",
    "  {{ order.number }}  ",
]
CONTEXT = {"order": {"number": "1042"}, "customer": {"name": "Iris Bos"}, "line": {"kind": "shipping", "tax_rate": 21}}


@pytest.mark.parametrize("source", TEMPLATES)
def test_jinja_root_render_func_renders_what_render_renders(source):
    templates = Templates()
    assert templates.check("t", source, CONTEXT) == []
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    assert templates.render("t", **CONTEXT) == env.from_string(source).render(**CONTEXT).strip()


def test_jinja_errors_come_out_as_render_raises_them():
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
    template = env.from_string("{{ order.missing }}")
    context = template.new_context({**env.globals, **CONTEXT}, shared=True)
    with pytest.raises(UndefinedError):
        "".join(template.root_render_func(context))
    with pytest.raises(UndefinedError):
        template.render(**CONTEXT)
    unsafe = env.from_string("{{ order.items.__self__ }}")
    with pytest.raises(SecurityError):
        "".join(unsafe.root_render_func(unsafe.new_context({**env.globals, **CONTEXT}, shared=True)))
