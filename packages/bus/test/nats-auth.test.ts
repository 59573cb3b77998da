import { type NatsServerHandle, startNatsServer } from '@figaro/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsBus } from '../src/index.js';

describe('NatsBus authentication', () => {
  let server: NatsServerHandle;
  beforeAll(async () => {
    server = await startNatsServer({ users: [{ user: 'orchestrator', password: 'hunter2-long' }] });
  });
  afterAll(() => server.stop());

  it('connects with user and password', async () => {
    const bus = await NatsBus.connect({ servers: server.url, user: 'orchestrator', pass: 'hunter2-long' });
    expect(bus.kind).toBe('nats');
    await bus.close();
  });

  it('refuses a wrong password with an error that does not echo it', async () => {
    const attempt = NatsBus.connect({ servers: server.url, user: 'orchestrator', pass: 'wrong-password-x' });
    await expect(attempt).rejects.toThrow();
    await attempt.catch((err: unknown) => {
      expect(String(err)).not.toContain('wrong-password-x');
    });
  });
});
