-- WhatsApp statuses name a sent message by the id the provider gave it (`wamid`): they are
-- matched to our outbound messages through this index.
CREATE INDEX messages_outbound_external_idx ON messages (channel_id, external_id)
    WHERE direction = 'outbound' AND external_id IS NOT NULL;
