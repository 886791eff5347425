/**
 * The one list of access-decision reasons. Every deny carries exactly one of these; a grant carries
 * 'granted'. The journal, the API and metrics all use these strings, so they are part of the
 * product's contract: add new ones at the end, never rename.
 */
export const DENY_REASONS = {
  unknown: 'no identifier with this number (or code) is enrolled',
  disabled: 'the identifier is enrolled but disabled',
  not_yet_valid: 'the read is before the start of the validity period',
  expired: 'the read is after the end of the validity period',
  passes_exhausted: 'every allowed pass has been used',
  code_used: 'a one-time access code that has already been used',
  outside_time_profile: 'the time profile does not allow access at this local time',
  time_profile_missing: 'the identifier refers to a time profile that does not exist (fail closed)',
  wrong_lock: 'the identifier does not open any door this reader controls',
  pin_required: 'this reader needs a PIN after the card',
  pin_not_set: 'this reader needs card and PIN, but the card has no PIN enrolled',
  pin_wrong: 'the PIN does not match the card',
  card_then_pin_timeout: 'no PIN was entered in time after the card',
  card_required: 'a PIN alone was entered on a card-and-PIN reader',
  card_not_accepted: 'a card was presented to a PIN-only reader',
  pin_not_accepted: 'a PIN was entered on a card-only reader',
  locked_out: 'the reader is locked after too many wrong PINs',
  parity_error: 'the frame failed parity or framing checks (journal only)',
} as const;

export type DenyReason = keyof typeof DENY_REASONS;
export type DecisionReason = DenyReason | 'granted';

export const DENY_REASON_NAMES = Object.keys(DENY_REASONS) as DenyReason[];

export function isDenyReason(s: string): s is DenyReason {
  return Object.hasOwn(DENY_REASONS, s);
}
