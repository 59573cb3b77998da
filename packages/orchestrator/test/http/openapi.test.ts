import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiPath, REST_ROUTES } from '../../src/http/routes.js';
import { API_TOKEN, startTestServer, type TestServer } from './support.js';

interface Operation {
  operationId: string;
  parameters?: Array<{ name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
  requestBody?: { content: { 'application/json': { schema: { $ref: string } } } };
  responses: Record<
    string,
    { $ref?: string; content?: { 'application/json': { schema: { $ref?: string } } } }
  >;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Record<string, unknown>>;
    responses: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
  };
}

/** Every `$ref` string anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === '$ref' && typeof v === 'string' ? [v] : refsIn(v),
  );
}

describe('OpenAPI document', () => {
  let server: TestServer;
  let doc: Document;
  beforeAll(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/api/v1/openapi.json`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = JSON.parse(await res.text()) as Document;
  });
  afterAll(async () => {
    await server.close();
  });

  it('is OpenAPI 3.1 with components and security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(20);
    expect(doc.components.schemas.Error).toMatchObject({ type: 'object', required: ['error', 'code'] });
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    expect(doc.components.securitySchemes).toHaveProperty('sessionCookie');
  });

  it('lists every REST route with unique operation ids', () => {
    const ids = new Set<string>();
    for (const route of REST_ROUTES) {
      const operation = doc.paths[openApiPath(route.path)]?.[route.method];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.responses['200']?.content?.['application/json'].schema.$ref).toMatch(/Reply$/);
      expect(operation?.responses['400']).toEqual({ $ref: '#/components/responses/Error' });
      ids.add(operation?.operationId ?? '');
    }
    expect(doc.paths['/api/v1/auth/login']?.post).toBeDefined();
    expect(ids.size).toBe(REST_ROUTES.length);
  });

  it('describes the health probes, the blob routes, /metrics and the dashboard WebSocket', () => {
    expect(doc.paths['/api/health']?.get).toBeDefined();
    expect(doc.paths['/api/ready']?.get?.responses['503']).toBeDefined();
    expect(doc.paths['/api/v1/blobs/{sha256}']?.put?.operationId).toBe('putBlob');
    expect(doc.paths['/api/v1/blobs/{sha256}']?.get?.operationId).toBe('getBlob');
    expect(doc.paths['/metrics']?.get?.operationId).toBe('getMetrics');
    expect(doc.paths['/api/ws']?.get?.responses['101']).toBeDefined();
  });

  it('resolves every reference', () => {
    for (const ref of refsIn(doc)) {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref) ?? [];
      expect(kind, ref).toBeDefined();
      expect(doc.components[kind as 'schemas' | 'responses'][name ?? ''], ref).toBeDefined();
    }
  });

  it('describes parameters and bodies from the request schemas', () => {
    const get = doc.paths['/api/v1/tasks/{id}']?.get;
    expect(get?.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    );
    expect(get?.parameters).toContainEqual(
      expect.objectContaining({
        name: 'include_messages',
        in: 'query',
        required: false,
        schema: { default: true, type: 'boolean' },
      }),
    );
    const list = doc.paths['/api/v1/tasks']?.get;
    expect(list?.parameters?.map((p) => p.name).sort()).toEqual(['cursor', 'limit', 'status', 'worker_id']);

    const create = doc.paths['/api/v1/tasks']?.post;
    expect(create?.requestBody?.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/TasksCreateRequest',
    );
    expect(create?.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(doc.components.schemas.TasksCreateRequest).toMatchObject({ required: ['prompt'] });

    const respond = doc.paths['/api/v1/help-requests/{id}/respond']?.post;
    const body = doc.components.schemas.HelpRequestsRespondBody;
    expect(respond?.requestBody?.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/HelpRequestsRespondBody',
    );
    expect(body?.required).toEqual(['answers']);
    expect(body?.properties).not.toHaveProperty('request_id');
  });
});
