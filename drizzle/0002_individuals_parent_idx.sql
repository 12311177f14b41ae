-- Failed children of a parent feed the next prompt (IndividualRepo.failedChildren).
CREATE INDEX individuals_parent_seq_idx ON individuals (parent_id, seq);
