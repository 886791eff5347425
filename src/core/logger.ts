import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach a log line: PINs, passwords, tokens, API keys. */
export const REDACT_PATHS = [
  'pin', '*.pin', 'PIN', '*.PIN', 'password', '*.password', 'token', '*.token',
  'apiKey', '*.apiKey', 'authorization', '*.authorization', 'req.headers.authorization',
  'code', '*.code',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const options = { level: opts.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that writes nothing, for tests that do not inspect logs. */
export const silentLogger: Logger = pino({ level: 'silent' });
