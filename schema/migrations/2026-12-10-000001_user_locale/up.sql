-- The dashboard speaks Russian or English (issue 15): each person's choice, kept with them so it
-- follows them from device to device. Everyone starts in Russian.
ALTER TABLE users
    ADD COLUMN locale TEXT NOT NULL DEFAULT 'ru' CONSTRAINT users_locale_check CHECK (locale IN ('ru', 'en'));
