-- name: add_item(code, label)<!
-- Adds an item and returns it.
INSERT INTO items (code, label) VALUES (:code, :label)
RETURNING id, code, label, quantity;
