/** Public API of the access-decision core (pure: no storage, HTTP, GPIO or serial). */
export { DENY_REASONS, DENY_REASON_NAMES, isDenyReason, type DecisionReason, type DenyReason } from './reasons.ts';
export {
  IDENTIFIER_TYPES,
  IDENTIFIER_TYPE_NAMES,
  isIdentifierType,
  type IdentifierType,
  type IdentifierValue,
  type NumericIdentifierType,
} from './identifier-key.ts';
export { LOCK_SCOPES, LOCK_SCOPE_NAMES, isLockScope, type LockScope } from './lock-scope.ts';
export {
  CredentialIndex,
  type BulkLoadResult,
  type IdentifierRecord,
  type IdentifierRow,
  type RowError,
  type UpsertResult,
} from './credential-index.ts';
export { isValidTimeZone } from './local-time.ts';
export {
  TimeProfile,
  TimeProfileSet,
  WEEKDAY_NAMES,
  type TimeProfileDef,
  type TimeProfileLookup,
  type TimeWindow,
  type Weekday,
  type WeeklyWindow,
} from './time-profile.ts';
export {
  READER_MODES,
  decide,
  denied,
  type AccessRead,
  type Decision,
  type DecisionContext,
  type PinVerifier,
  type ReaderBinding,
  type ReaderMode,
} from './rules-engine.ts';
export {
  DEFAULT_HOLD_OFF_MS,
  DEFAULT_LOCKOUT,
  DEFAULT_PIN_WINDOW_MS,
  ReaderSession,
  type LockoutPolicy,
  type Presented,
  type ReaderSessionOptions,
  type SessionEvent,
} from './reader-session.ts';
