import { createHash } from 'node:crypto';
import { isRecord } from './http.js';

/**
 * A deterministic unit-length pseudo-embedding of `text`: every lower-cased word is hashed to a signed
 * dimension (feature hashing), so equal texts get equal vectors and texts sharing words are closer
 * (higher cosine) than unrelated ones. Text without words hashes as a whole.
 */
export function pseudoEmbedding(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const word of words) {
    const digest = createHash('sha256').update(word).digest();
    const slot = digest.readUInt32BE(0) % dimensions;
    vector[slot] = (vector[slot] ?? 0) + (digest.readUInt8(4) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((x) => x / norm);
}

/** The `embedding` field in the requested `encoding_format` (`base64` = little-endian float32). */
export function encodeEmbedding(vector: readonly number[], format: unknown): number[] | string {
  if (format !== 'base64') return [...vector];
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** The inputs of an embeddings request as strings (token arrays are JSON-encoded), or an error. */
export function embeddingInputs(input: unknown): string[] | string {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return '`input` must be a string or a non-empty array';
  if (input.every((x) => typeof x === 'number')) return [JSON.stringify(input)];
  return input.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** One part of a multipart/form-data body. */
export interface FormPart {
  readonly name: string;
  readonly fileName: string | undefined;
  readonly data: Buffer;
}

/** Splits a multipart/form-data body; returns an error message if it is not one. */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] | string {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!contentType?.startsWith('multipart/form-data') || !boundary) return 'expected multipart/form-data';
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after / before delimiters
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const head = part.subarray(0, split).toString('utf8');
      const name = /name="([^"]*)"/i.exec(head)?.[1];
      if (name !== undefined) {
        parts.push({ name, fileName: /filename="([^"]*)"/i.exec(head)?.[1], data: part.subarray(split + 4) });
      }
    }
    start = next;
  }
  return parts;
}

/** The answer of a transcription request in its `response_format` (json, text or verbose_json). */
export function transcriptionBody(
  text: string,
  format: string | undefined,
): { json: unknown } | { text: string } {
  if (format === 'text' || format === 'srt' || format === 'vtt') return { text };
  if (format === 'verbose_json')
    return { json: { task: 'transcribe', language: 'english', duration: 1, text, segments: [] } };
  return { json: { text } };
}

/** Whether `value` is a JSON object with a string `model`. */
export function hasModel(value: unknown): value is Record<string, unknown> & { model: string } {
  return isRecord(value) && typeof value.model === 'string';
}
