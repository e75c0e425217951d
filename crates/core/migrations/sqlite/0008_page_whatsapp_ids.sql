-- WhatsApp replies to pages (#25): the id of the message `sendText` returned (`key.id`), so a
-- reply that quotes the page (`contextInfo.stanzaId`) finds it even when the sender shows only
-- a LID; and when Evolution accepted it, so a reply older than the page never acknowledges it.
ALTER TABLE pages ADD COLUMN wa_message_id TEXT;
ALTER TABLE pages ADD COLUMN wa_sent_at BIGINT;
CREATE INDEX pages_wa_message ON pages(wa_message_id);
