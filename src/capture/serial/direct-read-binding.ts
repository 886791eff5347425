/**
 * node-serialport's Linux binding, reading the port on the event-loop thread.
 *
 * The stock binding reads with an asynchronous fs.read on libuv's thread pool: when the poller
 * says "readable", the read is queued, and the bytes reach the parser only on a later turn of the
 * event loop. On a daemon whose loop is busy with admin requests every turn costs up to one
 * request, so a card's packet waited two requests before it was even parsed (issue #6's load
 * campaign: 3.7 ms median from the packet's write to the parser under load, 0.6 ms idle). The
 * port is opened non-blocking, so reading it synchronously when the poller fires costs one
 * syscall and delivers the bytes in the same turn.
 */
import { readSync } from 'node:fs';
import { LinuxBinding, LinuxPortBinding, type LinuxBindingInterface } from '@serialport/bindings-cpp';

/** What read() resolves with (the stock binding's shape). */
interface ReadResult {
  bytesRead: number;
  buffer: Buffer;
}

const WOULD_BLOCK = new Set(['EAGAIN', 'EWOULDBLOCK', 'EINTR']);
/** Errors that mean the device went away (the stock read's list): the stream then closes as disconnected. */
const GONE = new Set(['EBADF', 'ENXIO', 'UNKNOWN']);

class DirectReadPortBinding extends LinuxPortBinding {
  override async read(buffer: Buffer, offset: number, length: number): Promise<ReadResult> {
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    for (;;) {
      const fd = this.fd;
      if (fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
      try {
        const bytesRead = readSync(fd, buffer, offset, length, null);
        if (bytesRead > 0) return { bytesRead, buffer };
      } catch (err) {
        const { code = '', errno } = err as NodeJS.ErrnoException;
        if (!WOULD_BLOCK.has(code)) {
          if (GONE.has(code) || errno === -1) Object.assign(err as object, { disconnect: true });
          throw err;
        }
      }
      // Nothing to read (or a zero-byte read): wait for the poller, which fires on the loop thread.
      await new Promise<void>((resolve, reject) => {
        this.poller.once('readable', (err) => (err ? reject(err) : resolve()));
      });
    }
  }
}

/** LinuxBinding whose ports read synchronously when readable; everything else is the stock binding. */
export const DirectReadLinuxBinding: LinuxBindingInterface = {
  list: () => LinuxBinding.list(),
  async open(options) {
    const port = await LinuxBinding.open(options);
    // The stock port object keeps its descriptor and poller (a second poller on the same fd is not
    // allowed); only its read changes. DirectReadPortBinding adds no fields, so this is sound.
    return Object.setPrototypeOf(port, DirectReadPortBinding.prototype) as DirectReadPortBinding;
  },
};
