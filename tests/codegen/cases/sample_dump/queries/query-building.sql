-- A database that predates postsql, taken from `pg_dump` (schema.sql is one, with psql's
-- \restrict line, data and owners), and queries as other tools accept them.

-- name: update_customer_email(new_email, id)<!
-- The WHERE tests the old email; RETURNING gives the new one, which nullif may make NULL.
UPDATE customer SET email = nullif(:new_email, '')
WHERE customer_id = :id AND email IS NOT NULL
RETURNING email;

-- name: return_rental(id)<!
UPDATE rental SET return_date = NULL
WHERE rental_id = :id AND return_date IS NOT NULL
RETURNING return_date;

-- name: set_film_length(length, id)<!
UPDATE film SET length = :length WHERE film_id = :id AND length > 0 RETURNING length;

-- name: get_film(id)^
SELECT * FROM film WHERE film_id = :id;

-- name: add_film(film_id, title, shown_during, seats, location, flags, wal)<!
INSERT INTO film (film_id, title, shown_during, seats, location, flags, wal)
VALUES (:film_id, :title, :shown_during, :seats, :location, :flags, :wal)
RETURNING film_id, shown_during, seats, location, flags, wal;

-- name: staff_pairs()
-- Both sides of a self join, and two counts: the later columns get _2.
SELECT a.staff_id, b.staff_id, count(*), count(*) FILTER (WHERE b.email IS NULL)
FROM staff a JOIN staff b ON b.staff_id <> a.staff_id
GROUP BY a.staff_id, b.staff_id
ORDER BY 1, 2;

-- name: rentals_with_staff()
SELECT * FROM rental r JOIN staff s ON s.staff_id = r.staff_id ORDER BY r.rental_id;

-- name: staff_rows()
-- A table's row used as a value: the table's own model.
SELECT s FROM staff AS s ORDER BY s.staff_id;

-- name: staff_as_json()
SELECT row_to_json(s) AS member FROM staff AS s ORDER BY s.staff_id;

-- name: film_document(id)$
-- A nested JSON value from a `$` query.
SELECT json_build_object('film', row_to_json(f), 'staff', (SELECT json_agg(s) FROM staff s))
FROM film f WHERE f.film_id = :id;

-- name: add_staff(staff_id, first_name, share_email, email)<!
-- :email goes only into a nullable column (through a CASE): it may be None.
INSERT INTO staff (staff_id, first_name, email)
SELECT :staff_id, :first_name, CASE WHEN :share_email THEN :email END
RETURNING staff_id, email;

-- name: set_product_settings(settings, product_id)!
-- :settings is written into a json_columns column: typed by its model.
UPDATE product SET settings = :settings WHERE product_id = :product_id;

-- name: add_product(product_id, description, tags)<!
INSERT INTO product (product_id, description, tags)
VALUES (:product_id, :description, :tags)
RETURNING *;
