import { ErrorReply, HealthReply } from '@figaro/protocol';
import type { z } from 'zod';
import { HTTP_STATUS } from '../api/errors.js';
import { apiEntry } from '../api/router.js';
import { SESSION_COOKIE } from './auth.js';
import { LoginReply, LoginRequest, MeReply } from './auth-routes.js';
import { BLOBS_PATH } from './blob-routes.js';
import { type JsonSchema, jsonSchemaOf, propertiesOf } from './request-input.js';
import { openApiPath, REST_PREFIX, REST_ROUTES, type RestRoute } from './routes.js';
import { WS_PATH } from './ws-hub.js';

/** An OpenAPI 3.1 document (plain JSON). */
export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, unknown> & { schemas: Record<string, JsonSchema> };
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const pascal = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}`;

function operationId(route: RestRoute): string {
  const words = route.path
    .split('/')
    .filter((part) => part !== '')
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part))
    .flatMap((part) => part.split('-'));
  return `${route.method}${words.map(pascal).join('')}`;
}

/** Removes the fields a route fills itself (path parameters) and relaxes those with REST defaults. */
function withoutFields(
  schema: JsonSchema,
  removed: readonly string[],
  relaxed: readonly string[],
): JsonSchema {
  const properties = { ...schema.properties };
  for (const field of removed) delete properties[field];
  const required = (schema.required ?? []).filter((f) => !removed.includes(f) && !relaxed.includes(f));
  const { required: _required, ...rest } = schema;
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}

class DocumentBuilder {
  readonly schemas: Record<string, JsonSchema> = { Error: jsonSchemaOf(ErrorReply, 'output') };
  readonly paths: Record<string, Record<string, unknown>> = {};

  /** Registers a zod schema as a component (once per name) and returns a reference to it. */
  schema(name: string, schema: z.ZodType, io: 'input' | 'output'): { $ref: string } {
    return this.component(name, () => jsonSchemaOf(schema, io));
  }

  component(name: string, make: () => JsonSchema): { $ref: string } {
    this.schemas[name] ??= make();
    return ref(name);
  }

  add(path: string, method: string, operation: Record<string, unknown>): void {
    this.paths[path] = { ...this.paths[path], [method]: operation };
  }

  route(route: RestRoute): void {
    const entry = apiEntry(route.api);
    const name = pascal(route.api);
    const request = jsonSchemaOf(entry.request, 'input');
    const properties = propertiesOf(request);
    const pathFields = Object.values(route.params ?? {});
    const parameters: unknown[] = Object.entries(route.params ?? {}).map(([param, field]) => ({
      name: param,
      in: 'path',
      required: true,
      description: `the request's \`${field}\``,
      schema: properties[field] ?? { type: 'string' },
    }));
    if (route.from === 'query') {
      for (const [field, schema] of Object.entries(properties)) {
        if (pathFields.includes(field)) continue;
        parameters.push({
          name: field,
          in: 'query',
          required: request.required?.includes(field) ?? false,
          schema,
        });
      }
    }
    if (route.idempotencyKey) {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Repeating a request with the same key returns the first result.',
        schema: { type: 'string', minLength: 1, maxLength: 200 },
      });
    }
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      summary: route.summary,
      description: `Calls \`${entry.subject}\`.`,
      tags: [route.path.split('/')[1] ?? 'api'],
      parameters,
      responses: this.responses(this.schema(`${name}Reply`, entry.reply, 'output'), entry.errors),
    };
    if (route.from === 'body') {
      const relaxed = Object.keys(route.defaults ?? {});
      const body =
        pathFields.length > 0 || relaxed.length > 0
          ? this.component(`${name}Body`, () => withoutFields(request, pathFields, relaxed))
          : this.schema(`${name}Request`, entry.request, 'input');
      operation.requestBody = { required: true, content: json(body) };
    }
    this.add(openApiPath(route.path), route.method, operation);
  }

  responses(reply: unknown, codes: readonly (keyof typeof HTTP_STATUS)[] = []): Record<string, unknown> {
    const responses: Record<string, unknown> = { '200': { description: 'OK', content: json(reply) } };
    const statuses = new Set<number>([400, 401, 500, ...codes.map((code) => HTTP_STATUS[code])]);
    for (const status of [...statuses].sort((a, b) => a - b)) {
      responses[String(status)] = { $ref: '#/components/responses/Error' };
    }
    return responses;
  }

  authRoutes(): void {
    this.add(`${REST_PREFIX}/auth/login`, 'post', {
      operationId: 'postAuthLogin',
      summary: 'Sign in with a password; sets the session cookie',
      tags: ['auth'],
      security: [],
      requestBody: { required: true, content: json(this.schema('LoginRequest', LoginRequest, 'input')) },
      responses: {
        ...this.responses(this.schema('LoginReply', LoginReply, 'output')),
        '429': { $ref: '#/components/responses/Error' },
      },
    });
    this.add(`${REST_PREFIX}/auth/logout`, 'post', {
      operationId: 'postAuthLogout',
      summary: 'End the session of the cookie',
      tags: ['auth'],
      responses: this.responses({ type: 'object', properties: { status: { const: 'ok' } } }),
    });
    this.add(`${REST_PREFIX}/auth/me`, 'get', {
      operationId: 'getAuthMe',
      summary: 'Who the credentials belong to',
      tags: ['auth'],
      responses: this.responses(this.schema('MeReply', MeReply, 'output')),
    });
    this.add('/api/health', 'get', {
      operationId: 'getHealth',
      summary: 'Which backends run and whether they answer (503 when degraded)',
      tags: ['health'],
      security: [],
      responses: {
        '200': { description: 'OK', content: json(this.schema('HealthReply', HealthReply, 'output')) },
        '503': { description: 'Degraded', content: json(ref('HealthReply')) },
      },
    });
    this.add('/api/ready', 'get', {
      operationId: 'getReady',
      summary: 'Ready when the store answers a query and the bus carries a message (503 otherwise)',
      tags: ['health'],
      security: [],
      responses: {
        '200': { description: 'Ready', content: json(this.readyReply()) },
        '503': { description: 'Not ready', content: json(this.readyReply()) },
      },
    });
  }

  readyReply(): { $ref: string } {
    return this.component('ReadyReply', () => ({
      type: 'object',
      properties: { ready: { type: 'boolean' } },
      required: ['ready'],
    }));
  }

  /** The raw blob routes, `/metrics` and the dashboard WebSocket: not generated from `REST_ROUTES`. */
  otherRoutes(): void {
    const sha256 = {
      name: 'sha256',
      in: 'path',
      required: true,
      description: "the blob's SHA-256, lowercase hex",
      schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    };
    const bytes = { '*/*': { schema: { type: 'string', format: 'binary' } } };
    this.add(`${REST_PREFIX}${BLOBS_PATH}/{sha256}`, 'put', {
      operationId: 'putBlob',
      summary: 'Store a blob (the body, at most 20 MiB); the body must hash to the path',
      description: "Calls `figaro.api.blobs.put` chunk by chunk. `Content-Type` is the blob's media type.",
      tags: ['blobs'],
      parameters: [
        sha256,
        {
          name: 'task_id',
          in: 'query',
          required: false,
          description: 'the task the blob belongs to',
          schema: { type: 'string', format: 'uuid' },
        },
      ],
      requestBody: { required: true, content: bytes },
      responses: {
        ...this.responses(
          this.component('BlobPutReply', () => ({
            type: 'object',
            properties: { sha256: { type: 'string' }, complete: { const: true } },
            required: ['sha256', 'complete'],
          })),
        ),
        '413': { $ref: '#/components/responses/Error' },
      },
    });
    this.add(`${REST_PREFIX}${BLOBS_PATH}/{sha256}`, 'get', {
      operationId: 'getBlob',
      summary: 'The bytes of a blob, with its stored media type and an immutable cache policy',
      description: 'Calls `figaro.api.blobs.get` chunk by chunk.',
      tags: ['blobs'],
      parameters: [sha256],
      responses: {
        '200': { description: 'The blob', content: bytes },
        '400': { $ref: '#/components/responses/Error' },
        '401': { $ref: '#/components/responses/Error' },
        '404': { $ref: '#/components/responses/Error' },
      },
    });
    this.add('/metrics', 'get', {
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text format 0.0.4); needs a token with the metrics or admin scope',
      tags: ['health'],
      security: [{ bearerAuth: [] }],
      responses: {
        '200': { description: 'Metrics', content: { 'text/plain': { schema: { type: 'string' } } } },
        '401': { $ref: '#/components/responses/Error' },
        '403': { $ref: '#/components/responses/Error' },
      },
    });
    this.add(WS_PATH, 'get', {
      operationId: 'getWs',
      summary: 'The dashboard WebSocket (upgrade); frames as in PROTOCOL.md "Dashboard WebSocket"',
      description:
        'Client frames `{type:"req", id, subject, data}`, `{type:"sub"|"unsub", topic}`; server frames ' +
        '`{type:"res", id, data|error}` and `{type:"evt", topic, version, data}`. Requests go to the ' +
        'same API as REST and the bus (`subject` is a `figaro.api.*` subject). `Origin` must be the ' +
        "server's own or an allowed one; credentials as for REST, or `?token=`; a token needs the " +
        '`api` or `admin` scope (403 otherwise).',
      tags: ['ws'],
      parameters: [
        {
          name: 'token',
          in: 'query',
          required: false,
          description: 'an API token, for clients that cannot set headers',
          schema: { type: 'string' },
        },
      ],
      responses: {
        '101': { description: 'Switching Protocols' },
        '401': { $ref: '#/components/responses/Error' },
        '403': { $ref: '#/components/responses/Error' },
      },
    });
  }
}

/**
 * The OpenAPI 3.1 document of the REST API, generated from `REST_ROUTES` and the catalogue's zod
 * schemas: every route with its parameters, request body, reply and error responses.
 */
export function buildOpenApiDocument(): OpenApiDocument {
  const builder = new DocumentBuilder();
  for (const route of REST_ROUTES) builder.route(route);
  builder.authRoutes();
  builder.otherRoutes();
  return {
    openapi: '3.1.0',
    info: {
      title: 'Figaro API',
      version: '1',
      description: 'REST API of the Figaro orchestrator. Error replies are `{error, code}` (PROTOCOL.md).',
    },
    paths: builder.paths,
    components: {
      schemas: builder.schemas,
      responses: { Error: { description: 'An error reply', content: json(ref('Error')) } },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
      },
    },
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
  };
}
