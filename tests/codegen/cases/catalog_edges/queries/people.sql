-- name: add_person(labels, contact, contacts, rank)<!
INSERT INTO people (labels, contact, contacts, rank)
VALUES (:labels, :contact, :contacts, :rank)
RETURNING *;

-- name: add_people(contact, rank)*!
INSERT INTO people (contact, rank) VALUES (:contact, :rank);

-- name: with_label(label)
SELECT id, labels FROM people WHERE :label = ANY (labels) ORDER BY id;

-- name: readings_of_2024()
SELECT * FROM readings_2024 ORDER BY id;

-- name: all_fields()
SELECT * FROM fields ORDER BY id;
