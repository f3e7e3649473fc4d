-- The name of one institution ($institution) this scope sees: no row if it sees none by that id.
SELECT name FROM visible_institutions($scope) WHERE institution_id = $institution
