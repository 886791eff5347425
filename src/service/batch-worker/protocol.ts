/** Messages between the main thread and the identifier batch worker (structured-clone data only). */
import type { IdentifierType } from '../../access/identifier-key.ts';
import type { ErrorFields } from '../../core/worker-errors.ts';
import type { IdentifierIndexChunk } from '../../storage/identifier-index-reader.ts';
import type { IdentifierCapacity } from '../../storage/identifiers.ts';
import type { RepresentationMode } from '../../wiegand/credential-number.ts';
import type { Principal } from '../auth.ts';
import type { InputLocation } from '../invalid-input.ts';

export interface BatchWorkerData {
  /** The database file; the worker opens its own connection to it (WAL). */
  readonly dbPath: string;
  readonly capacity?: IdentifierCapacity;
  /** The main thread's write-turn counter for the file (storage/write-turn.ts). */
  readonly turn: Int32Array;
  readonly chunkMs?: number;
  readonly reportEveryMs?: number;
  /** The worker writes the admin_change journal rows itself, durable with their chunk (bounded to maxRows). */
  readonly journal: { readonly maxRows?: number };
}

export type ToWorker =
  /** Raw request items, sent in slices so no single structured clone blocks the main thread. */
  | { readonly kind: 'items'; readonly id: number; readonly items: unknown[] }
  /**
   * Start the job. `json`: the request body's bytes (transferred, not copied): the worker parses
   * and checks the envelope itself, and no `items` were sent.
   */
  | {
      readonly kind: 'run'; readonly id: number; readonly type: IdentifierType; readonly mode: RepresentationMode; readonly caller?: Principal;
      readonly json?: Uint8Array;
    }
  /** The items could not all be sent (see BatchReply 'untransferable'): forget those received. */
  | { readonly kind: 'drop'; readonly id: number };

/**
 * A CommittedChunk as sent: index entries as columns of numbers (indexChunkOf), journal events as
 * JSON lines (json-lines.ts), which the main thread parses a line at a time while it applies them,
 * in slices between yields.
 */
export interface ChunkMessage {
  readonly entries: IdentifierIndexChunk;
  readonly removed: number[];
  readonly events: string[];
  /** The journal types among `events`, so the main thread can leave unparsed what no one listens for. */
  readonly eventTypes: string[];
}

export type FromWorker =
  | { readonly kind: 'chunk'; readonly id: number; readonly chunk: ChunkMessage }
  /** `json`: the reply body `{"result":[...]}`, serialized and encoded in the worker (UTF-8, transferred). */
  | { readonly kind: 'done'; readonly id: number; readonly json: Uint8Array }
  | { readonly kind: 'invalid'; readonly id: number; readonly error: string }
  | { readonly kind: 'input'; readonly id: number; readonly location: InputLocation; readonly path: PropertyKey[]; readonly reason: string }
  /** The worker's error with its `stack` and `code` (a SQLite error's, say), so the daemon's log says where it failed. */
  | ({ readonly kind: 'failed'; readonly id: number } & ErrorFields);
