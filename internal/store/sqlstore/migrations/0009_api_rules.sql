-- What an API declares about its calls beyond method, path and parameters
-- (model.APIRules: strict parameters, protocols, body rules, responses,
-- mappings), as one JSON document. Revisions keep their APIs as JSON,
-- which carries the rules without a schema change; a parameter's own rules
-- (model.ParamRules) travel in the params column the same way.

ALTER TABLE apis ADD COLUMN rules TEXT NOT NULL DEFAULT '{}';
