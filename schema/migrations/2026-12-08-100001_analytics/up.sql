-- Analytics rollups (docs/metrics.md): one outcome row per conversation and one counter row per
-- tenant × day × channel, kept current by triggers in the same transaction as the event that
-- changes them (a message recorded or sent, a handoff, a close, a rating), so every writer —
-- workers and the ingress alike — keeps them right and none can forget. Each event touches a
-- constant number of rows found by key: nothing scans a tenant's history.
-- `analytics_rebuild(tenant)` recomputes both from the raw rows by replaying the same functions.

CREATE TABLE conversation_metrics (
    conversation_id BIGINT PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL,
    customer_id BIGINT NOT NULL,
    -- The shopper's first message; NULL while the shopper has written nothing (a welcome).
    started_at TIMESTAMPTZ,
    last_shopper_at TIMESTAMPTZ,
    shopper_messages INT NOT NULL DEFAULT 0,
    -- Every bot message sent, answers or not (welcomes, handoff notes).
    bot_messages INT NOT NULL DEFAULT 0,
    operator_messages INT NOT NULL DEFAULT 0,
    -- Bot answers to a request (an intent other than a greeting or thanks).
    request_answers INT NOT NULL DEFAULT 0,
    -- Bot answers to a greeting or thanks.
    small_talk_answers INT NOT NULL DEFAULT 0,
    -- The first answer sent by the bot or a person, and the last.
    first_response_at TIMESTAMPTZ,
    last_answer_at TIMESTAMPTZ,
    -- The intent of the first request the bot answered.
    intent TEXT,
    -- The latest handoff: when, why, and the shopper's last message before it.
    handoff_at TIMESTAMPTZ,
    handoff_reason TEXT,
    handoff_question TEXT,
    -- The shopper thanked after a request answer.
    thanked_at TIMESTAMPTZ,
    -- The same shopper opened a new conversation on the channel within 24 h of the last answer.
    came_back_at TIMESTAMPTZ,
    -- A closed conversation was opened again.
    reopened_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    stars SMALLINT,
    FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX conversation_metrics_by_start ON conversation_metrics (tenant_id, started_at);
CREATE INDEX conversation_metrics_by_customer ON conversation_metrics (customer_id, conversation_id);

CREATE TABLE analytics_daily (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- The day in the tenant's time zone.
    day DATE NOT NULL,
    channel_id BIGINT NOT NULL,
    shopper_messages BIGINT NOT NULL DEFAULT 0,
    bot_messages BIGINT NOT NULL DEFAULT 0,
    operator_messages BIGINT NOT NULL DEFAULT 0,
    -- Conversations whose shopper wrote first on this day.
    conversations BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day, channel_id),
    FOREIGN KEY (tenant_id, channel_id) REFERENCES channels (tenant_id, id) ON DELETE CASCADE
);

-- Counts one message that happened: a shopper's on arrival, ours once sent.
CREATE FUNCTION analytics_count_message(m messages) RETURNS void
    LANGUAGE plpgsql AS $$
DECLARE
    at TIMESTAMPTZ := CASE WHEN m.direction = 'inbound' THEN m.created_at
                           ELSE coalesce(m.sent_at, m.created_at) END;
    kind TEXT := CASE
        WHEN m.author = 'shopper' THEN 'shopper'
        WHEN m.author = 'operator' THEN 'operator'
        WHEN m.author <> 'bot' THEN 'other'
        -- A welcome or a handoff note answers nothing.
        WHEN m.meta ? 'greeting'
          OR coalesce(m.meta ->> 'responder', '') IN ('handoff', 'operator_only', 'suspended')
            THEN 'note'
        WHEN coalesce(m.meta ->> 'intent', '') IN ('greeting', 'thanks_bye') THEN 'small_talk'
        ELSE 'request' END;
    zone TEXT;
    first_message BOOLEAN := FALSE;
    customer BIGINT;
