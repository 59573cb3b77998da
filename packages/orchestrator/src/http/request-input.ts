import { FigaroError } from '@figaro/protocol';
import { z } from 'zod';
import { apiEntry } from '../api/router.js';
import type { RestRoute } from './routes.js';

/** A JSON Schema (draft 2020-12) object as zod produces it. */
export type JsonSchema = z.core.JSONSchema.JSONSchema;

const cache = new WeakMap<z.ZodType, { input?: JsonSchema; output?: JsonSchema }>();

/**
 * The JSON Schema of a zod schema, as a request (`input`: defaults make fields optional) or as a reply
 * (`output`). Types JSON cannot express become `{}`. Cached per schema and direction.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const entry = cache.get(schema) ?? {};
  let json = entry[io];
  if (!json) {
    const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
    json = rest;
    entry[io] = json;
    cache.set(schema, entry);
  }
  return json;
}

/** The top-level properties of an object schema (empty for anything else). */
export function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> {
  const properties: Record<string, JsonSchema> = {};
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    properties[key] = typeof value === 'boolean' ? {} : value;
  }
  return properties;
}

function typesOf(schema: JsonSchema): readonly string[] {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const nested = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])].flatMap(typesOf);
  return [...types, ...nested];
}

const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Query strings carry text only: a value whose field is a number or boolean in `schema` is converted
 * when it reads as one. Anything else stays a string, so the schema names the field if it is wrong.
 */
function coerceQuery(query: Record<string, string>, schema: JsonSchema): Record<string, unknown> {
  const properties = propertiesOf(schema);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    const property = properties[key];
    const types = property ? typesOf(property) : [];
    if ((types.includes('integer') || types.includes('number')) && NUMBER.test(value)) {
      out[key] = Number(value);
    } else if (types.includes('boolean') && (value === 'true' || value === '1')) {
      out[key] = true;
    } else if (types.includes('boolean') && (value === 'false' || value === '0')) {
      out[key] = false;
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The parts of an HTTP request a route's input is built from. */
export interface RequestParts {
  params: Record<string, string>;
  query: Record<string, string>;
  /** The parsed JSON body, or `undefined` when the request has none. */
  body: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Builds the catalogue request of `route` from a request: defaults, then the body or the coerced
 * query, then the path parameters, which win. A body that is present but not a JSON object is
 * `invalid_request`.
 */
export function buildInput(route: RestRoute, parts: RequestParts): Record<string, unknown> {
  const input: Record<string, unknown> = { ...route.defaults };
  if (route.from === 'body' && parts.body !== undefined) {
    if (!isPlainObject(parts.body))
      throw new FigaroError('invalid_request', 'request body must be a JSON object');
    Object.assign(input, parts.body);
  } else if (route.from === 'query') {
    Object.assign(input, coerceQuery(parts.query, jsonSchemaOf(apiEntry(route.api).request, 'input')));
  }
  for (const [param, field] of Object.entries(route.params ?? {})) {
    const value = parts.params[param];
    if (value !== undefined) input[field] = value;
  }
  return input;
}
