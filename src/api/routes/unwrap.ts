import type { RepoResult } from '../../storage/result-codes.ts';
import { ApiError, failed } from '../errors.ts';
import { WRONG_JSON_BODY } from '../wrong-body.ts';

/** The value of a successful result, else the failure as an ApiError (status from one table). */
export function unwrap<T>(r: RepoResult<T>): T {
  if (r.ok) return r.value;
  if (r.code === 'invalid_input') throw new ApiError(400, WRONG_JSON_BODY);
  throw failed(r.code);
}
