// pino-roll ships no types; this is the part of its API that the logger uses.
declare module 'pino-roll' {
  import type {Writable} from 'node:stream';
  interface RollOptions {
    file: string;
    extension?: string;
    size?: string | number;
    frequency?: string | number;
    limit?: {count: number};
    mkdir?: boolean;
  }
  export default function roll(options: RollOptions): Promise<Writable & {file?: string; flushSync(): void}>;
}
