import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line: PINs, passwords, tokens, API keys. */
export const REDACT_PATHS = [
  'pin', '*.pin', 'PIN', '*.PIN', 'password', '*.password', 'token', '*.token',
  'apiKey', '*.apiKey', 'authorization', '*.authorization', 'req.headers.authorization',
  'code', '*.code',
];

/**
 * Logs go to stdout (journald) synchronously: a line about a grant is on its way to the kernel
 * before the next event is handled, so a crash or power cut cannot drop a burst of queued lines.
 */
export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = { level: opts.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return pino(options, opts.destination ?? pino.destination({ dest: 1, sync: true }));
}

/** A logger that writes nothing, for tests that do not inspect logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
