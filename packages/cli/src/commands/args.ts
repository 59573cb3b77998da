import { AgentId, TaskId } from '@figaro/protocol';
import { UsageError } from './io.js';

/** Exactly `names.length` positionals, named in the error when some are missing or extra. */
export function positionals(values: readonly string[], names: readonly string[]): string[] {
  if (values.length < names.length) {
    throw new UsageError(`missing ${names.slice(values.length).join(' and ')}`);
  }
  if (values.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(values[names.length])}`);
  }
  return [...values];
}

/** A task id from the command line (a lowercase UUID); anything else is a usage error. */
export function taskIdArg(text: string): string {
  const id = text.trim().toLowerCase();
  if (!TaskId.safeParse(id).success) {
    throw new UsageError(`${JSON.stringify(text)} is not a task id (task ids are UUIDs)`);
  }
  return id;
}

/** A worker or desktop id from the command line (`^[a-z0-9][a-z0-9_-]{0,62}$`). */
export function agentIdArg(text: string, what: string): string {
  if (!AgentId.safeParse(text).success) {
    throw new UsageError(
      `${what} ${JSON.stringify(text)} is not valid: use lowercase letters, digits, "_" and "-" (at most 63)`,
    );
  }
  return text;
}
