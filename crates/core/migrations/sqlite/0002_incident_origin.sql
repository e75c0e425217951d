-- Where an incident without a war room lives, and the declared message's outbox row.
ALTER TABLE incidents ADD COLUMN origin_channel TEXT;
ALTER TABLE incidents ADD COLUMN declared_outbox_id BIGINT;
