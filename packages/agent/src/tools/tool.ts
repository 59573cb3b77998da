import type { ProgressState } from '@figaro/protocol';
import { z } from 'zod';
import type { FunctionToolSpec, ToolResultContent, ToolSpec } from '../model/model-client.js';

/** What a running tool may use besides its input. */
export interface ToolContext {
  /** Aborted when the task is cancelled; a tool stops promptly (the loop does not wait past 2 s). */
  signal: AbortSignal;
  /** The model's id of this call. */
  toolUseId: string;
  /** Reports a progress state while the tool runs (e.g. `waiting_human`). */
  progress(state: ProgressState): void;
}

/**
 * A tool the model can call. `input` parses the model's arguments (a parse failure goes back to the
 * model as an error result, `run` is not called); `run` returns the result's content. Anything `run`
 * throws becomes an `is_error` result for the model, except cancellation.
 */
export interface Tool<I = unknown> {
  readonly name: string;
  readonly description: string;
  readonly input: z.ZodType<I>;
  /** How the model sees the tool. */
  spec(): ToolSpec;
  run(input: I, ctx: ToolContext): Promise<ToolResultContent[]>;
}

/** A failure a tool reports to the model as its result (no stack, no cause shown). */
export class ToolError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ToolError';
  }
}

/** The JSON schema of a zod input schema, as tool specs carry it (no `$schema` key). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

/** Defines a function tool from a zod input schema. */
export function defineTool<I>(definition: {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, ctx: ToolContext): Promise<ToolResultContent[]>;
}): Tool<I> {
  const spec: FunctionToolSpec = {
    kind: 'function',
    name: definition.name,
    description: definition.description,
    inputSchema: jsonSchemaOf(definition.input),
  };
  return {
    name: definition.name,
    description: definition.description,
    input: definition.input,
    spec: () => spec,
    run: (input, ctx) => definition.run(input, ctx),
  };
}

/** A one-text-block result. */
export function textResult(text: string): ToolResultContent[] {
  return [{ type: 'text', text }];
}
