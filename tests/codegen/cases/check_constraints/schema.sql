CREATE TYPE state AS ENUM ('NEW', 'DONE');

CREATE TABLE items (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL CHECK (code ~ '^[A-Z]{3}-[0-9]+$'),
    label text NOT NULL,
    "class" text CHECK ("class" IN ('a', 'b')),
    quantity integer NOT NULL DEFAULT 0,
    state state NOT NULL DEFAULT 'NEW',
    done_at timestamptz,
    CONSTRAINT items_label_check CHECK (length(btrim(label)) BETWEEN 1 AND 80),
    CONSTRAINT items_quantity_check CHECK (quantity >= 0 AND quantity <= 1000),
    CONSTRAINT items_done_check CHECK (state <> 'DONE' OR done_at IS NOT NULL),
    CONSTRAINT items_code_not_md5_check CHECK (md5(code) <> label)
);