BEGIN
    IF kind = 'other' THEN
        RETURN;
    END IF;
    INSERT INTO conversation_metrics (conversation_id, tenant_id, channel_id, customer_id)
    SELECT c.id, c.tenant_id, c.channel_id, c.customer_id
      FROM conversations c WHERE c.id = m.conversation_id
    ON CONFLICT (conversation_id) DO NOTHING;

    IF kind = 'shopper' THEN
        UPDATE conversation_metrics
           SET shopper_messages = shopper_messages + 1,
               started_at = least(started_at, at),
               last_shopper_at = greatest(last_shopper_at, at),
               thanked_at = CASE
                   WHEN request_answers > 0 AND lower(m.body) ~ '(спасибо|благодар|спс)'
                       THEN coalesce(thanked_at, at)
                   ELSE thanked_at END
         WHERE conversation_id = m.conversation_id
        RETURNING shopper_messages = 1, customer_id INTO first_message, customer;
        IF first_message THEN
            -- A shopper coming back within a day revokes the previous conversation's answer.
            UPDATE conversation_metrics p
               SET came_back_at = at
             WHERE p.conversation_id = (
                       SELECT q.conversation_id FROM conversation_metrics q
                        WHERE q.customer_id = customer AND q.conversation_id < m.conversation_id
                        ORDER BY q.conversation_id DESC LIMIT 1)
               AND p.came_back_at IS NULL
               AND p.last_answer_at > at - interval '24 hours';
        END IF;
    ELSIF kind = 'note' THEN
        -- A handoff note carries the intent of the request it hands off.
        UPDATE conversation_metrics
           SET bot_messages = bot_messages + 1,
               intent = coalesce(intent, CASE
                   WHEN m.meta ->> 'intent' NOT IN ('greeting', 'thanks_bye')
                       THEN m.meta ->> 'intent' END)
         WHERE conversation_id = m.conversation_id;
    ELSIF kind IN ('request', 'small_talk') THEN
        UPDATE conversation_metrics
           SET bot_messages = bot_messages + 1,
               request_answers = request_answers + (kind = 'request')::int,
               small_talk_answers = small_talk_answers + (kind = 'small_talk')::int,
               first_response_at = least(first_response_at, at),
               last_answer_at = greatest(last_answer_at, at),
               intent = coalesce(intent, CASE WHEN kind = 'request' THEN m.meta ->> 'intent' END),
               thanked_at = CASE
                   WHEN m.meta ->> 'intent' = 'thanks_bye' AND request_answers > 0
                       THEN coalesce(thanked_at, at)
                   ELSE thanked_at END
         WHERE conversation_id = m.conversation_id;
    ELSE
        UPDATE conversation_metrics
           SET operator_messages = operator_messages + 1,
               first_response_at = least(first_response_at, at),
               last_answer_at = greatest(last_answer_at, at)
         WHERE conversation_id = m.conversation_id;
    END IF;

    SELECT t.timezone INTO zone FROM tenants t WHERE t.id = m.tenant_id;
    INSERT INTO analytics_daily AS d (tenant_id, day, channel_id, shopper_messages, bot_messages,
                                      operator_messages, conversations)
    VALUES (m.tenant_id, (at AT TIME ZONE coalesce(zone, 'UTC'))::date, m.channel_id,
            (kind = 'shopper')::int, (m.author = 'bot')::int, (kind = 'operator')::int,
            first_message::int)
    ON CONFLICT (tenant_id, day, channel_id) DO UPDATE
        SET shopper_messages = d.shopper_messages + EXCLUDED.shopper_messages,
            bot_messages = d.bot_messages + EXCLUDED.bot_messages,
            operator_messages = d.operator_messages + EXCLUDED.operator_messages,
            conversations = d.conversations + EXCLUDED.conversations;
END
$$;

-- Records the conversation's latest handoff with the question people were asked to answer.
CREATE FUNCTION analytics_count_handoff(c conversations) RETURNS void
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO conversation_metrics (conversation_id, tenant_id, channel_id, customer_id,
                                      handoff_at, handoff_reason, handoff_question)
    VALUES (c.id, c.tenant_id, c.channel_id, c.customer_id, c.handoff_at, c.handoff_reason,
            (SELECT left(m.body, 1000) FROM messages m
              WHERE m.conversation_id = c.id AND m.direction = 'inbound'
                AND m.created_at <= c.handoff_at
              ORDER BY m.id DESC LIMIT 1))
    ON CONFLICT (conversation_id) DO UPDATE
        SET handoff_at = EXCLUDED.handoff_at, handoff_reason = EXCLUDED.handoff_reason,
            handoff_question = EXCLUDED.handoff_question;
END
$$;

-- What became of a conversation, as seen at `at` (docs/metrics.md, "Outcome"): one of
-- handed_off, operator, unanswered, greeting_only, not_resolved, bot_resolved, bot_pending.
CREATE FUNCTION analytics_outcome(x conversation_metrics, at TIMESTAMPTZ) RETURNS TEXT
    LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN x.handoff_at IS NOT NULL THEN 'handed_off'
        WHEN x.operator_messages > 0 THEN 'operator'
        WHEN x.last_answer_at IS NULL
          OR (x.last_shopper_at > x.last_answer_at
              AND x.last_shopper_at > coalesce(x.thanked_at, '-infinity')) THEN 'unanswered'
        WHEN x.request_answers = 0 THEN 'greeting_only'
        WHEN x.reopened_at IS NOT NULL OR x.stars <= 2 THEN 'not_resolved'
        WHEN x.thanked_at IS NOT NULL OR x.stars >= 4 THEN 'bot_resolved'
        WHEN x.came_back_at IS NOT NULL THEN 'not_resolved'
        WHEN x.last_answer_at <= at - interval '24 hours' THEN 'bot_resolved'
        ELSE 'bot_pending' END
