/**
 * ISO 8601 date-times from vendor APIs → Unix seconds. A date-time without an offset (as .NET
 * clients often send) is read as UTC, never as the controller's local zone, so the answer does not
 * depend on the machine's TZ setting.
 */
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

export function unixSecondsOfIso(text: string): number | undefined {
  const ms = Date.parse(HAS_OFFSET.test(text) ? text : `${text}Z`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}
