-- Columns proven non-null (or kept nullable) by the analysis.

-- name: person_names()
-- full_name is generated from NOT NULL columns: non-null; nick_name from a nullable one.
SELECT person_id, full_name, nick_name FROM person ORDER BY person_id;

-- name: neighbours()
SELECT person_id,
       first_value(first_name) OVER w AS first_in_order,
       last_value(first_name) OVER w AS last_so_far,
       lag(first_name, 1, '-') OVER w AS previous,
       lead(first_name, 1) OVER w AS next,
       first_value(first_name) OVER (ORDER BY person_id ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING)
           AS after_next
FROM person
WINDOW w AS (ORDER BY person_id)
ORDER BY person_id;

-- name: rental_counts()
SELECT s.staff_id, r.n, r.n IN (0, 1) AS few, to_char(r.n, 'FM999') AS shown
FROM staff s
LEFT JOIN LATERAL (SELECT count(*) AS n FROM rental WHERE rental.staff_id = s.staff_id) r ON true
ORDER BY s.staff_id;

-- name: person_theme()
-- ->> of a key gives NULL for JSON null or a missing key.
SELECT person_id, settings ->> 'theme' AS theme FROM person ORDER BY person_id;
