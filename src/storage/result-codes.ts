/**
 * The one result enumeration shared by storage and the HTTP API: exactly the `extended_info`
 * values of the batch-users contract (seed 002), spelling included (`has_dublicates`).
 */
export const RESULT_CODES = [
  'created',
  'updated',
  'deleted',
  'entity_not_found',
  'has_dublicates',
  'number_taken_by_another_identifier',
  'bad_base_64_image_file',
  'face_has_not_recognized',
  'bound_time_profile_doesnt_exist',
  'face_id_not_supported',
  'number_of_face_identifiers_exceeded',
  'number_of_identifiers_exceeded',
  'invalid_time_rules_settings',
] as const;

export type ResultCode = (typeof RESULT_CODES)[number];
export type SuccessCode = Extract<ResultCode, 'created' | 'updated' | 'deleted'>;
export type FailureCode = Exclude<ResultCode, SuccessCode>;

/**
 * The one storage-side addition, deliberately outside RESULT_CODES: a value the API layer should
 * already have refused (malformed number, unknown lock, clear-text where a hash belongs). Seed 002
 * answers such requests with HTTP 400 "Wrong JSON body", not with an `extended_info`, so the API
 * maps this to its 400 path; storage only refuses instead of storing it.
 */
export type InvalidInput = 'invalid_input';
export type RepoFailureCode = FailureCode | InvalidInput;

/**
 * What a repository write returns instead of throwing. `detail` is for logs and operators (which
 * field was wrong); it never carries a secret.
 */
export type RepoResult<T> =
  | { readonly ok: true; readonly code: SuccessCode; readonly value: T }
  | { readonly ok: false; readonly code: RepoFailureCode; readonly detail?: string };

export function success<T>(code: SuccessCode, value: T): RepoResult<T> {
  return { ok: true, code, value };
}

export function failure<T = never>(code: RepoFailureCode, detail?: string): RepoResult<T> {
  return detail === undefined ? { ok: false, code } : { ok: false, code, detail };
}

export function isResultCode(s: string): s is ResultCode {
  return (RESULT_CODES as readonly string[]).includes(s);
}
