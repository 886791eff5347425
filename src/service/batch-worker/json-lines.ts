/**
 * Records as JSON lines, for messages between threads that the receiver takes apart a record at a
 * time. A structured clone is deserialized whole before the receiver sees it: a batch worker report
 * of ~1,400 index entries and journal events blocked the event loop for 10-18 ms (perf, under the
 * import benchmark). One string arrives in well under a millisecond, and each record is parsed
 * when it is used, between the receiver's yields.
 */

/** One JSON text per record, each on its own line (JSON.stringify never emits a raw newline). */
export function toJsonLines(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n');
}

/** The records of toJsonLines' text, parsed one by one as the caller asks for them. */
export function* fromJsonLines<T>(text: string): Generator<T, void, undefined> {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    yield JSON.parse(text.slice(start, stop)) as T;
    start = stop + 1;
  }
}