$$;

CREATE FUNCTION analytics_message_recorded() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.direction = 'inbound' OR NEW.delivery_status = 'sent' THEN
        PERFORM analytics_count_message(NEW);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION analytics_conversation_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.handoff_at IS NOT NULL AND NEW.handoff_at IS DISTINCT FROM OLD.handoff_at THEN
        PERFORM analytics_count_handoff(NEW);
    END IF;
    IF NEW.closed_at IS DISTINCT FROM OLD.closed_at AND NEW.closed_at IS NOT NULL THEN
        UPDATE conversation_metrics SET closed_at = NEW.closed_at
         WHERE conversation_id = NEW.id;
    END IF;
    IF OLD.mode = 'closed' AND NEW.mode <> 'closed' THEN
        UPDATE conversation_metrics SET reopened_at = coalesce(reopened_at, now())
         WHERE conversation_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION analytics_rating_recorded() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    UPDATE conversation_metrics SET stars = NEW.stars WHERE conversation_id = NEW.conversation_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER analytics_message_recorded AFTER INSERT ON messages
    FOR EACH ROW EXECUTE FUNCTION analytics_message_recorded();
CREATE TRIGGER analytics_message_sent AFTER UPDATE OF delivery_status ON messages
    FOR EACH ROW
    WHEN (NEW.delivery_status = 'sent' AND OLD.delivery_status IS DISTINCT FROM 'sent')
    EXECUTE FUNCTION analytics_message_recorded();
CREATE TRIGGER analytics_conversation AFTER UPDATE OF handoff_at, closed_at, mode ON conversations
    FOR EACH ROW EXECUTE FUNCTION analytics_conversation_changed();
CREATE TRIGGER analytics_rating AFTER INSERT OR UPDATE OF stars ON ratings
    FOR EACH ROW EXECUTE FUNCTION analytics_rating_recorded();

-- Recomputes a tenant's rollups from its raw rows, replaying messages in the order they
-- happened through the same functions the triggers use. Reopens are not in the raw rows and
-- are kept from the rows being replaced. Returns the number of messages replayed.
CREATE FUNCTION analytics_rebuild(tenant BIGINT) RETURNS BIGINT
    LANGUAGE plpgsql AS $$
DECLARE
    msg messages;
    handed conversations;
    replayed BIGINT := 0;
    reopened JSONB;
BEGIN
    SELECT coalesce(jsonb_object_agg(conversation_id, reopened_at), '{}') INTO reopened
      FROM conversation_metrics WHERE tenant_id = tenant AND reopened_at IS NOT NULL;
    DELETE FROM conversation_metrics WHERE tenant_id = tenant;
    DELETE FROM analytics_daily WHERE tenant_id = tenant;
    FOR msg IN SELECT * FROM messages
              WHERE tenant_id = tenant AND (direction = 'inbound' OR delivery_status = 'sent')
              ORDER BY CASE WHEN direction = 'inbound' THEN created_at
                            ELSE coalesce(sent_at, created_at) END, id
    LOOP
        PERFORM analytics_count_message(msg);
        replayed := replayed + 1;
    END LOOP;
    FOR handed IN SELECT * FROM conversations WHERE tenant_id = tenant AND handoff_at IS NOT NULL LOOP
        PERFORM analytics_count_handoff(handed);
    END LOOP;
    UPDATE conversation_metrics x
       SET closed_at = c.closed_at,
           reopened_at = (reopened ->> x.conversation_id::text)::timestamptz
      FROM conversations c
     WHERE c.id = x.conversation_id AND x.tenant_id = tenant;
    UPDATE conversation_metrics x SET stars = r.stars
      FROM ratings r WHERE r.conversation_id = x.conversation_id AND x.tenant_id = tenant;
    RETURN replayed;
END
$$;

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['conversation_metrics', 'analytics_daily'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO otklik_tenant', t);
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_scope ON %I TO otklik_tenant '
            'USING (tenant_id = current_tenant_id()) WITH CHECK (tenant_id = current_tenant_id())',
            t);
        EXECUTE format('CREATE POLICY service_role ON %I TO %I USING (true) WITH CHECK (true)',
                       t, current_user);
    END LOOP;
END
$$;

-- Conversations that happened before this migration.
SELECT analytics_rebuild(id) FROM tenants;
