import { describe, expect, it } from 'vitest';
import {
  Api,
  CreateTaskRequest,
  checkJsonBounds,
  formatIssues,
  MAX_JSON_DEPTH,
  MAX_JSON_FIELD_CHARS,
  RegisterWorker,
  TaskMessageEvent,
} from '../src/index.js';

/** `{"a":{"a":…1…}}`, `depth` objects deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

/** A 100,000-deep array as a JSON body would parse it (JSON.parse itself does not recurse). */
const veryDeep = (): unknown => JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);

describe('bounded free-form JSON', () => {
  it('measures depth and size without recursion', () => {
    expect(checkJsonBounds(nested(MAX_JSON_DEPTH))).toBeNull();
    expect(checkJsonBounds(nested(MAX_JSON_DEPTH + 1))).toEqual({ kind: 'depth', limit: MAX_JSON_DEPTH });
    expect(checkJsonBounds(veryDeep())).toEqual({ kind: 'depth', limit: MAX_JSON_DEPTH });
    const value = { list: [1, 'two', null, true, { k: 'v' }] };
    expect(checkJsonBounds(value, { maxChars: JSON.stringify(value).length })).toBeNull();
    expect(checkJsonBounds(value, { maxChars: JSON.stringify(value).length - 1 })).toMatchObject({
      kind: 'size',
    });
    expect(checkJsonBounds('x'.repeat(MAX_JSON_FIELD_CHARS))).toEqual({
      kind: 'size',
      limit: MAX_JSON_FIELD_CHARS,
    });
  });

  it('refuses deep or huge options and metadata, naming the field', () => {
    const deepOptions = CreateTaskRequest.safeParse({ prompt: 'p', options: { extra: veryDeep() } });
    expect(deepOptions.success).toBe(false);
    expect(formatIssues(deepOptions.error?.issues ?? [])).toBe('options: JSON nested deeper than 32 levels');

    const hugeMetadata = CreateTaskRequest.safeParse({
      prompt: 'p',
      source_metadata: { blob: 'x'.repeat(MAX_JSON_FIELD_CHARS) },
    });
    expect(formatIssues(hugeMetadata.error?.issues ?? [])).toBe(
      `source_metadata: JSON larger than ${MAX_JSON_FIELD_CHARS} characters`,
    );

    const register = RegisterWorker.safeParse({
      worker_id: 'w-1',
      metadata: { os: nested(40) },
    });
    expect(register.success).toBe(false);
    expect(formatIssues(register.error?.issues ?? [])).toMatch(/^metadata: JSON nested deeper/);

    expect(CreateTaskRequest.safeParse({ prompt: 'p', options: { extra: nested(20) } }).success).toBe(true);
  });

  it('bounds event payloads and schedule options too', () => {
    const message = TaskMessageEvent.safeParse({
      task_id: '0b9c7a52-4d1e-4a8e-9d6f-2f1c3b5a7e90',
      attempt: 1,
      seq: 1,
      worker_id: 'w-1',
      __type__: 'AssistantMessage',
      content: [{ type: 'tool_use', id: 't', name: 'n', input: veryDeep() }],
    });
    expect(formatIssues(message.error?.issues ?? [])).toMatch(/^content: JSON nested deeper/);
    const schedule = Api.schedulesCreate.request.safeParse({
      name: 's',
      prompt: 'p',
      interval_seconds: 60,
      options: { deep: veryDeep() },
    });
    expect(schedule.success).toBe(false);
    expect(formatIssues(schedule.error?.issues ?? [])).toMatch(/options: JSON nested deeper/);
  });
});
