import { describe, expect, it } from 'vitest';
import { describeBackends } from '../src/config/up-config.js';
import { ConfigError, loadEnv, loadUpConfig, redactUrl, ServerEnv } from '../src/index.js';

describe('figaro up configuration', () => {
  it('defaults to the embedded backends on 127.0.0.1:8000', () => {
    const config = loadUpConfig({ HOME: '/home/ann' }, {});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8000, bus: { kind: 'memory' } });
    expect(config.dataDir).toBe('/home/ann/.local/share/figaro');
    expect(config.store).toEqual({ kind: 'pglite', dataDir: '/home/ann/.local/share/figaro/pglite' });
  });

  it('lets flags override the environment', () => {
    const config = loadUpConfig(
      { FIGARO_PORT: '9000', FIGARO_DATA_DIR: '/srv/a' },
      { port: '9100', dataDir: '/srv/b' },
    );
    expect(config.port).toBe(9100);
    expect(config.dataDir).toBe('/srv/b');
  });

  it('selects NATS and PostgreSQL independently', () => {
    const both = loadUpConfig(
      {
        FIGARO_NATS_URL: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222',
        FIGARO_DATABASE_URL: 'postgres://u:pw@db/figaro',
      },
      { dataDir: '/d' },
    );
    expect(both.bus).toEqual({ kind: 'nats', servers: ['nats://10.0.0.5:4222', 'nats://10.0.0.6:4222'] });
    expect(both.store).toEqual({ kind: 'postgres', url: 'postgres://u:pw@db/figaro' });
    expect(describeBackends(both)).not.toContain(':pw@');
    const natsOnly = loadUpConfig({ FIGARO_NATS_URL: 'nats://127.0.0.1:4222' }, { dataDir: '/d' });
    expect(natsOnly.store.kind).toBe('pglite');
  });

  it('reads allowed origins and the reverse-proxy switch, refusing what is not an origin', () => {
    const config = loadUpConfig(
      {
        FIGARO_ALLOWED_ORIGINS: 'https://figaro.example.com, http://10.0.0.5:8080',
        FIGARO_TRUST_PROXY: 'true',
      },
      { dataDir: '/d' },
    );
    expect(config.allowedOrigins).toEqual(['https://figaro.example.com', 'http://10.0.0.5:8080']);
    expect(config.trustProxy).toBe(true);
    expect(loadUpConfig({}, { dataDir: '/d' })).toMatchObject({ allowedOrigins: [], trustProxy: false });
    expect(() =>
      loadUpConfig(
        { FIGARO_ALLOWED_ORIGINS: 'https://ok.example, https://x.example/path, *' },
        { dataDir: '/d' },
      ),
    ).toThrow(/FIGARO_ALLOWED_ORIGINS.*https:\/\/x\.example\/path/s);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      loadUpConfig(
        {
          FIGARO_PORT: 'eighty',
          FIGARO_DATABASE_URL: 'mysql://x',
          FIGARO_NATS_URL: 'http://x',
          FIGARO_LOG_LEVEL: 'loud',
        },
        { port: '-1' },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'FIGARO_PORT',
      'FIGARO_DATABASE_URL',
      'FIGARO_NATS_URL',
      'FIGARO_LOG_LEVEL',
      '--port',
    ]) {
      expect(problems).toContain(name);
    }
    expect(problems).not.toContain('mysql://x:');
  });

  it('accepts the original design names as aliases, FIGARO_ names first', () => {
    const env = loadEnv(
      ServerEnv.extend({ FIGARO_WORKER_MODEL: ServerEnv.shape.FIGARO_HOST.optional() }),
      {
        WORKER_MODEL: 'claude-a',
      },
      { FIGARO_WORKER_MODEL: 'WORKER_MODEL' },
    );
    expect(env.FIGARO_WORKER_MODEL).toBe('claude-a');
  });

  it('redacts passwords from URLs', () => {
    expect(redactUrl('postgres://figaro:s3cret@db:5432/figaro')).toBe('postgres://figaro:***@db:5432/figaro');
    expect(redactUrl('not a url')).toBe('(unparseable url)');
  });
});
