/**
 * The simulated serial reader's sending end: writes wiegand-bridge or EM4100 packets (or any raw
 * bytes, to inject damage) to a serial device, e.g. one end of a socat pty pair.
 */
import { SerialPort } from 'serialport';
import type { BridgePacket } from '../serial/bridge-packet.ts';
import { encodeBridgePacket } from '../serial/bridge-packet.ts';
import { encodeEm4100Packet } from '../serial/em4100-packet.ts';
import { DEFAULT_BAUD_RATE, type SerialReaderKind } from '../serial/serial-reader.ts';

export interface SimSerialWriter {
  writeBridge(packet: BridgePacket): Promise<void>;
  writeEm4100(value: bigint): Promise<void>;
  writeRaw(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function openSimSerialWriter(opts: { path: string; kind: SerialReaderKind; baudRate?: number }): Promise<SimSerialWriter> {
  const port = new SerialPort({ path: opts.path, baudRate: opts.baudRate ?? DEFAULT_BAUD_RATE[opts.kind], autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const writeRaw = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => {
        if (err) reject(err);
        else port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  return {
    writeRaw,
    writeBridge: (packet) => writeRaw(encodeBridgePacket(packet)),
    writeEm4100: (value) => writeRaw(encodeEm4100Packet(value)),
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}
