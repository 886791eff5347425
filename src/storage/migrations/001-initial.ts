import type { Migration } from './migration.ts';

/**
 * Initial schema.
 *
 * Credential numbers are TEXT keys (see `number-key.ts`): the decimal digits of the unsigned
 * integer for numeric types, so uniqueness stays exact for any bit width (an INTEGER column would
 * overflow past 63 bits and REAL would merge neighbours). `UNIQUE (type, number)` is the identity.
 *
 * Keypad codes share one number space: an `inputCode` identifier and an access code with the
 * same digits would make the keypad ambiguous. The repositories check this inside their
 * transaction to answer `number_taken_by_another_identifier`; the triggers below are the safety
 * net so no other writer can break it either.
 *
 * `identifier_counts` is kept exact by triggers (transactional, so rollbacks keep it right), so
 * the capacity check reads one row instead of counting a million index entries per insert.
 */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  sql: `
CREATE TABLE users (
  uuid        TEXT PRIMARY KEY NOT NULL,
  link_id     TEXT UNIQUE,
  name        TEXT NOT NULL,
  owner_type  TEXT NOT NULL CHECK (owner_type IN ('owner', 'guest')),
  phone       TEXT UNIQUE CHECK (phone IS NULL OR phone GLOB '+[1-9]*'),
  first_name  TEXT,
  last_name   TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX users_name ON users(name);

CREATE TABLE time_profiles (
  id            TEXT PRIMARY KEY NOT NULL,
  name          TEXT NOT NULL,
  windows_json  TEXT NOT NULL CHECK (json_valid(windows_json)),
  holidays_json TEXT NOT NULL CHECK (json_valid(holidays_json)),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE identifiers (
  uid             TEXT PRIMARY KEY NOT NULL,
  type            TEXT NOT NULL CHECK (type IN ('card', 'face_id', 'inputCode', 'qr', 'ukey', 'license_plate')),
  number          TEXT NOT NULL CHECK (length(number) BETWEEN 1 AND 512),
  bit_length      INTEGER CHECK (bit_length IS NULL OR bit_length BETWEEN 1 AND 1024),
  format          TEXT,
  user_uuid       TEXT NOT NULL REFERENCES users(uuid) ON DELETE CASCADE,
  lock            TEXT NOT NULL CHECK (lock IN ('first', 'second', 'all')),
  valid_from      INTEGER,
  valid_to        INTEGER,
  max_passes      INTEGER CHECK (max_passes IS NULL OR max_passes >= 0),
  passes_used     INTEGER NOT NULL DEFAULT 0 CHECK (passes_used >= 0),
  pin_hash        TEXT CHECK (pin_hash IS NULL OR pin_hash GLOB 'scrypt$*'),
  time_profile_id TEXT REFERENCES time_profiles(id) ON DELETE RESTRICT,
  name            TEXT,
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_used_at    INTEGER,
  CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to),
  UNIQUE (type, number)
);
CREATE INDEX identifiers_user ON identifiers(user_uuid);
CREATE INDEX identifiers_time_profile ON identifiers(time_profile_id) WHERE time_profile_id IS NOT NULL;

CREATE TABLE identifier_counts (
  type TEXT PRIMARY KEY NOT NULL,
  n    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO identifier_counts (type, n) VALUES
  ('card', 0), ('face_id', 0), ('inputCode', 0), ('qr', 0), ('ukey', 0), ('license_plate', 0);
CREATE TRIGGER identifiers_count_insert AFTER INSERT ON identifiers BEGIN
  UPDATE identifier_counts SET n = n + 1 WHERE type = NEW.type;
END;
CREATE TRIGGER identifiers_count_delete AFTER DELETE ON identifiers BEGIN
  UPDATE identifier_counts SET n = n - 1 WHERE type = OLD.type;
END;
CREATE TRIGGER identifiers_count_retype AFTER UPDATE OF type ON identifiers WHEN NEW.type <> OLD.type BEGIN
  UPDATE identifier_counts SET n = n - 1 WHERE type = OLD.type;
  UPDATE identifier_counts SET n = n + 1 WHERE type = NEW.type;
END;

CREATE TABLE access_codes (
  id              TEXT PRIMARY KEY NOT NULL,
  code            TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 16 AND code NOT GLOB '*[^0-9]*'),
  name            TEXT,
  lock            TEXT NOT NULL CHECK (length(lock) BETWEEN 1 AND 64),
  type            TEXT NOT NULL CHECK (type IN ('ongoing', 'time_bound')),
  starts_at       INTEGER,
  ends_at         INTEGER,
  is_one_time_use INTEGER NOT NULL DEFAULT 0 CHECK (is_one_time_use IN (0, 1)),
  used_at         INTEGER,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  CHECK (type = 'time_bound' OR (starts_at IS NULL AND ends_at IS NULL)),
  CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);

CREATE TRIGGER access_codes_code_space_insert BEFORE INSERT ON access_codes
WHEN EXISTS (SELECT 1 FROM identifiers WHERE type = 'inputCode' AND number = NEW.code) BEGIN
  SELECT RAISE(ABORT, 'code space: digits taken by an inputCode identifier');
END;
CREATE TRIGGER access_codes_code_space_update BEFORE UPDATE OF code ON access_codes
WHEN EXISTS (SELECT 1 FROM identifiers WHERE type = 'inputCode' AND number = NEW.code) BEGIN
  SELECT RAISE(ABORT, 'code space: digits taken by an inputCode identifier');
END;
CREATE TRIGGER identifiers_code_space_insert BEFORE INSERT ON identifiers
WHEN NEW.type = 'inputCode' AND EXISTS (SELECT 1 FROM access_codes WHERE code = NEW.number) BEGIN
  SELECT RAISE(ABORT, 'code space: digits taken by an access code');
END;
CREATE TRIGGER identifiers_code_space_update BEFORE UPDATE OF type, number ON identifiers
WHEN NEW.type = 'inputCode' AND EXISTS (SELECT 1 FROM access_codes WHERE code = NEW.number) BEGIN
  SELECT RAISE(ABORT, 'code space: digits taken by an access code');
END;

CREATE TABLE settings (
  key        TEXT PRIMARY KEY NOT NULL,
  value_json TEXT NOT NULL CHECK (json_valid(value_json)),
  updated_at INTEGER NOT NULL
);

CREATE TABLE admin_accounts (
  username      TEXT PRIMARY KEY NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
  password_hash TEXT NOT NULL CHECK (password_hash GLOB 'scrypt$*'),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);

CREATE TABLE api_keys (
  id         TEXT PRIMARY KEY NOT NULL,
  name       TEXT NOT NULL,
  key_hash   TEXT NOT NULL UNIQUE CHECK (length(key_hash) = 64),
  role       TEXT NOT NULL CHECK (role IN ('admin', 'operator')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY NOT NULL CHECK (length(token_hash) = 64),
  username   TEXT NOT NULL REFERENCES admin_accounts(username) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_username ON sessions(username);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE journal (
  seq            INTEGER PRIMARY KEY AUTOINCREMENT,
  ts             INTEGER NOT NULL,
  type           TEXT NOT NULL,
  reader         TEXT,
  door           TEXT,
  identifier_uid TEXT,
  credential     TEXT,
  reason         TEXT,
  details_json   TEXT
);
CREATE INDEX journal_ts ON journal(ts);
CREATE INDEX journal_type_ts ON journal(type, ts);
CREATE INDEX journal_reader_ts ON journal(reader, ts) WHERE reader IS NOT NULL;
CREATE INDEX journal_door_ts ON journal(door, ts) WHERE door IS NOT NULL;
CREATE INDEX journal_identifier_ts ON journal(identifier_uid, ts) WHERE identifier_uid IS NOT NULL;
CREATE INDEX journal_credential_ts ON journal(credential, ts) WHERE credential IS NOT NULL;
`,
};
