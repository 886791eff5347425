/**
 * Every error leaves the API as `{"error": "..."}` JSON. Business failures of single-entity
 * routes carry the one result enumeration (seed 002 extended_info) as the error text, with an
 * HTTP status chosen from this table; batch routes report the same codes per item with HTTP 200.
 */
import type { RepoFailureCode } from '../storage/result-codes.ts';

export const LOG_IN = 'Log In';
export const ADMIN_REQUIRED = 'Administrator rights required';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(error);
    this.name = 'ApiError';
  }
}

export const HTTP_STATUS_OF: Readonly<Record<RepoFailureCode, number>> = {
  entity_not_found: 404,
  has_dublicates: 409,
  number_taken_by_another_identifier: 409,
  bad_base_64_image_file: 400,
  face_has_not_recognized: 422,
  bound_time_profile_doesnt_exist: 422,
  face_id_not_supported: 422,
  number_of_face_identifiers_exceeded: 409,
  number_of_identifiers_exceeded: 409,
  invalid_time_rules_settings: 422,
  invalid_input: 400,
};

export function failed(code: RepoFailureCode): ApiError {
  return new ApiError(HTTP_STATUS_OF[code], code);
}
