/**
 * A request value the service cannot act on (a number that is not valid for its type in the
 * representation mode in force, ...). Raised before any write; the API answers 400 naming the
 * field by its path, in the reference wording.
 */
export type InputLocation = 'body' | 'query' | 'params';

export class InvalidInputError extends Error {
  constructor(
    readonly location: InputLocation,
    readonly path: readonly PropertyKey[],
    readonly reason: string,
  ) {
    super(`invalid ${location} value at ${path.map(String).join('.')}: ${reason}`);
    this.name = 'InvalidInputError';
  }
}
