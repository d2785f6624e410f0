"""postsql in a project of its own: a tiny shop, not this repository's blog.

Each test builds the project in ``tmp_path`` (its own migrations, queries, ``pyproject.toml`` and
package), runs the ``postsql`` command from that directory as a user would, and uses what it
generated with :class:`postsql.runtime.database.Database`.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from postsql.cli import main
from postsql.runtime.database import Database
from postsql.runtime.registry import QueryRegistry
from postsql.testing import TestServer

ROOT = Path(__file__).resolve().parents[2]

PRODUCTS = """\
-- migrate:up
CREATE TABLE products (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku text NOT NULL UNIQUE,
    name text NOT NULL,
    price numeric(10, 2) NOT NULL CHECK (price >= 0)
);

-- migrate:down
DROP TABLE products;
"""

ORDERS = """\
-- migrate:up
CREATE TYPE order_status AS ENUM ('PENDING', 'PAID', 'CANCELLED');

CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id bigint NOT NULL REFERENCES products (id),
    quantity integer NOT NULL CHECK (quantity > 0),
    unit_price numeric(10, 2) NOT NULL,
    status order_status NOT NULL DEFAULT 'PENDING'
);

-- migrate:down
DROP TABLE orders;
DROP TYPE order_status;
"""

QUERIES = {
    "products.sql": """\
-- name: create_product(sku, name, price)<!
INSERT INTO products (sku, name, price) VALUES (:sku, :name, :price)
RETURNING id, sku, name, price;
""",
    "orders.sql": """\
-- name: place_order(product_id, quantity)<!
INSERT INTO orders (product_id, quantity, unit_price)
SELECT p.id, :quantity, p.price FROM products AS p WHERE p.id = :product_id
RETURNING id, quantity, unit_price, status;

-- name: orders_by_status(status)
SELECT o.id, o.status, p.name AS product_name
FROM orders AS o INNER JOIN products AS p ON p.id = o.product_id
WHERE o.status = :status ORDER BY o.id;

-- name: revenue()$
SELECT coalesce(sum(quantity * unit_price), 0) FROM orders WHERE status <> 'CANCELLED';
""",
}


def make_project(root: Path, *, package: str, tool_postsql: str) -> None:
    """Migrations in ``db/migrations``, queries in ``db/queries``, an empty package in src/."""
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "db" / "migrations" / "20250101000000_products.sql").write_text(PRODUCTS)
    (root / "db" / "migrations" / "20250102000000_orders.sql").write_text(ORDERS)
    (root / "db" / "queries").mkdir()
    for name, text in QUERIES.items():
        (root / "db" / "queries" / name).write_text(text)
    (root / "src" / package).mkdir(parents=True)
    (root / "src" / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "{package}"\nversion = "0.1.0"\n\n[tool.postsql]\n{tool_postsql}'
    )


@pytest.fixture
def shop_db(test_pg: TestServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database of the user's, named by DATABASE_URL as a deployment would."""
    name = test_pg.create_database("postsql_shop")
    url = test_pg.url_for(name)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DIRECT_DATABASE_URL", raising=False)
    yield url
    test_pg.drop_database(name)


@pytest.fixture
def importable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("user_shop"):
            del sys.modules[name]


@pytest.mark.usefixtures("importable")
def test_a_project_of_its_own_migrates_generates_and_runs_its_queries(
    tmp_path: Path,
    shop_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_project(
        tmp_path,
        package="user_shop",
        tool_postsql=(
            'migrations = "db/migrations"\nqueries = ["db/queries"]\nout = "src/user_shop/db"\n'
        ),
    )
    monkeypatch.chdir(tmp_path)

    # `postsql migrate` takes the migrations from [tool.postsql], as codegen does.
    assert main(["migrate"]) == 0
    assert "20250102000000_orders.sql" in capsys.readouterr().out
    assert "CREATE TABLE public.orders" in (tmp_path / "sql" / "schema.sql").read_text()

    assert main(["codegen"]) == 0
    generated = tmp_path / "src" / "user_shop" / "db"
    assert sorted(p.relative_to(generated).as_posix() for p in generated.rglob("*.py")) == [
        "__init__.py", "models.py", "queries/__init__.py", "queries/orders.py",
        "queries/products.py",
    ]  # fmt: skip
    assert not (tmp_path / "src" / "postsql").exists()
    assert "products" not in {p.name for p in (ROOT / "src" / "postsql" / "generated").rglob("*")}
    assert main(["codegen", "--check"]) == 0

    models = importlib.import_module("user_shop.db.models")
    queries = importlib.import_module("user_shop.db.queries")
    assert [m.value for m in models.OrderStatus] == ["PENDING", "PAID", "CANCELLED"]

    async def use() -> tuple[Any, ...]:
        registry = QueryRegistry.from_package("user_shop.db.queries")
        async with Database(url=shop_db, registry=registry) as db:
            product = await queries.products.create_product(
                db, sku="MUG-1", name="Mug", price=Decimal("9.50")
            )
            order = await queries.orders.place_order(db, product_id=product.id, quantity=3)
            pending = await queries.orders.orders_by_status(db, status=models.OrderStatus.PENDING)
            revenue = await queries.orders.revenue(db)
            return product, order, pending, revenue, registry.lookup(queries.orders.REVENUE.sql)

    product, order, pending, revenue, info = asyncio.run(use())
    assert product.price == Decimal("9.50")
    assert (order.quantity, order.unit_price, order.status) == (3, Decimal("9.50"), "PENDING")
    assert [(r.id, r.product_name) for r in pending] == [(order.id, "Mug")]
    assert revenue == Decimal("28.50")
    assert info is not None
    assert (info.name, info.file, info.read_only) == ("revenue", "db/queries/orders.sql", True)


def test_codegen_refuses_an_output_package_the_installed_postsql_would_shadow(
    tmp_path: Path,
    test_pg: TestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # src/postsql/generated in a project that is not postsql imports as the installed postsql's.
    make_project(
        tmp_path,
        package="user_shop",
        tool_postsql='migrations = "db/migrations"\nqueries = ["db/queries"]\n'
        'out = "src/postsql/generated"\n',
    )
    monkeypatch.chdir(tmp_path)
    assert main(["codegen", "--database-url", test_pg.admin_url]) == 1
    err = capsys.readouterr().err
    assert "src/postsql/generated: the output package postsql.generated would be shadowed" in err
    assert "set out in [tool.postsql]" in err
    assert not (tmp_path / "src" / "postsql").exists()


def test_postsql_codegen_takes_the_same_options_as_the_codegen_script(
    tmp_path: Path,
    test_pg: TestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "ddl.sql").write_text("CREATE TABLE notes (id int PRIMARY KEY, body text);\n")
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "notes.sql").write_text("-- name: all_notes()\nSELECT id, body FROM notes;\n")
    monkeypatch.chdir(tmp_path)
    argv = ["codegen", "--schema", "ddl.sql", "--queries", "q", "--out", "app/gen"]
    status = main([*argv, "--database-url", test_pg.admin_url, "--manifest", "m.json"])
    assert status == 0, capsys.readouterr().err
    assert "async def all_notes(" in (tmp_path / "app" / "gen" / "queries" / "notes.py").read_text()
    assert '"all_notes"' in (tmp_path / "m.json").read_text()


def test_codegen_formatter_comes_with_the_dev_extra() -> None:
    # `postsql codegen` runs ruff on every file it writes; the tooling extra must bring it.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = project["optional-dependencies"]["dev"]
    assert any(d.split(">")[0].split("=")[0].strip() == "ruff" for d in dev)
