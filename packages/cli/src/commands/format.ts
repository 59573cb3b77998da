import type { Task } from '@figaro/protocol';
import type { CliIo } from './io.js';

/** Longest line a progress or summary line may take, in characters. */
export const LINE_WIDTH = 100;

const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][\s\S]*?(?:\u0007|\u001b\\|$)|[ -/]*[0-~])?|\u009b[0-?]*[ -/]*[@-~]|[\u0090\u0098\u009d-\u009f][\s\S]*?(?:\u0007|\u009c|$)/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters it removes
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text from the server (a model's message, a web page's title, an error) made safe to print on a
 * terminal: escape sequences (CSI, OSC such as title or clipboard writes, DCS, and their 8-bit C1
 * forms) are removed with their parameters, then every other C0/C1 control character and DEL;
 * newlines and tabs stay (`\r\n` becomes `\n`).
 */
export function sanitize(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(ESCAPE_SEQUENCE, '').replace(CONTROL_CHARACTER, '');
}

/** One line: control characters removed, whitespace folded, cut to `max` characters with `…`. */
export function clip(text: string, max: number): string {
  const flat = sanitize(text).replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  return max <= 1 ? '…' : `${flat.slice(0, max - 1)}…`;
}

/**
 * A table: a header row, then one row per entry, columns padded to their widest cell and separated by
 * two spaces; the last column is not padded.
 */
export function table(headers: readonly string[], cells: readonly (readonly string[])[]): string {
  const rows = cells.map((row) => row.map((cell) => sanitize(cell).replace(/\s+/g, ' ')));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `label  value` lines with the labels padded to one width; rows without a value are left out. */
export function fields(rows: ReadonlyArray<readonly [string, string | null | undefined]>): string {
  const present = rows
    .filter((row): row is readonly [string, string] => row[1] !== undefined && row[1] !== null)
    .map(([label, value]) => [label, sanitize(value)] as const);
  const width = Math.max(0, ...present.map(([label]) => label.length));
  return present.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** A timestamp in local time, to the second: `2025-01-31 14:05:09`. */
export function localTime(iso: string | null): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The agent a task is with: `worker w1`, `supervisor s1`, or `-`. */
export function assignee(task: Task): string {
  if (task.worker_id) return `worker ${task.worker_id}`;
  if (task.supervisor_id) return `supervisor ${task.supervisor_id}`;
  return '-';
}

/**
 * Prints a value as indented JSON on standard output. JSON escapes C0 controls itself; DEL and the C1
 * controls (which some terminals obey) are escaped too, so the text is the same JSON value.
 */
export function printJson(io: CliIo, value: unknown): void {
  const text = JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  io.out(`${text}\n`);
}
