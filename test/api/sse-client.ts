/**
 * A minimal server-sent events reader over real HTTP (node:http), for tests: parses the stream as
 * it arrives into messages (`event` + `data`) and comments, and waits for one that matches.
 */
import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  readonly event: string;
  readonly data: string;
}

export interface SseStream {
  readonly response: IncomingMessage;
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** Resolves with the first message (already received or future) matching `pred`. */
  next(pred: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  /** Resolves once a comment line equal to `text` has arrived. */
  comment(text: string, timeoutMs?: number): Promise<void>;
  close(): void;
}

export function openEventStream(url: string, token: string): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' } }, (response) => {
      const messages: SseMessage[] = [];
      const comments: string[] = [];
      const waiters = new Set<() => void>();
      let buf = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buf += chunk;
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0) messages.push({ event, data: data.join('\n') });
        }
        for (const w of [...waiters]) w();
      });
      const waitFor = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
        new Promise((ok, fail) => {
          const check = () => {
            const found = find();
            if (found === undefined) return;
            waiters.delete(check);
            clearTimeout(timer);
            ok(found);
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            fail(new Error(`no ${what} on the event stream; got ${JSON.stringify(messages)} ${JSON.stringify(comments)}`));
          }, timeoutMs);
          waiters.add(check);
          check();
        });
      resolve({
        response,
        messages,
        comments,
        next: (pred, timeoutMs = 3000) => waitFor(() => messages.find(pred), 'matching message', timeoutMs),
        comment: (text, timeoutMs = 3000) => waitFor(() => (comments.includes(text) ? true : undefined), `comment "${text}"`, timeoutMs).then(() => undefined),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}
