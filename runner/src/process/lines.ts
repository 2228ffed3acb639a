/** Turns a byte stream into lines: UTF-8 safe across chunks, long lines cut into pieces. */
import { StringDecoder } from "node:string_decoder";

export class LineSplitter {
  private readonly decoder = new StringDecoder("utf8");
  private partial = "";

  constructor(
    private readonly emit: (line: string) => void,
    /** Longer lines are emitted in pieces of this many characters (the server caps line length). */
    private readonly maxLineChars: number,
  ) {}

  write(chunk: Buffer): void {
    this.take(this.decoder.write(chunk));
  }

  /** Emits what is left (a last line without its newline). */
  end(): void {
    this.take(this.decoder.end());
    if (this.partial.length > 0) this.emitPieces(this.partial);
    this.partial = "";
  }

  private take(text: string): void {
    if (text.length === 0) return;
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    for (const part of parts) this.emitPieces(part.endsWith("\r") ? part.slice(0, -1) : part);
    // A line that never ends must not grow without bound.
    while (this.partial.length > this.maxLineChars) {
      this.emit(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
  }

  private emitPieces(line: string): void {
    if (line.length <= this.maxLineChars) {
      this.emit(line);
      return;
    }
    for (let at = 0; at < line.length; at += this.maxLineChars) this.emit(line.slice(at, at + this.maxLineChars));
  }
}

/** Keeps the last `maxBytes` bytes written, cut at a UTF-8 character boundary when read. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front so far. */
  dropped = 0;

  constructor(private readonly maxBytes: number) {}

  write(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.maxBytes) {
      const first = this.chunks[0];
      if (first === undefined) break;
      const excess = this.size - this.maxBytes;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** The tail as text; never more than `maxBytes` bytes of UTF-8. */
  text(): string {
    const bytes = Buffer.concat(this.chunks);
    // Skip continuation bytes left over from a character cut at the front.
    let start = 0;
    while (start < bytes.length && start < 4 && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
    let text = bytes.subarray(start).toString("utf8");
    // A character cut at the very end decodes to U+FFFD, which may be longer than its bytes.
    while (Buffer.byteLength(text, "utf8") > this.maxBytes) text = text.slice(1);
    return text;
  }
}
