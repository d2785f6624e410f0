-- Catalog edge cases: enum labels that are no Python identifier as written, composite
-- parameters, NOT NULL domains, partitions, a table outside the public schema.
CREATE TYPE label AS ENUM (
    'very happy', 'so-so', '1st', 'café', 'class', 'a-b', 'a_b', 'ｆｏｏ', 'foo', '²x', '_value_', ''
);

CREATE TYPE address AS (street text, dropped int, city text);
ALTER TYPE address DROP ATTRIBUTE dropped;
CREATE TYPE contact AS (name text, home address, others address[]);

CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE DOMAIN required_positive AS positive NOT NULL;
CREATE DOMAIN code AS text NOT NULL DEFAULT 'none';

CREATE TABLE people (
    id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    labels label[] NOT NULL DEFAULT '{}',
    contact contact,
    contacts contact[],
    rank required_positive,
    code code
);

CREATE TABLE readings (id int NOT NULL, taken date NOT NULL) PARTITION BY RANGE (taken);
CREATE TABLE readings_2024 PARTITION OF readings
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');

CREATE SCHEMA archive;
CREATE TABLE archive.people (id int NOT NULL);

-- Its class name would be Field, pydantic's Field the models import; its column named like the
-- type it holds (date date) has a default in the insert model.
-- An enum with no labels yet has no pg_enum row (codegen failed with a KeyError).
CREATE TYPE nothing_yet AS ENUM ();
CREATE TABLE fields (
    id int NOT NULL, date date DEFAULT current_date, "from" text, pending nothing_yet
);
