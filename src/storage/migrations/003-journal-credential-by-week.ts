import type { Migration } from './migration.ts';

/**
 * The journal's per-credential index keyed by week first, like the identifier index (migration
 * 002): `(ts / 604800000, credential, ts)` instead of `(credential, ts)`. Card numbers are
 * random keys, so every access event landed on a random leaf of an index over the whole journal,
 * and so did every row a full journal drops from its oldest end (as many as it takes in). Keyed
 * by week, inserts touch the current week's part of the index and drops the oldest week's.
 */
export const journalCredentialByWeek: Migration = {
  version: 3,
  name: 'journal credential index by week',
  sql: `
DROP INDEX journal_credential_ts;
CREATE INDEX journal_credential_week ON journal(ts / 604800000, credential, ts) WHERE credential IS NOT NULL;
`,
};
