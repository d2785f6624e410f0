-- name: get_gadget(id)^
-- One gadget by id: the table's own row model is reused.
SELECT * FROM gadgets WHERE id = :id;

-- name: gadget_costs()
SELECT id, cost, settings FROM gadgets ORDER BY id;

-- name: happy()
SELECT * FROM happy_gadgets;

-- name: counts()
SELECT mood, n FROM gadget_counts;
