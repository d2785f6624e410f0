-- Array element nullability: elements are list[T | None] unless proven non-null, by a validated
-- CHECK (array_position(col, NULL) IS NULL) on the table or on a domain, or by the query.
CREATE TYPE mood AS ENUM ('happy', 'sad');

-- A domain over an array whose rule forbids NULL elements; its elements are non-null anywhere.
CREATE DOMAIN label_list AS text[] CHECK (array_position(VALUE, NULL) IS NULL);
-- Another rule proves nothing about the elements.
CREATE DOMAIN short_list AS text[] CHECK (cardinality(VALUE) < 10);

CREATE TYPE shelf AS (name text, labels text[], tight label_list);

CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL, nickname text);

CREATE TABLE boxes (
    id bigint PRIMARY KEY,
    author_id bigint REFERENCES authors (id),
    -- NOT NULL says nothing about the elements: '{a,NULL}' is a valid value.
    loose text[] NOT NULL DEFAULT '{}',
    checked text[] NOT NULL DEFAULT '{}' CHECK (array_position(checked, NULL) IS NULL),
    -- NOT VALID: rows written before it may still hold NULL elements.
    unvalidated text[],
    domained label_list,
    short short_list,
    moods mood[] NOT NULL DEFAULT '{}',
    grid label_list[],
    place shelf
);

ALTER TABLE boxes ADD CONSTRAINT boxes_unvalidated_no_null
CHECK (array_position(unvalidated, NULL) IS NULL) NOT VALID;

-- A view of the checked column keeps its proof; of the loose one, not.
CREATE VIEW box_labels AS SELECT id, checked, loose, array_remove(loose, NULL) AS cleaned FROM boxes;
