// The diesel table definitions for `migrations/`. Keep in step with the SQL: every query is
// checked against these at compile time, and the tests run the queries on a migrated database.

diesel::table! {
    tenants (id) {
        id -> Int8,
        name -> Text,
        slug -> Text,
        operator_only -> Bool,
        timezone -> Text,
        settings -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        /// Made by sign-up, waiting for its owner to confirm their address: not live yet.
        awaiting_verification -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        tenant_id -> Int8,
        email -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        failed_logins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        last_login_at -> Nullable<Timestamptz>,
        tokens_valid_after -> Nullable<Timestamptz>,
        terms_accepted_at -> Nullable<Timestamptz>,
        personal_data_consent_at -> Nullable<Timestamptz>,
        locale -> Text,
        /// Alert kinds the person switched off (`AlertKind`); every other kind is on.
        alerts_off -> Array<Text>,
        /// When the person proved the address is theirs; `NULL` only after sign-up, until then.
        email_verified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Int8,
        tenant_id -> Int8,
        name -> Text,
        role -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_by -> Int8,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Int8,
        tenant_id -> Int8,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Int8>,
        expires_at -> Timestamptz,
        accepted_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        token_hash -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        token_hash -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Int8,
        tenant_id -> Int8,
        user_id -> Int8,
        token_hash -> Text,
        family -> Text,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    channels (id) {
        id -> Int8,
        tenant_id -> Int8,
        kind -> Text,
        name -> Text,
        credentials -> Jsonb,
        enabled -> Bool,
        created_at -> Timestamptz,
        account_id -> Nullable<Int8>,
        /// Connected while the shop waited for its owner's address: off until it is confirmed.
        awaiting_verification -> Bool,
    }
}

diesel::table! {
    customers (id) {
        id -> Int8,
        tenant_id -> Int8,
        channel_id -> Int8,
        external_id -> Text,
        display_name -> Text,
        username -> Nullable<Text>,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        stopped_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    conversations (id) {
        id -> Int8,
        tenant_id -> Int8,
        channel_id -> Int8,
        customer_id -> Int8,
        external_chat_id -> Text,
        mode -> Text,
        assignee_id -> Nullable<Int8>,
        turn_lease_until -> Nullable<Timestamptz>,
        last_message_at -> Timestamptz,
        created_at -> Timestamptz,
        closed_at -> Nullable<Timestamptz>,
        assistant_state -> Jsonb,
        handoff_reason -> Nullable<Text>,
        handoff_summary -> Nullable<Text>,
        handoff_at -> Nullable<Timestamptz>,
        reply_token -> Nullable<Text>,
        reply_due_at -> Nullable<Timestamptz>,
        answer_checked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    messages (id) {
        id -> Int8,
        tenant_id -> Int8,
        conversation_id -> Int8,
        channel_id -> Int8,
        direction -> Text,
        author -> Text,
        author_user_id -> Nullable<Int8>,
        external_id -> Nullable<Text>,
        body -> Text,
        attachments -> Jsonb,
        answered_at -> Nullable<Timestamptz>,
        delivery_status -> Nullable<Text>,
        delivery_error -> Nullable<Text>,
        delivery_attempts -> Int4,
        delivery_claimed_at -> Nullable<Timestamptz>,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        meta -> Jsonb,
    }
}

diesel::table! {
    conversation_notes (id) {
        id -> Int8,
        tenant_id -> Int8,
        conversation_id -> Int8,
        author_user_id -> Nullable<Int8>,
        body -> Text,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// Shoppers' ratings of a closed conversation (CSAT), one per conversation.
    ratings (id) {
        id -> Int8,
        tenant_id -> Int8,
        conversation_id -> Int8,
        channel_id -> Int8,
        stars -> Int2,
        resolved_by -> Text,
        intent -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    /// One outcome row per conversation, kept by triggers (docs/metrics.md).
    conversation_metrics (conversation_id) {
        conversation_id -> Int8,
        tenant_id -> Int8,
        channel_id -> Int8,
        customer_id -> Int8,
        started_at -> Nullable<Timestamptz>,
        last_shopper_at -> Nullable<Timestamptz>,
        shopper_messages -> Int4,
        bot_messages -> Int4,
        operator_messages -> Int4,
        request_answers -> Int4,
        small_talk_answers -> Int4,
        first_response_at -> Nullable<Timestamptz>,
        last_answer_at -> Nullable<Timestamptz>,
        intent -> Nullable<Text>,
        handoff_at -> Nullable<Timestamptz>,
        handoff_reason -> Nullable<Text>,
        handoff_question -> Nullable<Text>,
        thanked_at -> Nullable<Timestamptz>,
        came_back_at -> Nullable<Timestamptz>,
        reopened_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        stars -> Nullable<Int2>,
    }
}

diesel::table! {
    /// Message and conversation counters per tenant × day (tenant's time zone) × channel.
    analytics_daily (tenant_id, day, channel_id) {
        tenant_id -> Int8,
        day -> Date,
        channel_id -> Int8,
        shopper_messages -> Int8,
        bot_messages -> Int8,
        operator_messages -> Int8,
        conversations -> Int8,
    }
}

diesel::table! {
    knowledge_articles (id) {
        id -> Int8,
        tenant_id -> Int8,
        title -> Text,
        category -> Text,
        tags -> Array<Text>,
        status -> Text,
        current_version -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    knowledge_embeddings (article_id, model) {
        tenant_id -> Int8,
        article_id -> Int8,
        version -> Int4,
        model -> Text,
        embedding -> Array<Float4>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    knowledge_article_versions (id) {
        id -> Int8,
        tenant_id -> Int8,
        article_id -> Int8,
        version -> Int4,
        body -> Text,
        author_user_id -> Nullable<Int8>,
        approved_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        title -> Text,
    }
}

diesel::table! {
    marketplace_accounts (id) {
        id -> Int8,
        tenant_id -> Int8,
        marketplace -> Text,
        name -> Text,
        credentials -> Jsonb,
        sync_status -> Text,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        enabled -> Bool,
        sync_lease_until -> Nullable<Timestamptz>,
        last_synced_at -> Nullable<Timestamptz>,
        failures -> Int4,
        status -> Text,
        problems -> Array<Text>,
        notes -> Array<Text>,
        checked_at -> Nullable<Timestamptz>,
        credentials_expire_at -> Nullable<Timestamptz>,
        check_generation -> Int4,
        /// When the current failure streak began; `NULL` while syncs succeed.
        failing_since -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Alerts mailed, one per person, kind and subject: claimed before sending.
    alerts_sent (user_id, kind, subject) {
        tenant_id -> Int8,
        user_id -> Int8,
        kind -> Text,
        subject -> Text,
        sent_at -> Timestamptz,
    }
}

diesel::table! {
    products (id) {
        id -> Int8,
        tenant_id -> Int8,
        account_id -> Int8,
        external_id -> Text,
        vendor_code -> Text,
        title -> Text,
        brand -> Text,
        price_minor -> Nullable<Int8>,
        currency -> Text,
        stock -> Nullable<Int4>,
        attributes -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    orders (id) {
        id -> Int8,
        tenant_id -> Int8,
        account_id -> Int8,
        external_id -> Text,
        status -> Text,
        substatus -> Nullable<Text>,
        items -> Jsonb,
        total_minor -> Nullable<Int8>,
        currency -> Text,
        details -> Jsonb,
        placed_at -> Nullable<Timestamptz>,
        changed_at -> Nullable<Timestamptz>,
        synced_at -> Timestamptz,
        settled -> Bool,
    }
}

diesel::table! {
    order_status_history (id) {
        id -> Int8,
        tenant_id -> Int8,
        order_id -> Int8,
        status -> Text,
        substatus -> Nullable<Text>,
        changed_at -> Timestamptz,
        recorded_at -> Timestamptz,
    }
}

diesel::table! {
    sync_runs (id) {
        id -> Int8,
        tenant_id -> Int8,
        account_id -> Int8,
        kind -> Text,
        status -> Text,
        pages -> Int4,
        rows -> Int4,
        error -> Nullable<Text>,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        details -> Jsonb,
    }
}

diesel::table! {
    sync_cursors (account_id, resource) {
        tenant_id -> Int8,
        account_id -> Int8,
        resource -> Text,
        cursor -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    usage_events (id) {
        id -> Int8,
        tenant_id -> Int8,
        kind -> Text,
        quantity -> Int8,
        conversation_id -> Nullable<Int8>,
        idempotency_key -> Text,
        details -> Jsonb,
        occurred_at -> Timestamptz,
        meter_report_id -> Nullable<Int8>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        tenant_id -> Int8,
        actor_user_id -> Nullable<Int8>,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Text>,
        details -> Jsonb,
        created_at -> Timestamptz,
        api_key_id -> Nullable<Int8>,
    }
}

diesel::table! {
    returns (id) {
        id -> Int8,
        tenant_id -> Int8,
        account_id -> Int8,
        external_id -> Text,
        order_ref -> Text,
        article -> Nullable<Text>,
        product_name -> Nullable<Text>,
        status -> Text,
        substatus -> Nullable<Text>,
        status_text -> Nullable<Text>,
        reason -> Nullable<Text>,
        amount_minor -> Nullable<Int8>,
        currency -> Text,
        details -> Jsonb,
        opened_at -> Nullable<Timestamptz>,
        changed_at -> Timestamptz,
        synced_at -> Timestamptz,
    }
}

diesel::table! {
    billing_accounts (tenant_id) {
        tenant_id -> Int8,
        plan_code -> Text,
        state -> Text,
        trial_ends_at -> Nullable<Timestamptz>,
        reply_cap -> Nullable<Int8>,
        provider_customer -> Nullable<Text>,
        provider_subscription -> Nullable<Text>,
        subscription_status -> Nullable<Text>,
        period_start -> Timestamptz,
        period_end -> Nullable<Timestamptz>,
        past_due_since -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        created_at -> Timestamptz,
        currency -> Text,
        payment_method -> Nullable<Text>,
    }
}

diesel::table! {
    payments (id) {
        id -> Int8,
        tenant_id -> Int8,
        purpose -> Text,
        plan_code -> Text,
        operation -> Text,
        amount -> Int8,
        currency -> Text,
        receipt -> Jsonb,
        period_start -> Timestamptz,
        period_end -> Timestamptz,
        attempt -> Int4,
        provider_payment -> Nullable<Text>,
        status -> Text,
        confirmation_url -> Nullable<Text>,
        decline_reason -> Nullable<Text>,
        refunded -> Int8,
        applied_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    billing_requisites (tenant_id) {
        tenant_id -> Int8,
        legal_name -> Text,
        inn -> Text,
        kpp -> Nullable<Text>,
        ogrn -> Text,
        address -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refunds (id) {
        id -> Int8,
        tenant_id -> Int8,
        payment_id -> Int8,
        operation -> Text,
        amount -> Int8,
        provider_refund -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    billing_events (id) {
        id -> Text,
        tenant_id -> Nullable<Int8>,
        kind -> Text,
        payload -> Jsonb,
        received_at -> Timestamptz,
        applied_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
    }
}

diesel::table! {
    meter_reports (id) {
        id -> Int8,
        tenant_id -> Int8,
        identifier -> Text,
        quantity -> Int8,
        first_usage -> Int8,
        last_usage -> Int8,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    billing_runs (id) {
        id -> Int8,
        tick -> Text,
        started_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        reports -> Int4,
        replies -> Int8,
        details -> Jsonb,
        error -> Nullable<Text>,
    }
}

diesel::table! {
    quick_replies (id) {
        id -> Int8,
        tenant_id -> Int8,
        title -> Text,
        text -> Text,
        shortcut -> Nullable<Text>,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(users -> tenants (tenant_id));
diesel::joinable!(channels -> tenants (tenant_id));
diesel::joinable!(customers -> channels (channel_id));
diesel::joinable!(conversations -> channels (channel_id));
diesel::joinable!(conversations -> customers (customer_id));
diesel::joinable!(conversations -> tenants (tenant_id));
diesel::joinable!(messages -> conversations (conversation_id));
diesel::joinable!(conversation_notes -> conversations (conversation_id));
diesel::joinable!(ratings -> conversations (conversation_id));
diesel::joinable!(knowledge_article_versions -> knowledge_articles (article_id));
diesel::joinable!(products -> marketplace_accounts (account_id));
diesel::joinable!(orders -> marketplace_accounts (account_id));
diesel::joinable!(order_status_history -> orders (order_id));
diesel::joinable!(returns -> marketplace_accounts (account_id));
diesel::joinable!(sync_runs -> marketplace_accounts (account_id));
diesel::joinable!(alerts_sent -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    users,
    refresh_tokens,
    password_resets,
    email_verifications,
    invitations,
    quick_replies,
    channels,
    customers,
    conversations,
    messages,
    conversation_notes,
    ratings,
    conversation_metrics,
    analytics_daily,
    knowledge_articles,
    knowledge_article_versions,
    knowledge_embeddings,
    marketplace_accounts,
    products,
    orders,
    order_status_history,
    returns,
    sync_runs,
    sync_cursors,
    usage_events,
    billing_accounts,
    billing_events,
    meter_reports,
    billing_runs,
    payments,
    billing_requisites,
    refunds,
    audit_log,
    alerts_sent
);
